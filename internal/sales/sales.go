// Package sales records what the tills sell and keeps the points ledger that
// sales drive: a sale earns points by the store's rules (package loyalty),
// may be paid partly with points, and may be refunded line by line. Every
// sale is idempotent on (store, terminal, receipt number), and a sale, its
// ledger entries, lots and the member's cached balance commit in one
// transaction, so a crash or a retry never leaves the ledger inconsistent.
package sales

import (
	"context"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/loyalty"
)

// Payment methods.
const (
	PayCash     = "cash"
	PayCard     = "card"   // bank card
	PayMobile   = "mobile" // WeChat Pay, Alipay …
	PayPoints   = loyalty.PayPoints
	PayCoupon   = "coupon"
	PayGiftCard = loyalty.PayGiftCard
)

// Channels.
const (
	ChannelStore  = "store"
	ChannelOnline = "online"
)

// Sale statuses.
const (
	StatusCompleted = "completed"
	StatusRefunded  = "refunded" // every line refunded in full
	StatusVoided    = "voided"
)

// LineInput is one scanned item as the till sends it.
type LineInput struct {
	Product       string `json:"product"`            // product code
	Quantity      int64  `json:"quantity"`           // pieces, or grams for weight items
	UnitPriceFen  int64  `json:"unit_price_fen"`     // per piece or per kilogram; 0: the catalogue price
	DiscountFen   int64  `json:"discount_fen"`       // line discount, ≥ 0
	Name          string `json:"name,omitempty"`     // for products not in the catalogue
	Category      string `json:"category,omitempty"` // idem
	WeightProduct bool   `json:"weight,omitempty"`   // idem: sold by weight
}

// PaymentInput is one tender. For points, Points is what the member spends
// and AmountFen what it pays (by the redemption rate).
type PaymentInput struct {
	Method    string `json:"method"`
	AmountFen int64  `json:"amount_fen"`
	Points    int64  `json:"points,omitempty"`
}

// SaleInput is a sale as committed at the till.
type SaleInput struct {
	Receipt      string         `json:"receipt_no"`
	MemberID     int64          `json:"member_id,omitempty"` // 0: anonymous
	Cashier      string         `json:"cashier,omitempty"`
	SoldAt       time.Time      `json:"sold_at"`
	Channel      string         `json:"channel,omitempty"`
	PickupStatus string         `json:"pickup_status,omitempty"`
	Lines        []LineInput    `json:"lines"`
	Payments     []PaymentInput `json:"payments"`
}

// Till says where a sale comes from: the store and terminal of the API key.
type Till struct {
	StoreID  int64
	Terminal string
}

// Line is a stored sale line.
type Line struct {
	LineNo         int    `json:"line_no"`
	ProductID      int64  `json:"product_id,omitempty"`
	Product        string `json:"product"`
	Name           string `json:"name"`
	Category       string `json:"category"`
	Unit           string `json:"unit"`
	Quantity       int64  `json:"quantity"`
	UnitPriceFen   int64  `json:"unit_price_fen"`
	DiscountFen    int64  `json:"discount_fen"`
	AmountFen      int64  `json:"amount_fen"`
	Points         int64  `json:"points"`
	RefundedQty    int64  `json:"refunded_quantity"`
	RefundedFen    int64  `json:"refunded_fen"`
	PointsReversed int64  `json:"points_reversed"`
}

// Payment is a stored tender.
type Payment struct {
	Method    string `json:"method"`
	AmountFen int64  `json:"amount_fen"`
	Points    int64  `json:"points,omitempty"`
}

