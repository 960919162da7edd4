package sales

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/tier"
)

// Limits on what a till may send.
const (
	// FutureSlack is how far ahead of the server's clock a till's clock may run.
	FutureSlack  = 5 * time.Minute
	MaxLines     = 1000
	MaxPayments  = 20
	MaxQuantity  = 10_000_000 // pieces, or grams (10 tonnes)
	maxKeyLen    = 64
	maxReasonLen = 200
	maxTextLen   = 100
	// MaxAdjust bounds one manual adjustment.
	MaxAdjust = 1_000_000_000
	// DefaultZone is the time zone of adjustments made outside any store.
	DefaultZone = linli.DefaultZone
	// attempts bounds the reruns after a concurrent duplicate.
	attempts = 3
)

// Service records sales and keeps the ledger. It implements Ledger.
type Service struct {
	st  Store
	now linli.Clock

	rules cache[struct{}, Rules]
	tiers cache[struct{}, tier.Config]
	zones cache[int64, *time.Location]
	// products holds catalogue entries by code; they are shared and read only.
	products cache[string, *catalog.Product]
	// multipliers holds the points multiplier of each member's tier as
	// their last sale here found it: a sale is earned before its
	// transaction at the multiplier it most likely has, and earned again
	// inside only when the guess was wrong (tierEarn), which for members
	// above the lowest tier saved a second earning on every sale.
	multipliers guesses
}

// guesses maps members to their last known points multiplier. A wrong or
// missing guess costs a second earning, never a wrong one.
type guesses struct {
	mu sync.Mutex
	m  map[int64]int64
}

// maxGuesses bounds the map: about 40 bytes a member.
const maxGuesses = 1 << 18

func (g *guesses) get(member int64) (int64, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	m, ok := g.m[member]
	return m, ok
}

func (g *guesses) set(member, multiplier int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.m == nil || len(g.m) >= maxGuesses {
		g.m = make(map[int64]int64)
	}
	g.m[member] = multiplier
}

var _ Ledger = (*Service)(nil)

// New builds a Service.
func New(st Store, now linli.Clock) *Service {
	if now == nil {
		now = linli.SystemClock
	}
	return &Service{st: st, now: now}
}

// Rules returns the stored rules, DefaultRules when none are stored.
func (s *Service) Rules(ctx context.Context) (Rules, error) {
	return s.rules.get(struct{}{}, func() (Rules, error) { return s.readRules(ctx) })
}

func (s *Service) readRules(ctx context.Context) (Rules, error) {
	v, ok, err := s.st.Setting(ctx, RulesKey)
	if err != nil {
		return Rules{}, fmt.Errorf("sales: read rules: %w", err)
	}
	r := DefaultRules()
	if !ok {
		return r, nil
	}
	if err := json.Unmarshal([]byte(v), &r); err != nil {
		return Rules{}, fmt.Errorf("sales: stored rules: %w", err)
	}
	if r.RedeemFenPerPoint == 0 {
		r.RedeemFenPerPoint = 1
	}
	return r, nil
}

// SetRules validates and stores the rules, audited in the same transaction.
// Permission is checked at the edge.
func (s *Service) SetRules(ctx context.Context, actor linli.Actor, r Rules) error {
	if err := r.Validate(); err != nil {
		return err
	}
	v := r.encode()
	defer s.rules.forget()
	return s.st.Write(ctx, func(tx Tx) error {
		if err := tx.PutSetting(ctx, RulesKey, v); err != nil {
			return fmt.Errorf("sales: save rules: %w", err)
		}
		return tx.Audit(ctx, s.now(), actor, "loyalty.rules", "settings", 0, v)
	})
}

func (s *Service) zone(ctx context.Context, storeID int64) (*time.Location, error) {
	return s.zones.get(storeID, func() (*time.Location, error) { return s.readZone(ctx, storeID) })
}

func (s *Service) readZone(ctx context.Context, storeID int64) (*time.Location, error) {
	name, ok, err := s.st.StoreZone(ctx, storeID)
	if err != nil {
		return nil, fmt.Errorf("sales: store %d: %w", storeID, err)
	}
	if !ok {
		return nil, linli.Invalid("sale.store_unknown", "store_id", "store %d does not exist", storeID)
	}
	loc, err := loadZone(name)
	if err != nil {
		return nil, fmt.Errorf("sales: time zone of store %d: %w", storeID, err)
	}
	return loc, nil
}

// hash is the SHA-256 of v's JSON, which encoding/json writes the same way
// for the same value (struct fields in order, map keys sorted).
func hash(v any) []byte {
	b, _ := json.Marshal(v)
	h := sha256.Sum256(b)
	return h[:]
}

func normalize(in SaleInput) SaleInput {
	in.Receipt = strings.TrimSpace(in.Receipt)
	in.Cashier = strings.TrimSpace(in.Cashier)
	if in.Channel == "" {
		in.Channel = ChannelStore
	}
	if !in.SoldAt.IsZero() {
		in.SoldAt = time.UnixMilli(in.SoldAt.UnixMilli()).UTC()
	}
	in.Lines = append([]LineInput(nil), in.Lines...)
	for i := range in.Lines {
		l := &in.Lines[i]
		l.Product, l.Name, l.Category = strings.TrimSpace(l.Product), strings.TrimSpace(l.Name), strings.TrimSpace(l.Category)
	}
	return in
}

