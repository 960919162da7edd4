package importer

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/catalog"
)

// Product fields a column can map to.
const (
	FieldCode     = "code"
	FieldBarcode  = "barcode"
	FieldCategory = "category"
	FieldBrand    = "brand"
	FieldUnit     = "unit"
	FieldPrice    = "price"
)

// ProductFields lists the mappable product fields; name is FieldName.
var ProductFields = []string{FieldCode, FieldBarcode, FieldName, FieldCategory, FieldBrand, FieldUnit, FieldPrice}

// productNames are the product column titles recognised without a
// mapping, best first. 条码 is the code when no 商品编码 column is there,
// else the barcode.
var productNames = map[string][]string{
	FieldCode:     {"code", "商品编码", "编码", "商品代码", "货号", "条码", "商品条码"},
	FieldBarcode:  {"barcode", "条形码", "国际条码", "条码", "商品条码"},
	FieldName:     {"name", "商品名称", "品名", "名称", "商品名"},
	FieldCategory: {"category", "分类", "品类", "类别", "商品分类"},
	FieldBrand:    {"brand", "品牌"},
	FieldUnit:     {"unit", "单位", "计量单位", "销售单位"},
	FieldPrice:    {"price", "价格", "售价", "单价", "零售价", "销售价"},
}

var productAliases = map[string]string{"price_fen": FieldPrice, "sku": FieldCode}

var productColumns = &columns{fields: ProductFields, aliases: productAliases, names: productNames,
	required: []string{FieldCode, FieldName, FieldPrice}}

// ParseProductMap reads "code=商品编码,price=售价,…" for a product import.
func ParseProductMap(s string) (Map, error) { return productColumns.parse(s) }

// unitWords maps what lists write in a unit column to a unit and the
// number of those units in a kilogram: a weighed product's price is kept
// per kilogram, so a price per 斤 (500 g) is doubled and one per gram
// multiplied by 1000.
var unitWords = map[string]struct {
	unit    string
	perKilo int64
}{
	"piece": {catalog.UnitPiece, 1}, "pcs": {catalog.UnitPiece, 1}, "pc": {catalog.UnitPiece, 1}, "ea": {catalog.UnitPiece, 1},
	"件": {catalog.UnitPiece, 1}, "个": {catalog.UnitPiece, 1}, "包": {catalog.UnitPiece, 1}, "瓶": {catalog.UnitPiece, 1},
	"盒": {catalog.UnitPiece, 1}, "袋": {catalog.UnitPiece, 1}, "罐": {catalog.UnitPiece, 1}, "支": {catalog.UnitPiece, 1},
	"箱": {catalog.UnitPiece, 1}, "桶": {catalog.UnitPiece, 1}, "只": {catalog.UnitPiece, 1}, "条": {catalog.UnitPiece, 1},
	"weight": {catalog.UnitWeight, 1}, "kg": {catalog.UnitWeight, 1}, "公斤": {catalog.UnitWeight, 1}, "千克": {catalog.UnitWeight, 1},
	"斤": {catalog.UnitWeight, 2}, "500g": {catalog.UnitWeight, 2}, "g": {catalog.UnitWeight, 1000}, "克": {catalog.UnitWeight, 1000},
}

// parseUnit reads a unit cell; "" is no unit given.
func parseUnit(s string) (unit string, perKilo int64, ok bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", 1, true
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "元/"), "/")
	w, ok := unitWords[s]
	if !ok {
		return "", 1, false
	}
	return w.unit, w.perKilo, true
}

// ParsePrice reads a price in yuan, as lists write it (12.50, ¥12.5,
// 1,280.00 元), into fen, exactly: the decimal digits are read as text,
// never through a float. More than two decimal places is an error, except
// for the long tails a spreadsheet's binary numbers leave (12.300000000000001).
func ParsePrice(s string) (int64, error) {
	bad := func(format string, args ...any) (int64, error) {
		return 0, fmt.Errorf(format, args...)
	}
	t := strings.TrimSpace(s)
	neg := false
	if rest, ok := strings.CutPrefix(t, "-"); ok {
		neg, t = true, strings.TrimSpace(rest)
	}
	for _, p := range []string{"¥", "￥", "rmb", "RMB", "CNY"} {
		t = strings.TrimPrefix(t, p)
	}
	t = strings.TrimSpace(strings.TrimSuffix(t, "元"))
	if rest, ok := strings.CutPrefix(t, "-"); ok && !neg {
		neg, t = true, rest
	}
	t = strings.ReplaceAll(t, ",", "")
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" && hasDot && frac != "" {
		whole = "0"
	}
	if !isDigits(whole) || (frac != "" && !isDigits(frac)) {
		return bad("%q is not a price in yuan (e.g. 12.50)", s)
	}
	if len(frac) > 2 {
		tail := frac[2:]
		switch {
		case len(tail) >= 9 && strings.Trim(tail[:7], "0") == "":
			frac = frac[:2]
		case len(tail) >= 9 && strings.Trim(tail[:7], "9") == "":
			// Rounds up to the next fen; the carry is added below.
			f, _ := strconv.ParseInt(frac[:2], 10, 64)
			w, err := strconv.ParseInt(whole, 10, 64)
			if err != nil || w > catalog.MaxPriceFen {
				return bad("%q is too large a price", s)
			}
			fen := w*100 + f + 1
			if neg {
				fen = -fen
			}
			return fen, nil
		case strings.Trim(tail, "0") == "":
			frac = frac[:2]
		default:
			return bad("%q has more than two decimal places; prices are in whole fen", s)
		}
	}
	if len(whole) > 12 {
		return bad("%q is too large a price", s)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	frac += strings.Repeat("0", 2-len(frac))
	f, _ := strconv.ParseInt(frac, 10, 64)
	fen := w*100 + f
	if neg {
		fen = -fen
	}
	return fen, nil
}

