package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/tier"
)

// Membership tiers: sales.TierStore on Sales, sales.TierTx on its
// transactions.

var (
	_ sales.TierStore = (*Sales)(nil)
	_ sales.TierTx    = (*salesTx)(nil)
)

// millisOrZero maps the zero time to 0 and back, for optional times.
func millisOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return Millis(t)
}

func timeOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return FromMillis(ms)
}

func memberTier(ctx context.Context, r reader, memberID int64) (sales.MemberTierRow, error) {
	var row sales.MemberTierRow
	var since, reviewed int64
	err := r.QueryRow(ctx, `SELECT tier, since, reviewed_at FROM member_tiers WHERE member_id = ?`, memberID).
		Scan(&row.Code, &since, &reviewed)
	if errors.Is(err, sql.ErrNoRows) {
		return row, nil
	}
	if err != nil {
		return row, err
	}
	row.Stored, row.Since, row.ReviewedAt = true, timeOrZero(since), timeOrZero(reviewed)
	return row, nil
}

// tierActivity: spend net of refunds over sales not voided; visits are the
// sales not wholly refunded; points are earnings net of their reversals.
func tierActivity(ctx context.Context, r reader, memberID int64, from, to time.Time) (tier.Activity, error) {
	var a tier.Activity
	// One statement, as the till runs it inside every member's sale.
	err := r.QueryRow(ctx, `SELECT s.spend, s.visits, (SELECT COALESCE(SUM(delta), 0) FROM points_entries
			WHERE member_id = ? AND kind IN ('earn', 'refund_reversal') AND at > ? AND at <= ?)
		FROM (SELECT COALESCE(SUM(amount_fen - refunded_fen), 0) AS spend,
			COALESCE(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END), 0) AS visits
			FROM sales WHERE member_id = ? AND sold_at > ? AND sold_at <= ? AND status <> 'voided') s`,
		memberID, Millis(from), Millis(to), memberID, Millis(from), Millis(to)).
		Scan(&a.SpendFen, &a.Visits, &a.Points)
	return a, err
}

func (s *Sales) MemberTier(ctx context.Context, memberID int64) (sales.MemberTierRow, error) {
	return memberTier(ctx, s.db, memberID)
}

func (s *Sales) TierActivity(ctx context.Context, memberID int64, from, to time.Time) (tier.Activity, error) {
	return tierActivity(ctx, s.db, memberID, from, to)
}

func (s *Sales) TierHistory(ctx context.Context, memberID int64, limit int) ([]sales.TierChange, error) {
	return queryAll(ctx, s.db, func(sc scanner) (sales.TierChange, error) {
		var c sales.TierChange
		var at int64
		err := sc.Scan(&c.ID, &c.MemberID, &c.From, &c.To, &c.Reason, &at, &c.SourceID)
		c.At = FromMillis(at)
		return c, err
	}, `SELECT id, member_id, from_tier, to_tier, reason, at, COALESCE(source_id, 0)
		FROM tier_history WHERE member_id = ? ORDER BY id DESC LIMIT ?`, memberID, limit)
}

func (s *Sales) TieredMembers(ctx context.Context, except string, due time.Time) ([]int64, error) {
	return column[int64](s.db.Query(ctx, `SELECT member_id FROM member_tiers WHERE tier <> ? AND reviewed_at <= ?
		ORDER BY member_id`, except, millisOrZero(due)))
}

func (t *salesTx) MemberTier(ctx context.Context, memberID int64) (sales.MemberTierRow, error) {
	return memberTier(ctx, t.tx, memberID)
}

func (t *salesTx) TierActivity(ctx context.Context, memberID int64, from, to time.Time) (tier.Activity, error) {
	return tierActivity(ctx, t.tx, memberID, from, to)
}

func (t *salesTx) SetMemberTier(ctx context.Context, memberID int64, code string, since, reviewedAt time.Time) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO member_tiers (member_id, tier, since, reviewed_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (member_id) DO UPDATE SET tier = excluded.tier, since = excluded.since, reviewed_at = excluded.reviewed_at`,
		memberID, code, millisOrZero(since), millisOrZero(reviewedAt))
	return err
}

func (t *salesTx) AddTierChange(ctx context.Context, c *sales.TierChange) error {
	id, err := t.tx.InsertID(ctx, `INSERT INTO tier_history (member_id, from_tier, to_tier, reason, at, source_id)
		VALUES (?, ?, ?, ?, ?, ?)`, c.MemberID, c.From, c.To, c.Reason, Millis(c.At), nullID(c.SourceID))
	c.ID = id
	return err
}
