package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/member"
)

// Members implements member.Store and member.BatchStore.
type Members struct{ db *DB }

// NewMembers returns the member store on db.
func NewMembers(db *DB) *Members { return &Members{db: db} }

var (
	_ member.Store      = (*Members)(nil)
	_ member.BatchStore = (*Members)(nil)
)

const memberCols = `id, card_no, phone_hash, phone_enc, name_hash, name_enc, birthday_enc, identity_hash,
	address_enc, gender, birth_year, area, occupation, preferences, channel, referrer_id, store_id, status,
	merged_into, created_by, created_at, updated_at, last_active_at`

type scanner interface{ Scan(dest ...any) error }

func scanMember(s scanner) (*member.Record, error) {
	var r member.Record
	var birthYear, referrer, storeID, merged, createdBy sql.NullInt64
	var created, updated, active int64
	err := s.Scan(&r.ID, &r.CardNo, &r.PhoneHash, &r.PhoneEnc, &r.NameHash, &r.NameEnc, &r.BirthdayEnc,
		&r.IdentityHash, &r.AddressEnc, &r.Gender, &birthYear, &r.Area, &r.Occupation, &r.Preferences,
		&r.Channel, &referrer, &storeID, &r.Status, &merged, &createdBy, &created, &updated, &active)
	if err != nil {
		return nil, err
	}
	r.BirthYear, r.ReferrerID, r.StoreID = int(birthYear.Int64), referrer.Int64, storeID.Int64
	r.MergedInto, r.CreatedBy = merged.Int64, createdBy.Int64
	r.CreatedAt, r.UpdatedAt, r.LastActiveAt = FromMillis(created), FromMillis(updated), FromMillis(active)
	return &r, nil
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func (m *Members) conflict(err error, r *member.Record) error {
	if !IsUnique(err) {
		return fmt.Errorf("store: save member: %w", err)
	}
	msg := err.Error()
	if strings.Contains(msg, "card_no") {
		return linli.Invalid("member.card_taken", "card_no", "card number %s belongs to another member", r.CardNo)
	}
	e := linli.Invalid("member.phone_taken", "phone", "this phone number is already registered to another member")
	e.Kind = linli.KindConflict
	return e
}

func insertMember(ctx context.Context, tx *Tx, r *member.Record) (int64, error) {
	return tx.InsertID(ctx, `INSERT INTO members (card_no, phone_hash, phone_enc, name_hash, name_enc,
		birthday_enc, identity_hash, address_enc, gender, birth_year, area, occupation, preferences, channel,
		referrer_id, store_id, status, merged_into, created_by, created_at, updated_at, last_active_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.CardNo, nullBytes(r.PhoneHash), nullBytes(r.PhoneEnc), nullBytes(r.NameHash), nullBytes(r.NameEnc),
		nullBytes(r.BirthdayEnc), nullBytes(r.IdentityHash), nullBytes(r.AddressEnc), r.Gender, nullID(int64(r.BirthYear)),
		r.Area, r.Occupation, r.Preferences, r.Channel, nullID(r.ReferrerID), nullID(r.StoreID), r.Status,
		nullID(r.MergedInto), nullID(r.CreatedBy), Millis(r.CreatedAt), Millis(r.UpdatedAt), Millis(r.LastActiveAt))
}

func updateMember(ctx context.Context, tx *Tx, r *member.Record) error {
	res, err := tx.Exec(ctx, `UPDATE members SET card_no = ?, phone_hash = ?, phone_enc = ?, name_hash = ?,
		name_enc = ?, birthday_enc = ?, identity_hash = ?, address_enc = ?, gender = ?, birth_year = ?, area = ?,
		occupation = ?, preferences = ?, channel = ?, referrer_id = ?, store_id = ?, status = ?, merged_into = ?,
		created_at = ?, updated_at = ?, last_active_at = ? WHERE id = ?`,
		r.CardNo, nullBytes(r.PhoneHash), nullBytes(r.PhoneEnc), nullBytes(r.NameHash), nullBytes(r.NameEnc),
		nullBytes(r.BirthdayEnc), nullBytes(r.IdentityHash), nullBytes(r.AddressEnc), r.Gender, nullID(int64(r.BirthYear)),
		r.Area, r.Occupation, r.Preferences, r.Channel, nullID(r.ReferrerID), nullID(r.StoreID), r.Status,
		nullID(r.MergedInto), Millis(r.CreatedAt), Millis(r.UpdatedAt), Millis(r.LastActiveAt), r.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return linli.Errorf(linli.KindNotFound, "member.not_found", "member %d not found", r.ID)
	}
	return nil
}

// saveChildren replaces tags and consents when the record carries them
// (nil means "unchanged"); fresh records have nothing to delete.
func saveChildren(ctx context.Context, tx *Tx, r *member.Record, actor linli.Actor, fresh bool) error {
	if r.Tags != nil {
		if !fresh {
			if _, err := tx.Exec(ctx, `DELETE FROM member_tags WHERE member_id = ?`, r.ID); err != nil {
				return err
			}
		}
		for _, t := range r.Tags {
			if _, err := tx.Exec(ctx, `INSERT INTO member_tags (member_id, tag, created_by, created_at) VALUES (?, ?, ?, ?)`,
				r.ID, t, nullID(actor.StaffID), Millis(r.UpdatedAt)); err != nil {
				return err
			}
		}
	}
	if r.Consents != nil {
		if !fresh {
			if _, err := tx.Exec(ctx, `DELETE FROM member_consents WHERE member_id = ?`, r.ID); err != nil {
				return err
			}
		}
		for _, c := range r.Consents {
			if _, err := tx.Exec(ctx, `INSERT INTO member_consents (member_id, channel, granted, source, changed_at) VALUES (?, ?, ?, ?, ?)`,
				r.ID, c.Channel, c.Granted, c.Source, Millis(c.ChangedAt)); err != nil {
				return err
			}
		}
	}
	return nil
}

const auditCols = "at, staff_id, api_key_id, actor, action, entity, entity_id, store_id, detail, ip"

func auditRow(at time.Time, a linli.Actor, action, entity string, entityID int64, detail string) []any {
	return []any{Millis(at), nullID(a.StaffID), nullID(a.APIKeyID), a.Name, action, entity, nullID(entityID), nullID(a.StoreID), detail, a.IP}
}

// AppendAuditTx writes one audit line inside tx.
func AppendAuditTx(ctx context.Context, tx *Tx, at time.Time, a linli.Actor, action, entity string, entityID int64, detail string) error {
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (`+auditCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		auditRow(at, a, action, entity, entityID, detail)...)
	if err != nil {
		return fmt.Errorf("store: audit %s: %w", action, err)
	}
	return nil
}

func (m *Members) CreateMember(ctx context.Context, r *member.Record, a member.Audit) (int64, error) {
	err := m.db.Write(ctx, func(tx *Tx) error {
		id, err := insertMember(ctx, tx, r)
		if err != nil {
			return m.conflict(err, r)
		}
		r.ID = id
		if err := saveChildren(ctx, tx, r, a.Actor, true); err != nil {
			return err
		}
		return AppendAuditTx(ctx, tx, r.UpdatedAt, a.Actor, a.Action, "member", id, a.Detail)
	})
	return r.ID, err
}

func (m *Members) UpdateMember(ctx context.Context, r *member.Record, a member.Audit) error {
	return m.db.Write(ctx, func(tx *Tx) error {
		if err := updateMember(ctx, tx, r); err != nil {
			if linli.ErrorKind(err) != linli.KindInternal {
				return err
			}
			return m.conflict(err, r)
		}
		if err := saveChildren(ctx, tx, r, a.Actor, false); err != nil {
			return err
		}
		if r.Status == member.StatusErased {
			// Scores are derived from the person's purchases: they go too.
			if _, err := tx.Exec(ctx, `DELETE FROM member_scores WHERE member_id = ?`, r.ID); err != nil {
				return err
			}
			if err := dropFromAudiences(ctx, tx, r.ID); err != nil {
				return err
			}
		}
		return AppendAuditTx(ctx, tx, r.UpdatedAt, a.Actor, a.Action, "member", r.ID, a.Detail)
	})
}

// SaveMembers writes an import batch. New members go in with multi-row
// INSERTs under ids reserved up front: one statement per few hundred rows
// instead of several per member, which is what makes large imports fast on
// SQLite. Updates are rarer and go row by row.
func (m *Members) SaveMembers(ctx context.Context, creates, updates []*member.Record, a member.Audit) error {
	return m.db.Write(ctx, func(tx *Tx) error {
		if err := m.bulkCreate(ctx, tx, creates, a); err != nil {
			return err
		}
		for _, r := range updates {
			if err := updateMember(ctx, tx, r); err != nil {
				return m.conflict(err, r)
			}
			if err := saveChildren(ctx, tx, r, a.Actor, false); err != nil {
				return err
			}
			if err := AppendAuditTx(ctx, tx, r.UpdatedAt, a.Actor, a.Action+".update", "member", r.ID, a.Detail); err != nil {
				return err
			}
		}
		return nil
	})
}

func (m *Members) bulkCreate(ctx context.Context, tx *Tx, rs []*member.Record, a member.Audit) error {
	if len(rs) == 0 {
		return nil
	}
	ids, err := tx.ReserveIDs(ctx, "members", len(rs))
	if err != nil {
		return err
	}
	var members, tags, consents, audits [][]any
	for i, r := range rs {
		r.ID = ids[i]
		members = append(members, []any{r.ID, r.CardNo, nullBytes(r.PhoneHash), nullBytes(r.PhoneEnc), nullBytes(r.NameHash),
			nullBytes(r.NameEnc), nullBytes(r.BirthdayEnc), nullBytes(r.IdentityHash), nullBytes(r.AddressEnc), r.Gender,
			nullID(int64(r.BirthYear)), r.Area, r.Occupation, r.Preferences, r.Channel, nullID(r.ReferrerID), nullID(r.StoreID),
			r.Status, nullID(r.MergedInto), nullID(r.CreatedBy), Millis(r.CreatedAt), Millis(r.UpdatedAt), Millis(r.LastActiveAt)})
		for _, t := range r.Tags {
			tags = append(tags, []any{r.ID, t, nullID(a.Actor.StaffID), Millis(r.UpdatedAt)})
		}
		for _, c := range r.Consents {
			consents = append(consents, []any{r.ID, c.Channel, c.Granted, c.Source, Millis(c.ChangedAt)})
		}
		audits = append(audits, auditRow(r.UpdatedAt, a.Actor, a.Action+".create", "member", r.ID, a.Detail))
	}
	if err := tx.InsertRows(ctx, "members", memberCols, members); err != nil {
		if IsUnique(err) {
			return m.conflict(err, &member.Record{})
		}
		return fmt.Errorf("store: insert members: %w", err)
	}
	if err := tx.InsertRows(ctx, "member_tags", "member_id, tag, created_by, created_at", tags); err != nil {
		return fmt.Errorf("store: insert tags: %w", err)
	}
	if err := tx.InsertRows(ctx, "member_consents", "member_id, channel, granted, source, changed_at", consents); err != nil {
		return fmt.Errorf("store: insert consents: %w", err)
	}
	if err := tx.InsertRows(ctx, "audit_log", auditCols, audits); err != nil {
		return fmt.Errorf("store: audit import: %w", err)
	}
	return nil
}

func (m *Members) AppendAudit(ctx context.Context, a member.Audit) error {
	return m.db.Write(ctx, func(tx *Tx) error {
		return AppendAuditTx(ctx, tx, time.Now().UTC(), a.Actor, a.Action, "member", a.EntityID, a.Detail)
	})
}

func (m *Members) one(ctx context.Context, where string, args ...any) (*member.Record, error) {
	r, err := scanMember(m.db.QueryRow(ctx, `SELECT `+memberCols+` FROM members WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: get member: %w", err)
	}
	return r, m.children(ctx, []*member.Record{r})
}

func (m *Members) many(ctx context.Context, q string, args ...any) ([]*member.Record, error) {
	rows, err := m.db.Query(ctx, `SELECT `+memberCols+` FROM members `+q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list members: %w", err)
	}
	defer rows.Close()
	var out []*member.Record
	for rows.Next() {
		r, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("store: scan member: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list members: %w", err)
	}
	return out, m.children(ctx, out)
}

// children loads tags and consents for a page of members in two queries.
func (m *Members) children(ctx context.Context, rs []*member.Record) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[int64]*member.Record, len(rs))
	ids := make([]any, len(rs))
	for i, r := range rs {
		byID[r.ID] = r
		ids[i] = r.ID
		r.Tags, r.Consents = []string{}, []member.Consent{}
	}
	in := "(" + placeholders(len(ids)) + ")"
	rows, err := m.db.Query(ctx, `SELECT member_id, tag FROM member_tags WHERE member_id IN `+in+` ORDER BY tag`, ids...)
	if err != nil {
		return fmt.Errorf("store: member tags: %w", err)
	}
	for rows.Next() {
		var id int64
		var tag string
		if err := rows.Scan(&id, &tag); err != nil {
			rows.Close()
			return err
		}
		byID[id].Tags = append(byID[id].Tags, tag)
	}
	rows.Close()
	rows, err = m.db.Query(ctx, `SELECT member_id, channel, granted, source, changed_at FROM member_consents WHERE member_id IN `+in+` ORDER BY channel`, ids...)
	if err != nil {
		return fmt.Errorf("store: member consents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, at int64
		var c member.Consent
		if err := rows.Scan(&id, &c.Channel, &c.Granted, &c.Source, &at); err != nil {
			return err
		}
		c.ChangedAt = FromMillis(at)
		byID[id].Consents = append(byID[id].Consents, c)
	}
	return rows.Err()
}

func (m *Members) GetMember(ctx context.Context, id int64) (*member.Record, error) {
	return m.one(ctx, `id = ?`, id)
}

func (m *Members) MemberByPhoneHash(ctx context.Context, h []byte) (*member.Record, error) {
	return m.one(ctx, `phone_hash = ?`, h)
}

func (m *Members) MemberByCard(ctx context.Context, card string) (*member.Record, error) {
	return m.one(ctx, `card_no = ?`, card)
}

func (m *Members) MembersByNameHash(ctx context.Context, h []byte, limit int) ([]*member.Record, error) {
	return m.many(ctx, `WHERE name_hash = ? AND status IN ('active','inactive') ORDER BY id DESC LIMIT ?`, h, limit)
}

func (m *Members) MembersByPhoneHashes(ctx context.Context, hashes [][]byte) ([]*member.Record, error) {
	var out []*member.Record
	for len(hashes) > 0 {
		n := min(len(hashes), 500)
		args := make([]any, n)
		for i, h := range hashes[:n] {
			args[i] = h
		}
		hashes = hashes[n:]
		in := placeholders(n)
		rs, err := m.many(ctx, `WHERE phone_hash IN (`+in+`)`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	return out, nil
}

func (m *Members) ListMembers(ctx context.Context, f member.Filter) ([]*member.Record, error) {
	var where []string
	var args []any
	status := f.Status
	if status == "" {
		status = member.StatusActive
	}
	if status != "all" {
		where = append(where, "status = ?")
		args = append(args, status)
	}
	if f.StoreID != 0 {
		where = append(where, "store_id = ?")
		args = append(args, f.StoreID)
	}
	if f.Area != "" {
		where = append(where, "area = ?")
		args = append(args, f.Area)
	}
	if f.Tag != "" {
		where = append(where, "id IN (SELECT member_id FROM member_tags WHERE tag = ?)")
		args = append(args, f.Tag)
	}
	if f.After > 0 {
		where = append(where, "id < ?")
		args = append(args, f.After)
	}
	q := ""
	if len(where) > 0 {
		q = "WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	return m.many(ctx, q+` ORDER BY id DESC LIMIT ?`, args...)
}

func (m *Members) MergeMembers(ctx context.Context, from, into int64, a member.Audit) error {
	return m.db.Write(ctx, func(tx *Tx) error {
		now := Millis(time.Now().UTC())
		// Tags the survivor lacks move over; consent moves where it is newer.
		if _, err := tx.Exec(ctx, `INSERT INTO member_tags (member_id, tag, created_by, created_at)
			SELECT ?, tag, created_by, created_at FROM member_tags f WHERE f.member_id = ?
			AND NOT EXISTS (SELECT 1 FROM member_tags t WHERE t.member_id = ? AND t.tag = f.tag)`, into, from, into); err != nil {
			return fmt.Errorf("store: merge tags: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM member_consents WHERE member_id = ? AND channel IN (
			SELECT f.channel FROM member_consents f WHERE f.member_id = ? AND f.changed_at > member_consents.changed_at)`, into, from); err != nil {
			return fmt.Errorf("store: merge consent: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO member_consents (member_id, channel, granted, source, changed_at)
			SELECT ?, channel, granted, source, changed_at FROM member_consents f WHERE f.member_id = ?
			AND NOT EXISTS (SELECT 1 FROM member_consents t WHERE t.member_id = ? AND t.channel = f.channel)`, into, from, into); err != nil {
			return fmt.Errorf("store: merge consent: %w", err)
		}
		if err := mergePoints(ctx, tx, from, into, now); err != nil {
			return fmt.Errorf("store: merge points: %w", err)
		}
		for _, q := range mergeMoves {
			if _, err := tx.Exec(ctx, q, into, from); err != nil {
				return fmt.Errorf("store: merge: %w", err)
			}
		}
		// The survivor is active if either was; it keeps the latest activity.
		if _, err := tx.Exec(ctx, `UPDATE members SET last_active_at = (SELECT MAX(last_active_at) FROM members WHERE id IN (?, ?)),
			status = CASE WHEN status = 'active' OR (SELECT status FROM members WHERE id = ?) = 'active' THEN 'active' ELSE status END,
			updated_at = ? WHERE id = ?`, from, into, from, now, into); err != nil {
			return fmt.Errorf("store: merge survivor: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM member_tags WHERE member_id = ?`, from); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM member_tiers WHERE member_id = ?`, from); err != nil {
			return err
		}
		// The survivor is scored with both histories at the next analysis.
		if _, err := tx.Exec(ctx, `DELETE FROM member_scores WHERE member_id = ?`, from); err != nil {
			return err
		}
		if err := moveAudiences(ctx, tx, from, into); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM member_consents WHERE member_id = ?`, from); err != nil {
			return err
		}
		// The merged record keeps no personal data: it is a pointer to the survivor.
		if _, err := tx.Exec(ctx, `UPDATE members SET status = 'merged', merged_into = ?, phone_hash = NULL, phone_enc = NULL,
			name_hash = NULL, name_enc = NULL, birthday_enc = NULL, identity_hash = NULL, address_enc = NULL, updated_at = ?
			WHERE id = ?`, into, now, from); err != nil {
			return fmt.Errorf("store: merge retire: %w", err)
		}
		return AppendAuditTx(ctx, tx, FromMillis(now), a.Actor, a.Action, "member", a.EntityID, a.Detail)
	})
}

