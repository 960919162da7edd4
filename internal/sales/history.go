package sales

import (
	"context"
	"fmt"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/catalog"
)

// ImportTerminal is the terminal imported history is recorded under: with
// the store and the receipt number it keys each imported sale, so importing
// the same file again finds every sale already there.
const ImportTerminal = "import"

// HistoryLine is one line of an imported sale. AmountFen is what the line
// came to, as the file says; UnitPriceFen is informative.
type HistoryLine struct {
	Product      string
	Name         string
	Category     string
	Quantity     int64
	UnitPriceFen int64
	AmountFen    int64
}

// HistorySale is a past sale read from another system's export.
type HistorySale struct {
	Receipt  string
	MemberID int64 // 0: anonymous
	SoldAt   time.Time
	Lines    []HistoryLine
}

// HistoryRefund takes back (part of) the line of a product on an imported
// receipt.
type HistoryRefund struct {
	Receipt   string
	RefundNo  string
	Product   string
	Quantity  int64 // > 0
	AmountFen int64 // > 0
	At        time.Time
}

// HistoryStore is what importing history needs from storage beyond Store.
type HistoryStore interface {
	// EnsureProducts adds the products whose codes are not in the
	// catalogue, leaving known ones as they are; it returns how many it added.
	EnsureProducts(ctx context.Context, products []catalog.Input, at time.Time) (int, error)
	// MembersByCard and MembersByPhoneHash resolve members (a merged one to
	// its survivor); the phone map is keyed by string(hash).
	MembersByCard(ctx context.Context, cards []string) (map[string]int64, error)
	MembersByPhoneHash(ctx context.Context, hashes [][]byte) (map[string]int64, error)
	// PlaceholderMembers registers members with only a card number, for
	// customers of the old system; cards already issued are left alone.
	PlaceholderMembers(ctx context.Context, cards []string, storeID int64, at time.Time) (int, error)
	// InsertHistory stores the sales not yet stored under (store,
	// ImportTerminal, receipt), in one transaction, without ledger entries.
	InsertHistory(ctx context.Context, storeID int64, sales []HistorySale, at time.Time) (int, error)
	// RefundHistory records r against its receipt's line of the product,
	// without ledger entries. found is false when there is no such line
	// with quantity left; applied is false when r.RefundNo was recorded before.
	RefundHistory(ctx context.Context, storeID int64, r HistoryRefund) (applied, found bool, err error)
}

func (s *Service) history() (HistoryStore, error) {
	h, ok := s.st.(HistoryStore)
	if !ok {
		return nil, fmt.Errorf("sales: the store %T cannot import history", s.st)
	}
	return h, nil
}

// Location returns the time zone of the store, for reading local times.
func (s *Service) Location(ctx context.Context, storeID int64) (*time.Location, error) {
	return s.zone(ctx, storeID)
}

// EnsureProducts adds the unknown products of a history import.
func (s *Service) EnsureProducts(ctx context.Context, products []catalog.Input) (int, error) {
	h, err := s.history()
	if err != nil {
		return 0, err
	}
	return h.EnsureProducts(ctx, products, s.now())
}

// HistoryMembers resolves card numbers and phone hashes to members.
func (s *Service) HistoryMembers(ctx context.Context, cards []string, phoneHashes [][]byte) (byCard, byPhone map[string]int64, err error) {
	h, err := s.history()
	if err != nil {
		return nil, nil, err
	}
	if byCard, err = h.MembersByCard(ctx, cards); err != nil {
		return nil, nil, fmt.Errorf("sales: find members by card: %w", err)
	}
	if byPhone, err = h.MembersByPhoneHash(ctx, phoneHashes); err != nil {
		return nil, nil, fmt.Errorf("sales: find members by phone: %w", err)
	}
	return byCard, byPhone, nil
}

