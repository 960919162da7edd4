// Package catalog holds the products the shops sell: code, name, category,
// brand, unit and price. Products are shared by every store of the chain.
// Prices are integer fen; a product sold by weight is priced per kilogram.
package catalog

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
)

// Units a product is sold in.
const (
	UnitPiece  = "piece"  // counted: the price is per piece
	UnitWeight = "weight" // weighed: the price is per kilogram
)

// Units lists the units.
var Units = []string{UnitPiece, UnitWeight}

// MaxPriceFen is the highest price accepted: just under 10,000,000 yuan.
const MaxPriceFen = 1_000_000_000 - 1

const (
	maxNameLen     = 100
	maxCategoryLen = 50
	maxBrandLen    = 50
	maxQueryLen    = 100
	maxBatch       = 5000
)

// Product is one item of the catalogue.
type Product struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Barcode  string `json:"barcode"`
	Name     string `json:"name"`
	Category string `json:"category"`
	Brand    string `json:"brand"`
	Unit     string `json:"unit"`
	// PriceFen is per piece, or per kilogram when Unit is weight.
	PriceFen  int64     `json:"price_fen"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Input creates or replaces a product.
type Input struct {
	Code     string `json:"code"`
	Barcode  string `json:"barcode,omitempty"`
	Name     string `json:"name"`
	Category string `json:"category,omitempty"`
	Brand    string `json:"brand,omitempty"`
	Unit     string `json:"unit,omitempty"` // default piece
	PriceFen int64  `json:"price_fen"`
	// Active is ignored on creation (a new product is active); on update
	// nil leaves it as it is.
	Active *bool `json:"active,omitempty"`
}

// Filter narrows a listing. Cursor pagination: After is the last id of the
// previous page; products come newest first.
type Filter struct {
	Category string
	// Q matches the beginning of the code or of the name.
	Q     string
	All   bool  // inactive products too
	After int64 // list ids below this one (0 = from the newest)
	Limit int
}

// Store keeps products. Lookups return (nil, nil) when nothing matches; a
// taken code is a conflict error with code "product.code_taken". Writes
// record their audit lines in the same transaction.
type Store interface {
	CreateProduct(ctx context.Context, p *Product, a auth.Audit) (int64, error)
	UpdateProduct(ctx context.Context, p *Product, a auth.Audit) error
	GetProduct(ctx context.Context, id int64) (*Product, error)
	ListProducts(ctx context.Context, f Filter) ([]*Product, error)
	// ProductsByCode returns the products that have one of codes.
	ProductsByCode(ctx context.Context, codes []string) ([]*Product, error)
	// SaveProducts inserts creates and updates updates in one transaction
	// with one audit line per product; created ids are set on the records.
	SaveProducts(ctx context.Context, creates, updates []*Product, a auth.Audit) error
}

// Service manages the catalogue.
type Service struct {
	store Store
	now   linli.Clock
}

// New builds a Service.
func New(st Store, now linli.Clock) *Service {
	if now == nil {
		now = linli.SystemClock
	}
	return &Service{store: st, now: now}
}

// Compiled on first use, not at process start.
var (
	codeRE    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`) })
	barcodeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{8,14}$`) })
)

// Validate trims in and checks it. An empty unit stays empty (Create and
// Update make it piece; an import keeps the stored one).
func Validate(in Input) (Input, error) {
	in.Code = strings.TrimSpace(in.Code)
	in.Barcode = strings.TrimSpace(in.Barcode)
	in.Name = strings.TrimSpace(in.Name)
	in.Category = strings.TrimSpace(in.Category)
	in.Brand = strings.TrimSpace(in.Brand)
	in.Unit = strings.TrimSpace(in.Unit)
	var v linli.Validation
	if !codeRE().MatchString(in.Code) {
		v.Add("code", "product.code_invalid", "the code must be 1–32 letters, digits, dots, dashes or underscores")
	}
	if in.Barcode != "" && !barcodeRE().MatchString(in.Barcode) {
		v.Add("barcode", "product.barcode_invalid", "the barcode must be 8–14 digits")
	}
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		v.Add("name", "product.name_required", "the product needs a name")
	case n > maxNameLen:
		v.Add("name", "product.name_too_long", "the name must have at most %d characters", maxNameLen)
	}
	if utf8.RuneCountInString(in.Category) > maxCategoryLen {
		v.Add("category", "product.category_too_long", "the category must have at most %d characters", maxCategoryLen)
	}
	if utf8.RuneCountInString(in.Brand) > maxBrandLen {
		v.Add("brand", "product.brand_too_long", "the brand must have at most %d characters", maxBrandLen)
	}
	if in.Unit != "" && in.Unit != UnitPiece && in.Unit != UnitWeight {
		v.Add("unit", "product.unit_invalid", "the unit must be piece or weight, not %q", in.Unit)
	}
	if in.PriceFen < 0 || in.PriceFen > MaxPriceFen {
		v.Add("price_fen", "product.price_invalid", "the price must be from 0 to %d fen", int64(MaxPriceFen))
	}
	return in, v.Err()
}

// mayRead and mayManage check the role only: the catalogue belongs to the
// whole chain, and store-bound staff use it too.
func mayRead(a linli.Actor) error   { return may(a, auth.ProductRead) }
func mayManage(a linli.Actor) error { return may(a, auth.ProductManage) }

func may(a linli.Actor, p auth.Permission) error {
	if auth.Can(a.Role, p) {
		return nil
	}
	return linli.Errorf(linli.KindForbidden, "auth.forbidden", "the role %q may not %s", a.Role, p)
}

// Create adds a product.
func (s *Service) Create(ctx context.Context, actor linli.Actor, in Input) (*Product, error) {
	if err := mayManage(actor); err != nil {
		return nil, err
	}
	in, err := Validate(in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p := &Product{Code: in.Code, Barcode: in.Barcode, Name: in.Name, Category: in.Category, Brand: in.Brand,
		Unit: unitOr(in.Unit, UnitPiece), PriceFen: in.PriceFen, Active: true, CreatedAt: now, UpdatedAt: now}
	id, err := s.store.CreateProduct(ctx, p, s.audit(actor, "product.create", 0, "code="+p.Code))
	if err != nil {
		return nil, wrap(err, "create product %q", p.Code)
	}
	p.ID = id
	return p, nil
}

// Update replaces a product's details; fields left out are cleared, the
// unit becomes piece, and Active nil keeps the product's state.
func (s *Service) Update(ctx context.Context, actor linli.Actor, id int64, in Input) (*Product, error) {
	if err := mayManage(actor); err != nil {
		return nil, err
	}
	p, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if in, err = Validate(in); err != nil {
		return nil, err
	}
	next := *p
	next.Code, next.Barcode, next.Name, next.Category, next.Brand = in.Code, in.Barcode, in.Name, in.Category, in.Brand
	next.Unit, next.PriceFen = unitOr(in.Unit, UnitPiece), in.PriceFen
	if in.Active != nil {
		next.Active = *in.Active
	}
	changes := diff(p, &next)
	if changes == "" {
		return p, nil
	}
	next.UpdatedAt = s.now()
	if err := s.store.UpdateProduct(ctx, &next, s.audit(actor, "product.update", id, changes)); err != nil {
		return nil, wrap(err, "update product %d", id)
	}
	return &next, nil
}

// Get returns one product; "product.not_found" when there is none.
func (s *Service) Get(ctx context.Context, actor linli.Actor, id int64) (*Product, error) {
	if err := mayRead(actor); err != nil {
		return nil, err
	}
	return s.get(ctx, id)
}

func (s *Service) get(ctx context.Context, id int64) (*Product, error) {
	p, err := s.store.GetProduct(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("catalog: get product %d: %w", id, err)
	}
	if p == nil {
		return nil, linli.Errorf(linli.KindNotFound, "product.not_found", "product %d does not exist", id)
	}
	return p, nil
}

// List returns a page of products, newest first, and the cursor of the
// next page (0 on the last one).
func (s *Service) List(ctx context.Context, actor linli.Actor, f Filter) ([]*Product, int64, error) {
	if err := mayRead(actor); err != nil {
		return nil, 0, err
	}
	f.Q, f.Category = strings.TrimSpace(f.Q), strings.TrimSpace(f.Category)
	if utf8.RuneCountInString(f.Q) > maxQueryLen {
		return nil, 0, linli.Invalid("product.query_too_long", "q", "the search must have at most %d characters", maxQueryLen)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	want := f.Limit
	f.Limit++ // one more tells whether another page follows
	list, err := s.store.ListProducts(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("catalog: list products: %w", err)
	}
	var next int64
	if len(list) > want {
		list = list[:want]
		next = list[want-1].ID
	}
	if list == nil {
		list = []*Product{}
	}
	return list, next, nil
}

// BatchResult counts what an import batch did.
type BatchResult struct {
	Inserted  int
	Updated   int
	Unchanged int // known codes whose row held nothing new
}

// UpsertBatch imports products keyed by code: a new code adds a product, a
// known code takes the row's name and price, and its category, brand,
// barcode and unit where the row gives them. Rows that change nothing are
// not written. The inputs must have passed Validate and have distinct
// codes; the batch commits whole or not at all.
func (s *Service) UpsertBatch(ctx context.Context, actor linli.Actor, ins []Input) (BatchResult, error) {
	var res BatchResult
	if err := mayManage(actor); err != nil {
		return res, err
	}
	if len(ins) == 0 {
		return res, nil
	}
	if len(ins) > maxBatch {
		return res, fmt.Errorf("catalog: batch of %d is larger than %d", len(ins), maxBatch)
	}
	codes := make([]string, len(ins))
	for i, in := range ins {
		codes[i] = in.Code
	}
	found, err := s.store.ProductsByCode(ctx, codes)
	if err != nil {
		return res, fmt.Errorf("catalog: look up codes: %w", err)
	}
	byCode := make(map[string]*Product, len(found))
	for _, p := range found {
		byCode[p.Code] = p
	}
	now := s.now()
	var creates, updates []*Product
	for _, in := range ins {
		old := byCode[in.Code]
		if old == nil {
			creates = append(creates, &Product{Code: in.Code, Barcode: in.Barcode, Name: in.Name, Category: in.Category,
				Brand: in.Brand, Unit: unitOr(in.Unit, UnitPiece), PriceFen: in.PriceFen, Active: true, CreatedAt: now, UpdatedAt: now})
			continue
		}
		p := *old
		p.Name, p.PriceFen = in.Name, in.PriceFen
		p.Category = or(in.Category, p.Category)
		p.Brand = or(in.Brand, p.Brand)
		p.Barcode = or(in.Barcode, p.Barcode)
		p.Unit = unitOr(in.Unit, p.Unit)
		if diff(old, &p) == "" {
			res.Unchanged++
			continue
		}
		p.UpdatedAt = now
		updates = append(updates, &p)
	}
	if len(creates)+len(updates) == 0 {
		return res, nil
	}
	if err := s.store.SaveProducts(ctx, creates, updates, s.audit(actor, "product.import", 0, "")); err != nil {
		return res, wrap(err, "save products")
	}
	res.Inserted, res.Updated = len(creates), len(updates)
	return res, nil
}

// diff names the fields that differ, "" when none.
func diff(a, b *Product) string {
	var out []string
	note := func(field string, changed bool) {
		if changed {
			out = append(out, field)
		}
	}
	note("code="+b.Code, a.Code != b.Code)
	note("barcode", a.Barcode != b.Barcode)
	note("name", a.Name != b.Name)
	note("category", a.Category != b.Category)
	note("brand", a.Brand != b.Brand)
	note("unit="+b.Unit, a.Unit != b.Unit)
	note(fmt.Sprintf("price_fen=%d", b.PriceFen), a.PriceFen != b.PriceFen)
	note(fmt.Sprintf("active=%v", b.Active), a.Active != b.Active)
	return strings.Join(out, " ")
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func unitOr(u, def string) string { return or(u, def) }

func wrap(err error, format string, args ...any) error {
	if linli.ErrorKind(err) != linli.KindInternal {
		return err
	}
	return fmt.Errorf("catalog: "+format+": %w", append(args, err)...)
}

func (s *Service) audit(a linli.Actor, action string, id int64, detail string) auth.Audit {
	return auth.Audit{At: s.now(), Actor: a, Action: action, Entity: "product", EntityID: id, Detail: detail}
}