// mergeMoves re-points rows of other tables from the merged member to the
// survivor. Each later table that references members adds its line here.
var mergeMoves = []string{
	`UPDATE members SET referrer_id = ? WHERE referrer_id = ?`,
	`UPDATE sales SET member_id = ? WHERE member_id = ?`,
	// points_entries and points_lots move in mergePoints, with the balances.
	// The survivor keeps its tier; one at the lowest tier takes the merged
	// member's. Either way the next sale counts both histories (the sales
	// moved above) and upgrades when they qualify.
	`INSERT INTO member_tiers (member_id, tier, since, reviewed_at) SELECT ?, tier, since, reviewed_at FROM member_tiers
		WHERE member_id = ? ON CONFLICT (member_id) DO NOTHING`,
	`UPDATE tier_history SET member_id = ? WHERE member_id = ?`,
}

func (m *Members) DuplicateGroups(ctx context.Context, limit int) ([][]int64, error) {
	if limit <= 0 {
		limit = 100
	}
	var groups [][]int64
	seen := map[int64]bool{}
	for _, q := range []string{
		`SELECT id, identity_hash, '' FROM members WHERE status IN ('active','inactive') AND identity_hash IN (
			SELECT identity_hash FROM members WHERE status IN ('active','inactive') AND identity_hash IS NOT NULL
			GROUP BY identity_hash HAVING COUNT(*) > 1) ORDER BY identity_hash, id`,
		`SELECT id, name_hash, area FROM members WHERE status IN ('active','inactive') AND area <> '' AND name_hash IS NOT NULL
			AND (name_hash, area) IN (SELECT name_hash, area FROM members WHERE status IN ('active','inactive')
			AND area <> '' AND name_hash IS NOT NULL GROUP BY name_hash, area HAVING COUNT(*) > 1) ORDER BY name_hash, area, id`,
	} {
		rows, err := m.db.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("store: duplicates: %w", err)
		}
		var cur []int64
		var key []byte
		flush := func() {
			fresh := 0
			for _, id := range cur {
				if !seen[id] {
					fresh++
				}
			}
			if len(cur) > 1 && fresh > 0 {
				for _, id := range cur {
					seen[id] = true
				}
				groups = append(groups, cur)
			}
		}
		for rows.Next() {
			var id int64
			var k []byte
			var area string
			if err := rows.Scan(&id, &k, &area); err != nil {
				rows.Close()
				return nil, err
			}
			k = append(k, area...)
			if string(k) != string(key) {
				flush()
				cur, key = nil, k
			}
			cur = append(cur, id)
		}
		flush()
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(groups) >= limit {
			return groups[:limit], nil
		}
	}
	return groups, nil
}

