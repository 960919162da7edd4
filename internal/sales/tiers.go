package sales

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/tier"
)

// TiersKey is the settings key of the tier configuration.
const TiersKey = "loyalty.tiers"

// Reasons of a tier change.
const (
	TierUpgrade   = "upgrade"
	TierDowngrade = "review_downgrade"
	TierDormant   = "dormant"
	TierManual    = "manual"
)

// MemberTierRow is a member's stored tier; Stored false (and Code empty)
// when the member has never left the lowest tier.
type MemberTierRow struct {
	Code       string
	Since      time.Time
	ReviewedAt time.Time
	Stored     bool
}

// TierChange is one line of a member's tier history.
type TierChange struct {
	ID       int64     `json:"id"`
	MemberID int64     `json:"member_id"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
	SourceID int64     `json:"source_id,omitempty"`
}

// TierStore reads tiers outside a transaction.
type TierStore interface {
	MemberTier(ctx context.Context, memberID int64) (MemberTierRow, error)
	// TierActivity sums the member's activity over sales sold in (from, to].
	TierActivity(ctx context.Context, memberID int64, from, to time.Time) (tier.Activity, error)
	// TierHistory returns the member's tier changes, newest first.
	TierHistory(ctx context.Context, memberID int64, limit int) ([]TierChange, error)
	// TieredMembers lists the members with a stored tier other than
	// except, last reviewed (or upgraded) at or before due.
	TieredMembers(ctx context.Context, except string, due time.Time) ([]int64, error)
}

// TierTx reads and changes tiers inside a write transaction.
type TierTx interface {
	MemberTier(ctx context.Context, memberID int64) (MemberTierRow, error)
	TierActivity(ctx context.Context, memberID int64, from, to time.Time) (tier.Activity, error)
	SetMemberTier(ctx context.Context, memberID int64, code string, since, reviewedAt time.Time) error
	AddTierChange(ctx context.Context, c *TierChange) error
}

// TierConfig returns the stored tier configuration, tier.Default when none
// is stored.
func (s *Service) TierConfig(ctx context.Context) (tier.Config, error) {
	return s.tiers.get(struct{}{}, func() (tier.Config, error) { return s.readTiers(ctx) })
}

func (s *Service) readTiers(ctx context.Context) (tier.Config, error) {
	v, ok, err := s.st.Setting(ctx, TiersKey)
	if err != nil {
		return tier.Config{}, fmt.Errorf("sales: read tiers: %w", err)
	}
	if !ok {
		return tier.Default(), nil
	}
	var c tier.Config
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return tier.Config{}, fmt.Errorf("sales: stored tiers: %w", err)
	}
	if err := c.Validate(); err != nil {
		return tier.Config{}, fmt.Errorf("sales: stored tiers: %w", err)
	}
	return c, nil
}

// SetTierConfig validates and stores the tier configuration, audited in
// the same transaction. Members keep their tier until their next sale
// (upgrades) or the next review (downgrades); a member whose tier was
// removed counts as the lowest tier meanwhile. Permission is checked at
// the edge.
func (s *Service) SetTierConfig(ctx context.Context, actor linli.Actor, c tier.Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	defer s.tiers.forget()
	return s.st.Write(ctx, func(tx Tx) error {
		if err := tx.PutSetting(ctx, TiersKey, string(b)); err != nil {
			return fmt.Errorf("sales: save tiers: %w", err)
		}
		return tx.Audit(ctx, s.now(), actor, "loyalty.tiers", "settings", 0, string(b))
	})
}

// TierStatus is a member's tier and the way to the next one.
type TierStatus struct {
	Tier tier.Tier `json:"tier"`
	// Since is when the member reached the tier; zero for the lowest tier
	// never left.
	Since      time.Time     `json:"since"`
	WindowDays int           `json:"window_days"`
	Activity   tier.Activity `json:"activity"`
	// Qualifies is what the window qualifies for now: lower than Tier
	// after refunds or quiet months, until the review.
	Qualifies tier.Tier  `json:"qualifies"`
	Next      *tier.Tier `json:"next,omitempty"`
	// What is left to reach Next by each of its thresholds (any one is
	// enough); 0 for a threshold Next does not have.
	SpendLeftFen int64 `json:"spend_left_fen"`
	PointsLeft   int64 `json:"points_left"`
	VisitsLeft   int64 `json:"visits_left"`
}

// MemberTier returns the member's tier and progress to the next, with
// activity counted over the window ending now.
func (s *Service) MemberTier(ctx context.Context, memberID int64) (*TierStatus, error) {
	cfg, err := s.TierConfig(ctx)
	if err != nil {
		return nil, err
	}
	row, err := s.st.MemberTier(ctx, memberID)
	if err != nil {
		return nil, fmt.Errorf("sales: tier of member %d: %w", memberID, err)
	}
	now := s.now()
	act, err := s.st.TierActivity(ctx, memberID, windowStart(cfg, now), now.Add(FutureSlack))
	if err != nil {
		return nil, fmt.Errorf("sales: activity of member %d: %w", memberID, err)
	}
	st := &TierStatus{Tier: cfg.Find(row.Code), Since: row.Since, WindowDays: cfg.WindowDays, Activity: act,
		Qualifies: tier.Qualify(cfg, act)}
	if next, ok := cfg.Next(st.Tier.Code); ok {
		st.Next = &next
		left := func(min, have int64) int64 {
			if min == 0 {
				return 0
			}
			return max(min-have, 0)
		}
		st.SpendLeftFen, st.PointsLeft, st.VisitsLeft = left(next.MinSpendFen, act.SpendFen),
			left(next.MinPoints, act.Points), left(next.MinVisits, act.Visits)
	}
	return st, nil
}

// TierHistory returns the member's tier changes, newest first.
func (s *Service) TierHistory(ctx context.Context, memberID int64, limit int) ([]TierChange, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	h, err := s.st.TierHistory(ctx, memberID, limit)
	if err != nil {
		return nil, fmt.Errorf("sales: tier history of member %d: %w", memberID, err)
	}
	return h, nil
}

func windowStart(cfg tier.Config, at time.Time) time.Time {
	return at.Add(-time.Duration(cfg.WindowDays) * 24 * time.Hour)
}

// tierEarn recomputes the sale's points at the multiplier of the member's
// tier as it stands before this sale: the sale that earns an upgrade
// earns at the old tier, the next one at the new.
func tierEarn(ctx context.Context, tx Tx, cfg tier.Config, res *Sale, rules loyalty.Rules, b loyalty.Basket) (MemberTierRow, error) {
	row, err := tx.MemberTier(ctx, res.MemberID)
	if err != nil {
		return row, fmt.Errorf("sales: tier of member %d: %w", res.MemberID, err)
	}
	m := cfg.Find(row.Code).PointsMultiplier
	if m == b.TierMultiplier {
		return row, nil // res was earned at this multiplier before the transaction
	}
	b.TierMultiplier = m
	earn, err := loyalty.Earn(rules, b)
	if err != nil {
		return row, err
	}
	for i := range res.Lines {
		res.Lines[i].Points = earn.Lines[i].Points
	}
	res.PointsEarned, res.Reasons = earn.Points, earn.Reasons
	return row, nil
}

// tierUpgrade moves the member up from the tier row (read in the same
// transaction) when the window, this sale included, qualifies a higher
// tier. The window ends FutureSlack after the server's clock so that a till
// running ahead still counts its own sale.
func tierUpgrade(ctx context.Context, tx Tx, cfg tier.Config, row MemberTierRow, memberID, saleID int64, now time.Time) (bool, error) {
	if cfg.Rank(cfg.Find(row.Code).Code) == len(cfg.Tiers)-1 {
		return false, nil // nothing above
	}
	act, err := tx.TierActivity(ctx, memberID, windowStart(cfg, now), now.Add(FutureSlack))
	if err != nil {
		return false, fmt.Errorf("sales: activity of member %d: %w", memberID, err)
	}
	cur := cfg.Find(row.Code)
	q := tier.Qualify(cfg, act)
	if cfg.Rank(q.Code) <= cfg.Rank(cur.Code) {
		return false, nil
	}
	// The upgrade counts as a review: the new tier holds for a full
	// review period.
	if err := tx.SetMemberTier(ctx, memberID, q.Code, now, now); err != nil {
		return false, fmt.Errorf("sales: set tier: %w", err)
	}
	c := &TierChange{MemberID: memberID, From: cur.Code, To: q.Code, Reason: TierUpgrade, At: now, SourceID: saleID}
	if err := tx.AddTierChange(ctx, c); err != nil {
		return false, fmt.Errorf("sales: tier history: %w", err)
	}
	return true, nil
}

// ReviewResult counts what a review did.
type ReviewResult struct {
	Reviewed   int `json:"reviewed"`
	Downgraded int `json:"downgraded"`
	Dormant    int `json:"dormant"`
}

// Review moves each member above the lowest tier who is due (last reviewed
// or upgraded ReviewEveryDays or more before at; every one when it is 0)
// down to what the window ending at at qualifies for, and a member without
// a sale in the last DormantAfterDays to the lowest tier. It never moves
// anyone up: that is the qualifying sale's job. Each member is its own
// transaction, so the review may be rerun after a failure.
func (s *Service) Review(ctx context.Context, at time.Time) (ReviewResult, error) {
	var res ReviewResult
	cfg, err := s.TierConfig(ctx)
	if err != nil {
		return res, err
	}
	lowest := cfg.Lowest()
	ids, err := s.st.TieredMembers(ctx, lowest.Code, at.Add(-time.Duration(cfg.ReviewEveryDays)*24*time.Hour))
	if err != nil {
		return res, fmt.Errorf("sales: tiered members: %w", err)
	}
	for _, id := range ids {
		err := s.st.Write(ctx, func(tx Tx) error {
			// The member's lock keeps its sales out while it is reviewed.
			m, _, err := tx.LockMember(ctx, id, at)
			if err != nil || m != id {
				return err // merged: the survivor is reviewed on its own
			}
			row, err := tx.MemberTier(ctx, id)
			if err != nil || !row.Stored || row.Code == lowest.Code ||
				row.ReviewedAt.After(at.Add(-time.Duration(cfg.ReviewEveryDays)*24*time.Hour)) {
				return err
			}
			res.Reviewed++
			to, reason := row.Code, ""
			if cfg.DormantAfterDays > 0 {
				recent, err := tx.TierActivity(ctx, id, at.Add(-time.Duration(cfg.DormantAfterDays)*24*time.Hour), at)
				if err != nil {
					return err
				}
				if recent.Visits == 0 {
					to, reason = lowest.Code, TierDormant
				}
			}
			if reason == "" {
				act, err := tx.TierActivity(ctx, id, windowStart(cfg, at), at)
				if err != nil {
					return err
				}
				q := tier.Qualify(cfg, act)
				// A tier since removed from the configuration goes too.
				if cfg.Rank(q.Code) < cfg.Rank(row.Code) || cfg.Find(row.Code).Code != row.Code {
					to, reason = q.Code, TierDowngrade
				}
			}
			if to == row.Code {
				return tx.SetMemberTier(ctx, id, row.Code, row.Since, at)
			}
			if err := tx.SetMemberTier(ctx, id, to, at, at); err != nil {
				return err
			}
			if reason == TierDormant {
				res.Dormant++
			} else {
				res.Downgraded++
			}
			return tx.AddTierChange(ctx, &TierChange{MemberID: id, From: row.Code, To: to, Reason: reason, At: at})
		})
		if err != nil {
			return res, fmt.Errorf("sales: review tier of member %d: %w", id, err)
		}
	}
	return res, nil
}

// Requalify moves each of the members up to the tier their window ending
// now qualifies for, as the qualifying sale would have done live. It is
// for sales that did not go through the till: imported history. It never
// moves anyone down (that is the review's job) and returns how many moved.
// latest is each member's latest sale among those imported: a member
// whose sales all fall before the window cannot move and is skipped.
func (s *Service) Requalify(ctx context.Context, latest map[int64]time.Time) (int, error) {
	at := s.now()
	cfg, err := s.TierConfig(ctx)
	if err != nil {
		return 0, err
	}
	from := windowStart(cfg, at)
	var members []int64
	for id, t := range latest {
		if t.After(from) {
			members = append(members, id)
		}
	}
	slices.Sort(members)
	moved := 0
	// Many members per transaction: an import touches thousands.
	for len(members) > 0 {
		part := members[:min(len(members), 500)]
		members = members[len(part):]
		n := 0
		err := s.st.Write(ctx, func(tx Tx) error {
			n = 0
			for _, id := range part {
				m, _, err := tx.LockMember(ctx, id, at)
				if err != nil {
					return err
				}
				if m != id {
					continue // gone or merged: the survivor is requalified on its own
				}
				row, err := tx.MemberTier(ctx, id)
				if err != nil {
					return err
				}
				up, err := tierUpgrade(ctx, tx, cfg, row, id, 0, at)
				if err != nil {
					return err
				}
				if up {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return moved, fmt.Errorf("sales: requalify members: %w", err)
		}
		moved += n
	}
	return moved, nil
}
