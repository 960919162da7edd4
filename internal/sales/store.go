package sales

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/loyalty"
)

// ErrDuplicate is what a Tx returns when a sale or refund with the same
// idempotency key was committed by someone else meanwhile; the service then
// runs again and answers from what is stored.
var ErrDuplicate = errors.New("sales: duplicate idempotency key")

// Stored is what an idempotency key points to.
type Stored struct {
	ID       int64
	Hash     []byte
	Response string
}

// RefundLineRow is one stored refund line.
type RefundLineRow struct {
	LineNo    int
	Quantity  int64
	AmountFen int64
	Points    int64
}

// RefundRow is a refund as stored.
type RefundRow struct {
	Refund
	StoreID  int64
	Terminal string
	Hash     []byte
	Reason   string
	Lines    []RefundLineRow
}

// Expiring is a member's points that expire soon.
type Expiring struct {
	MemberID int64     `json:"member_id"`
	Points   int64     `json:"points"`
	Earliest time.Time `json:"earliest_expiry"`
}

// Store keeps sales and the ledger. Reads outside Write see committed data.
type Store interface {
	// Write runs fn in one transaction: all of it commits or nothing.
	Write(ctx context.Context, fn func(tx Tx) error) error
	ProductsByCode(ctx context.Context, codes []string) ([]*catalog.Product, error)
	// StoreZone returns the store's time zone name; found false when there
	// is no such store.
	StoreZone(ctx context.Context, storeID int64) (string, bool, error)
	Setting(ctx context.Context, key string) (string, bool, error)
	SaleByReceipt(ctx context.Context, storeID int64, terminal, receipt string) (*Stored, error)
	// WriteSale is Write for the transaction of one sale, committed with
	// others that arrive together; the hint names what that transaction
	// will read, so that the store can read it for the whole group at once
	// (PostgreSQL: two round trips per group instead of a dozen per sale).
	// fn must be safe to run more than once: the store runs it again alone
	// when its group cannot commit.
	WriteSale(ctx context.Context, hint SaleHint, fn func(tx Tx) error) error
	RefundByNo(ctx context.Context, storeID int64, terminal, refundNo string) (*Stored, error)
	// GetSale returns the sale and its stored response; nil when none.
	GetSale(ctx context.Context, id int64) (*Sale, string, error)
	Balance(ctx context.Context, memberID int64) (int64, error)
	Entries(ctx context.Context, memberID int64, limit int) ([]Entry, error)
	// ExpiredMembers lists the members with points left in lots expired at at.
	ExpiredMembers(ctx context.Context, at time.Time) ([]int64, error)
	// ExpiringSoon sums per member the points left in lots valid at from
	// that expire before until.
	ExpiringSoon(ctx context.Context, from, until time.Time) ([]Expiring, error)
	// Check lists the broken invariants of the stored ledger.
	Check(ctx context.Context) ([]Violation, error)
	TierStore
}

// SaleHint says what a sale's transaction will read.
type SaleHint struct {
	// StoreID, Terminal and Receipt are the receipt the sale takes. When
	// set, WriteSale answers ErrDuplicate without running fn if a sale
	// holds it already, so the caller needs no look of its own first.
	StoreID           int64
	Terminal, Receipt string
	// MemberID is the member whose balance the sale locks; 0: none.
	MemberID int64
	// ActivityFrom and ActivityTo are the tier window the sale reads
	// with TierActivity; both zero when it reads none.
	ActivityFrom, ActivityTo time.Time
}

