// Package privacy seals personal data at rest and derives the keyed hashes
// that let the store find a member by phone without holding the phone.
//
// One master key (32 bytes from configuration) is stretched into separate
// sub-keys with HMAC-SHA256 labels, so that the encryption key, the lookup
// hash key and the QR signing key are independent: leaking a hash never
// helps decrypt, and a forged QR code needs the signing key.
package privacy

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of the master key in bytes.
const KeySize = 32

// version is the first byte of every sealed value, so that a later key or
// algorithm can be introduced without rewriting old rows at once.
const version byte = 1

// Vault seals and opens personal fields and computes lookup hashes.
type Vault struct {
	aead    cipher.AEAD
	hashKey []byte
	signKey []byte
}

// ParseKey reads a master key written as 64 hex digits or standard base64.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	return nil, errors.New("privacy: the key must be 32 bytes written as 64 hex digits or base64")
}

// NewKey makes a random master key, written as hex.
func NewKey() string {
	b := make([]byte, KeySize)
	if _, err := rand.Read(b); err != nil {
		panic("privacy: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// New builds a vault from a 32-byte master key.
func New(master []byte) (*Vault, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("privacy: master key is %d bytes, want %d", len(master), KeySize)
	}
	block, err := aes.NewCipher(derive(master, "linli/seal/v1"))
	if err != nil {
		return nil, fmt.Errorf("privacy: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("privacy: gcm: %w", err)
	}
	return &Vault{aead: aead, hashKey: derive(master, "linli/lookup/v1"), signKey: derive(master, "linli/sign/v1")}, nil
}

func derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// Seal encrypts plaintext. The empty string stays empty (nil), so that
// "missing" remains visible to the data-quality report without decrypting.
// field is bound as associated data: a name cannot be pasted into the phone
// column of another row and decrypt.
func (v *Vault) Seal(field, plaintext string) []byte {
	if plaintext == "" {
		return nil
	}
	nonce := make([]byte, v.aead.NonceSize(), 1+v.aead.NonceSize()+len(plaintext)+v.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("privacy: no randomness: " + err.Error())
	}
	out := append([]byte{version}, nonce...)
	return v.aead.Seal(out, nonce, []byte(plaintext), []byte(field))
}

// Open decrypts what Seal produced for the same field.
func (v *Vault) Open(field string, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	ns := v.aead.NonceSize()
	if sealed[0] != version || len(sealed) < 1+ns+v.aead.Overhead() {
		return "", errors.New("privacy: sealed value has an unknown format")
	}
	plain, err := v.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], []byte(field))
	if err != nil {
		return "", fmt.Errorf("privacy: cannot open %s (wrong key?): %w", field, err)
	}
	return string(plain), nil
}

// Hash is the keyed lookup hash of a normalised value (phone, name,
// name+birthday). Empty input gives nil so that SQL unique indexes ignore it.
func (v *Vault) Hash(kind, normalised string) []byte {
	if normalised == "" {
		return nil
	}
	m := hmac.New(sha256.New, v.hashKey)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(normalised))
	return m.Sum(nil)[:20]
}

// Sign returns a short MAC of msg for the QR payload.
func (v *Vault) Sign(msg string) string {
	m := hmac.New(sha256.New, v.signKey)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:12])
}

// Verify checks a MAC made by Sign in constant time.
func (v *Vault) Verify(msg, mac string) bool {
	return hmac.Equal([]byte(v.Sign(msg)), []byte(mac))
}

// MaskPhone shows the first three and last four digits: 138****1234.
func MaskPhone(p string) string {
	r := []rune(p)
	if len(r) < 8 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// MaskName keeps the family name (the first character): 张**.
func MaskName(n string) string {
	r := []rune(n)
	if len(r) == 0 {
		return ""
	}
	if len(r) == 1 {
		return "*"
	}
	return string(r[:1]) + strings.Repeat("*", len(r)-1)
}

// MaskDate keeps the year only: 1985-**-**.
func MaskDate(d string) string {
	if len(d) < 4 {
		return ""
	}
	return d[:4] + "-**-**"
}

// MaskText hides free text such as an address entirely but its first two runes.
func MaskText(s string) string {
	r := []rune(s)
	if len(r) <= 2 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:2]) + "****"
}
