package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/linli/linli"
)

// Password length limits, in characters. The upper bound only keeps a
// megabyte "password" from being hashed.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultHashParams cost 64 MiB and well under a second on a two-core box.
var DefaultHashParams = Params{Memory: 64 * 1024, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}

// HashParams are used for new hashes; tests lower them to stay fast.
// Existing hashes carry their own parameters, so changing this never locks
// anybody out.
var HashParams = DefaultHashParams

// hashSlots bounds how many hashes run at once: each one holds Memory KiB,
// and a burst of logins must not exhaust a small machine.
var hashSlots = make(chan struct{}, 2)

// ValidatePassword checks the length rules.
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		return linli.Invalid("auth.password_too_short", "password", "the password must have at least %d characters", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return linli.Invalid("auth.password_too_long", "password", "the password must have at most %d characters", MaxPasswordLen)
	}
	return nil
}

// HashPassword validates pw and returns its argon2id hash as a PHC string:
// $argon2id$v=19$m=65536,t=1,p=2$<salt>$<hash> (unpadded standard base64).
func HashPassword(pw string) (string, error) {
	if err := ValidatePassword(pw); err != nil {
		return "", err
	}
	p := HashParams
	salt := make([]byte, p.SaltLen)
	rand.Read(salt)
	key := derive(pw, salt, p)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the encoded hash, comparing in
// constant time. A malformed hash never matches.
func CheckPassword(encoded, pw string) bool {
	p, salt, want, err := decodeHash(encoded)
	if err != nil || len(pw) > 4*MaxPasswordLen {
		return false
	}
	got := derive(pw, salt, p)
	return subtle.ConstantTimeCompare(got, want) == 1
}

func derive(pw string, salt []byte, p Params) []byte {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

var errBadHash = errors.New("auth: malformed password hash")

func decodeHash(s string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, errBadHash
	}
	// Bounds keep a tampered row from making a login allocate gigabytes.
	if p.Memory < 8 || p.Memory > 1024*1024 || p.Time < 1 || p.Time > 16 || p.Threads < 1 {
		return p, nil, nil, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errBadHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}
