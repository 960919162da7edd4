// Package audit reads the audit log: who did what to which record, and
// who looked at whose personal data. Lines are written by the stores of
// the other domains in the same transaction as the change they describe;
// this package only lists them, confined to the reader's store.
package audit

import (
	"context"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
)

// Entry is one audit-log line.
type Entry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	StaffID  int64     `json:"staff_id,omitempty"`
	APIKeyID int64     `json:"api_key_id,omitempty"`
	Actor    string    `json:"actor"`  // username, key name or "system"
	Action   string    `json:"action"` // member.create, member.unmask, auth.login …
	Entity   string    `json:"entity"`
	EntityID int64     `json:"entity_id,omitempty"`
	StoreID  int64     `json:"store_id,omitempty"`
	Detail   string    `json:"detail"`
	IP       string    `json:"ip"`
}

// Filter narrows a listing. Lines come newest first; Before is the cursor
// (list ids below it, 0 = from the newest).
type Filter struct {
	Entity   string
	EntityID int64
	Action   string
	StoreID  int64 // 0 = every store
	Before   int64
	Limit    int
}

// Reader lists audit lines matching a filter, newest first, at most
// f.Limit of them.
type Reader interface {
	List(ctx context.Context, f Filter) ([]Entry, error)
}

// MaxLimit caps one page.
const MaxLimit = 200

// Page returns one page of the lines actor may read and the cursor of the
// next page (0 when there is none). A store-bound reader sees only lines
// of their store, whatever the filter says.
func Page(ctx context.Context, r Reader, actor linli.Actor, f Filter) ([]Entry, int64, error) {
	if scope := auth.Scope(actor); scope != 0 {
		f.StoreID = scope
	}
	if err := auth.Require(actor, auth.AuditRead, f.StoreID); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > MaxLimit {
		f.Limit = 50
	}
	want := f.Limit
	f.Limit++
	list, err := r.List(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(list) > want {
		list = list[:want]
		next = list[want-1].ID
	}
	if list == nil {
		list = []Entry{}
	}
	return list, next, nil
}
