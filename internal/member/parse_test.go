package member

import (
	"testing"
	"time"

	"github.com/linli/linli"
)

func TestNormalizePhone(t *testing.T) {
	for _, c := range []struct{ in, want, code string }{
		{"13800138000", "13800138000", ""},
		{" 138 0013 8000 ", "13800138000", ""},
		{"138-0013-8000", "13800138000", ""},
		{"+86 138 0013 8000", "13800138000", ""},
		{"008613800138000", "13800138000", ""},
		{"8613800138000", "13800138000", ""},
		{"１３８００１３８０００", "13800138000", ""},
		{"19912345678", "19912345678", ""},
		{"", "", "member.phone_required"},
		{"12800138000", "", "member.phone_invalid"}, // 12x is not a mobile range
		{"1380013800", "", "member.phone_invalid"},
		{"138001380001", "", "member.phone_invalid"},
		{"021-12345678", "", "member.phone_invalid"},
		{"138a0013800", "", "member.phone_invalid"},
		{"13800138000+", "", "member.phone_invalid"},
	} {
		got, err := NormalizePhone(c.in)
		if got != c.want || linli.ErrorCode(err) != orInternal(c.code, err) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %s", c.in, got, err, c.want, c.code)
		}
		if err != nil {
			if e, _ := linli.AsError(err); e.Fields[0].Field != "phone" {
				t.Errorf("error for %q names %q", c.in, e.Fields[0].Field)
			}
		}
	}
}

func orInternal(code string, err error) string {
	if code == "" && err == nil {
		return "internal"
	}
	return code
}

func TestParseDate(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"1985-03-02", "1985-03-02"},
		{"1985/3/2", "1985-03-02"},
		{"1985.03.02", "1985-03-02"},
		{"19850302", "1985-03-02"},
		{"1985年3月2日", "1985-03-02"},
		{"1985-03-02 00:00:00", "1985-03-02"},
		{"2024-02-29", "2024-02-29"},
		{"", ""},
	} {
		got, err := ParseDate("birthday", c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"2023-02-29", "1985-13-01", "85-3-2", "1985-3", "tomorrow", "1985-03-02-01", "１９８５-03-02", "0000-00-00"} {
		if _, err := ParseDate("birthday", bad); linli.ErrorCode(err) != "member.date_invalid" {
			t.Errorf("ParseDate(%q) accepted: %v", bad, err)
		}
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, bad := range []string{"1899-12-31", "2026-01-02"} {
		if _, err := ParseBirthday(bad, now); linli.ErrorCode(err) != "member.birthday_out_of_range" {
			t.Errorf("ParseBirthday(%q) accepted: %v", bad, err)
		}
	}
}