// Tx is one write transaction.
type Tx interface {
	// LockMember locks the member's balance (creating it at zero) until
	// the transaction ends and returns it. A merged member's points go to
	// the survivor, whose id is returned; id 0 when there is no member.
	LockMember(ctx context.Context, memberID int64, at time.Time) (id, balance int64, err error)
	SaleByReceipt(ctx context.Context, storeID int64, terminal, receipt string) (*Stored, error)
	// InsertSale stores the sale with its lines, payments and the answer
	// for repeats (ErrDuplicate when the receipt is taken) and returns its id.
	InsertSale(ctx context.Context, s *Sale, hash []byte, response string, at time.Time) (int64, error)
	// SaleMember returns the sale's member (0: anonymous); found false when
	// there is no such sale.
	SaleMember(ctx context.Context, saleID int64) (memberID int64, found bool, err error)
	// LockSale reads the sale with its lines and payments and keeps other
	// refunds of it waiting until the transaction ends; nil when none.
	LockSale(ctx context.Context, saleID int64) (*Sale, error)
	// SaveRefunded writes the sale's refunded amounts, status and lines.
	SaveRefunded(ctx context.Context, s *Sale) error
	RefundByNo(ctx context.Context, storeID int64, terminal, refundNo string) (*Stored, error)
	InsertRefund(ctx context.Context, r *RefundRow) (int64, error)
	SetRefund(ctx context.Context, r *Refund, response string) error
	// Lots returns the member's lots with points left.
	Lots(ctx context.Context, memberID int64) ([]loyalty.Lot, error)
	// SaleLot returns the lot the sale's earning opened; 0 when none.
	SaleLot(ctx context.Context, saleID int64) (int64, error)
	// RedeemExpiry returns the latest expiry of the lots the sale's points
	// payment took from (zero: one of them never expires); ok false when
	// the sale took none.
	RedeemExpiry(ctx context.Context, saleID int64) (t time.Time, ok bool, err error)
	// AddEntry appends an entry and moves the member's cached balance.
	AddEntry(ctx context.Context, e *Entry) (int64, error)
	OpenLot(ctx context.Context, memberID, entryID, points int64, earnedAt, expiresAt time.Time) (int64, error)
	// Credit appends a positive entry, moves the cached balance and opens
	// the entry's lot (expiring at expiresAt; zero: never); it returns the
	// entry's id.
	Credit(ctx context.Context, e *Entry, expiresAt time.Time) (int64, error)
	// Take records what an entry took from lots and lowers their remaining.
	Take(ctx context.Context, entryID int64, takes []loyalty.Take) error
	PutSetting(ctx context.Context, key, value string) error
	Audit(ctx context.Context, at time.Time, actor linli.Actor, action, entity string, id int64, detail string) error
	TierTx
}

// Rules are the loyalty rules plus the redemption rate, stored together as
// JSON in the settings under RulesKey.
type Rules struct {
	loyalty.Rules
	// RedeemFenPerPoint is what one point pays, in fen: 1 means 100 points
	// pay 1 yuan.
	RedeemFenPerPoint int64 `json:"redeem_fen_per_point"`
}

// RulesKey is the settings key of the rules.
const RulesKey = "loyalty.rules"

// MaxRedeemFenPerPoint bounds the redemption rate (1 point = 100 yuan).
const MaxRedeemFenPerPoint = 10_000

// DefaultRules: loyalty.DefaultRules and 1 fen per point.
func DefaultRules() Rules { return Rules{Rules: loyalty.DefaultRules(), RedeemFenPerPoint: 1} }

// Validate checks the loyalty rules and the rate.
func (r Rules) Validate() error {
	err := r.Rules.Validate()
	if r.RedeemFenPerPoint >= 1 && r.RedeemFenPerPoint <= MaxRedeemFenPerPoint {
		return err
	}
	e, _ := linli.AsError(err)
	if e == nil {
		return linli.Invalid("loyalty.redeem_rate_invalid", "redeem_fen_per_point", "fen per point must be between 1 and %d", MaxRedeemFenPerPoint)
	}
	e.Fields = append(e.Fields, linli.FieldError{Field: "redeem_fen_per_point", Code: "loyalty.redeem_rate_invalid",
		Message: "fen per point out of range"})
	return e
}

func (r Rules) encode() string {
	b, _ := json.Marshal(r)
	return string(b)
}