func checkTill(till Till) error {
	if till.StoreID <= 0 {
		return linli.Invalid("sale.store_unknown", "store_id", "the till has no store")
	}
	if t := strings.TrimSpace(till.Terminal); t == "" || len(t) > maxKeyLen {
		return linli.Invalid("sale.terminal_invalid", "terminal", "the terminal must be 1–%d characters", maxKeyLen)
	}
	return nil
}

// validate checks what needs nothing stored: shape, bounds and time.
func validate(till Till, in SaleInput, now time.Time) error {
	if err := checkTill(till); err != nil {
		return err
	}
	var v linli.Validation
	if in.Receipt == "" || len(in.Receipt) > maxKeyLen {
		v.Add("receipt_no", "sale.receipt_invalid", "the receipt number must be 1–%d characters", maxKeyLen)
	}
	if in.MemberID < 0 {
		v.Add("member_id", "sale.member_not_found", "member %d does not exist", in.MemberID)
	}
	if utf8.RuneCountInString(in.Cashier) > maxTextLen {
		v.Add("cashier", "sale.cashier_invalid", "the cashier must have at most %d characters", maxTextLen)
	}
	switch {
	case in.SoldAt.IsZero():
		v.Add("sold_at", "sale.time_required", "the sale needs its time")
	case in.SoldAt.After(now.Add(FutureSlack)):
		v.Add("sold_at", "sale.time_in_future", "the sale is dated %s, after the server's clock %s", in.SoldAt.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	if in.Channel != ChannelStore && in.Channel != ChannelOnline {
		v.Add("channel", "sale.channel_invalid", "the channel must be store or online")
	}
	if len(in.PickupStatus) > 20 {
		v.Add("pickup_status", "sale.pickup_status_invalid", "unknown pickup status")
	}
	switch {
	case len(in.Lines) == 0:
		v.Add("lines", "sale.lines_required", "the sale has no lines")
	case len(in.Lines) > MaxLines:
		v.Add("lines", "sale.too_many_lines", "a sale has at most %d lines", MaxLines)
	}
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if l.Product == "" || len(l.Product) > maxKeyLen {
			v.Add(f+".product", "sale.product_required", "the line needs a product code")
		}
		if l.Quantity <= 0 || l.Quantity > MaxQuantity {
			v.Add(f+".quantity", "sale.quantity_invalid", "the quantity must be from 1 to %d", MaxQuantity)
		}
		if l.UnitPriceFen < 0 || l.UnitPriceFen > catalog.MaxPriceFen {
			v.Add(f+".unit_price_fen", "sale.price_invalid", "the price must be from 0 to %d fen", int64(catalog.MaxPriceFen))
		}
		if l.DiscountFen < 0 {
			v.Add(f+".discount_fen", "sale.discount_invalid", "the discount must not be negative")
		}
		if utf8.RuneCountInString(l.Name) > maxTextLen || utf8.RuneCountInString(l.Category) > maxTextLen {
			v.Add(f+".name", "sale.name_too_long", "name and category have at most %d characters", maxTextLen)
		}
	}
	switch {
	case len(in.Payments) == 0:
		v.Add("payments", "sale.payment_mismatch", "the sale has no payments")
	case len(in.Payments) > MaxPayments:
		v.Add("payments", "sale.payment_invalid", "a sale has at most %d payments", MaxPayments)
	}
	for i, p := range in.Payments {
		f := fmt.Sprintf("payments[%d]", i)
		switch p.Method {
		case PayCash, PayCard, PayMobile, PayCoupon, PayGiftCard:
			if p.Points != 0 {
				v.Add(f+".points", "sale.payment_invalid", "only a points payment spends points")
			}
		case PayPoints:
			if p.Points <= 0 || p.Points > loyalty.MaxAmountFen {
				v.Add(f+".points", "sale.points_invalid", "a points payment spends from 1 to %d points", loyalty.MaxAmountFen)
			}
			if in.MemberID == 0 {
				v.Add("member_id", "sale.member_required", "paying with points needs a member")
			}
		default:
			v.Add(f+".method", "sale.payment_method_invalid", "unknown payment method %q", p.Method)
		}
		if p.AmountFen < 0 || p.AmountFen > loyalty.MaxAmountFen {
			v.Add(f+".amount_fen", "sale.payment_invalid", "the amount must be from 0 to %d fen", loyalty.MaxAmountFen)
		}
	}
	return v.Err()
}

// price builds the sale lines: catalogue data for known codes, the line's
// own for unknown ones. A weight line's amount is grams × price per kg /
// 1000, rounded half up to the fen.
func (s *Service) price(ctx context.Context, in []LineInput) ([]Line, int64, int64, error) {
	byCode := make(map[string]*catalog.Product, len(in))
	var missing []string
	for _, l := range in {
		if p, ok := s.products.peek(l.Product); ok {
			byCode[l.Product] = p
		} else if _, dup := byCode[l.Product]; !dup {
			missing = append(missing, l.Product)
		}
	}
	if len(missing) > 0 {
		gen, start := s.products.generation(), time.Now()
		found, err := s.st.ProductsByCode(ctx, missing)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("sales: look up products: %w", err)
		}
		// Codes not in the catalogue are not remembered: a product
		// created a moment later is found at once.
		for _, p := range found {
			byCode[p.Code] = p
			s.products.put(p.Code, p, start, gen)
		}
	}
	var v linli.Validation
	lines := make([]Line, len(in))
	var total, discount int64
	for i, l := range in {
		f := fmt.Sprintf("lines[%d]", i)
		ln := Line{LineNo: i + 1, Product: l.Product, Name: l.Name, Category: l.Category, Unit: catalog.UnitPiece,
			Quantity: l.Quantity, UnitPriceFen: l.UnitPriceFen, DiscountFen: l.DiscountFen}
		if p := byCode[l.Product]; p != nil {
			ln.ProductID, ln.Unit = p.ID, p.Unit
			ln.Name, ln.Category = or(l.Name, p.Name), or(l.Category, p.Category)
			if ln.UnitPriceFen == 0 {
				ln.UnitPriceFen = p.PriceFen
			}
		} else {
			if l.Name == "" {
				v.Add(f+".product", "sale.product_unknown", "product %q is not in the catalogue and the line has no name", l.Product)
				continue
			}
			if l.WeightProduct {
				ln.Unit = catalog.UnitWeight
			}
		}
		gross := ln.Quantity * ln.UnitPriceFen // < 10^7 × 10^9: fits
		if ln.Unit == catalog.UnitWeight {
			gross = (gross + 500) / 1000
		}
		if ln.DiscountFen > gross {
			v.Add(f+".discount_fen", "sale.discount_invalid", "the discount %d exceeds the line's %d fen", ln.DiscountFen, gross)
			continue
		}
		ln.AmountFen = gross - ln.DiscountFen
		total += ln.AmountFen
		discount += ln.DiscountFen
		if total > loyalty.MaxAmountFen {
			v.Add("lines", "sale.amount_invalid", "the sale exceeds %d fen", loyalty.MaxAmountFen)
			break
		}
		lines[i] = ln
	}
	return lines, total, discount, v.Err()
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// replay answers a repeated request from what the first one stored.
func replay[T any](old *Stored, h []byte, code string) (*T, error) {
	if !bytes.Equal(old.Hash, h) {
		return nil, linli.Errorf(linli.KindConflict, code, "this number was used for a different request")
	}
	var out T
	if err := json.Unmarshal([]byte(old.Response), &out); err != nil {
		return nil, fmt.Errorf("sales: stored answer %d: %w", old.ID, err)
	}
	return &out, nil
}

// write runs fn in a transaction, again when a concurrent request took the
// same idempotency key (the rerun then finds and answers it).
func (s *Service) write(ctx context.Context, fn func(tx Tx) error) error {
	var err error
	for range attempts {
		if err = s.st.Write(ctx, fn); !errors.Is(err, ErrDuplicate) {
			return err
		}
	}
	return fmt.Errorf("sales: idempotency key still contended: %w", err)
}

// Commit records a sale: lines, payments, the points it earns and the
// points it spends, all in one transaction. A repeat of the same receipt
// returns the first answer.
func (s *Service) Commit(ctx context.Context, actor linli.Actor, till Till, in SaleInput) (*Sale, error) {
	now := s.now()
	in = normalize(in)
	if err := validate(till, in, now); err != nil {
		return nil, err
	}
	h := hash(in)
	// A repeat gets the first answer, whatever has changed since (prices,
	// rules): the sale's group finds repeats for all its sales at once
	// (SaleHint), and a sale that fails before it gets there is looked up
	// here.
	p, err := s.prepare(ctx, till, in)
	if err != nil {
		if old, ferr := s.st.SaleByReceipt(ctx, till.StoreID, till.Terminal, in.Receipt); ferr != nil {
			return nil, fmt.Errorf("sales: find receipt: %w", ferr)
		} else if old != nil {
			return replaySale(old, h, s.loadSale(ctx))
		}
		return nil, err
	}

	hint := SaleHint{StoreID: till.StoreID, Terminal: till.Terminal, Receipt: in.Receipt, MemberID: in.MemberID}
	if in.MemberID != 0 {
		// The window tierUpgrade reads (none if the member is at the
		// top; the tier is known only inside the transaction).
		hint.ActivityFrom, hint.ActivityTo = windowStart(p.tiers, now), now.Add(FutureSlack)
	}
	var out *Sale
	for range attempts {
		err = s.st.WriteSale(ctx, hint, func(tx Tx) error {
			res, err := s.commitTx(ctx, tx, actor, p, in, h, now)
			out = res
			return err
		})
		if !errors.Is(err, ErrDuplicate) {
			break
		}
		// Another request took the receipt meanwhile: answer as a repeat
		// once it is committed.
		old, ferr := s.st.SaleByReceipt(ctx, till.StoreID, till.Terminal, in.Receipt)
		if ferr != nil {
			return nil, fmt.Errorf("sales: find receipt: %w", ferr)
		}
		if old != nil {
			return replaySale(old, h, s.loadSale(ctx))
		}
	}
	if errors.Is(err, ErrDuplicate) {
		return nil, fmt.Errorf("sales: receipt %q still contended: %w", in.Receipt, err)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// prepared is a sale ready for its transaction: priced, paid, and earned
// at the lowest tier (the transaction earns again if the member holds
// another).
type prepared struct {
	sale   *Sale
	basket loyalty.Basket
	redeem int64
	rules  Rules
	tiers  tier.Config
	loc    *time.Location
}

// prepare prices the sale, checks its payments and earns its points at
// the lowest tier.
func (s *Service) prepare(ctx context.Context, till Till, in SaleInput) (*prepared, error) {
	rules, err := s.Rules(ctx)
	if err != nil {
		return nil, err
	}
	tiers, err := s.TierConfig(ctx)
	if err != nil {
		return nil, err
	}
	loc, err := s.zone(ctx, till.StoreID)
	if err != nil {
		return nil, err
	}
	lines, total, discount, err := s.price(ctx, in.Lines)
	if err != nil {
		return nil, err
	}
	var paid, redeem int64
	pays := make([]Payment, len(in.Payments))
	for i, p := range in.Payments {
		if p.Method == PayPoints && p.AmountFen != p.Points*rules.RedeemFenPerPoint {
			return nil, linli.Invalid("sale.points_amount_mismatch", fmt.Sprintf("payments[%d].amount_fen", i),
				"%d points pay %d fen, not %d", p.Points, p.Points*rules.RedeemFenPerPoint, p.AmountFen)
		}
		paid += p.AmountFen
		redeem += p.Points
		pays[i] = Payment(p)
	}
	if paid != total {
		return nil, linli.Invalid("sale.payment_mismatch", "payments", "the payments come to %d fen, the sale to %d", paid, total)
	}
	sale := &Sale{StoreID: till.StoreID, Terminal: till.Terminal, Receipt: in.Receipt, Cashier: in.Cashier,
		Channel: in.Channel, PickupStatus: in.PickupStatus, SoldAt: in.SoldAt, AmountFen: total, DiscountFen: discount,
		PointsRedeemed: redeem, Status: StatusCompleted, Lines: lines, Payments: pays}
	var earn loyalty.Earning
	var basket loyalty.Basket
	if in.MemberID != 0 {
		// Earn outside the transaction, which on SQLite every sale queues
		// behind, at the tier the member last had (the lowest if not known);
		// the transaction earns again only if the member holds another (see
		// tierEarn).
		m, ok := s.multipliers.get(in.MemberID)
		if !ok {
			m = tiers.Lowest().PointsMultiplier
		}
		b := loyalty.Basket{Time: in.SoldAt, Location: loc, TierMultiplier: m}
		for _, l := range lines {
			b.Lines = append(b.Lines, loyalty.Line{Product: l.Product, Category: l.Category, AmountFen: l.AmountFen})
		}
		for _, p := range pays {
			b.Payments = append(b.Payments, loyalty.Payment{Method: p.Method, AmountFen: p.AmountFen})
		}
		if earn, err = loyalty.Earn(rules.Rules, b); err != nil {
			return nil, err
		}
		for i := range sale.Lines {
			sale.Lines[i].Points = earn.Lines[i].Points
		}
		sale.PointsEarned, sale.Reasons = earn.Points, earn.Reasons
		basket = b
	}

	return &prepared{sale: sale, basket: basket, redeem: redeem, rules: rules, tiers: tiers, loc: loc}, nil
}

// replaySale answers a repeated sale with the first answer: the sale as
// stored, without the refunds made since, and the points reasons and
// balance stored with it (the rest of the answer is not stored twice).
func replaySale(old *Stored, h []byte, load func(id int64) (*Sale, error)) (*Sale, error) {
	if !bytes.Equal(old.Hash, h) {
		return nil, linli.Errorf(linli.KindConflict, "sale.receipt_conflict", "this number was used for a different request")
	}
	sale, err := load(old.ID)
	if err != nil {
		return nil, fmt.Errorf("sales: load sale %d: %w", old.ID, err)
	}
	if sale == nil {
		return nil, fmt.Errorf("sales: sale %d is gone", old.ID)
	}
	var first Sale
	if err := json.Unmarshal([]byte(old.Response), &first); err != nil {
		return nil, fmt.Errorf("sales: stored answer %d: %w", old.ID, err)
	}
	sale.Reasons, sale.Balance = first.Reasons, first.Balance
	sale.RefundedFen, sale.Status = 0, StatusCompleted
	for i := range sale.Lines {
		l := &sale.Lines[i]
		l.RefundedQty, l.RefundedFen, l.PointsReversed = 0, 0, 0
	}
	sale.Replayed = true
	return sale, nil
}

// answer is what a sale stores of its first answer for repeats.
type answer struct {
	Reasons []loyalty.Reason `json:"points_reasons,omitempty"`
	Balance int64            `json:"points_balance"`
}

// firstAnswer is json.Marshal(answer{rs, balance}) given rs encoded.
func firstAnswer(encoded []byte, rs []loyalty.Reason, balance int64) string {
	b := make([]byte, 0, len(encoded)+48)
	b = append(b, '{')
	if len(rs) > 0 {
		b = append(b, `"points_reasons":`...)
		b = append(b, encoded...)
		b = append(b, ',')
	}
	b = append(b, `"points_balance":`...)
	b = strconv.AppendInt(b, balance, 10)
	return string(append(b, '}'))
}

// commitTx is the transaction of Commit. Its statements are few on
// purpose: on SQLite every sale of the store queues behind them.
func (s *Service) commitTx(ctx context.Context, tx Tx, actor linli.Actor, p *prepared, in SaleInput, h []byte, now time.Time) (*Sale, error) {
	sale, rules, tiers, redeem := p.sale, p.rules, p.tiers, p.redeem
	res := *sale
	res.Lines = append([]Line(nil), sale.Lines...)
	var balance int64
	var tierRow MemberTierRow
	if in.MemberID != 0 {
		id, bal, err := tx.LockMember(ctx, in.MemberID, now)
		if err != nil {
			return nil, fmt.Errorf("sales: lock member: %w", err)
		}
		if id == 0 {
			return nil, linli.Invalid("sale.member_not_found", "member_id", "member %d does not exist", in.MemberID)
		}
		res.MemberID, balance = id, bal
		// Tiers: earn at the tier held before this sale (see tiers.go).
		if tierRow, err = tierEarn(ctx, tx, tiers, &res, rules.Rules, p.basket); err != nil {
			return nil, err
		}
		s.multipliers.set(in.MemberID, tiers.Find(tierRow.Code).PointsMultiplier)
	}
	var takes []loyalty.Take
	if redeem > 0 {
		// A repeat of this very sale, committed just before in the same
		// group, has spent the points: it is answered as a repeat.
		repeat := func(err error) (*Sale, error) {
			if old, ferr := tx.SaleByReceipt(ctx, sale.StoreID, sale.Terminal, sale.Receipt); ferr != nil {
				return nil, fmt.Errorf("sales: find receipt: %w", ferr)
			} else if old != nil {
				return replaySale(old, h, func(id int64) (*Sale, error) { return tx.LockSale(ctx, id) })
			}
			return nil, err
		}
		if balance < redeem {
			return repeat(linli.Errorf(linli.KindConflict, "ledger.insufficient_points", "balance %d is less than %d points", balance, redeem))
		}
		lots, err := tx.Lots(ctx, res.MemberID)
		if err != nil {
			return nil, fmt.Errorf("sales: read lots: %w", err)
		}
		// Lots are read on the till's clock: points valid when the
		// customer paid with them stay spendable until the job expires them.
		if takes, err = loyalty.Allocate(lots, redeem, in.SoldAt); err != nil {
			return repeat(err)
		}
	}
	res.Balance = balance + res.PointsEarned - redeem
	// The reasons are encoded once, for the stored answer and the entry.
	reasons, err := json.Marshal(res.Reasons)
	if err != nil {
		return nil, err
	}
	id, err := tx.InsertSale(ctx, &res, h, firstAnswer(reasons, res.Reasons, res.Balance), now)
	if err != nil {
		return nil, err
	}
	res.ID = id
	if res.PointsEarned > 0 {
		e := &Entry{MemberID: res.MemberID, Delta: res.PointsEarned, Kind: "earn", Source: "sale", SourceID: id,
			Rule: ruleCodes(res.Reasons), Operator: actor.Name, Reason: string(reasons), At: res.SoldAt}
		if _, err := s.credit(ctx, tx, e, loyalty.ExpiresAt(rules.Expiry, res.SoldAt, p.loc)); err != nil {
			return nil, err
		}
	}
	if redeem > 0 {
		e := &Entry{MemberID: res.MemberID, Delta: -redeem, Kind: "redeem", Source: "sale", SourceID: id,
			Operator: actor.Name, At: res.SoldAt}
		if err := s.debit(ctx, tx, e, takes); err != nil {
			return nil, err
		}
	}
	// Tiers: the sale that qualifies a higher tier upgrades, its own points counted (see tiers.go).
	if res.MemberID != 0 {
		if _, err := tierUpgrade(ctx, tx, tiers, tierRow, res.MemberID, id, now); err != nil {
			return nil, err
		}
	}
	return &res, nil
}

func ruleCodes(rs []loyalty.Reason) string {
	codes := make([]string, len(rs))
	for i, r := range rs {
		codes[i] = r.Rule
	}
	return strings.Join(codes, ",")
}

// credit appends a positive entry and opens its lot.
func (s *Service) credit(ctx context.Context, tx Tx, e *Entry, expires time.Time) (int64, error) {
	id, err := tx.Credit(ctx, e, expires)
	if err != nil {
		return 0, fmt.Errorf("sales: add %s entry and its lot: %w", e.Kind, err)
	}
	e.ID = id
	return id, nil
}

// debit appends a negative entry and records what it took from lots.
func (s *Service) debit(ctx context.Context, tx Tx, e *Entry, takes []loyalty.Take) error {
	id, err := tx.AddEntry(ctx, e)
	if err != nil {
		return fmt.Errorf("sales: add %s entry: %w", e.Kind, err)
	}
	e.ID = id
	if err := tx.Take(ctx, id, takes); err != nil {
		return fmt.Errorf("sales: take from lots: %w", err)
	}
	return nil
}

// loadSale reads a sale outside a transaction, for replays.
func (s *Service) loadSale(ctx context.Context) func(id int64) (*Sale, error) {
	return func(id int64) (*Sale, error) {
		sale, _, err := s.st.GetSale(ctx, id)
		return sale, err
	}
}

// GetSale returns a sale as it stands now (refunds included), with the
// reasons and balance of its first answer; "sale.not_found" when none.
func (s *Service) GetSale(ctx context.Context, id int64) (*Sale, error) {
	sale, resp, err := s.st.GetSale(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("sales: get sale %d: %w", id, err)
	}
	if sale == nil {
		return nil, linli.Errorf(linli.KindNotFound, "sale.not_found", "sale %d does not exist", id)
	}
	var first Sale
	if json.Unmarshal([]byte(resp), &first) == nil {
		sale.Reasons, sale.Balance = first.Reasons, first.Balance
	}
	return sale, nil
}

// Balance is the member's points balance.
func (s *Service) Balance(ctx context.Context, memberID int64) (int64, error) {
	b, err := s.st.Balance(ctx, memberID)
	if err != nil {
		return 0, fmt.Errorf("sales: balance of member %d: %w", memberID, err)
	}
	return b, nil
}

// Entries returns the member's latest ledger entries, newest first.
func (s *Service) Entries(ctx context.Context, memberID int64, limit int) ([]Entry, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	es, err := s.st.Entries(ctx, memberID, limit)
	if err != nil {
		return nil, fmt.Errorf("sales: entries of member %d: %w", memberID, err)
	}
	return es, nil
}

type refundKey struct {
	SaleID int64       `json:"sale_id"`
	In     RefundInput `json:"in"`
}

// pick is one line to refund: its index in the sale and the quantity.
type pick struct {
	idx int
	qty int64
}

// Refund refunds lines of a sale: the money pro rata to quantity, the
// points earned on them taken back, the points paid given back. A repeat
// of the refund number returns the first answer.
func (s *Service) Refund(ctx context.Context, actor linli.Actor, till Till, saleID int64, in RefundInput) (*Refund, error) {
	return s.refund(ctx, actor, till, saleID, in, false)
}

// VoidInput says why a sale is voided.
type VoidInput struct {
	Reason string `json:"reason"`
}

// Void cancels a sale that was rung up by mistake: every line is taken
// back, the points it earned are reversed and those it spent given back,
// and the sale is marked voided, so it counts for nothing (tiers, reports,
// analyses). Only a sale without refunds can be voided; a repeat answers
// the first void. It is recorded as a refund numbered "void-<sale id>".
func (s *Service) Void(ctx context.Context, actor linli.Actor, till Till, saleID int64, in VoidInput) (*Refund, error) {
	return s.refund(ctx, actor, till, saleID, RefundInput{RefundNo: fmt.Sprintf("void-%d", saleID), All: true, Reason: in.Reason}, true)
}

func (s *Service) refund(ctx context.Context, actor linli.Actor, till Till, saleID int64, in RefundInput, void bool) (*Refund, error) {
	now := s.now()
	if err := checkTill(till); err != nil {
		return nil, err
	}
	in.RefundNo, in.Reason = strings.TrimSpace(in.RefundNo), strings.TrimSpace(in.Reason)
	var v linli.Validation
	if in.RefundNo == "" || len(in.RefundNo) > maxKeyLen {
		v.Add("refund_no", "sale.refund_no_invalid", "the refund number must be 1–%d characters", maxKeyLen)
	}
	if in.All == (len(in.Lines) > 0) {
		v.Add("lines", "sale.refund_lines_required", "refund either all lines or the lines listed")
	}
	if utf8.RuneCountInString(in.Reason) > maxReasonLen {
		v.Add("reason", "sale.reason_too_long", "the reason has at most %d characters", maxReasonLen)
	}
	seen := map[int]bool{}
	for i, l := range in.Lines {
		if seen[l.LineNo] {
			v.Add(fmt.Sprintf("lines[%d].line_no", i), "sale.line_duplicate", "line %d is listed twice", l.LineNo)
		}
		seen[l.LineNo] = true
		if l.Quantity <= 0 {
			v.Add(fmt.Sprintf("lines[%d].quantity", i), "sale.quantity_invalid", "the quantity must be positive")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	h := hash(refundKey{saleID, in})
	if old, err := s.st.RefundByNo(ctx, till.StoreID, till.Terminal, in.RefundNo); err != nil {
		return nil, fmt.Errorf("sales: find refund: %w", err)
	} else if old != nil {
		return replay[Refund](old, h, "sale.refund_conflict")
	}
	rules, err := s.Rules(ctx)
	if err != nil {
		return nil, err
	}
	var out *Refund
	err = s.write(ctx, func(tx Tx) error {
		if old, err := tx.RefundByNo(ctx, till.StoreID, till.Terminal, in.RefundNo); err != nil {
			return fmt.Errorf("sales: find refund: %w", err)
		} else if old != nil {
			out, err = replay[Refund](old, h, "sale.refund_conflict")
			return err
		}
		memberID, found, err := tx.SaleMember(ctx, saleID)
		if err != nil {
			return fmt.Errorf("sales: find sale: %w", err)
		}
		if !found {
			return linli.Errorf(linli.KindNotFound, "sale.not_found", "sale %d does not exist", saleID)
		}
		var balance int64
		if memberID != 0 {
			// The member first, then the sale: the order Commit locks in.
			if memberID, balance, err = tx.LockMember(ctx, memberID, now); err != nil {
				return fmt.Errorf("sales: lock member: %w", err)
			}
		}
		sale, err := tx.LockSale(ctx, saleID)
		if err != nil {
			return fmt.Errorf("sales: read sale: %w", err)
		}
		if sale == nil {
			return linli.Errorf(linli.KindNotFound, "sale.not_found", "sale %d does not exist", saleID)
		}
		if sale.Status == StatusVoided {
			return linli.Errorf(linli.KindConflict, "sale.voided", "sale %d was voided", saleID)
		}
		if void && sale.RefundedFen > 0 {
			return linli.Errorf(linli.KindConflict, "sale.void_refunded", "sale %d has refunds; refund the rest instead", saleID)
		}
		picks, err := choose(sale, in)
		if err != nil {
			return err
		}
		row := &RefundRow{Refund: Refund{SaleID: saleID, RefundNo: in.RefundNo, At: now}, StoreID: till.StoreID,
			Terminal: till.Terminal, Hash: h, Reason: in.Reason}
		var reversal int64
		refundedBefore := sale.RefundedFen
		for _, p := range picks {
			l := &sale.Lines[p.idx]
			// The money is shared like points: floor on the running
			// total, so the refund that completes a line takes the rest.
			fen, err := loyalty.ReverseRedemption(l.AmountFen, l.Quantity, l.RefundedQty, p.qty)
			if err != nil {
				return err
			}
			pts, _, err := loyalty.Reverse([]loyalty.RefundLine{{Earned: l.Points, Size: l.Quantity, RefundedBefore: l.RefundedQty, Refund: p.qty}})
			if err != nil {
				return err
			}
			l.RefundedQty += p.qty
			l.RefundedFen += fen
			l.PointsReversed += pts[0]
			row.AmountFen += fen
			reversal += pts[0]
			row.Lines = append(row.Lines, RefundLineRow{LineNo: l.LineNo, Quantity: p.qty, AmountFen: fen, Points: pts[0]})
		}
		sale.RefundedFen += row.AmountFen
		returned, err := loyalty.ReverseRedemption(sale.PointsRedeemed, sale.AmountFen, refundedBefore, row.AmountFen)
		if err != nil {
			return err
		}
		sale.Status = StatusRefunded
		for _, l := range sale.Lines {
			if l.RefundedQty < l.Quantity {
				sale.Status = StatusCompleted
			}
		}
		if void {
			sale.Status = StatusVoided
		}
		row.PointsReturned = returned
		// The points given back come first, so that a reversal can take
		// from them rather than go unrecovered.
		var debit, unrecovered int64
		if memberID != 0 {
			debit, unrecovered = loyalty.ApplyReversal(balance+returned, reversal, rules.Debt)
		}
		row.PointsReversed, row.PointsUnrecovered = debit, unrecovered
		id, err := tx.InsertRefund(ctx, row)
		if err != nil {
			return err
		}
		row.ID = id
		if err := tx.SaveRefunded(ctx, sale); err != nil {
			return fmt.Errorf("sales: save refunded sale: %w", err)
		}
		if memberID != 0 && returned > 0 {
			expires, ok, err := tx.RedeemExpiry(ctx, saleID)
			if err != nil {
				return fmt.Errorf("sales: expiry of redeemed points: %w", err)
			}
			if !ok {
				loc, err := s.zone(ctx, sale.StoreID)
				if err != nil {
					return err
				}
				expires = loyalty.ExpiresAt(rules.Expiry, now, loc)
			}
			e := &Entry{MemberID: memberID, Delta: returned, Kind: "refund_return", Source: "refund", SourceID: id,
				Operator: actor.Name, Reason: in.Reason, At: now}
			if _, err := s.credit(ctx, tx, e, expires); err != nil {
				return err
			}
			balance += returned
		}
		if debit > 0 {
			takes, err := reversalTakes(ctx, tx, memberID, saleID, debit)
			if err != nil {
				return err
			}
			e := &Entry{MemberID: memberID, Delta: -debit, Kind: "refund_reversal", Source: "refund", SourceID: id,
				Operator: actor.Name, Reason: in.Reason, At: now}
			if err := s.debit(ctx, tx, e, takes); err != nil {
				return err
			}
			balance -= debit
		}
		row.Balance = balance
		b, err := json.Marshal(&row.Refund)
		if err != nil {
			return err
		}
		if err := tx.SetRefund(ctx, &row.Refund, string(b)); err != nil {
			return fmt.Errorf("sales: save refund: %w", err)
		}
		r := row.Refund
		out = &r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// choose turns the input into the lines to refund, checking each against
// what is left of it.
func choose(sale *Sale, in RefundInput) ([]pick, error) {
	var picks []pick
	if in.All {
		for i, l := range sale.Lines {
			if left := l.Quantity - l.RefundedQty; left > 0 {
				picks = append(picks, pick{i, left})
			}
		}
		if len(picks) == 0 {
			return nil, linli.Invalid("sale.refund_exceeds", "all", "sale %d is refunded already", sale.ID)
		}
		return picks, nil
	}
	for i, rl := range in.Lines {
		idx := -1
		for j, l := range sale.Lines {
			if l.LineNo == rl.LineNo {
				idx = j
			}
		}
		f := fmt.Sprintf("lines[%d]", i)
		if idx < 0 {
			return nil, linli.Invalid("sale.line_not_found", f+".line_no", "sale %d has no line %d", sale.ID, rl.LineNo)
		}
		l := sale.Lines[idx]
		if left := l.Quantity - l.RefundedQty; rl.Quantity > left {
			return nil, linli.Invalid("sale.refund_exceeds", f+".quantity", "line %d has %d left to refund, not %d", rl.LineNo, left, rl.Quantity)
		}
		picks = append(picks, pick{idx, rl.Quantity})
	}
	return picks, nil
}

// reversalTakes chooses the lots a reversal takes from: the sale's own lot
// first, then the others first to expire first. Lots past their expiry
// that the job has not reached yet still count (the allocation is asked
// at the zero time, before every expiry), as they count in the balance.
func reversalTakes(ctx context.Context, tx Tx, memberID, saleID, points int64) ([]loyalty.Take, error) {
	lots, err := tx.Lots(ctx, memberID)
	if err != nil {
		return nil, fmt.Errorf("sales: read lots: %w", err)
	}
	own, err := tx.SaleLot(ctx, saleID)
	if err != nil {
		return nil, fmt.Errorf("sales: find the sale's lot: %w", err)
	}
	var takes []loyalty.Take
	others := lots[:0:0]
	for _, l := range lots {
		if l.ID == own && l.Remaining > 0 {
			n := min(l.Remaining, points)
			takes = append(takes, loyalty.Take{LotID: l.ID, Points: n})
			points -= n
			continue
		}
		others = append(others, l)
	}
	// Under a debt policy a reversal may exceed the lots; the rest is debt.
	n := min(points, loyalty.Balance(others, time.Time{}))
	more, err := loyalty.Allocate(others, n, time.Time{})
	if err != nil {
		return nil, err
	}
	return append(takes, more...), nil
}

// Adjust changes a member's points by hand: a positive delta opens a lot
// that expires by the rules, a negative one spends first to expire first.
// The change and its audit line commit together. Permission is checked at
// the edge.
func (s *Service) Adjust(ctx context.Context, actor linli.Actor, memberID, delta int64, reason string) (*Entry, error) {
	now := s.now()
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return nil, linli.Invalid("ledger.reason_required", "reason", "an adjustment needs a reason")
	case utf8.RuneCountInString(reason) > maxReasonLen:
		return nil, linli.Invalid("ledger.reason_too_long", "reason", "the reason has at most %d characters", maxReasonLen)
	case delta == 0 || delta > MaxAdjust || delta < -MaxAdjust:
		return nil, linli.Invalid("ledger.delta_invalid", "delta", "the change must be non-zero and at most %d points", MaxAdjust)
	}
	rules, err := s.Rules(ctx)
	if err != nil {
		return nil, err
	}
	loc, _ := loadZone(DefaultZone)
	if actor.StoreID != 0 {
		if loc, err = s.zone(ctx, actor.StoreID); err != nil {
			return nil, err
		}
	}
	var out *Entry
	err = s.st.Write(ctx, func(tx Tx) error {
		id, balance, err := tx.LockMember(ctx, memberID, now)
		if err != nil {
			return fmt.Errorf("sales: lock member: %w", err)
		}
		if id == 0 {
			return linli.Errorf(linli.KindNotFound, "member.not_found", "member %d does not exist", memberID)
		}
		e := &Entry{MemberID: id, Delta: delta, Kind: "adjust", Source: "manual", Operator: actor.Name, Reason: reason, At: now}
		if delta > 0 {
			if _, err := s.credit(ctx, tx, e, loyalty.ExpiresAt(rules.Expiry, now, loc)); err != nil {
				return err
			}
		} else {
			if balance < -delta {
				return linli.Errorf(linli.KindConflict, "ledger.insufficient_points", "balance %d is less than %d points", balance, -delta)
			}
			lots, err := tx.Lots(ctx, id)
			if err != nil {
				return fmt.Errorf("sales: read lots: %w", err)
			}
			takes, err := loyalty.Allocate(lots, -delta, now)
			if err != nil {
				return err
			}
			if err := s.debit(ctx, tx, e, takes); err != nil {
				return err
			}
		}
		out = e
		return tx.Audit(ctx, now, actor, "points.adjust", "member", id, fmt.Sprintf("delta=%d reason=%s", delta, reason))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Expire takes what is left in every lot expired at at, one entry per
// member, and returns the points expired. Each member is its own
// transaction, so the job never holds many members at once and may be
// rerun after a failure.
func (s *Service) Expire(ctx context.Context, at time.Time) (int64, error) {
	members, err := s.st.ExpiredMembers(ctx, at)
	if err != nil {
		return 0, fmt.Errorf("sales: find expired lots: %w", err)
	}
	var total int64
	for _, m := range members {
		err := s.st.Write(ctx, func(tx Tx) error {
			id, _, err := tx.LockMember(ctx, m, at)
			if err != nil || id != m {
				return err // merged meanwhile: the survivor's lots come up next run
			}
			lots, err := tx.Lots(ctx, m)
			if err != nil {
				return err
			}
			var sum int64
			var takes []loyalty.Take
			for _, x := range loyalty.Expire(lots, at) {
				takes = append(takes, loyalty.Take(x))
				sum += x.Points
			}
			if sum == 0 {
				return nil
			}
			e := &Entry{MemberID: m, Delta: -sum, Kind: "expire", Source: "job", Operator: linli.System.Name, At: at}
			if err := s.debit(ctx, tx, e, takes); err != nil {
				return err
			}
			total += sum
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("sales: expire points of member %d: %w", m, err)
		}
	}
	return total, nil
}

// ExpiringSoon lists the members whose points expire within days days.
func (s *Service) ExpiringSoon(ctx context.Context, days int) ([]Expiring, error) {
	if days < 0 || days > 3660 {
		return nil, linli.Invalid("ledger.days_invalid", "days", "days must be from 0 to 3660")
	}
	// Calendar days in the chain's zone: "the next 30 days" runs to the end
	// of the 30th day after today, as a customer would read it.
	from := s.now()
	loc, err := loadZone(DefaultZone)
	if err != nil {
		return nil, err
	}
	d := from.In(loc)
	until := time.Date(d.Year(), d.Month(), d.Day()+days+1, 0, 0, 0, 0, loc)
	list, err := s.st.ExpiringSoon(ctx, from, until)
	if err != nil {
		return nil, fmt.Errorf("sales: expiring points: %w", err)
	}
	return list, nil
}

// Check verifies the ledger's invariants. Negative balances are expected
// under the debt policy that records debt.
func (s *Service) Check(ctx context.Context) ([]Violation, error) {
	vs, err := s.st.Check(ctx)
	if err != nil {
		return nil, fmt.Errorf("sales: check: %w", err)
	}
	rules, err := s.Rules(ctx)
	if err != nil {
		return nil, err
	}
	out := []Violation{}
	for _, v := range vs {
		if v.Code == "negative_balance" && rules.Debt == loyalty.DebtRecord {
			continue
		}
		out = append(out, v)
	}
	return out, nil
}
