package api

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
)

// The till's sale is the one request every checkout makes, so its body is
// read and its answer written by hand rather than through encoding/json's
// reflection, which was a sixth of the server's CPU per sale. Both give
// exactly what encoding/json gives (tests compare them on random values):
// the reader hands anything beyond the plainest JSON back to encoding/json
// (see server.Scanner), the writer escapes strings as encoding/json does.

// answerBufs hold the encoded answers, 3 kB for a sale of 10 lines, from
// one sale to the next.
var answerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// decodeSale reads a sale as encoding/json would into in, or reports that
// it cannot; in is set only on success.
func decodeSale(data []byte, in *sales.SaleInput) bool {
	var v sales.SaleInput
	s := server.NewScanner(data)
	s.Object(func(key []byte) {
		switch string(key) {
		case "receipt_no":
			v.Receipt = s.String()
		case "member_id":
			v.MemberID = s.Int()
		case "cashier":
			v.Cashier = s.String()
		case "sold_at":
			if q := s.Quoted(); s.OK() && v.SoldAt.UnmarshalJSON(q) != nil {
				s.Fail()
			}
		case "channel":
			v.Channel = s.String()
		case "pickup_status":
			v.PickupStatus = s.String()
		case "lines":
			v.Lines = make([]sales.LineInput, 0, 16)
			s.Array(func() {
				var l sales.LineInput
				s.Object(func(key []byte) {
					switch string(key) {
					case "product":
						l.Product = s.String()
					case "quantity":
						l.Quantity = s.Int()
					case "unit_price_fen":
						l.UnitPriceFen = s.Int()
					case "discount_fen":
						l.DiscountFen = s.Int()
					case "name":
						l.Name = s.String()
					case "category":
						l.Category = s.String()
					case "weight":
						l.WeightProduct = s.Bool()
					default:
						s.Fail()
					}
				})
				v.Lines = append(v.Lines, l)
			})
		case "payments":
			v.Payments = make([]sales.PaymentInput, 0, 2)
			s.Array(func() {
				var p sales.PaymentInput
				s.Object(func(key []byte) {
					switch string(key) {
					case "method":
						p.Method = s.String()
					case "amount_fen":
						p.AmountFen = s.Int()
					case "points":
						p.Points = s.Int()
					default:
						s.Fail()
					}
				})
				v.Payments = append(v.Payments, p)
			})
		default:
			s.Fail()
		}
	})
	if !s.End() {
		return false
	}
	*in = v
	return true
}

// appendSale appends the sale as encoding/json encodes it with HTML
// escaping off, without the encoder's final newline.
func appendSale(b []byte, s *sales.Sale) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, s.ID, 10)
	b = append(b, `,"store_id":`...)
	b = strconv.AppendInt(b, s.StoreID, 10)
	b = append(b, `,"terminal":`...)
	b = appendString(b, s.Terminal)
	b = append(b, `,"receipt_no":`...)
	b = appendString(b, s.Receipt)
	if s.MemberID != 0 {
		b = append(b, `,"member_id":`...)
		b = strconv.AppendInt(b, s.MemberID, 10)
	}
	if s.Cashier != "" {
		b = append(b, `,"cashier":`...)
		b = appendString(b, s.Cashier)
	}
	b = append(b, `,"channel":`...)
	b = appendString(b, s.Channel)
	if s.PickupStatus != "" {
		b = append(b, `,"pickup_status":`...)
		b = appendString(b, s.PickupStatus)
	}
	b = append(b, `,"sold_at":`...)
	t, err := s.SoldAt.MarshalJSON()
	if err != nil {
		// A year outside 0–9999, which validation refuses: encoding/json
		// would fail the whole answer; null at least says nothing wrong.
		t = []byte("null")
	}
	b = append(b, t...)
	for _, f := range []struct {
		key string
		v   int64
	}{{`,"amount_fen":`, s.AmountFen}, {`,"discount_fen":`, s.DiscountFen}, {`,"points_earned":`, s.PointsEarned},
		{`,"points_redeemed":`, s.PointsRedeemed}, {`,"refunded_fen":`, s.RefundedFen}} {
		b = append(b, f.key...)
		b = strconv.AppendInt(b, f.v, 10)
	}
	b = append(b, `,"status":`...)
	b = appendString(b, s.Status)
	b = append(b, `,"lines":`...)
	if s.Lines == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range s.Lines {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendLine(b, &s.Lines[i])
		}
		b = append(b, ']')
	}
	b = append(b, `,"payments":`...)
	if s.Payments == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, p := range s.Payments {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"method":`...)
			b = appendString(b, p.Method)
			b = append(b, `,"amount_fen":`...)
			b = strconv.AppendInt(b, p.AmountFen, 10)
			if p.Points != 0 {
				b = append(b, `,"points":`...)
				b = strconv.AppendInt(b, p.Points, 10)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(s.Reasons) > 0 {
		b = append(b, `,"points_reasons":[`...)
		for i, r := range s.Reasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendReason(b, r)
		}
		b = append(b, ']')
	}
	b = append(b, `,"points_balance":`...)
	b = strconv.AppendInt(b, s.Balance, 10)
	return append(b, '}')
}

func appendLine(b []byte, l *sales.Line) []byte {
	b = append(b, `{"line_no":`...)
	b = strconv.AppendInt(b, int64(l.LineNo), 10)
	if l.ProductID != 0 {
		b = append(b, `,"product_id":`...)
		b = strconv.AppendInt(b, l.ProductID, 10)
	}
	b = append(b, `,"product":`...)
	b = appendString(b, l.Product)
	b = append(b, `,"name":`...)
	b = appendString(b, l.Name)
	b = append(b, `,"category":`...)
	b = appendString(b, l.Category)
	b = append(b, `,"unit":`...)
	b = appendString(b, l.Unit)
	for _, f := range []struct {
		key string
		v   int64
	}{{`,"quantity":`, l.Quantity}, {`,"unit_price_fen":`, l.UnitPriceFen}, {`,"discount_fen":`, l.DiscountFen},
		{`,"amount_fen":`, l.AmountFen}, {`,"points":`, l.Points}, {`,"refunded_quantity":`, l.RefundedQty},
		{`,"refunded_fen":`, l.RefundedFen}, {`,"points_reversed":`, l.PointsReversed}} {
		b = append(b, f.key...)
		b = strconv.AppendInt(b, f.v, 10)
	}
	return append(b, '}')
}

func appendReason(b []byte, r loyalty.Reason) []byte {
	b = append(b, `{"rule":`...)
	b = appendString(b, r.Rule)
	if len(r.Params) > 0 {
		b = append(b, `,"params":{`...)
		for i, k := range slices.Sorted(maps.Keys(r.Params)) { // as encoding/json orders a map
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, r.Params[k])
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendString appends s quoted. Strings that need no escape — the usual
// codes, names and Chinese text — are copied; the rest go through
// encoding/json so that every escape is its own.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' {
				return appendEscaped(b, s)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			return appendEscaped(b, s)
		}
		i += n
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendEscaped(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
