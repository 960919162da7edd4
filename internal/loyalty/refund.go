package loyalty

import (
	"fmt"
	"math/big"

	"github.com/linli/linli"
)

// RefundLine describes one sale line in a refund. Size, RefundedBefore and
// Refund share one unit, quantity or fen, whichever the caller counts in.
type RefundLine struct {
	Earned         int64 `json:"earned"`          // points the line earned
	Size           int64 `json:"size"`            // the line's whole quantity or amount
	RefundedBefore int64 `json:"refunded_before"` // refunded by earlier refunds
	Refund         int64 `json:"refund"`          // refunded now
}

// Reverse returns the points each refunded line gives back now and their
// total. See the package doc: pro rata on the running total, floor, so the
// refund that completes a line takes back exactly what is left.
func Reverse(lines []RefundLine) ([]int64, int64, error) {
	out := make([]int64, len(lines))
	var total int64
	for i, l := range lines {
		n, err := proRata(l.Earned, l.Size, l.RefundedBefore, l.Refund)
		if err != nil {
			return nil, 0, fmt.Errorf("loyalty: line %d: %w", i, err)
		}
		out[i] = n
		total += n // each n <= Earned; a sum past int64 means absurd input
		if total < 0 {
			return nil, 0, linli.Errorf(linli.KindInvalid, "loyalty.overflow", "reversal total does not fit")
		}
	}
	return out, total, nil
}

// ReverseRedemption returns the points given back when refundFen of a sale
// of saleFen, partly paid with pointsPaid points, is refunded after
// refundedBeforeFen was refunded already.
func ReverseRedemption(pointsPaid, saleFen, refundedBeforeFen, refundFen int64) (int64, error) {
	return proRata(pointsPaid, saleFen, refundedBeforeFen, refundFen)
}

// proRata is floor(whole×(before+now)/size) − floor(whole×before/size).
func proRata(whole, size, before, now int64) (int64, error) {
	switch {
	case whole < 0:
		return 0, linli.Invalid("loyalty.points_invalid", "earned", "points must not be negative")
	case size < 0, before < 0, now < 0:
		return 0, linli.Invalid("loyalty.refund_invalid", "refund", "quantities must not be negative")
	case before > size || now > size-before:
		return 0, linli.Invalid("loyalty.refund_exceeds_sale", "refund", "refund %d after %d exceeds the line's %d", now, before, size)
	case size == 0 || whole == 0 || now == 0:
		return 0, nil
	}
	w, s := big.NewInt(whole), big.NewInt(size)
	after := new(big.Int).Mul(w, big.NewInt(before+now))
	after.Quo(after, s)
	prev := new(big.Int).Mul(w, big.NewInt(before))
	prev.Quo(prev, s)
	return after.Sub(after, prev).Int64(), nil
}

// ApplyReversal says how much of a reversal a balance can bear under the
// debt policy: debit is what the ledger takes, unrecovered what it cannot
// (always 0 under DebtRecord).
func ApplyReversal(balance, reversal int64, debt string) (debit, unrecovered int64) {
	if reversal <= 0 {
		return 0, 0
	}
	if debt == DebtRecord {
		return reversal, 0
	}
	debit = min(reversal, max(balance, 0))
	return debit, reversal - debit
}