// Sale is a committed sale, as answered to the till.
type Sale struct {
	ID             int64            `json:"id"`
	StoreID        int64            `json:"store_id"`
	Terminal       string           `json:"terminal"`
	Receipt        string           `json:"receipt_no"`
	MemberID       int64            `json:"member_id,omitempty"`
	Cashier        string           `json:"cashier,omitempty"`
	Channel        string           `json:"channel"`
	PickupStatus   string           `json:"pickup_status,omitempty"`
	SoldAt         time.Time        `json:"sold_at"`
	AmountFen      int64            `json:"amount_fen"`
	DiscountFen    int64            `json:"discount_fen"`
	PointsEarned   int64            `json:"points_earned"`
	PointsRedeemed int64            `json:"points_redeemed"`
	RefundedFen    int64            `json:"refunded_fen"`
	Status         string           `json:"status"`
	Lines          []Line           `json:"lines"`
	Payments       []Payment        `json:"payments"`
	Reasons        []loyalty.Reason `json:"points_reasons,omitempty"`
	Balance        int64            `json:"points_balance"` // the member's balance after the sale
	// Replayed is set on the answer to a repeat of a committed sale.
	Replayed bool `json:"-"`
}

// RefundLineInput refunds part of one line.
type RefundLineInput struct {
	LineNo   int   `json:"line_no"`
	Quantity int64 `json:"quantity"` // pieces or grams; the line's whole quantity for a full refund
}

// RefundInput is a refund of some lines of a sale (all lines when Lines is
// empty and All is set).
type RefundInput struct {
	RefundNo string            `json:"refund_no"`
	All      bool              `json:"all,omitempty"`
	Lines    []RefundLineInput `json:"lines,omitempty"`
	Reason   string            `json:"reason,omitempty"`
}

// Refund is a committed refund.
type Refund struct {
	ID                int64     `json:"id"`
	SaleID            int64     `json:"sale_id"`
	RefundNo          string    `json:"refund_no"`
	AmountFen         int64     `json:"amount_fen"`
	PointsReversed    int64     `json:"points_reversed"`
	PointsReturned    int64     `json:"points_returned"`
	PointsUnrecovered int64     `json:"points_unrecovered"`
	At                time.Time `json:"at"`
	Balance           int64     `json:"points_balance"`
}

// Entry is one line of a member's points ledger.
type Entry struct {
	ID       int64     `json:"id"`
	MemberID int64     `json:"member_id"`
	Delta    int64     `json:"delta"`
	Kind     string    `json:"kind"`   // earn, redeem, expire, refund_reversal, refund_return, adjust
	Source   string    `json:"source"` // sale, refund, manual, job
	SourceID int64     `json:"source_id,omitempty"`
	Rule     string    `json:"rule,omitempty"`
	Operator string    `json:"operator,omitempty"`
	Reason   string    `json:"reason,omitempty"`
	At       time.Time `json:"at"`
}

// Violation is one broken invariant found by Check.
type Violation struct {
	Code     string `json:"code"` // balance_mismatch, lot_mismatch, negative_balance, refund_exceeds_sale, …
	MemberID int64  `json:"member_id,omitempty"`
	SaleID   int64  `json:"sale_id,omitempty"`
	Detail   string `json:"detail"`
}

// Ledger is what the sales service offers; the HTTP and CLI edges use it.
type Ledger interface {
	Commit(ctx context.Context, actor linli.Actor, till Till, in SaleInput) (*Sale, error)
	Refund(ctx context.Context, actor linli.Actor, till Till, saleID int64, in RefundInput) (*Refund, error)
	Void(ctx context.Context, actor linli.Actor, till Till, saleID int64, in VoidInput) (*Refund, error)
	GetSale(ctx context.Context, id int64) (*Sale, error)
	Balance(ctx context.Context, memberID int64) (int64, error)
	// Entries lists the member's latest ledger entries, newest first.
	Entries(ctx context.Context, memberID int64, limit int) ([]Entry, error)
	Adjust(ctx context.Context, actor linli.Actor, memberID, delta int64, reason string) (*Entry, error)
	Expire(ctx context.Context, at time.Time) (int64, error)
	Check(ctx context.Context) ([]Violation, error)
}
