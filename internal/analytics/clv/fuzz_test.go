package clv

import (
	"bytes"
	"os"
	"testing"
	"time"
)

// head returns the first n lines of a test file, as a fuzz seed.
func head(f *testing.F, path string, n int) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	lines := bytes.SplitAfterN(b, []byte("\n"), n+1)
	return bytes.Join(lines[:n], nil)
}

func FuzzReadSummary(f *testing.F) {
	f.Add(head(f, summaryFile, 30))
	for _, s := range []string{
		"", "id,x,t_x,T\n", "id,x,t_x,T\na,1,2,3\n", "ID,X,T_X,T,ZBAR\r\n1,0,0,3,0\r\n2,2,1,3,4.5\r\n",
		"\"id\",\"x\",\"t_x\",\"T\"\n\"a\"\"b\",1,1,1\n", "id,x,t_x,T\n1,1e308,1,2\n", "id,x,t_x,T\n1,0x1p3,1,2\n",
		"id x t_x T\n1 0 0 3\n", "\xef\xbb\xbfid,x,t_x,T\n1,-0,0,0\n", "id,x,t_x,T\n1,1,NaN,2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := ReadSummary(bytes.NewReader(in))
		if err != nil {
			if s != nil {
				t.Fatal("summary and error together")
			}
			return
		}
		if len(s.Customers) == 0 {
			t.Fatal("no customers without an error")
		}
		ids := map[string]bool{}
		for _, c := range s.Customers {
			if err := c.Validate(); err != nil {
				t.Fatalf("accepted an invalid customer %+v: %v", c, err)
			}
			if c.ID == "" || ids[c.ID] {
				t.Fatalf("empty or repeated id %q", c.ID)
			}
			ids[c.ID] = true
			if s.HasSpend && c.X > 0 && c.Zbar <= 0 {
				t.Fatalf("repeat buyer without spend: %+v", c)
			}
		}
	})
}

func FuzzReadEventLog(f *testing.F) {
	f.Add(head(f, elogFile, 40))
	for _, s := range []string{
		"", "id,date\n", "id,date\n1,19970101\n1,19970101\n1,1997-01-08\n", "customer_id date dollar_value\n1 19970101 3\n",
		"id,date,sales\na,1997-01-01,1\na,2001-02-28,0\nb,0001-01-01,5\n", "id,date\n\"x,y\",19970101\n", "id,date\n1,99991231\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		l, err := ReadEventLog(bytes.NewReader(in))
		if err != nil {
			return
		}
		if len(l.Events) == 0 || l.First > l.Last {
			t.Fatalf("log without events or with first day %d after last %d", l.First, l.Last)
		}
		for _, e := range l.Events {
			if e.ID == "" || e.Sales < 0 || e.Day < l.First || e.Day > l.Last {
				t.Fatalf("bad event %+v", e)
			}
		}
		cal := dayTime(l.First + (l.Last-l.First)/2)
		s, err := l.Summary(cal, time.Time{})
		if err != nil {
			t.Fatalf("summary of a valid log: %v", err)
		}
		if len(s.Customers) == 0 || len(s.Holdout) != len(s.Customers) || s.HoldoutWeeks < 0 {
			t.Fatalf("summary %+v", s)
		}
		var total float64
		for i, c := range s.Customers {
			if err := c.Validate(); err != nil {
				t.Fatalf("built an invalid customer %+v: %v", c, err)
			}
			if s.Holdout[i] < 0 {
				t.Fatalf("negative holdout %v", s.Holdout[i])
			}
			total += c.X + 1 + s.Holdout[i]
		}
		if total > float64(len(l.Events)) {
			t.Fatalf("%v transactions from %d events", total, len(l.Events))
		}
	})
}
