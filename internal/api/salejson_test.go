package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/loyalty"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
)

// pick returns one of the strings a sale carries, now and then one that
// needs escaping or is not UTF-8 unless plainOnly is set.
var plainOnly bool

func pick(r *rand.Rand) string {
	plain := []string{"", "R0000001", "T01", "6901234567890", "粮油", "王小明", "piece", "mobile", "完成",
		"a b", "<b>&amp;</b>", "日用品/清洁"}
	odd := []string{"quote\"d", `back\slash`, "tab\there", "new\nline", "\x00\x1f", "\u2028\u2029", "bad\xffutf8",
		"\ufffd", "emoji 🛒", "\x7f", "control\u0008\u000c"}
	if !plainOnly && r.IntN(5) == 0 {
		return odd[r.IntN(len(odd))]
	}
	return plain[r.IntN(len(plain))]
}

func randInt(r *rand.Rand) int64 {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return -r.Int64N(1000)
	case 2:
		return math.MaxInt64 - r.Int64N(2)
	case 3:
		return math.MinInt64 + r.Int64N(2)
	}
	return r.Int64N(100_000)
}

func randSale(r *rand.Rand) *sales.Sale {
	zones := []*time.Location{time.UTC, time.FixedZone("", 8*3600), time.FixedZone("CST", -5*3600-1800)}
	s := &sales.Sale{ID: randInt(r), StoreID: randInt(r), Terminal: pick(r), Receipt: pick(r), MemberID: randInt(r),
		Cashier: pick(r), Channel: pick(r), PickupStatus: pick(r),
		SoldAt:    time.Unix(r.Int64N(4e9), r.Int64N(1e9)*int64(r.IntN(2))).In(zones[r.IntN(len(zones))]),
		AmountFen: randInt(r), DiscountFen: randInt(r), PointsEarned: randInt(r), PointsRedeemed: randInt(r),
		RefundedFen: randInt(r), Status: pick(r), Balance: randInt(r)}
	if r.IntN(8) > 0 {
		s.Lines = []sales.Line{}
		for range r.IntN(12) {
			s.Lines = append(s.Lines, sales.Line{LineNo: r.IntN(100), ProductID: randInt(r), Product: pick(r), Name: pick(r),
				Category: pick(r), Unit: pick(r), Quantity: randInt(r), UnitPriceFen: randInt(r), DiscountFen: randInt(r),
				AmountFen: randInt(r), Points: randInt(r), RefundedQty: randInt(r), RefundedFen: randInt(r), PointsReversed: randInt(r)})
		}
	}
	if r.IntN(8) > 0 {
		s.Payments = []sales.Payment{}
		for range r.IntN(4) {
			s.Payments = append(s.Payments, sales.Payment{Method: pick(r), AmountFen: randInt(r), Points: randInt(r)})
		}
	}
	for range r.IntN(4) {
		reason := loyalty.Reason{Rule: pick(r)}
		if n := r.IntN(4); n > 0 {
			reason.Params = map[string]string{}
			for range n {
				reason.Params[pick(r)] = pick(r)
			}
		}
		s.Reasons = append(s.Reasons, reason)
	}
	return s
}

// TestAppendSale checks the hand-written answer against encoding/json,
// byte for byte, as server.JSON wrote it.
func TestAppendSale(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		s := randSale(r)
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		got := append(appendSale(nil, s), '\n')
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("sale %d:\n got %s\nwant %s", i, got, want.Bytes())
		}
	}
}

// decodeBoth decodes body through the fast path and through encoding/json
// alone, as the handler would.
func decodeBoth(body []byte, limit int64) (fast, slow sales.SaleInput, fastErr, slowErr error) {
	req := func() *httptest.ResponseRecorder { return httptest.NewRecorder() }
	r1 := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	r1.Header.Set("Content-Type", "application/json")
	fastErr = server.DecodeFast(req(), r1, limit, &fast, func(data []byte) bool { return decodeSale(data, &fast) })
	r2 := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	r2.Header.Set("Content-Type", "application/json")
	slowErr = server.Decode(req(), r2, limit, &slow)
	return
}

// sameDecoding fails t unless the fast path and encoding/json agree on
// body: the same value, or the same error.
func sameDecoding(t *testing.T, body []byte, limit int64) {
	t.Helper()
	fast, slow, fastErr, slowErr := decodeBoth(body, limit)
	var fe, se *linli.Error
	if (fastErr == nil) != (slowErr == nil) || (fastErr != nil && (!errors.As(fastErr, &fe) || !errors.As(slowErr, &se) ||
		fe.Code != se.Code || fe.Message != se.Message || fmt.Sprint(fe.Fields) != fmt.Sprint(se.Fields))) {
		t.Fatalf("%q:\nfast error %v\nslow error %v", body, fastErr, slowErr)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("%q:\nfast %#v\nslow %#v", body, fast, slow)
	}
}