func (m *Members) Quality(ctx context.Context, staleBefore time.Time) ([]member.QualityCounts, error) {
	rows, err := m.db.Query(ctx, `SELECT COALESCE(store_id, 0), COUNT(*),
		SUM(CASE WHEN name_enc IS NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN birthday_enc IS NULL THEN 1 ELSE 0 END),
		SUM(CASE WHEN gender = '' THEN 1 ELSE 0 END),
		SUM(CASE WHEN area = '' THEN 1 ELSE 0 END),
		SUM(CASE WHEN channel = '' THEN 1 ELSE 0 END),
		SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM member_consents c WHERE c.member_id = members.id AND c.granted) THEN 1 ELSE 0 END),
		SUM(CASE WHEN last_active_at < ? AND NOT EXISTS (SELECT 1 FROM sales s
			WHERE s.member_id = members.id AND s.sold_at >= ?) THEN 1 ELSE 0 END),
		SUM(CASE WHEN gender NOT IN ('', 'F', 'M') THEN 1 ELSE 0 END)
		FROM members WHERE status = 'active' GROUP BY COALESCE(store_id, 0) ORDER BY 1`, Millis(staleBefore), Millis(staleBefore))
	if err != nil {
		return nil, fmt.Errorf("store: quality: %w", err)
	}
	defer rows.Close()
	total := member.QualityCounts{}
	out := []member.QualityCounts{}
	for rows.Next() {
		var q member.QualityCounts
		if err := rows.Scan(&q.StoreID, &q.Members, &q.MissingName, &q.MissingBirth, &q.MissingGender, &q.MissingArea,
			&q.MissingChannel, &q.NoConsent, &q.Stale, &q.InvalidGender); err != nil {
			return nil, err
		}
		total.Members += q.Members
		total.MissingName += q.MissingName
		total.MissingBirth += q.MissingBirth
		total.MissingGender += q.MissingGender
		total.MissingArea += q.MissingArea
		total.MissingChannel += q.MissingChannel
		total.NoConsent += q.NoConsent
		total.Stale += q.Stale
		total.InvalidGender += q.InvalidGender
		out = append(out, q)
	}
	return append([]member.QualityCounts{total}, out...), rows.Err()
}

