package auth

import (
	"strings"
	"testing"

	"github.com/linli/linli"
)

func cheapHashing(t testing.TB) {
	old := HashParams
	HashParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	t.Cleanup(func() { HashParams = old })
}

func TestPasswordHash(t *testing.T) {
	cheapHashing(t)
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q", h)
	}
	if !CheckPassword(h, "correct horse") {
		t.Error("right password rejected")
	}
	for _, wrong := range []string{"", "correct hors", "correct horse ", "Correct horse"} {
		if CheckPassword(h, wrong) {
			t.Errorf("%q accepted", wrong)
		}
	}
	h2, _ := HashPassword("correct horse")
	if h2 == h {
		t.Error("salt not random")
	}
	// A hash made with other parameters still verifies.
	HashParams = Params{Memory: 128, Time: 2, Threads: 2, SaltLen: 8, KeyLen: 16}
	h3, _ := HashPassword("密码密码密码密码")
	if !CheckPassword(h3, "密码密码密码密码") || CheckPassword(h3, "密码密码密码密") {
		t.Error("check with other params")
	}
}

func TestPasswordDefaultParams(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB hash")
	}
	old := HashParams
	HashParams = DefaultHashParams
	t.Cleanup(func() { HashParams = old })
	h, err := HashPassword("12345678")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=1,p=2$") || !CheckPassword(h, "12345678") {
		t.Fatalf("default params: %q %v", h, err)
	}
}

func TestPasswordRules(t *testing.T) {
	cheapHashing(t)
	for _, tc := range []struct {
		pw, code string
	}{
		{"", "auth.password_too_short"},
		{"1234567", "auth.password_too_short"},
		{"一二三四五六七", "auth.password_too_short"},
		{strings.Repeat("x", MaxPasswordLen+1), "auth.password_too_long"},
		{"12345678", ""},
		{"一二三四五六七八", ""},
	} {
		_, err := HashPassword(tc.pw)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%q: %v", tc.pw, err)
			}
			continue
		}
		if linli.ErrorKind(err) != linli.KindInvalid || linli.ErrorCode(err) != tc.code {
			t.Errorf("%q: got %v, want %s", tc.pw, err, tc.code)
		}
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	cheapHashing(t)
	good, _ := HashPassword("password1")
	parts := strings.Split(good, "$")
	for _, h := range []string{
		"", "plain", "$argon2i$v=19$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=18$m=64,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=99999999,t=1,p=1$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=0$" + parts[4] + "$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$!!$" + parts[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + parts[4] + "$",
	} {
		if CheckPassword(h, "password1") {
			t.Errorf("malformed hash %q accepted", h)
		}
	}
}

func TestTokensAndKeys(t *testing.T) {
	a, b := newToken(), newToken()
	if a == b || len(a) != 43 || !validToken(a) || validToken(a[:42]) || validToken("") || validToken(a+"=") {
		t.Errorf("tokens %q %q", a, b)
	}
	key, prefix := newAPIKey()
	if !strings.HasPrefix(key, "lk_"+prefix+"_") || len(prefix) != 8 {
		t.Fatalf("key %q prefix %q", key, prefix)
	}
	if p, ok := parseAPIKey(key); !ok || p != prefix {
		t.Errorf("parse %q = %q %v", key, p, ok)
	}
	for _, bad := range []string{"", "lk_", key[:len(key)-1], "xx" + key[2:], "lk_ABCDEFGH_" + key[12:], strings.Replace(key, "_", "-", 2)} {
		if _, ok := parseAPIKey(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
