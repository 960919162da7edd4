package locale

import (
	"slices"
	"testing"
)

func TestCatalogsAgree(t *testing.T) {
	zh, en := Keys(Chinese), Keys(English)
	for _, k := range en {
		if !slices.Contains(zh, k) {
			t.Errorf("key %q has no Chinese text", k)
		}
	}
	for _, k := range zh {
		if !slices.Contains(en, k) {
			t.Errorf("key %q has no English text", k)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, c := range []struct{ header, want string }{
		{"", English},
		{"zh-CN,zh;q=0.9,en;q=0.8", Chinese},
		{"en-US,en;q=0.9", English},
		{"fr-FR, en;q=0.5, zh;q=0.7", Chinese},
		{"de", English},
		{"en;q=bad, zh", Chinese},
	} {
		if got := Negotiate(c.header, English); got != c.want {
			t.Errorf("Negotiate(%q) = %q, want %q", c.header, got, c.want)
		}
	}
}

func TestFallback(t *testing.T) {
	if got := T(Chinese, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key gave %q", got)
	}
}
