package member

import (
	"testing"
	"time"
)

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138-1234-5678", "0086 13812345678", "（138）1234 5678",
		"１３８１２３４５６７８", "12345", "", "+", "86", "138\u30001234\u30005678", "+8613812345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := NormalizePhone(s)
		if err != nil {
			if p != "" {
				t.Fatalf("NormalizePhone(%q) = %q with error %v", s, p, err)
			}
			return
		}
		if len(p) != 11 || p[0] != '1' || p[1] < '3' || p[1] > '9' || !isDigits(p) {
			t.Fatalf("NormalizePhone(%q) = %q, not a mobile number", s, p)
		}
		if again, err := NormalizePhone(p); err != nil || again != p {
			t.Fatalf("NormalizePhone(%q) = %q, %v; want itself", p, again, err)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2006-01-02", "2006/1/2", "2006.1.2", "20060102", "2006年1月2日", "2023-02-30",
		"1990-01-02 10:00:00", "1990-01-02T10:00:00Z", "", "0000-01-01", "9999-12-31", "2006-1-", "２００６-01-02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate("birthday", s)
		if err != nil || d == "" {
			return
		}
		if len(d) != 10 || d[4] != '-' || d[7] != '-' || !isDigits(d[:4]) || !isDigits(d[5:7]) || !isDigits(d[8:]) {
			t.Fatalf("ParseDate(%q) = %q, not YYYY-MM-DD", s, d)
		}
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			t.Fatalf("ParseDate(%q) = %q, not a date: %v", s, d, err)
		}
		if again, err := ParseDate("birthday", d); err != nil || again != d {
			t.Fatalf("ParseDate(%q) = %q, %v; want itself", d, again, err)
		}
	})
}
