package importer

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/member"
)

// Options tune an import.
type Options struct {
	// Map names the column of each field; fields it leaves out are
	// recognised from the header (see ParseMap).
	Map Map
	// BatchSize is the number of rows written per transaction; default
	// and most 5000. Bigger batches write each index page to the log once
	// instead of once per commit (an import of 100,000 members takes about
	// 8 s in batches of 5000 and 11 s in batches of 1000) but hold the
	// database's write lock longer: imports beside working tills use
	// smaller ones.
	BatchSize int
	// Progress is called with rows written so far and rows to write. While
	// the file is still being checked, total is -1 and done counts rows read.
	Progress func(done, total int)
	// ErrorReport receives every row error as CSV: line, field, column,
	// code, message.
	ErrorReport io.Writer
	// StoreID is the store new members are registered to (0: none).
	StoreID int64
	// Lang is the language of the error report's header ("zh" or "en").
	Lang string
	// Source is recorded as where consent and changes came from; default "import".
	Source string
	// DryRun checks every row and writes nothing.
	DryRun bool
	// Location is the time zone of registration times written without
	// one; default linli.DefaultZone, the zone the console shows.
	Location *time.Location
}

// RowError is one problem with one row. Field is the member field at
// fault, empty when the whole row is.
type RowError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Column  string `json:"column,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *RowError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Message)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Message)
}

// Report says what an import did.
type Report struct {
	Total     int               `json:"total"`     // data rows read (blank rows not counted)
	Valid     int               `json:"valid"`     // rows that passed the checks
	Inserted  int               `json:"inserted"`  // new members
	Updated   int               `json:"updated"`   // known phones updated
	Unchanged int               `json:"unchanged"` // known phones whose row held nothing new
	Errors    int               `json:"errors"`    // rows not imported
	Rows      []RowError        `json:"rows"`      // the first MaxReportRows row errors
	Mapped    map[string]string `json:"mapped"`    // field → column title used
	Ignored   []string          `json:"ignored"`   // columns no field uses
	Duration  time.Duration     `json:"duration"`
}

// MaxReportRows bounds the row errors a Report keeps in memory; the error
// report writer receives all of them.
const MaxReportRows = 1000

const (
	defaultBatch = 5000
	maxBatch     = 5000
	// LiveBatch is the batch size for imports started in the console or
	// the API while tills may be selling: about 100 ms of write lock.
	LiveBatch = 1000
)

// importer carries one import's state.
type importer struct {
	pass1
	svc   *member.Service
	actor linli.Actor
	opt   Options

	phones map[uint64]phoneSeen
	refs   map[string]int64 // referrer phone or card → member id (0: not registered)

	cardPhones map[string]string // card number → phone of the first row that carries it
	cardRows   []cardRow         // good rows with a card number, settled after pass 1
	rejected   map[int]bool      // lines rejected between the passes
	forward    []forwardRef      // rows whose referrer is a row of the file
	pending    spool
}

type phoneSeen struct {
	line  int32
	valid bool
}

// Members imports members from r. Pass 1 reads and checks every row; an
// error that makes the file unusable (encoding, mapping, I/O) stops it
// before anything is written. Pass 2 upserts the good rows by phone in
// batches of one transaction each, so an interrupted import leaves whole
// batches, and running it again converges on the same members with no
// duplicates. Row problems are reported, not returned as the error.
func Members(ctx context.Context, svc *member.Service, actor linli.Actor, r RowReader, opt Options) (*Report, error) {
	start := time.Now()
	if opt.BatchSize <= 0 {
		opt.BatchSize = defaultBatch
	}
	opt.BatchSize = min(opt.BatchSize, maxBatch)
	if opt.Source == "" {
		opt.Source = "import"
	}
	if opt.Location == nil {
		loc, err := defaultZone()
		if err != nil {
			return nil, err
		}
		opt.Location = loc
	}
	b, err := bind(r.Header(), opt.Map)
	if err != nil {
		return nil, err
	}
	p, err := newPass1(ctx, b, &Report{Mapped: b.mapped, Ignored: b.ignored, Rows: []RowError{}}, opt)
	if err != nil {
		return nil, err
	}
	im := &importer{pass1: p, svc: svc, actor: actor, opt: opt,
		phones: map[uint64]phoneSeen{}, refs: map[string]int64{}, cardPhones: map[string]string{},
		rejected: map[int]bool{}}
	defer func() { im.rep.Duration = time.Since(start) }()
	if err := im.check(r, im.checkRow); err != nil {
		return im.rep, err
	}
	if err := im.settleCards(); err != nil {
		return im.rep, err
	}
	im.settleReferrers()
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

func isZh(lang string) bool { return strings.HasPrefix(strings.ToLower(lang), "zh") }

// pass1 is the state the first pass of every kind of import shares: the
// report it fills and the error report it writes as it goes.
type pass1 struct {
	ctx      context.Context
	b        *binding
	rep      *Report
	errw     *csv.Writer
	rowBad   bool // the current row has failed a check
	progress func(done, total int)
}

// newPass1 starts the error report, if opt asks for one, with a header in
// opt's language; the byte-order mark lets spreadsheets read it as UTF-8.
func newPass1(ctx context.Context, b *binding, rep *Report, opt Options) (pass1, error) {
	p := pass1{ctx: ctx, b: b, rep: rep, progress: opt.Progress}
	if opt.ErrorReport != nil {
		p.errw = csv.NewWriter(opt.ErrorReport)
		head := []string{"line", "field", "column", "code", "message"}
		if isZh(opt.Lang) {
			head = []string{"行号", "字段", "列", "错误代码", "原因"}
		}
		if _, err := io.WriteString(opt.ErrorReport, "\uFEFF"); err != nil {
			return p, fmt.Errorf("importer: write error report: %w", err)
		}
		p.errw.Write(head)
	}
	return p, nil
}

func (p *pass1) flushErrors() error {
	if p.errw == nil {
		return nil
	}
	p.errw.Flush()
	if err := p.errw.Error(); err != nil {
		return fmt.Errorf("importer: write error report: %w", err)
	}
	return nil
}

// fail records a row error.
func (p *pass1) fail(e RowError) {
	if !p.rowBad {
		p.rowBad = true
		p.rep.Errors++
	}
	if e.Field != "" {
		e.Column = p.b.mapped[e.Field]
	}
	if len(p.rep.Rows) < MaxReportRows {
		p.rep.Rows = append(p.rep.Rows, e)
	}
	if p.errw != nil {
		p.errw.Write([]string{strconv.Itoa(e.Line), e.Field, e.Column, e.Code, e.Message})
	}
}

// check is pass 1: it reads every row, reports the ones that cannot be
// read or have the wrong number of cells, and hands the others to
// checkRow, which records the row's problems with fail. Only an error that
// makes the file unusable is returned.
func (p *pass1) check(r RowReader, checkRow func(line int, cells []string) error) error {
	width := len(r.Header())
	for n := 0; ; n++ {
		if n%1000 == 0 {
			if err := p.ctx.Err(); err != nil {
				return err
			}
			if p.progress != nil && n > 0 {
				p.progress(n, -1)
			}
		}
		line, cells, err := r.Next()
		if err == io.EOF {
			return nil
		}
		p.rowBad = false
		var re *RowError
		if errors.As(err, &re) {
			p.rep.Total++
			p.fail(*re)
			continue
		}
		if err != nil {
			return err
		}
		if blank(cells) {
			continue
		}
		p.rep.Total++
		if len(cells) < width || (len(cells) > width && !blank(cells[width:])) {
			p.fail(RowError{Line: line, Code: "import.malformed_row",
				Message: fmt.Sprintf("malformed row: %d cells where the header has %d", len(cells), width)})
			continue
		}
		if err := checkRow(line, cells); err != nil {
			return err
		}
		if !p.rowBad {
			p.rep.Valid++
		}
	}
}

// noFail adapts a checkRow that cannot fail for check: only members are
// looked up in storage while their rows are checked.
func noFail(checkRow func(line int, cells []string)) func(line int, cells []string) error {
	return func(line int, cells []string) error {
		checkRow(line, cells)
		return nil
	}
}

// inputField maps the member service's field names to import fields.
var inputField = map[string]string{"card_no": FieldCard, "referrer_id": FieldReferrer}

// checkRow validates one row and, when it is good, keeps it for pass 2.
// Only a storage failure is returned; row problems are recorded.
func (im *importer) checkRow(line int, cells []string) error {
	b := im.b
	get := func(f string) string { return unescapeCell(b.cell(cells, f)) }
	in := member.Input{
		Name:        get(FieldName),
		Phone:       excelNumber(get(FieldPhone)),
		Gender:      gender(get(FieldGender)),
		Birthday:    excelDate(get(FieldBirthday)),
		Area:        get(FieldArea),
		Address:     get(FieldAddress),
		Occupation:  get(FieldOccupation),
		Preferences: get(FieldPreferences),
		CardNo:      get(FieldCard),
		Channel:     channel(get(FieldChannel)),
		Tags:        splitTags(get(FieldTags)),
		StoreID:     im.opt.StoreID,
	}
	for _, c := range consentFields {
		v := get(c.field)
		if v == "" {
			continue
		}
		granted, ok := consentValue(v)
		if !ok {
			im.fail(RowError{Line: line, Field: c.field, Code: "import.consent_invalid",
				Message: fmt.Sprintf("consent %q is not yes or no (是/否)", v)})
			continue
		}
		if in.Consent == nil {
			in.Consent = map[string]bool{}
		}
		in.Consent[c.channel] = granted
	}
	if v := get(FieldCreatedAt); v != "" {
		if at, err := parseSaleTime(v, im.opt.Location); err != nil {
			im.fail(RowError{Line: line, Field: FieldCreatedAt, Code: "member.created_at_invalid",
				Message: "registration time: " + err.Error()})
		} else {
			in.CreatedAt = at
		}
	}
	in, err := im.svc.Validate(in)
	phoneOK := true
	if err != nil {
		e, ok := linli.AsError(err)
		if !ok {
			return err
		}
		for _, f := range e.Fields {
			field := f.Field
			if g, ok := inputField[field]; ok {
				field = g
			}
			if field == FieldPhone {
				phoneOK = false
			}
			im.fail(RowError{Line: line, Field: field, Code: f.Code, Message: f.Message})
		}
	}
	if phoneOK {
		key, _ := strconv.ParseUint(in.Phone, 10, 64)
		if first, dup := im.phones[key]; dup {
			im.fail(RowError{Line: line, Field: FieldPhone, Code: "import.duplicate_phone",
				Message: fmt.Sprintf("the same phone number is on line %d", first.line)})
		} else {
			// Valid is settled below, once every check of this row is done.
			im.phones[key] = phoneSeen{line: int32(min(line, math.MaxInt32))}
			defer func() {
				if !im.rowBad {
					im.phones[key] = phoneSeen{line: int32(min(line, math.MaxInt32)), valid: true}
				}
			}()
		}
	}
	// Whether the card is another member's, or repeated in the file, is
	// settled once pass 1 has seen every row (see settleCards).
	if in.CardNo != "" && err == nil {
		if _, seen := im.cardPhones[in.CardNo]; !seen {
			im.cardPhones[in.CardNo] = in.Phone
		}
	}
	refPhone := ""
	if ref := get(FieldReferrer); ref != "" && phoneOK {
		var err error
		if refPhone, err = im.referrer(line, ref, &in); err != nil {
			return err
		}
	}
	if !im.rowBad {
		im.pending.add(line, &in, refPhone)
		if in.CardNo != "" {
			im.cardRows = append(im.cardRows, cardRow{line: line, card: in.CardNo, phone: in.Phone})
		}
	}
	return nil
}

type cardRow struct {
	line        int
	card, phone string
}

// settleCards rejects, between the passes, the good rows whose card number
// belongs to another member, and the later rows of a card repeated in the
// file: a few queries for the whole file instead of one per row.
func (im *importer) settleCards() error {
	if len(im.cardRows) == 0 {
		return nil
	}
	seen := map[string]bool{}
	var cards []string
	for _, r := range im.cardRows {
		if !seen[r.card] {
			seen[r.card] = true
			cards = append(cards, r.card)
		}
	}
	owners, err := im.svc.Store.CardOwners(im.ctx, cards)
	if err != nil {
		return err
	}
	// A card already issued stays with its owner; the owner's own row (the
	// same phone) keeps it even when another row claimed it first.
	holder := map[string]int{}
	for _, r := range im.cardRows {
		if owner, ok := owners[r.card]; ok && bytes.Equal(owner, im.svc.Vault.Hash("phone", r.phone)) {
			holder[r.card] = r.line
		}
	}
	for _, r := range im.cardRows {
		reject := func(code, format string, args ...any) {
			im.rowBad = false
			im.fail(RowError{Line: r.line, Field: FieldCard, Code: code, Message: fmt.Sprintf(format, args...)})
			im.rep.Valid--
			im.rejected[r.line] = true
		}
		if _, issued := owners[r.card]; issued {
			if holder[r.card] != r.line {
				reject("member.card_taken", "card number %s belongs to another member", r.card)
			}
			continue
		}
		if first, ok := holder[r.card]; ok {
			reject("import.duplicate_card", "the same card number is on line %d", first)
			continue
		}
		holder[r.card] = r.line
	}
	return nil
}

// referrer resolves the referrer cell: the phone number or card number of
// a member already registered, or of a good row earlier in the file (that
// one is resolved in pass 2). It returns the referrer's phone to resolve
// later, if any. Internal member ids are not accepted: ids from another
// system would silently point at the wrong member here.
func (im *importer) referrer(line int, ref string, in *member.Input) (string, error) {
	bad := func(code, format string, args ...any) (string, error) {
		im.fail(RowError{Line: line, Field: FieldReferrer, Code: code, Message: fmt.Sprintf(format, args...)})
		return "", nil
	}
	phone, err := member.NormalizePhone(excelNumber(ref))
	key := "card:" + strings.TrimSpace(ref)
	if err == nil {
		key = phone
		if phone == in.Phone {
			return bad("member.referrer_invalid", "a member cannot refer themselves")
		}
	} else if card := strings.TrimSpace(excelNumber(ref)); card == in.CardNo {
		return bad("member.referrer_invalid", "a member cannot refer themselves")
	}
	id, known := im.refs[key]
	if !known {
		var m *member.Member
		var err error
		if phone != "" {
			m, err = im.svc.FindByPhone(im.ctx, im.actor, phone, member.View{})
		} else {
			m, err = im.svc.FindByCard(im.ctx, im.actor, strings.TrimSpace(excelNumber(ref)), member.View{})
		}
		switch {
		case err == nil:
			id = m.ID
		case linli.ErrorKind(err) == linli.KindNotFound, linli.ErrorKind(err) == linli.KindInvalid:
		default:
			return "", err
		}
		im.refs[key] = id
	}
	if id != 0 {
		in.ReferrerID = id
		return "", nil
	}
	// Not registered: the referrer may be a row of this file, before or
	// after this one; settleReferrers checks once every row is known.
	im.forward = append(im.forward, forwardRef{line: line, key: key, ref: ref})
	return key, nil
}

// forwardRef is a row whose referrer is to be found among the file's rows.
type forwardRef struct {
	line     int
	key, ref string // key: the referrer's phone, or "card:" and a card number
}

// referrerPhone turns a forward key into the referrer row's phone.
func (im *importer) referrerPhone(key string) string {
	if card, ok := strings.CutPrefix(key, "card:"); ok {
		return im.cardPhones[card]
	}
	return key
}

// settleReferrers rejects the rows whose referrer is neither registered nor
// a good row of the file.
func (im *importer) settleReferrers() {
	for _, f := range im.forward {
		if im.rejected[f.line] {
			continue
		}
		k, err := strconv.ParseUint(im.referrerPhone(f.key), 10, 64)
		if s, ok := im.phones[k]; err == nil && ok && s.valid && !im.rejected[int(s.line)] {
			continue
		}
		im.rowBad = false
		im.fail(RowError{Line: f.line, Field: FieldReferrer, Code: "import.referrer_not_found",
			Message: fmt.Sprintf("no member and no row of the file has the referrer's phone or card number %q", f.ref)})
		im.rep.Valid--
		im.rejected[f.line] = true
	}
}

// write is pass 2.
func (im *importer) write() error {
	total := im.pending.n
	done := 0
	batch := make([]member.Input, 0, im.opt.BatchSize)
	lines := make([]int, 0, im.opt.BatchSize)
	inBatch := map[string]bool{}
	progress := func() {
		if im.opt.Progress != nil {
			im.opt.Progress(done, total)
		}
	}
	progress()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := im.ctx.Err(); err != nil {
			return err
		}
		res, err := im.svc.UpsertBatch(im.ctx, im.actor, batch, im.opt.Source)
		if err != nil {
			return fmt.Errorf("importer: write lines %d–%d: %w", lines[0], lines[len(lines)-1], err)
		}
		im.rep.Inserted += res.Inserted
		im.rep.Updated += res.Updated
		im.rep.Unchanged += res.Unchanged
		done += len(batch)
		batch, lines = batch[:0], lines[:0]
		clear(inBatch)
		progress()
		return nil
	}
	// Rows whose referrer is a later row wait until that row is stored;
	// chains of them take a sweep per link.
	type waiting struct {
		line int
		in   member.Input
		ref  string
	}
	var later []waiting
	add := func(line int, in member.Input, refKey string) (stored bool, err error) {
		if refKey != "" {
			phone := im.referrerPhone(refKey)
			if inBatch[phone] { // the referrer must be stored first
				if err := flush(); err != nil {
					return false, err
				}
			}
			m, err := im.svc.FindByPhone(im.ctx, im.actor, phone, member.View{})
			switch {
			case linli.ErrorKind(err) == linli.KindNotFound:
				return false, nil
			case err != nil:
				return false, err
			}
			in.ReferrerID = m.ID
		}
		batch = append(batch, in)
		lines = append(lines, line)
		inBatch[in.Phone] = true
		if len(batch) >= im.opt.BatchSize {
			return true, flush()
		}
		return true, nil
	}
	err := im.pending.each(func(line int, in member.Input, refKey string) error {
		if im.rejected[line] {
			done++
			return nil
		}
		in.StoreID = im.opt.StoreID
		stored, err := add(line, in, refKey)
		if err == nil && !stored {
			later = append(later, waiting{line, in, refKey})
		}
		return err
	})
	if err != nil {
		return err
	}
	for len(later) > 0 {
		if err := flush(); err != nil {
			return err
		}
		var still []waiting
		for _, w := range later {
			stored, err := add(w.line, w.in, w.ref)
			if err != nil {
				return err
			}
			if !stored {
				still = append(still, w)
			}
		}
		if err := flush(); err != nil {
			return err
		}
		if len(still) == len(later) { // no progress: the referrers' rows were not stored
			for _, w := range still {
				im.rowBad = false
				im.fail(RowError{Line: w.line, Field: FieldReferrer, Code: "import.referrer_not_found",
					Message: "the referrer's row was not imported"})
				im.rep.Valid--
				done++
			}
			break
		}
		later = still
	}
	return flush()
}

// consentByte encodes a consent for the spool: 0 absent, 1 no, 2 yes.
func consentByte(granted, given bool) byte {
	switch {
	case !given:
		return 0
	case granted:
		return 2
	}
	return 1
}

// spool keeps the checked rows compactly between the passes: length-
// prefixed strings in large chunks, about a third of the memory of
// []member.Input and no pointers for the collector to chase.
type spool struct {
	chunks [][]byte
	n      int
	buf    []byte
}

const chunkSize = 1 << 20

func (s *spool) add(line int, in *member.Input, refPhone string) {
	b := s.buf[:0]
	b = binary.AppendUvarint(b, uint64(line))
	b = binary.AppendVarint(b, in.ReferrerID)
	var joined int64 // 0: none; a registration time is after 1990
	if !in.CreatedAt.IsZero() {
		joined = in.CreatedAt.UnixMilli()
	}
	b = binary.AppendVarint(b, joined)
	for _, v := range []string{in.Name, in.Phone, in.Gender, in.Birthday, in.Area, in.Address,
		in.Occupation, in.Preferences, in.Channel, in.CardNo, refPhone} {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	for _, c := range consentFields {
		v, ok := in.Consent[c.channel]
		b = append(b, consentByte(v, ok))
	}
	b = binary.AppendUvarint(b, uint64(len(in.Tags)))
	for _, t := range in.Tags {
		b = binary.AppendUvarint(b, uint64(len(t)))
		b = append(b, t...)
	}
	s.buf = b
	if len(s.chunks) == 0 || cap(s.chunks[len(s.chunks)-1])-len(s.chunks[len(s.chunks)-1]) < len(b) {
		s.chunks = append(s.chunks, make([]byte, 0, max(chunkSize, len(b))))
	}
	last := &s.chunks[len(s.chunks)-1]
	*last = append(*last, b...)
	s.n++
}

func (s *spool) each(fn func(line int, in member.Input, refPhone string) error) error {
	for _, c := range s.chunks {
		for len(c) > 0 {
			var in member.Input
			u := func() uint64 {
				v, n := binary.Uvarint(c)
				c = c[n:]
				return v
			}
			str := func() string {
				n := u()
				v := string(c[:n])
				c = c[n:]
				return v
			}
			line := int(u())
			ref, n := binary.Varint(c)
			c = c[n:]
			in.ReferrerID = ref
			joined, n := binary.Varint(c)
			c = c[n:]
			if joined != 0 {
				in.CreatedAt = time.UnixMilli(joined).UTC()
			}
			for _, p := range []*string{&in.Name, &in.Phone, &in.Gender, &in.Birthday, &in.Area, &in.Address,
				&in.Occupation, &in.Preferences, &in.Channel, &in.CardNo} {
				*p = str()
			}
			refPhone := str()
			for _, cf := range consentFields {
				if c[0] != 0 {
					if in.Consent == nil {
						in.Consent = map[string]bool{}
					}
					in.Consent[cf.channel] = c[0] == 2
				}
				c = c[1:]
			}
			if k := int(u()); k > 0 {
				in.Tags = make([]string, k)
				for i := range in.Tags {
					in.Tags[i] = str()
				}
			}
			if err := fn(line, in, refPhone); err != nil {
				return err
			}
		}
	}
	return nil
}

// excelNumber undoes a spreadsheet's number formatting of a long digit
// string: 1.3812345678E+10 and 13812345678.0 become 13812345678.
func excelNumber(s string) string {
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f >= 1e15 || f != math.Trunc(f) {
		return s
	}
	return strconv.FormatInt(int64(f), 10)
}

// excelDate turns a spreadsheet date serial number (days since 1899-12-30)
// into YYYY-MM-DD; 8-digit dates like 19900101 and text pass unchanged.
func excelDate(s string) string {
	digits, frac, _ := strings.Cut(s, ".")
	if len(digits) == 0 || len(digits) > 5 || !isDigits(digits) || (frac != "" && !isDigits(frac)) {
		return s
	}
	n, _ := strconv.Atoi(digits)
	if n < 61 { // Excel's 1900 leap-year bug lives below 61; no birthday is there
		return s
	}
	return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n).Format(time.DateOnly)
}

func isDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// gender accepts what lists say for "unknown".
func gender(s string) string {
	switch strings.ToLower(s) {
	case "未知", "保密", "不详", "-", "unknown", "u":
		return ""
	}
	return s
}

// channelNames are the Chinese words for acquisition channels, as the
// export writes them and as shop lists usually say.
var channelNames = map[string]string{
	"counter": "门店", "mobile": "手机", "import": "导入", "referral": "推荐",
	"online": "线上", "event": "活动", "other": "其他",
}

var channelWords = map[string]string{
	"门店": "counter", "柜台": "counter", "到店": "counter", "收银台": "counter",
	"手机": "mobile", "扫码": "mobile", "导入": "import", "推荐": "referral", "转介绍": "referral",
	"线上": "online", "网上": "online", "活动": "event", "其他": "other", "其它": "other",
}

func channel(s string) string {
	if c, ok := channelWords[s]; ok {
		return c
	}
	return s
}

// consentValue reads a consent cell: yes/no in the forms spreadsheets use.
func consentValue(s string) (granted, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "yes", "y", "true", "1", "是", "同意", "允许", "√", "✓", "on":
		return true, true
	case "no", "n", "false", "0", "否", "不同意", "拒绝", "×", "x", "off":
		return false, true
	}
	return false, false
}

func splitTags(s string) []string {
	if s == "" {
		return nil
	}
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '|' || r == ';' || r == '｜' || r == '；' || r == '、' || r == ',' || r == '，'
	})
}

// unescapeCell removes the apostrophe that exports put before cells that a
// spreadsheet would otherwise run as a formula.
func unescapeCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}
