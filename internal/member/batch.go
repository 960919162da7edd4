package member

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/linli/linli"
)

// BatchStore is the part of storage that imports use: look up many phones at
// once and write a batch in one transaction.
type BatchStore interface {
	MembersByPhoneHashes(ctx context.Context, hashes [][]byte) ([]*Record, error)
	// SaveMembers inserts creates and updates updates in one transaction,
	// with one audit line per member; created ids are set on the records.
	SaveMembers(ctx context.Context, creates, updates []*Record, a Audit) error
}

// BatchResult counts what an import batch did.
type BatchResult struct {
	Inserted  int
	Updated   int
	Unchanged int // known phones whose row held nothing new
}

// UpsertBatch imports members keyed by phone: a new phone registers a
// member, a known phone updates the fields the row gives and keeps the
// others. The inputs must already have passed Validate; phones must be
// distinct within the batch. The batch commits whole or not at all, so a
// crash leaves a prefix of batches and re-running the import converges on
// the same end state.
func (s *Service) UpsertBatch(ctx context.Context, actor linli.Actor, ins []Input, source string) (BatchResult, error) {
	var res BatchResult
	if len(ins) == 0 {
		return res, nil
	}
	if len(ins) > maxBatch {
		return res, fmt.Errorf("member: batch of %d is larger than %d", len(ins), maxBatch)
	}
	bs, ok := s.Store.(BatchStore)
	if !ok {
		return res, fmt.Errorf("member: store does not support batches")
	}
	hashes := make([][]byte, len(ins))
	for i, in := range ins {
		hashes[i] = s.Vault.Hash("phone", in.Phone)
	}
	found, err := bs.MembersByPhoneHashes(ctx, hashes)
	if err != nil {
		return res, err
	}
	byHash := make(map[string]*Record, len(found))
	for _, r := range found {
		byHash[string(r.PhoneHash)] = r
	}
	now := s.Now()
	var creates, updates []*Record
	for i, in := range ins {
		r := byHash[string(hashes[i])]
		if r == nil {
			if in.Channel == "" {
				in.Channel = "import"
			}
			r = &Record{Status: StatusActive, CreatedBy: actor.StaffID, CreatedAt: now, LastActiveAt: now}
			s.seal(in, r, now, source)
			creates = append(creates, r)
			continue
		}
		old, err := s.open(r, true)
		if err != nil {
			return res, err
		}
		in = overlay(old, in)
		if unchanged(old, in) {
			res.Unchanged++
			continue
		}
		s.seal(in, r, now, source)
		updates = append(updates, r)
	}
	if err := s.assignCards(ctx, creates); err != nil {
		return res, err
	}
	if err := bs.SaveMembers(ctx, creates, updates, Audit{Actor: actor, Action: "member.import"}); err != nil {
		return res, err
	}
	res.Inserted, res.Updated = len(creates), len(updates)
	return res, nil
}

// unchanged reports whether writing in over old would change nothing, so
// that re-running an import neither rewrites rows nor floods the audit log.
func unchanged(old *Member, in Input) bool {
	if old.Name != in.Name || old.Phone != in.Phone || old.Gender != in.Gender || old.Birthday != in.Birthday ||
		old.Area != in.Area || old.Address != in.Address || old.Occupation != in.Occupation ||
		old.Preferences != in.Preferences {
		return false
	}
	if in.Channel != "" && in.Channel != old.Channel || in.ReferrerID != 0 && in.ReferrerID != old.ReferrerID ||
		in.StoreID != 0 && in.StoreID != old.StoreID || in.CardNo != "" && in.CardNo != old.CardNo {
		return false
	}
	if !in.CreatedAt.IsZero() && !in.CreatedAt.Equal(old.CreatedAt) {
		return false
	}
	if in.Tags != nil && !slices.Equal(in.Tags, old.Tags) {
		return false
	}
	for ch, granted := range in.Consent {
		i := slices.IndexFunc(old.Consents, func(c Consent) bool { return c.Channel == ch })
		if i < 0 || old.Consents[i].Granted != granted {
			return false
		}
	}
	return true
}

// overlay keeps the stored value of every field the import left empty.
func overlay(old *Member, in Input) Input {
	keep := func(v *string, was string) {
		if *v == "" {
			*v = was
		}
	}
	// Lists and exports give the registration time to the second or the
	// day: the same second is the stored time, not a change.
	if in.CreatedAt.Truncate(time.Second).Equal(old.CreatedAt.Truncate(time.Second)) {
		in.CreatedAt = time.Time{}
	}
	keep(&in.Name, old.Name)
	keep(&in.Gender, old.Gender)
	keep(&in.Birthday, old.Birthday)
	keep(&in.Area, old.Area)
	keep(&in.Address, old.Address)
	keep(&in.Occupation, old.Occupation)
	keep(&in.Preferences, old.Preferences)
	if len(in.Tags) > 0 { // imported tags add to the manual ones
		tags, err := CleanTags(append(append([]string{}, old.Tags...), in.Tags...))
		if err == nil {
			in.Tags = tags
		} else {
			in.Tags = nil
		}
	}
	return in
}
