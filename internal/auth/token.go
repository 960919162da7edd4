package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"strings"
)

// tokenBytes is the entropy of session tokens, CSRF tokens and key secrets.
const tokenBytes = 32

// newToken returns 32 random bytes as unpadded base64url (43 characters).
func newToken() string {
	b := make([]byte, tokenBytes)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// validToken checks the shape of a session token before any lookup.
func validToken(t string) bool {
	b, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil && len(b) == tokenBytes
}

// tokenHash is what the database keeps instead of a token or key: a token
// has 256 bits of entropy, so a plain SHA-256 cannot be reversed, and a
// stolen table opens nothing.
func tokenHash(t string) []byte {
	h := sha256.Sum256([]byte(t))
	return h[:]
}

// API keys look like lk_<prefix>_<secret>: the prefix (8 characters) is kept
// in clear so a key can be recognised in a list; the secret is 32 random
// bytes. Lower-case base32 keeps both free of "_" and easy to read aloud.
const (
	keyTag       = "lk_"
	keyPrefixLen = 8
)

var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newAPIKey returns a fresh key and its prefix.
func newAPIKey() (key, prefix string) {
	p := make([]byte, 5) // 5 bytes = 8 base32 characters
	rand.Read(p)
	s := make([]byte, tokenBytes)
	rand.Read(s)
	prefix = keyEncoding.EncodeToString(p)
	return keyTag + prefix + "_" + keyEncoding.EncodeToString(s), prefix
}

// parseAPIKey checks a key's shape and returns its prefix.
func parseAPIKey(key string) (prefix string, ok bool) {
	rest, ok := strings.CutPrefix(key, keyTag)
	if !ok {
		return "", false
	}
	prefix, secret, ok := strings.Cut(rest, "_")
	if !ok || len(prefix) != keyPrefixLen {
		return "", false
	}
	if _, err := keyEncoding.DecodeString(prefix); err != nil {
		return "", false
	}
	b, err := keyEncoding.DecodeString(secret)
	if err != nil || len(b) != tokenBytes {
		return "", false
	}
	return prefix, true
}
