package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
	"github.com/linli/linli/internal/server"
)

// IdentifyInput names the member at the till: exactly one of phone, card
// number or scanned QR payload.
type IdentifyInput struct {
	Phone string `json:"phone,omitempty"`
	Card  string `json:"card,omitempty"`
	QR    string `json:"qr,omitempty"`
}

// Identify is the member at the till, masked, with their points.
type Identify struct {
	Member  *member.Member `json:"member"`
	Balance int64          `json:"points_balance"`
}

// PointsBalance is a member's points and the latest entries of the ledger.
type PointsBalance struct {
	MemberID int64         `json:"member_id"`
	Balance  int64         `json:"balance"`
	Entries  []sales.Entry `json:"entries"`
}

// Adjustment adds (delta > 0) or takes (delta < 0) points by hand.
type Adjustment struct {
	Delta  int64  `json:"delta"`
	Reason string `json:"reason"`
}

// consolePrefix marks the terminal of sales rung up in the console, so that
// their receipt numbers never collide with a till's.
const consolePrefix = "console:"

// till says where a sale or refund happens. A terminal's API key carries
// its store and terminal; a staff member sells for their own store as
// terminal console:<username>, and an owner without a store names one with
// store_id.
func (x *API) till(r *http.Request) (sales.Till, error) {
	a := server.Actor(r)
	storeID := a.StoreID
	if s := strings.TrimSpace(r.URL.Query().Get("store_id")); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return sales.Till{}, linli.Invalid("request.query_invalid", "store_id", "store_id must be a store id")
		}
		if err := auth.Require(a, auth.POSUse, id); err != nil {
			return sales.Till{}, err
		}
		storeID = id
	}
	if storeID == 0 {
		return sales.Till{}, linli.Invalid("pos.till_required", "store_id", "say which store sells: pass store_id")
	}
	if a.APIKeyID != 0 {
		terminal := a.Terminal
		if terminal == "" {
			// A key that names no terminal is its own till.
			terminal = "key:" + strconv.FormatInt(a.APIKeyID, 10)
		}
		return sales.Till{StoreID: storeID, Terminal: terminal}, nil
	}
	return sales.Till{StoreID: storeID, Terminal: consolePrefix + a.Name}, nil
}

// identify is the till's member lookup, with the points to spend.
func (x *API) identify(w http.ResponseWriter, r *http.Request) {
	var in IdentifyInput
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	var given []string
	for _, f := range []struct{ name, v string }{{"phone", in.Phone}, {"card", in.Card}, {"qr", in.QR}} {
		if strings.TrimSpace(f.v) != "" {
			given = append(given, f.name)
		}
	}
	switch len(given) {
	case 0:
		x.fail(w, r, linli.Invalid("member.query_required", "phone", "give one of phone, card or qr"))
		return
	case 1:
	default:
		x.fail(w, r, linli.Invalid("request.one_of", given[1], "give only one of phone, card or qr"))
		return
	}
	ctx, actor := r.Context(), server.Actor(r)
	var m *member.Member
	var err error
	switch given[0] {
	case "phone":
		m, err = x.app.Members.FindByPhone(ctx, actor, in.Phone, member.View{})
	case "card":
		m, err = x.app.Members.FindByCard(ctx, actor, in.Card, member.View{})
	default:
		m, err = x.app.Members.FindByQR(ctx, actor, in.QR, member.View{})
	}
	if e, ok := linli.AsError(err); ok && e.Kind == linli.KindInvalid {
		for i := range e.Fields {
			e.Fields[i].Field = given[0] // name the field the caller sent
		}
	}
	if err != nil {
		x.fail(w, r, err)
		return
	}
	bal, err := x.app.Sales.Balance(ctx, m.ID)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, Identify{Member: m, Balance: bal})
}

func (x *API) commitSale(w http.ResponseWriter, r *http.Request) {
	till, err := x.till(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	var in sales.SaleInput
	if err := server.DecodeFast(w, r, x.limit, &in, func(data []byte) bool { return decodeSale(data, &in) }); err != nil {
		x.fail(w, r, err)
		return
	}
	s, err := x.app.Sales.Commit(r.Context(), server.Actor(r), till, in)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if s.Replayed {
		// As for Idempotency-Key: the first status and body, marked.
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", Prefix+"/pos/sales/"+strconv.FormatInt(s.ID, 10))
	buf := answerBufs.Get().(*[]byte)
	*buf = appendSale((*buf)[:0], s)
	server.JSONBytes(w, http.StatusCreated, *buf)
	answerBufs.Put(buf)
}

// sale reads the sale at {id}; a store-bound caller sees only their
// store's sales, and another store's is not found rather than forbidden.
func (x *API) sale(r *http.Request) (*sales.Sale, error) {
	id, err := pathID(r, "id", "sale.not_found")
	if err != nil {
		return nil, err
	}
	s, err := x.app.Sales.GetSale(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if scope := auth.Scope(server.Actor(r)); scope != 0 && s.StoreID != scope {
		return nil, linli.Errorf(linli.KindNotFound, "sale.not_found", "sale %d not found", id)
	}
	return s, nil
}

func (x *API) getSale(w http.ResponseWriter, r *http.Request) {
	s, err := x.sale(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusOK, s)
}

func (x *API) refundSale(w http.ResponseWriter, r *http.Request) {
	takeBack(x, w, r, x.app.Sales.Refund)
}

func (x *API) voidSale(w http.ResponseWriter, r *http.Request) {
	takeBack(x, w, r, x.app.Sales.Void)
}

// takeBack answers a refund or a void of the sale at {id} from the
// caller's till.
func takeBack[In any](x *API, w http.ResponseWriter, r *http.Request,
	do func(context.Context, linli.Actor, sales.Till, int64, In) (*sales.Refund, error)) {
	s, err := x.sale(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	till, err := x.till(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	var in In
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	ref, err := do(r.Context(), server.Actor(r), till, s.ID, in)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusCreated, ref)
}

// pointsMember checks that the member at {id} exists.
func (x *API) pointsMember(r *http.Request) (int64, error) {
	id, err := pathID(r, "id", "member.not_found")
	if err != nil {
		return 0, err
	}
	if _, err := x.app.Members.Get(r.Context(), server.Actor(r), id, member.View{}); err != nil {
		return 0, err
	}
	return id, nil
}

func (x *API) memberPoints(w http.ResponseWriter, r *http.Request) {
	id, err := x.pointsMember(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit", 1, 200)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if limit == 0 {
		limit = 50
	}
	ctx := r.Context()
	bal, err := x.app.Sales.Balance(ctx, id)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	entries, err := x.app.Sales.Entries(ctx, id, int(limit))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	if entries == nil {
		entries = []sales.Entry{}
	}
	server.JSON(w, http.StatusOK, PointsBalance{MemberID: id, Balance: bal, Entries: entries})
}

func (x *API) adjustPoints(w http.ResponseWriter, r *http.Request) {
	id, err := x.pointsMember(r)
	if err != nil {
		x.fail(w, r, err)
		return
	}
	var in Adjustment
	if err := x.decode(w, r, &in); err != nil {
		x.fail(w, r, err)
		return
	}
	e, err := x.app.Sales.Adjust(r.Context(), server.Actor(r), id, in.Delta, strings.TrimSpace(in.Reason))
	if err != nil {
		x.fail(w, r, err)
		return
	}
	server.JSON(w, http.StatusCreated, e)
}