func TestDecodeSale(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	handled := 0
	for i := range 3000 {
		plainOnly = i%2 == 0
		in := sales.SaleInput{Receipt: pick(r), MemberID: randInt(r), Cashier: pick(r), Channel: pick(r), PickupStatus: pick(r),
			SoldAt: time.Unix(r.Int64N(4e9), r.Int64N(1e9)).In(time.FixedZone("", 3600*(r.IntN(25)-12)))}
		if r.IntN(6) > 0 {
			in.Lines = []sales.LineInput{}
			for range r.IntN(12) {
				in.Lines = append(in.Lines, sales.LineInput{Product: pick(r), Quantity: randInt(r), UnitPriceFen: randInt(r),
					DiscountFen: randInt(r), Name: pick(r), Category: pick(r), WeightProduct: r.IntN(2) == 0})
			}
		}
		if r.IntN(6) > 0 {
			in.Payments = []sales.PaymentInput{}
			for range r.IntN(3) {
				in.Payments = append(in.Payments, sales.PaymentInput{Method: pick(r), AmountFen: randInt(r), Points: randInt(r)})
			}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(i%4 == 0)
		if err := enc.Encode(in); err != nil {
			t.Fatal(err)
		}
		body := buf.Bytes()
		if r.IntN(3) == 0 {
			var out bytes.Buffer
			json.Indent(&out, body, "", "\t")
			body = out.Bytes()
		}
		var got sales.SaleInput
		ok := decodeSale(body, &got)
		if ok {
			handled++
		}
		// A body with no escapes and no nulls is the fast path's to take.
		if i%4 == 2 && in.Lines != nil && in.Payments != nil && !ok {
			t.Errorf("the fast path declined %s", body)
		}
		sameDecoding(t, body, 1<<20)
	}
	plainOnly = false
	t.Logf("the fast path took %d of 3,000 bodies", handled)

	for _, body := range []string{
		``, `{}`, `[]`, `null`, `{"receipt_no":"A"}`, `{"receipt_no":"A"} `, `{"receipt_no":"A"}{}`, `{"receipt_no":"A"} x`,
		`{"Receipt_No":"A"}`, `{"receipt_no":"A","receipt_no":"B"}`, `{"receipt_no":null}`, `{"receipt_no":1}`,
		`{"member_id":"1"}`, `{"member_id":1.0}`, `{"member_id":1e3}`, `{"member_id":-0}`, `{"member_id":01}`,
		`{"member_id":9223372036854775807}`, `{"member_id":9223372036854775808}`, `{"member_id":-9223372036854775808}`,
		`{"member_id":-9223372036854775809}`, `{"member_id":-}`, `{"member_id":18446744073709551616}`,
		`{"sold_at":"2026-11-24T10:00:00+08:00"}`, `{"sold_at":"2026-11-24"}`, `{"sold_at":"2026-11-24T10:00:00.123456789Z"}`,
		`{"sold_at":"2026-11-24T10:00:00+08:00","sold_at":"2026-11-24T10:00:00Z"}`, `{"sold_at":1}`,
		`{"lines":[]}`, `{"lines":null}`, `{"lines":[{}]}`, `{"lines":[{"product":"a","quantity":2},{"product":"b"}]}`,
		`{"lines":[{"weight":true,"weight":false}]}`, `{"lines":[{"weight":1}]}`, `{"lines":[{"weight":tru}]}`,
		`{"lines":[{"product":"a"},]}`, `{"lines":[{"product":"a"}`, `{"lines":{}}`, `{"lines":[{"extra":1}]}`,
		`{"payments":[{"method":"cash","amount_fen":100,"points":0}]}`, `{"payments":[{"method":"cash","amount_fen":10.5}]}`,
		`{"receipt_no":"a\u0041"}`, `{"receipt_no":"a\"b"}`, "{\"receipt_no\":\"bad\xff\"}", "{\"receipt_no\":\"tab\tin\"}",
		`{"receipt_no":"A",}`, `{,}`, `{"receipt_no" "A"}`, ` {"receipt_no":"A"}`, "\ufeff{}", `{"receipt_no":"A"}` + strings.Repeat(" ", 100),
	} {
		sameDecoding(t, []byte(body), 1<<20)
	}
	// Over the limit, cut anywhere: the same error either way.
	body := []byte(`{"receipt_no":"R1","lines":[{"product":"a","quantity":1},{"product":"b","quantity":2}]}`)
	for limit := int64(1); limit <= int64(len(body))+1; limit += 7 {
		sameDecoding(t, body, limit)
	}
}

func FuzzDecodeSale(f *testing.F) {
	for _, s := range []string{`{"receipt_no":"R1","member_id":5,"sold_at":"2026-11-24T10:00:00Z","lines":[{"product":"a","quantity":2,"weight":true}],"payments":[{"method":"cash","amount_fen":100}]}`,
		`{"lines":[]}`, `{"member_id":-0}`, `{"receipt_no":"\u00e9"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sameDecoding(t, body, 1<<20)
	})
}
