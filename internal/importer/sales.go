package importer

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/catalog"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/sales"
)

// Sales history fields a column can map to. Product, name, category and
// price share their names with the product fields.
const (
	FieldReceipt = "receipt"
	FieldTime    = "time"
	FieldMember  = "member"
	FieldProduct = "product"
	FieldQty     = "qty"
	FieldAmount  = "amount"
	FieldStore   = "store"
	FieldCancel  = "cancel"
)

// HistoryProduct is the product code of the lines of a file without a
// product column (an event log of purchase amounts only).
const HistoryProduct = "H-ITEM"

// SalesFields lists the mappable sales history fields.
var SalesFields = []string{FieldReceipt, FieldTime, FieldMember, FieldProduct, FieldName, FieldQty, FieldPrice,
	FieldAmount, FieldStore, FieldCategory, FieldCancel}

var salesAliases = map[string]string{
	"receipt_no": FieldReceipt, "basket": FieldReceipt, "date": FieldTime, "datetime": FieldTime, "sold_at": FieldTime,
	"customer": FieldMember, "member_id": FieldMember, "sku": FieldProduct, "code": FieldProduct,
	"quantity": FieldQty, "total": FieldAmount, "cancelled": FieldCancel, "refund": FieldCancel,
}

// salesNames are the column titles recognised without a mapping, best first.
var salesNames = map[string][]string{
	FieldReceipt:  {"receipt", "receipt_no", "小票号", "单号", "销售单号", "流水号", "订单号"},
	FieldTime:     {"time", "sold_at", "销售时间", "时间", "交易时间", "日期", "销售日期"},
	FieldMember:   {"member", "会员卡号", "会员号", "会员", "会员手机号", "顾客编号"},
	FieldProduct:  {"product", "商品编码", "编码", "商品代码", "货号", "条码"},
	FieldName:     {"name", "商品名称", "品名", "名称"},
	FieldQty:      {"qty", "quantity", "数量", "销售数量"},
	FieldPrice:    {"price", "单价", "售价", "价格"},
	FieldAmount:   {"amount", "金额", "销售金额", "小计", "实收金额"},
	FieldStore:    {"门店", "门店编号"},
	FieldCategory: {"category", "分类", "品类", "类别"},
	FieldCancel:   {"cancel", "取消", "退货", "作废"},
}

var salesColumns = &columns{fields: SalesFields, aliases: salesAliases, names: salesNames,
	required: []string{FieldTime}, rawKeys: true}

// ParseSalesMap reads "receipt=单号,time=时间,…" for a sales history import.
func ParseSalesMap(s string) (Map, error) { return salesColumns.parse(s) }

// bindSales resolves m against header as bind does for members; time
// must be found, and price or amount.
func bindSales(header []string, m Map) (*binding, error) {
	b, err := salesColumns.bind(header, m)
	if err != nil {
		return nil, err
	}
	if !b.has(FieldPrice) && !b.has(FieldAmount) {
		return nil, linli.Errorf(linli.KindInvalid, "import.missing_column",
			"no column holds the price or the amount; name one in the mapping; the header has: %s", strings.Join(header, ", "))
	}
	return b, nil
}

// SalesOptions tune a sales history import.
type SalesOptions struct {
	Options
	// Points replays the sales in time order through the live commit, so
	// members earn points as if the sales had happened then, and refunds
	// take them back. Without it the sales are history only: the ledger is
	// not touched.
	Points bool
	// CreateMembers registers a placeholder member (card number "H-" and
	// the file's customer id, nothing else) for each customer id that is
	// neither a member's phone nor card number, so the history attaches to
	// someone. Without it such rows are errors.
	CreateMembers bool
}

// SalesReport says what a sales history import did. Inserted counts new
// sales and Unchanged sales imported before.
type SalesReport struct {
	Report
	Sales            int `json:"sales"`             // distinct receipts among the good rows
	Refunds          int `json:"refunds"`           // refunds recorded
	RefundsUnchanged int `json:"refunds_unchanged"` // refunds recorded before
	NewProducts      int `json:"new_products"`
	NewMembers       int `json:"new_members"`
	TierUpgrades     int `json:"tier_upgrades"` // members moved up by their history (without Points)
}

// histSale is a receipt gathered in pass 1.
type histSale struct {
	sales.HistorySale
	member string // the file's member cell
	lines  []int
}

