package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/sales"
)

// benchSale is a till's sale of 10 lines and its answer.
func benchSale() ([]byte, *sales.Sale) {
	in := sales.SaleInput{Receipt: "R0000123", MemberID: 4711, SoldAt: time.Date(2026, 11, 24, 9, 30, 0, 123e6, time.UTC)}
	out := &sales.Sale{ID: 123456, StoreID: 1, Terminal: "T01", Receipt: in.Receipt, MemberID: in.MemberID, Channel: "store",
		SoldAt: in.SoldAt, AmountFen: 13438, PointsEarned: 134, Status: "completed", Balance: 2718,
		Reasons: []loyalty.Reason{{Rule: "base_rate", Params: map[string]string{"points": "1", "rounding": "floor", "yuan": "1"}}}}
	for j := range 10 {
		in.Lines = append(in.Lines, sales.LineInput{Product: fmt.Sprintf("690000000%04d", j), Quantity: int64(1 + j%3)})
		out.Lines = append(out.Lines, sales.Line{LineNo: j + 1, ProductID: int64(j + 1), Product: in.Lines[j].Product,
			Name: fmt.Sprintf("商品%d", j), Category: "粮油", Unit: "piece", Quantity: in.Lines[j].Quantity,
			UnitPriceFen: 199, AmountFen: 199 * in.Lines[j].Quantity, Points: 2})
	}
	in.Payments = []sales.PaymentInput{{Method: "mobile", AmountFen: 13438}}
	out.Payments = []sales.Payment{{Method: "mobile", AmountFen: 13438}}
	body, _ := json.Marshal(in)
	return body, out
}

func BenchmarkSaleJSON(b *testing.B) {
	body, out := benchSale()
	b.Run("decode/encoding-json", func(b *testing.B) {
		for b.Loop() {
			var in sales.SaleInput
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/fast", func(b *testing.B) {
		for b.Loop() {
			var in sales.SaleInput
			if !decodeSale(body, &in) {
				b.Fatal("declined")
			}
		}
	})
	b.Run("encode/encoding-json", func(b *testing.B) {
		for b.Loop() {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/fast", func(b *testing.B) {
		for b.Loop() {
			appendSale(make([]byte, 0, 4096), out)
		}
	})
}