func (m *Members) CountMembers(ctx context.Context, since time.Time) (member.Counts, error) {
	var n member.Counts
	err := m.db.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM members WHERE status = 'active'),
		(SELECT COUNT(*) FROM members WHERE status = 'active' AND created_at >= ?),
		(SELECT COUNT(*) FROM members WHERE status = 'inactive')`, Millis(since)).
		Scan(&n.Active, &n.New, &n.Inactive)
	if err != nil {
		return n, fmt.Errorf("store: count members: %w", err)
	}
	return n, nil
}

func (m *Members) InactiveSince(ctx context.Context, t time.Time, limit int) ([]int64, error) {
	// A purchase is activity too (sales do not touch the member row, to
	// keep the till's transaction short), imported history included.
	ids, err := column[int64](m.db.Query(ctx, `SELECT id FROM members WHERE status IN ('active','inactive')
		AND last_active_at < ? AND NOT EXISTS (SELECT 1 FROM sales s WHERE s.member_id = members.id AND s.sold_at >= ?)
		ORDER BY id LIMIT ?`, Millis(t), Millis(t), limit))
	if err != nil {
		return nil, fmt.Errorf("store: inactive members: %w", err)
	}
	return ids, nil
}

func (m *Members) StoreExists(ctx context.Context, id int64) (bool, error) {
	return storeExists(ctx, m.db, id)
}

func (m *Members) CardOwners(ctx context.Context, cards []string) (map[string][]byte, error) {
	owners := map[string][]byte{}
	for len(cards) > 0 {
		n := min(len(cards), 500)
		args := make([]any, n)
		for i, c := range cards[:n] {
			args[i] = c
		}
		cards = cards[n:]
		rows, err := m.db.Query(ctx, `SELECT card_no, phone_hash FROM members WHERE card_no IN (`+placeholders(n)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: check cards: %w", err)
		}
		for rows.Next() {
			var card string
			var hash []byte
			if err := rows.Scan(&card, &hash); err != nil {
				rows.Close()
				return nil, err
			}
			owners[card] = hash
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return owners, nil
}