// histRefund is a refund row gathered in pass 1.
type histRefund struct {
	sales.HistoryRefund
	member string
	line   int
}

type salesImporter struct {
	pass1 // its rep is this rep's Report
	ms    *member.Service
	ss    *sales.Service
	actor linli.Actor
	opt   SalesOptions
	rep   *SalesReport
	loc   *time.Location

	receipts map[string]*histSale
	order    []*histSale
	refunds  []*histRefund
	products map[string]catalog.Input
	badCode  map[string]RowError
	nth      map[string]int // receipt and product → refund rows so far
}

// Sales imports a third-party retailer's sales history. Each row is a line;
// rows with the same receipt number make one sale (without a receipt
// column each row is its own sale, numbered by its line). Prices and
// amounts are decimal (yuan, or dollars: two decimals) and stored in fen;
// times are read in the store's time zone. A row with a negative quantity
// or amount, or a cancellation mark, is a refund of that product's line on
// its receipt. An empty member cell is an anonymous sale; otherwise the
// cell is a member's phone number or card number (see CreateMembers).
// Products not in the catalogue are added with the row's name, category
// and unit price. Sales are keyed by (store, "import", receipt), so
// importing the same file again adds nothing.
func Sales(ctx context.Context, ms *member.Service, ss *sales.Service, actor linli.Actor, r RowReader, opt SalesOptions) (*SalesReport, error) {
	start := time.Now()
	if opt.BatchSize <= 0 {
		opt.BatchSize = defaultBatch
	}
	opt.BatchSize = min(opt.BatchSize, maxBatch)
	if opt.StoreID <= 0 {
		return nil, linli.Invalid("sale.store_unknown", "store", "a sales import needs the store it is recorded to")
	}
	b, err := bindSales(r.Header(), opt.Map)
	if err != nil {
		return nil, err
	}
	loc, err := ss.Location(ctx, opt.StoreID)
	if err != nil {
		return nil, err
	}
	rep := &SalesReport{Report: Report{Mapped: b.mapped, Ignored: b.ignored, Rows: []RowError{}}}
	p, err := newPass1(ctx, b, &rep.Report, opt.Options)
	if err != nil {
		return nil, err
	}
	im := &salesImporter{pass1: p, ms: ms, ss: ss, actor: actor, opt: opt, rep: rep, loc: loc,
		receipts: map[string]*histSale{}, products: map[string]catalog.Input{}, badCode: map[string]RowError{},
		nth: map[string]int{}}
	defer func() { im.rep.Duration = time.Since(start) }()
	if err := im.check(r, noFail(im.checkRow)); err != nil {
		return im.rep, err
	}
	if err := im.resolveMembers(); err != nil {
		im.flushErrors()
		return im.rep, err
	}
	for _, s := range im.order {
		if s.Receipt != "" {
			im.rep.Sales++
		}
	}
	if opt.DryRun {
		return im.rep, im.flushErrors()
	}
	if err := im.write(); err != nil {
		im.flushErrors()
		return im.rep, err
	}
	return im.rep, im.flushErrors()
}

// failLater rejects a row that passed pass 1.
func (im *salesImporter) failLater(e RowError) {
	im.rowBad = false
	im.fail(e)
	im.rep.Valid--
}

// cancelWords are the cancellation marks; the empty cell and these
// "no" words mean a plain sale.
var cancelWords = map[string]bool{"y": true, "yes": true, "1": true, "true": true, "是": true, "取消": true,
	"已取消": true, "退货": true, "退款": true, "作废": true, "cancel": true, "cancelled": true, "canceled": true,
	"void": true, "refund": true, "returned": true}
var keepWords = map[string]bool{"": true, "n": true, "no": true, "0": true, "false": true, "否": true, "正常": true}

