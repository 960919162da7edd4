// Package member holds members: registration, editing, finding, tags,
// consent, the signed QR payload, data quality, duplicates and merge, and
// the privacy duties (export, erasure, retention). Personal fields are sealed
// by a privacy.Vault before they reach the Store, so storage never sees them
// in clear.
package member

import (
	"context"
	"time"

	"github.com/linli/linli"
)

// Genders accepted in Member.Gender; "" means unknown.
const (
	GenderFemale = "F"
	GenderMale   = "M"
)

// Statuses of a member record.
const (
	StatusActive   = "active"
	StatusInactive = "inactive" // deactivated by staff; kept, not found at the till
	StatusMerged   = "merged"   // folded into another member (MergedInto)
	StatusErased   = "erased"   // personal data removed on request or by retention
)

// Channels for marketing consent.
var ConsentChannels = []string{"sms", "wechat", "email", "app"}

// Acquisition channels: how the member came to us.
var AcquisitionChannels = []string{"counter", "mobile", "import", "referral", "online", "event", "other"}

// Input is what staff, the API or an import gives to create or change a
// member. Plain text; the service validates and seals it.
type Input struct {
	Name        string   `json:"name"`
	Phone       string   `json:"phone"`
	Gender      string   `json:"gender,omitempty"`
	Birthday    string   `json:"birthday,omitempty"`
	Area        string   `json:"area,omitempty"`    // residential compound (小区) or area
	Address     string   `json:"address,omitempty"` // building / unit; sealed
	Occupation  string   `json:"occupation,omitempty"`
	Preferences string   `json:"preferences,omitempty"`
	Channel     string   `json:"channel,omitempty"`
	ReferrerID  int64    `json:"referrer_id,omitempty"`
	CardNo      string   `json:"card_no,omitempty"` // assigned when empty
	StoreID     int64    `json:"store_id,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// Consent maps channel → granted; absent channels are left as they are.
	Consent map[string]bool `json:"consent,omitempty"`
	// CreatedAt is when the member registered, for members brought over
	// from an earlier system or list; zero means now. It must lie between
	// 1990 and now.
	CreatedAt time.Time `json:"created_at,omitzero"`
	// KeepSealed makes Update keep the stored name, phone, birthday and
	// address where the input leaves them empty: staff who may not see
	// personal data edit the other fields without ever reading them.
	KeepSealed bool `json:"-"`
}

// Member is a member as the domain sees it, personal fields in clear (or
// masked, see Masked).
type Member struct {
	ID           int64     `json:"id"`
	CardNo       string    `json:"card_no"`
	Name         string    `json:"name"`
	Phone        string    `json:"phone"`
	Gender       string    `json:"gender"`
	Birthday     string    `json:"birthday"`
	Area         string    `json:"area"`
	Address      string    `json:"address"`
	Occupation   string    `json:"occupation"`
	Preferences  string    `json:"preferences"`
	Channel      string    `json:"channel"`
	ReferrerID   int64     `json:"referrer_id,omitempty"`
	StoreID      int64     `json:"store_id,omitempty"`
	Status       string    `json:"status"`
	MergedInto   int64     `json:"merged_into,omitempty"`
	Tags         []string  `json:"tags"`
	Consents     []Consent `json:"consents"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	LastActiveAt time.Time `json:"last_active_at"`
	Masked       bool      `json:"masked"` // true when personal fields are masked for this viewer
}

// Consent is one channel's marketing permission.
type Consent struct {
	Channel   string    `json:"channel"`
	Granted   bool      `json:"granted"`
	Source    string    `json:"source"`
	ChangedAt time.Time `json:"changed_at"`
}

// Record is a member as stored: personal fields sealed or hashed.
type Record struct {
	ID           int64
	CardNo       string
	PhoneHash    []byte
	PhoneEnc     []byte
	NameHash     []byte
	NameEnc      []byte
	BirthdayEnc  []byte
	IdentityHash []byte
	AddressEnc   []byte
	Gender       string
	BirthYear    int // 0 when unknown
	Area         string
	Occupation   string
	Preferences  string
	Channel      string
	ReferrerID   int64
	StoreID      int64
	Status       string
	MergedInto   int64
	CreatedBy    int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
	LastActiveAt time.Time
	Tags         []string
	Consents     []Consent
}

// Audit is one audit-log line written in the same transaction as the change
// it describes, so the log and the data cannot disagree.
type Audit struct {
	Actor    linli.Actor
	Action   string
	EntityID int64
	Detail   string
}

// Filter narrows a member listing. Cursor pagination: After is the last id
// of the previous page; results come in descending id order (newest first).
type Filter struct {
	StoreID int64
	Status  string // "" = active
	Tag     string
	Area    string
	After   int64 // cursor: list ids below this one (0 = from the newest)
	Limit   int
}

// QualityCounts is one row of the data-quality report.
type QualityCounts struct {
	StoreID        int64 `json:"store_id"`
	Members        int   `json:"members"`
	MissingName    int   `json:"missing_name"`
	MissingBirth   int   `json:"missing_birthday"`
	MissingGender  int   `json:"missing_gender"`
	MissingArea    int   `json:"missing_area"`
	MissingChannel int   `json:"missing_channel"`
	NoConsent      int   `json:"no_consent"`
	Stale          int   `json:"stale"` // not active for a year
	InvalidGender  int   `json:"invalid_gender"`
	CreatedByStaff int64 `json:"-"`
}

// Counts are the headline member numbers of the start page.
type Counts struct {
	Active   int64 `json:"active"`
	New      int64 `json:"new"` // active members created since the time asked for
	Inactive int64 `json:"inactive"`
}

// Store keeps member records. Implementations must make each method atomic:
// the record, its tags, consents and the audit line commit together or not
// at all.
type Store interface {
	CreateMember(ctx context.Context, r *Record, a Audit) (int64, error)
	UpdateMember(ctx context.Context, r *Record, a Audit) error
	GetMember(ctx context.Context, id int64) (*Record, error)
	MemberByPhoneHash(ctx context.Context, h []byte) (*Record, error)
	MemberByCard(ctx context.Context, card string) (*Record, error)
	MembersByNameHash(ctx context.Context, h []byte, limit int) ([]*Record, error)
	ListMembers(ctx context.Context, f Filter) ([]*Record, error)
	// MergeMembers moves everything that points at from to into, marks from
	// as merged, and writes the audit line.
	MergeMembers(ctx context.Context, from, into int64, a Audit) error
	// DuplicateGroups returns ids that share an identity hash or a name hash
	// and area, in groups of two or more.
	DuplicateGroups(ctx context.Context, limit int) ([][]int64, error)
	Quality(ctx context.Context, staleBefore time.Time) ([]QualityCounts, error)
	// CountMembers counts members by status, and the active ones created
	// since the given time.
	CountMembers(ctx context.Context, since time.Time) (Counts, error)
	// InactiveSince lists active members whose last activity is before t.
	InactiveSince(ctx context.Context, t time.Time, limit int) ([]int64, error)
	// CardOwners maps those of cards that belong to a member already to
	// the owner's phone hash (empty when the owner has none).
	CardOwners(ctx context.Context, cards []string) (map[string][]byte, error)
	// StoreExists reports whether the chain store id exists.
	StoreExists(ctx context.Context, id int64) (bool, error)
	// AppendAudit writes an audit line on its own (unmasked views).
	AppendAudit(ctx context.Context, a Audit) error
}