// productImporter carries one product import's state.
type productImporter struct {
	pass1
	svc   *catalog.Service
	actor linli.Actor
	opt   Options

	codes map[string]int // code → first line
	rows  []catalog.Input
}

// Products imports products from r keyed by code, as Members does for
// members: pass 1 checks every row and nothing is written when the file is
// unusable; pass 2 writes the good rows in batches of one transaction
// each. A new code adds a product; a known code takes the row's name and
// price, and its category, brand, barcode and unit where the row gives
// them; a row that changes nothing is counted as unchanged and not
// written. Prices are yuan in the file and fen in the catalogue; a weighed
// product's price is stored per kilogram.
func Products(ctx context.Context, svc *catalog.Service, actor linli.Actor, r RowReader, opt Options) (*Report, error) {
	start := time.Now()
	if opt.BatchSize <= 0 {
		opt.BatchSize = defaultBatch
	}
	opt.BatchSize = min(opt.BatchSize, maxBatch)
	b, err := productColumns.bind(r.Header(), opt.Map)
	if err != nil {
		return nil, err
	}
	p, err := newPass1(ctx, b, &Report{Mapped: b.mapped, Ignored: b.ignored, Rows: []RowError{}}, opt)
	if err != nil {
		return nil, err
	}
	im := &productImporter{pass1: p, svc: svc, actor: actor, opt: opt, codes: map[string]int{}}
	defer func() { im.rep.Duration = time.Since(start) }()
	if err := im.check(r, noFail(im.checkRow)); err != nil {
		return im.rep, err
	}
	if err := im.flushErrors(); err != nil {
		return im.rep, err
	}
	if opt.DryRun {
		return im.rep, nil
	}
	if err := im.write(); err != nil {
		im.flushErrors()
		return im.rep, err
	}
	return im.rep, im.flushErrors()
}

// productInputField maps the catalogue's field names to import fields.
var productInputField = map[string]string{"price_fen": FieldPrice}

// checkRow validates one row and, when it is good, keeps it for pass 2.
func (im *productImporter) checkRow(line int, cells []string) {
	get := func(f string) string { return unescapeCell(im.b.cell(cells, f)) }
	in := catalog.Input{
		Code:     excelNumber(get(FieldCode)),
		Barcode:  excelNumber(get(FieldBarcode)),
		Name:     get(FieldName),
		Category: get(FieldCategory),
		Brand:    get(FieldBrand),
	}
	unit, perKilo, ok := parseUnit(get(FieldUnit))
	if !ok {
		im.fail(RowError{Line: line, Field: FieldUnit, Code: "import.unit_invalid",
			Message: fmt.Sprintf("unit %q is neither counted (件, 个, 包 …) nor weighed (斤, 公斤, 千克, kg, 克, g)", get(FieldUnit))})
	}
	in.Unit = unit
	priceOK := true
	switch p := get(FieldPrice); {
	case p == "":
		priceOK = false
		im.fail(RowError{Line: line, Field: FieldPrice, Code: "import.price_required", Message: "the price is missing"})
	default:
		fen, err := ParsePrice(p)
		if err != nil {
			priceOK = false
			im.fail(RowError{Line: line, Field: FieldPrice, Code: "import.price_invalid", Message: err.Error()})
		} else if fen > catalog.MaxPriceFen/perKilo {
			in.PriceFen = catalog.MaxPriceFen + 1 // reported by Validate
		} else {
			in.PriceFen = fen * perKilo
		}
	}
	in, err := catalog.Validate(in)
	if err != nil {
		e, _ := linli.AsError(err)
		for _, f := range e.Fields {
			field := f.Field
			if g, ok := productInputField[field]; ok {
				field = g
			}
			if field == FieldPrice && !priceOK {
				continue
			}
			im.fail(RowError{Line: line, Field: field, Code: f.Code, Message: f.Message})
		}
	}
	if in.Code != "" {
		if first, dup := im.codes[in.Code]; dup {
			im.fail(RowError{Line: line, Field: FieldCode, Code: "import.duplicate_code",
				Message: fmt.Sprintf("the same product code is on line %d", first)})
		} else {
			im.codes[in.Code] = line
		}
	}
	if !im.rowBad {
		im.rows = append(im.rows, in)
	}
}

// write is pass 2.
func (im *productImporter) write() error {
	total, done := len(im.rows), 0
	progress := func() {
		if im.opt.Progress != nil {
			im.opt.Progress(done, total)
		}
	}
	progress()
	for len(im.rows) > 0 {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		n := min(len(im.rows), im.opt.BatchSize)
		res, err := im.svc.UpsertBatch(im.ctx, im.actor, im.rows[:n])
		if err != nil {
			return fmt.Errorf("importer: write products %d–%d of %d: %w", done+1, done+n, total, err)
		}
		im.rep.Inserted += res.Inserted
		im.rep.Updated += res.Updated
		im.rep.Unchanged += res.Unchanged
		done += n
		im.rows = im.rows[n:]
		progress()
	}
	return nil
}