// checkRow validates one row and gathers it into its receipt or refund
// for pass 2.
func (im *salesImporter) checkRow(line int, cells []string) {
	get := func(f string) string { return unescapeCell(im.b.cell(cells, f)) }
	bad := func(field, code, format string, args ...any) {
		im.fail(RowError{Line: line, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	receipt := excelNumber(get(FieldReceipt))
	if !im.b.has(FieldReceipt) {
		receipt = "L" + strconv.Itoa(line)
	} else if receipt == "" {
		bad(FieldReceipt, "import.receipt_required", "the receipt number is missing")
	}
	if st := excelNumber(get(FieldStore)); st != "" && receipt != "" {
		receipt = st + "/" + receipt
	}
	if len(receipt) > 64 {
		bad(FieldReceipt, "sale.receipt_invalid", "the receipt number has more than 64 characters")
	}
	at, err := parseSaleTime(get(FieldTime), im.loc)
	if err != nil {
		bad(FieldTime, "import.time_invalid", "%v", err)
	}
	code := excelNumber(get(FieldProduct))
	if !im.b.has(FieldProduct) {
		code = HistoryProduct
	} else if code == "" {
		bad(FieldProduct, "import.product_required", "the product code is missing")
	}
	qty := int64(1)
	if q := get(FieldQty); q != "" {
		if qty, err = parseQty(q); err != nil {
			bad(FieldQty, "import.quantity_invalid", "%v", err)
		}
	}
	refund := qty < 0
	var price, amount int64
	hasPrice, hasAmount := get(FieldPrice) != "", get(FieldAmount) != ""
	if hasPrice {
		if price, err = ParsePrice(get(FieldPrice)); err != nil {
			bad(FieldPrice, "import.price_invalid", "%v", err)
		}
	}
	if hasAmount {
		if amount, err = ParsePrice(get(FieldAmount)); err != nil {
			bad(FieldAmount, "import.amount_invalid", "%v", err)
		}
		refund = refund || amount < 0
	} else if !hasPrice {
		bad(FieldPrice, "import.price_required", "the row has neither a price nor an amount")
	} else {
		refund = refund || price < 0
	}
	qty, price, amount = abs(qty), abs(price), abs(amount)
	if !hasAmount {
		amount = price * qty
	}
	if !hasPrice {
		price = amount
		if qty > 0 {
			price = (amount + qty/2) / qty
		}
	}
	switch c := strings.ToLower(get(FieldCancel)); {
	case cancelWords[c]:
		refund = true
	case !keepWords[c]:
		bad(FieldCancel, "import.cancel_invalid", "cancellation mark %q is neither yes (是/取消) nor no (否)", c)
	}
	if e, ok := im.badCode[code]; ok {
		e.Line = line
		im.fail(e)
	} else if _, seen := im.products[code]; !seen {
		p := catalog.Input{Code: code, Name: get(FieldName), Category: get(FieldCategory), PriceFen: min(price, catalog.MaxPriceFen)}
		if p.Name == "" {
			p.Name = code
			if code == HistoryProduct {
				p.Name = "历史商品 History item"
			}
		}
		p, err := catalog.Validate(p)
		if err != nil {
			e, _ := linli.AsError(err)
			for _, f := range e.Fields {
				re := RowError{Line: line, Field: FieldProduct, Code: f.Code, Message: f.Message}
				if f.Field == "name" {
					re.Field = FieldName
				}
				im.badCode[code] = re
				im.fail(re)
			}
		} else if !im.rowBad {
			im.products[code] = p
		}
	}
	if im.rowBad {
		return
	}
	memberCell := excelNumber(get(FieldMember))
	if refund {
		k := receipt + "\x00" + code
		im.nth[k]++
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d", k, im.nth[k])))
		im.refunds = append(im.refunds, &histRefund{line: line, member: memberCell, HistoryRefund: sales.HistoryRefund{
			Receipt: receipt, RefundNo: fmt.Sprintf("H%x", sum[:12]), Product: code, Quantity: max(qty, 1),
			AmountFen: amount, At: at}})
		return
	}
	s := im.receipts[receipt]
	if s == nil {
		s = &histSale{HistorySale: sales.HistorySale{Receipt: receipt, SoldAt: at}, member: memberCell}
		im.receipts[receipt] = s
		im.order = append(im.order, s)
	} else if s.member != memberCell {
		bad(FieldMember, "import.receipt_member_mismatch", "receipt %s belongs to member %q on line %d", receipt, s.member, s.lines[0])
		return
	}
	s.lines = append(s.lines, line)
	s.Lines = append(s.Lines, sales.HistoryLine{Product: code, Name: get(FieldName), Category: get(FieldCategory),
		Quantity: qty, UnitPriceFen: price, AmountFen: amount})
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// parseQty reads a whole quantity; "2.00" is 2.
func parseQty(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if whole, frac, ok := strings.Cut(t, "."); ok && strings.Trim(frac, "0") == "" {
		t = whole
	}
	q, err := strconv.ParseInt(t, 10, 64)
	if err != nil || abs(q) > sales.MaxQuantity {
		return 0, fmt.Errorf("quantity %q is not a whole number of at most %d", s, sales.MaxQuantity)
	}
	return q, nil
}

// saleLayouts are the date-time formats read, in the store's time zone.
var saleLayouts = []string{
	"2006-1-2 15:04:05", "2006-1-2 15:04", "2006-1-2T15:04:05", "2006-1-2T15:04", "2006/1/2 15:04:05", "2006/1/2 15:04",
	"2006.1.2 15:04:05", "2006年1月2日 15:04:05", "2006年1月2日 15:04", "2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日",
	"20060102 15:04:05", "20060102150405", "20060102",
}

// parseSaleTime reads a sale's time: the layouts above, RFC 3339 with its
// own offset, or a spreadsheet's serial date-time.
func parseSaleTime(s string, loc *time.Location) (time.Time, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return time.Time{}, fmt.Errorf("the time is missing")
	}
	if v, err := time.Parse(time.RFC3339, t); err == nil {
		return v, nil
	}
	for _, l := range saleLayouts {
		if v, err := time.ParseInLocation(l, t, loc); err == nil {
			return v, nil
		}
	}
	// Spreadsheet serial: days since 1899-12-30, the fraction the time of day.
	if f, err := strconv.ParseFloat(t, 64); err == nil && f > 20000 && f < 80000 {
		days := int(f)
		secs := int((f-float64(days))*86400 + 0.5)
		d := time.Date(1899, 12, 30, 0, 0, 0, 0, loc).AddDate(0, 0, days)
		return d.Add(time.Duration(secs) * time.Second), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time (e.g. 2024-03-01 14:30:00, 2024/3/1 14:30, 20240301)", s)
}

// resolveMembers turns member cells into member ids between the passes.
func (im *salesImporter) resolveMembers() error {
	keys := map[string]bool{}
	for _, s := range im.order {
		keys[s.member] = true
	}
	for _, r := range im.refunds {
		keys[r.member] = true
	}
	delete(keys, "")
	phones := map[string]string{} // cell → normalised phone
	var cards []string
	var hashes [][]byte
	for k := range keys {
		if p, err := member.NormalizePhone(k); err == nil {
			phones[k] = p
			hashes = append(hashes, im.ms.Vault.Hash("phone", p))
		} else {
			cards = append(cards, k)
		}
		cards = append(cards, "H-"+k)
	}
	byCard, byPhone, err := im.ss.HistoryMembers(im.ctx, cards, hashes)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	var missing []string
	for k := range keys {
		var id int64
		if p, ok := phones[k]; ok {
			id = byPhone[string(im.ms.Vault.Hash("phone", p))]
		} else {
			id = byCard[k]
		}
		if id == 0 {
			id = byCard["H-"+k]
		}
		if id == 0 {
			missing = append(missing, k)
		}
		ids[k] = id
	}
	if len(missing) > 0 && im.opt.CreateMembers && !im.opt.DryRun {
		var place []string
		for _, k := range missing {
			place = append(place, "H-"+k)
		}
		n, err := im.ss.PlaceholderMembers(im.ctx, place, im.opt.StoreID)
		if err != nil {
			return err
		}
		im.rep.NewMembers = n
		got, _, err := im.ss.HistoryMembers(im.ctx, place, nil)
		if err != nil {
			return err
		}
		for _, k := range missing {
			ids[k] = got["H-"+k]
		}
	}
	notFound := func(line int, cell string) {
		im.failLater(RowError{Line: line, Field: FieldMember, Code: "import.member_not_found",
			Message: fmt.Sprintf("no member has the phone or card number %q (use --create-members to register one)", cell)})
	}
	kept := im.order[:0]
	for _, s := range im.order {
		if s.member != "" {
			s.MemberID = ids[s.member]
			if s.MemberID == 0 && !(im.opt.CreateMembers && im.opt.DryRun) {
				for _, l := range s.lines {
					notFound(l, s.member)
				}
				continue
			}
		}
		kept = append(kept, s)
	}
	im.order = kept
	return nil
}

// write is pass 2: the sales, then the refunds, in time order; with
// Points both together in time order through the live paths.
func (im *salesImporter) write() error {
	var codes []string
	for c := range im.products {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var ps []catalog.Input
	for _, c := range codes {
		ps = append(ps, im.products[c])
	}
	n, err := im.ss.EnsureProducts(im.ctx, ps)
	if err != nil {
		return fmt.Errorf("importer: add products: %w", err)
	}
	im.rep.NewProducts = n
	slices.SortStableFunc(im.order, func(a, b *histSale) int { return a.SoldAt.Compare(b.SoldAt) })
	slices.SortStableFunc(im.refunds, func(a, b *histRefund) int { return a.At.Compare(b.At) })
	total, done := len(im.order)+len(im.refunds), 0
	progress := func() {
		if im.opt.Progress != nil {
			im.opt.Progress(done, total)
		}
	}
	progress()
	if im.opt.Points {
		return im.replay(&done, progress)
	}
	for rest := im.order; len(rest) > 0; {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		k := min(len(rest), im.opt.BatchSize)
		batch := make([]sales.HistorySale, k)
		for i, s := range rest[:k] {
			batch[i] = s.HistorySale
		}
		n, err := im.ss.ImportHistory(im.ctx, im.opt.StoreID, batch)
		if err != nil {
			return fmt.Errorf("importer: write sales %d–%d of %d: %w", done+1, done+k, len(im.order), err)
		}
		im.rep.Inserted += n
		im.rep.Unchanged += k - n
		done += k
		rest = rest[k:]
		progress()
	}
	for _, r := range im.refunds {
		applied, found, err := im.ss.RefundHistory(im.ctx, im.opt.StoreID, r.HistoryRefund)
		if err != nil {
			return fmt.Errorf("importer: refund on line %d: %w", r.line, err)
		}
		im.refunded(r, applied, found)
		if done++; done%100 == 0 {
			progress()
		}
	}
	progress()
	// The members reach the tiers their history qualifies for, as the
	// qualifying sales would have moved them live.
	latest := map[int64]time.Time{}
	for _, s := range im.order {
		if s.MemberID != 0 && s.SoldAt.After(latest[s.MemberID]) {
			latest[s.MemberID] = s.SoldAt
		}
	}
	n, err = im.ss.Requalify(im.ctx, latest)
	im.rep.TierUpgrades = n
	if err != nil {
		return fmt.Errorf("importer: tiers: %w", err)
	}
	return nil
}

func (im *salesImporter) refunded(r *histRefund, applied, found bool) {
	switch {
	case !found:
		im.failLater(RowError{Line: r.line, Field: FieldReceipt, Code: "import.refund_no_sale",
			Message: fmt.Sprintf("receipt %s has no line of product %s left to refund", r.Receipt, r.Product)})
	case applied:
		im.rep.Refunds++
	default:
		im.rep.RefundsUnchanged++
	}
}

// replay commits sales and refunds one by one in time order; a refund at
// the same time as its sale comes after it.
func (im *salesImporter) replay(done *int, progress func()) error {
	i, j := 0, 0
	for i < len(im.order) || j < len(im.refunds) {
		if (*done)%100 == 0 {
			if err := im.ctx.Err(); err != nil {
				return err
			}
			progress()
		}
		*done++
		if j >= len(im.refunds) || (i < len(im.order) && cmp.Compare(im.order[i].SoldAt.UnixMilli(), im.refunds[j].At.UnixMilli()) <= 0) {
			s := im.order[i]
			i++
			isNew, err := im.ss.ReplaySale(im.ctx, im.actor, im.opt.StoreID, s.HistorySale)
			if e, ok := linli.AsError(err); ok {
				for _, l := range s.lines {
					im.failLater(RowError{Line: l, Code: e.Code, Message: e.Message})
				}
				continue
			}
			if err != nil {
				return fmt.Errorf("importer: sale %s: %w", s.Receipt, err)
			}
			if isNew {
				im.rep.Inserted++
			} else {
				im.rep.Unchanged++
			}
			continue
		}
		r := im.refunds[j]
		j++
		applied, found, err := im.ss.ReplayRefund(im.ctx, im.actor, im.opt.StoreID, r.HistoryRefund)
		if e, ok := linli.AsError(err); ok {
			im.failLater(RowError{Line: r.line, Code: e.Code, Message: e.Message})
			continue
		}
		if err != nil {
			return fmt.Errorf("importer: refund on line %d: %w", r.line, err)
		}
		im.refunded(r, applied, found)
	}
	progress()
	return nil
}