// PlaceholderMembers registers card-only members for the old system's
// customer ids; see HistoryStore.
func (s *Service) PlaceholderMembers(ctx context.Context, cards []string, storeID int64) (int, error) {
	h, err := s.history()
	if err != nil {
		return 0, err
	}
	return h.PlaceholderMembers(ctx, cards, storeID, s.now())
}

// ImportHistory stores past sales as history only: no points are earned
// and the ledger is not touched. Receipts already imported are skipped; it
// returns how many sales were new.
func (s *Service) ImportHistory(ctx context.Context, storeID int64, batch []HistorySale) (int, error) {
	h, err := s.history()
	if err != nil {
		return 0, err
	}
	if _, err := s.zone(ctx, storeID); err != nil {
		return 0, err
	}
	return h.InsertHistory(ctx, storeID, batch, s.now())
}

// RefundHistory records a refund of imported history without touching the
// ledger; see HistoryStore.RefundHistory.
func (s *Service) RefundHistory(ctx context.Context, storeID int64, r HistoryRefund) (applied, found bool, err error) {
	h, err := s.history()
	if err != nil {
		return false, false, err
	}
	return h.RefundHistory(ctx, storeID, r)
}

// ReplaySale commits a past sale through Commit, so it earns points by the
// rules as a live sale at its time would (the caller replays in time
// order). It reports whether the sale was new. Lines keep their amounts: a
// line is priced at its amount per unit rounded up, the rounding given as
// a discount; a free line is priced 1 fen with a 1 fen discount per unit;
// a line of quantity 0 counts as 1. The sale is paid in cash.
func (s *Service) ReplaySale(ctx context.Context, actor linli.Actor, storeID int64, h HistorySale) (bool, error) {
	till := Till{StoreID: storeID, Terminal: ImportTerminal}
	old, err := s.st.SaleByReceipt(ctx, storeID, ImportTerminal, h.Receipt)
	if err != nil {
		return false, fmt.Errorf("sales: find receipt: %w", err)
	}
	in := SaleInput{Receipt: h.Receipt, MemberID: h.MemberID, SoldAt: h.SoldAt, Channel: ChannelStore}
	var total int64
	for _, l := range h.Lines {
		q := max(l.Quantity, 1)
		unit := max((l.AmountFen+q-1)/q, 1)
		in.Lines = append(in.Lines, LineInput{Product: l.Product, Name: l.Name, Category: l.Category,
			Quantity: q, UnitPriceFen: unit, DiscountFen: unit*q - l.AmountFen})
		total += l.AmountFen
	}
	in.Payments = []PaymentInput{{Method: PayCash, AmountFen: total}}
	if _, err := s.Commit(ctx, actor, till, in); err != nil {
		return false, err
	}
	return old == nil, nil
}

// ReplayRefund refunds a replayed sale's line of the product through
// Refund, so the points it earned are taken back. The amount is Refund's
// pro rata share of the line. found is false when the receipt has no such
// line with quantity left.
func (s *Service) ReplayRefund(ctx context.Context, actor linli.Actor, storeID int64, r HistoryRefund) (applied, found bool, err error) {
	till := Till{StoreID: storeID, Terminal: ImportTerminal}
	if old, err := s.st.RefundByNo(ctx, storeID, ImportTerminal, r.RefundNo); err != nil {
		return false, false, fmt.Errorf("sales: find refund: %w", err)
	} else if old != nil {
		return false, true, nil
	}
	sale, err := s.SaleOfReceipt(ctx, till, r.Receipt)
	if err != nil {
		if linli.ErrorKind(err) == linli.KindNotFound {
			return false, false, nil
		}
		return false, false, err
	}
	for _, l := range sale.Lines {
		left := l.Quantity - l.RefundedQty
		if l.Product != r.Product || left <= 0 {
			continue
		}
		_, err := s.Refund(ctx, actor, till, sale.ID, RefundInput{RefundNo: r.RefundNo, Reason: "import",
			Lines: []RefundLineInput{{LineNo: l.LineNo, Quantity: min(left, r.Quantity)}}})
		return err == nil, true, err
	}
	return false, false, nil
}
