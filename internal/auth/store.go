package auth

import (
	"context"
	"crypto/subtle"
	"time"

	"github.com/linli/linli"
)

// Languages a staff member may choose for the console.
var Langs = []string{"zh-CN", "en"}

// Staff is a staff account. The password hash never leaves the Store except
// through StaffByUsername, for the login check.
type Staff struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Role        string    `json:"role"`
	StoreID     int64     `json:"store_id,omitempty"` // home store; 0 = the whole chain
	Lang        string    `json:"lang"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// StaffInput creates a staff account.
type StaffInput struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Password    string `json:"password"`
	Role        string `json:"role"`
	StoreID     int64  `json:"store_id,omitempty"`
	Lang        string `json:"lang,omitempty"` // default zh-CN
}

// StaffUpdate changes an account's profile, role or store.
type StaffUpdate struct {
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	StoreID     int64  `json:"store_id,omitempty"`
	Lang        string `json:"lang"`
}

// Session is a console login. Token is the secret the browser holds (in a
// cookie); only its SHA-256 is stored, so Token is empty on sessions read
// back from the Store. CSRF must accompany every state-changing request.
type Session struct {
	Token     string    `json:"-"`
	CSRF      string    `json:"-"`
	StaffID   int64     `json:"staff_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// CheckCSRF compares a submitted CSRF token with the session's in
// constant time.
func (s *Session) CheckCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

// APIKey is a POS terminal's credential, bound to one store. The secret is
// shown once at creation and only its hash is stored.
type APIKey struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Prefix     string    `json:"prefix"` // the 8 characters after "lk_", for recognising a key
	StoreID    int64     `json:"store_id"`
	Terminal   string    `json:"terminal,omitempty"`
	CreatedBy  int64     `json:"created_by,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`   // zero while the key works
	LastUsedAt time.Time `json:"last_used_at,omitzero"` // zero when never used; updated at most once a minute
}

// Revoked reports whether the key has been revoked.
func (k *APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// Audit is one audit-log line, written in the same transaction as the change
// it describes so that the log and the data cannot disagree.
type Audit struct {
	At       time.Time
	Actor    linli.Actor
	Action   string // staff.create, apikey.revoke, auth.login …
	Entity   string // staff, api_key, store …
	EntityID int64
	StoreID  int64 // the store the change concerns, 0 for the chain
	Detail   string
}

// Store keeps staff, sessions and API keys. Lookups return (nil, nil) when
// nothing matches. Every method that takes an Audit writes it in the same
// transaction as the change.
type Store interface {
	// StoreExists reports whether the chain store with id exists.
	StoreExists(ctx context.Context, id int64) (bool, error)

	// CreateStaff inserts s; a taken username is a conflict error with code
	// "staff.username_taken". The audit line's EntityID is set to the new id.
	CreateStaff(ctx context.Context, s *Staff, passwordHash string, a Audit) (int64, error)
	// UpdateStaff writes display name, role, store, language, active and
	// updated_at. When s is inactive it also ends all of s's sessions.
	UpdateStaff(ctx context.Context, s *Staff, a Audit) error
	// SetPassword replaces the hash and ends all of the account's sessions.
	SetPassword(ctx context.Context, staffID int64, hash string, at time.Time, a Audit) error
	GetStaff(ctx context.Context, id int64) (*Staff, error)
	// StaffByUsername returns the account and its password hash.
	StaffByUsername(ctx context.Context, username string) (*Staff, string, error)
	// ListStaff lists accounts by username; storeID 0 lists every account.
	ListStaff(ctx context.Context, storeID int64) ([]*Staff, error)
	// CountActiveStaff counts active accounts holding role.
	CountActiveStaff(ctx context.Context, role string) (int, error)

	CreateSession(ctx context.Context, tokenHash []byte, s *Session, a Audit) error
	SessionByHash(ctx context.Context, tokenHash []byte) (*Session, error)
	ExtendSession(ctx context.Context, tokenHash []byte, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte, a Audit) error
	// DeleteExpiredSessions removes sessions that expired before t.
	DeleteExpiredSessions(ctx context.Context, t time.Time) (int64, error)

	// CreateAPIKey inserts k; the audit line's EntityID is set to the new id.
	CreateAPIKey(ctx context.Context, k *APIKey, keyHash []byte, a Audit) (int64, error)
	GetAPIKey(ctx context.Context, id int64) (*APIKey, error)
	APIKeyByHash(ctx context.Context, keyHash []byte) (*APIKey, error)
	// ListAPIKeys lists keys newest first; storeID 0 lists every key.
	ListAPIKeys(ctx context.Context, storeID int64) ([]*APIKey, error)
	RevokeAPIKey(ctx context.Context, id int64, at time.Time, a Audit) error
	// TouchAPIKey records a use; it is not audited.
	TouchAPIKey(ctx context.Context, id int64, at time.Time) error

	// AppendAudit writes an audit line on its own (failed logins).
	AppendAudit(ctx context.Context, a Audit) error
}
