package clv

import (
	"strings"
	"testing"
)

func TestReadSummaryCDNOW(t *testing.T) {
	s := readSummaryFile(t, summaryFile)
	if len(s.Customers) != 2357 || !s.HasSpend || s.Holdout != nil {
		t.Fatalf("got %d customers, spend %v, holdout %v; want 2357, true, nil", len(s.Customers), s.HasSpend, s.Holdout)
	}
	var zeros, repeat int
	var zbar float64
	for _, c := range s.Customers {
		if c.X == 0 {
			zeros++
		} else {
			repeat++
			zbar += c.Zbar
		}
	}
	if x := RepeatTransactions(s.Customers); x != 2457 || zeros != 1411 || repeat != 946 {
		t.Errorf("x sum %v, %d with x = 0, %d with x > 0; want 2457, 1411, 946", x, zeros, repeat)
	}
	near(t, "mean zbar of repeat buyers", zbar/float64(repeat), 35.0786, 5e-5)
	want := Customer{ID: "1", X: 2, TX: 30.43, T: 38.86, Zbar: 22.35}
	if s.Customers[0] != want {
		t.Errorf("first customer %+v, want %+v", s.Customers[0], want)
	}
}

func TestReadSummaryFormats(t *testing.T) {
	tests := []struct {
		name, in string
		want     []Customer
		spend    bool
	}{
		{"minimal", "id,x,t_x,T\na,1,2,3\nb,0,0,4\n",
			[]Customer{{ID: "a", X: 1, TX: 2, T: 3}, {ID: "b", T: 4}}, false},
		{"case, order, extra columns, CRLF, BOM, blank lines", "\ufeffT,Extra,ZBAR,X,T_X,ID\r\n3,q,9.5,1,2,a\r\n\r\n4,q,0,0,0,b\r\n",
			[]Customer{{ID: "a", X: 1, TX: 2, T: 3, Zbar: 9.5}, {ID: "b", T: 4}}, true},
		{"BTYD names", "cust,x,t.x,T.cal,m.x\n7,2,1.5,10,3\n",
			[]Customer{{ID: "7", X: 2, TX: 1.5, T: 10, Zbar: 3}}, true},
		{"lifetimes names", "customer_id,frequency,recency,T,monetary_value\n7,2,1.5,10,3\n",
			[]Customer{{ID: "7", X: 2, TX: 1.5, T: 10, Zbar: 3}}, true},
		{"quoted", "\"id\",\"x\",\"t_x\",\"T\"\n\"a, b\",1,2,3\n",
			[]Customer{{ID: "a, b", X: 1, TX: 2, T: 3}}, false},
		{"spaces around values", "id, x, t_x, T\n a , 1 , 2 , 3 \n",
			[]Customer{{ID: "a", X: 1, TX: 2, T: 3}}, false},
		{"no final newline, t_x = T", "id,x,t_x,T\na,3,5,5",
			[]Customer{{ID: "a", X: 3, TX: 5, T: 5}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ReadSummary(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if s.HasSpend != tt.spend || len(s.Customers) != len(tt.want) {
				t.Fatalf("got %+v, want %+v (spend %v)", s.Customers, tt.want, tt.spend)
			}
			for i := range tt.want {
				if s.Customers[i] != tt.want[i] {
					t.Errorf("customer %d = %+v, want %+v", i, s.Customers[i], tt.want[i])
				}
			}
		})
	}
}

func TestReadSummaryErrors(t *testing.T) {
	const head = "id,x,t_x,T,zbar\n"
	tests := []struct{ name, in, want string }{
		{"empty", "", "empty"},
		{"blank", "\n\n", "empty"},
		{"header only", head, "no customer rows"},
		{"missing column", "id,x,T\n1,0,0\n", "no t_x column"},
		{"two id columns", "id,customer_id,x,t_x,T\n1,1,0,0,3\n", "two columns for id"},
		{"short row", head + "1,0,0\n", "line 2: 3 fields, T is missing"},
		{"empty id", head + ",0,0,3,0\n", "line 2: empty id"},
		{"not a number", head + "1,two,0,3,0\n", `line 2: x: "two" is not a number`},
		{"empty value", head + "1,1,,3,5\n", "line 2: t_x: empty value"},
		{"NaN", head + "1,0,0,NaN,0\n", "line 2: T: \"NaN\" is not a finite number"},
		{"Inf", head + "1,0,0,3,Inf\n", "not a finite number"},
		{"negative", head + "1,0,0,-3,0\n", "line 2: customer \"1\": T is negative"},
		{"fractional x", head + "1,1.5,2,3,4\n", "x must be a whole number"},
		{"one field", head + "1\n", "1 fields"},
		{"t_x > T", head + "1,1,4,3,2\n", "t_x (4) is after T (3)"},
		{"repeat without time", head + "1,2,0,3,2\n", "x is 2 but t_x is 0"},
		{"time without repeat", head + "1,0,1,3,0\n", "x is 0 but t_x is 1"},
		{"zbar without repeat", head + "1,0,0,3,7\n", "x is 0 but zbar is 7"},
		{"zero zbar with repeat", head + "1,1,1,3,0\n", "zbar is 0 with x = 1"},
		{"duplicate id", head + "1,0,0,3,0\n2,0,0,3,0\n1,0,0,3,0\n", "line 4: customer \"1\" already appeared on line 2"},
		{"bad quoting", "id,x,t_x,T\n\"1,0,0,3\n", "read summary"},
		{"binary", "\x00\x01\x02", "no id column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ReadSummary(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("no error, got %+v", s)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestValidateCustomers(t *testing.T) {
	if _, err := FitBGNBD(nil); err == nil {
		t.Error("FitBGNBD(nil) gave no error")
	}
	bad := []Customer{{ID: "a", X: 1, TX: 2, T: 3}, {ID: "b", X: 1, TX: 4, T: 3}}
	for name, fit := range map[string]func([]Customer) error{
		"BG/NBD":      func(cs []Customer) error { _, err := FitBGNBD(cs); return err },
		"Pareto/NBD":  func(cs []Customer) error { _, err := FitParetoNBD(cs); return err },
		"gamma-gamma": func(cs []Customer) error { _, err := FitGammaGamma(cs); return err },
	} {
		if err := fit(bad); err == nil || !strings.Contains(err.Error(), `customer "b" (#2)`) {
			t.Errorf("%s: error %v, want one naming customer b", name, err)
		}
		if err := fit([]Customer{{ID: "a", T: 3}, {ID: "b", T: 5}}); err == nil || !strings.Contains(err.Error(), "no customer has a repeat purchase") {
			t.Errorf("%s without repeat buyers: error %v", name, err)
		}
	}
}
