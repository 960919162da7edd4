// Package shop holds the chain's stores (门店): their codes, names, time
// zones and contact details. Members are shared across the chain; staff,
// terminals and reports belong to a store.
package shop

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // a binary on a bare machine must still know Asia/Shanghai
	"unicode/utf8"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
)

// DefaultTimezone is the time zone of a store that names none.
const DefaultTimezone = linli.DefaultZone

const (
	maxNameLen    = 64
	maxAddressLen = 200
	maxPhoneLen   = 32
)

// Store is one shop of the chain.
type Store struct {
	ID        int64     `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Timezone  string    `json:"timezone"`
	Address   string    `json:"address"`
	Phone     string    `json:"phone"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

// Location is the store's time zone, for business days, birthdays and
// expiry dates. A zone that no longer loads falls back to the default.
func (s *Store) Location() *time.Location {
	if loc, err := time.LoadLocation(s.Timezone); err == nil {
		return loc
	}
	loc, _ := time.LoadLocation(DefaultTimezone)
	return loc
}

// Input creates or changes a store.
type Input struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Timezone string `json:"timezone,omitempty"` // default Asia/Shanghai
	Address  string `json:"address,omitempty"`
	Phone    string `json:"phone,omitempty"`
	// Active is ignored on creation (a new store is active); on update nil
	// leaves it as it is.
	Active *bool `json:"active,omitempty"`
}

// Repo keeps stores. Lookups return (nil, nil) when nothing matches. A
// taken code is a conflict error with code "store.code_taken". Writes
// record their audit line in the same transaction.
type Repo interface {
	CreateStore(ctx context.Context, s *Store, a auth.Audit) (int64, error)
	UpdateStore(ctx context.Context, s *Store, a auth.Audit) error
	GetStore(ctx context.Context, id int64) (*Store, error)
	// ListStores lists every store by code.
	ListStores(ctx context.Context) ([]*Store, error)
}

// Service manages stores.
type Service struct {
	repo Repo
	now  linli.Clock
}

// New builds a Service.
func New(repo Repo, now linli.Clock) *Service {
	if now == nil {
		now = linli.SystemClock
	}
	return &Service{repo: repo, now: now}
}

var codeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$`) })

// validate trims in and checks it, filling in the default time zone.
func validate(in *Input) error {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.Timezone = strings.TrimSpace(in.Timezone)
	in.Address = strings.TrimSpace(in.Address)
	in.Phone = strings.TrimSpace(in.Phone)
	if in.Timezone == "" {
		in.Timezone = DefaultTimezone
	}
	var v linli.Validation
	if !codeRE().MatchString(in.Code) {
		v.Add("code", "store.code_invalid", "the code must be 1–16 letters, digits, dashes or underscores")
	}
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		v.Add("name", "store.name_required", "the store needs a name")
	case n > maxNameLen:
		v.Add("name", "store.name_too_long", "the name must have at most %d characters", maxNameLen)
	}
	// "Local" would mean the server's zone, which is not the store's.
	if _, err := time.LoadLocation(in.Timezone); err != nil || in.Timezone == "Local" {
		v.Add("timezone", "store.timezone_invalid", "%q is not a known time zone (e.g. Asia/Shanghai)", in.Timezone)
	}
	if utf8.RuneCountInString(in.Address) > maxAddressLen {
		v.Add("address", "store.address_too_long", "the address must have at most %d characters", maxAddressLen)
	}
	if utf8.RuneCountInString(in.Phone) > maxPhoneLen {
		v.Add("phone", "store.phone_too_long", "the phone must have at most %d characters", maxPhoneLen)
	}
	return v.Err()
}

// Create adds a store; only owners (store.manage) may.
func (s *Service) Create(ctx context.Context, actor linli.Actor, in Input) (*Store, error) {
	if err := auth.Require(actor, auth.StoreManage, 0); err != nil {
		return nil, err
	}
	if err := validate(&in); err != nil {
		return nil, err
	}
	st := &Store{Code: in.Code, Name: in.Name, Timezone: in.Timezone, Address: in.Address, Phone: in.Phone,
		Active: true, CreatedAt: s.now()}
	id, err := s.repo.CreateStore(ctx, st, s.audit(actor, "store.create", 0, "code="+st.Code))
	if err != nil {
		if linli.ErrorKind(err) != linli.KindInternal {
			return nil, err
		}
		return nil, fmt.Errorf("shop: create store: %w", err)
	}
	st.ID = id
	return st, nil
}

// Update changes a store.
func (s *Service) Update(ctx context.Context, actor linli.Actor, id int64, in Input) (*Store, error) {
	if err := auth.Require(actor, auth.StoreManage, id); err != nil {
		return nil, err
	}
	st, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := validate(&in); err != nil {
		return nil, err
	}
	var changes []string
	note := func(field string, changed bool) {
		if changed {
			changes = append(changes, field)
		}
	}
	note("code="+in.Code, in.Code != st.Code)
	note("name", in.Name != st.Name)
	note("timezone="+in.Timezone, in.Timezone != st.Timezone)
	note("address", in.Address != st.Address)
	note("phone", in.Phone != st.Phone)
	active := st.Active
	if in.Active != nil {
		active = *in.Active
	}
	note(fmt.Sprintf("active=%v", active), active != st.Active)
	if len(changes) == 0 {
		return st, nil
	}
	st.Code, st.Name, st.Timezone, st.Address, st.Phone, st.Active = in.Code, in.Name, in.Timezone, in.Address, in.Phone, active
	if err := s.repo.UpdateStore(ctx, st, s.audit(actor, "store.update", st.ID, strings.Join(changes, " "))); err != nil {
		if linli.ErrorKind(err) != linli.KindInternal {
			return nil, err
		}
		return nil, fmt.Errorf("shop: update store %d: %w", id, err)
	}
	return st, nil
}

// Get returns one store; "store.not_found" when there is none.
func (s *Service) Get(ctx context.Context, id int64) (*Store, error) {
	st, err := s.repo.GetStore(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("shop: get store %d: %w", id, err)
	}
	if st == nil {
		return nil, linli.Errorf(linli.KindNotFound, "store.not_found", "store %d does not exist", id)
	}
	return st, nil
}

// List returns every store by code; store names and addresses are public
// (the member page lists them), so no permission is needed.
func (s *Service) List(ctx context.Context) ([]*Store, error) {
	list, err := s.repo.ListStores(ctx)
	if err != nil {
		return nil, fmt.Errorf("shop: list stores: %w", err)
	}
	return list, nil
}

func (s *Service) audit(a linli.Actor, action string, id int64, detail string) auth.Audit {
	return auth.Audit{At: s.now(), Actor: a, Action: action, Entity: "store", EntityID: id, StoreID: id, Detail: detail}
}
