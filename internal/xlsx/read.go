// Package xlsx reads and writes Office Open XML workbooks (.xlsx) with the
// standard library alone. The Reader streams the rows of a workbook's
// first sheet in constant memory, rendering cells as a person sees them
// (dates as 2006-01-02, numbers without exponents); the Writer streams one
// sheet of text cells under a bold header row.
package xlsx

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
)

// Default limits of a Reader.
const (
	DefaultMaxSheetSize         = 1 << 30   // 1 GiB of worksheet XML
	DefaultMaxSharedStringsSize = 256 << 20 // 256 MiB of shared strings XML
	MaxColumns                  = 16384     // Excel's last column, XFD
	MaxRows                     = 1048576   // Excel's last row
	maxPartSize                 = 64 << 20  // workbook, relationships, styles
)

// Options bound what a Reader accepts; zero fields take the defaults.
type Options struct {
	MaxSheetSize         int64 // uncompressed bytes of the sheet
	MaxSharedStringsSize int64 // uncompressed bytes of the shared strings
	MaxColumns           int   // columns of a row, at most MaxColumns
}

// ErrNoSheet is returned for a workbook without a worksheet.
var ErrNoSheet = errors.New("xlsx: the workbook has no worksheet")

// ErrTooLarge is wrapped by the error for a part that expands past its
// limit, which is how zip bombs show.
var ErrTooLarge = errors.New("part too large")

// Relationship types, transitional and strict.
const (
	relOffice    = "/officeDocument"
	relWorksheet = "/worksheet"
	relShared    = "/sharedStrings"
	relStyles    = "/styles"
)

// Reader reads the first worksheet of a workbook one row at a time.
type Reader struct {
	opt      Options
	closer   io.Closer
	files    map[string]*zip.File
	name     string   // sheet name
	strs     []string // shared strings
	kinds    []kind   // by cell style index (cellXfs)
	date1904 bool

	part io.ReadCloser // the sheet
	dec  *xml.Decoder

	row     int      // number of the last row returned
	read    int      // number of the last row read from the file
	pending []string // cells of row read, when read > row
	eof     bool
	err     error
}

// Open opens the workbook at name; Close closes the file.
func Open(name string, opts ...Options) (*Reader, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	r, err := NewReader(f, st.Size(), opts...)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads the workbook of size bytes in ra: its structure, shared
// strings and styles now, the rows of its first sheet as Next asks.
func NewReader(ra io.ReaderAt, size int64, opts ...Options) (*Reader, error) {
	r := &Reader{}
	if len(opts) > 0 {
		r.opt = opts[0]
	}
	if r.opt.MaxSheetSize <= 0 {
		r.opt.MaxSheetSize = DefaultMaxSheetSize
	}
	if r.opt.MaxSharedStringsSize <= 0 {
		r.opt.MaxSharedStringsSize = DefaultMaxSharedStringsSize
	}
	if r.opt.MaxColumns <= 0 || r.opt.MaxColumns > MaxColumns {
		r.opt.MaxColumns = MaxColumns
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return nil, fmt.Errorf("xlsx: not a workbook: %w", err)
	}
	r.files = make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		// Some tools write Windows separators or odd case; parts are
		// matched without either.
		r.files[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))] = f
	}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

// open finds the first worksheet, reads the workbook's shared strings and
// styles and starts decoding the sheet.
func (r *Reader) open() error {
	book := "xl/workbook.xml"
	if rels, err := r.rels("_rels/.rels", ""); err != nil {
		return err
	} else if t := rels.byType(relOffice); t != "" {
		book = t
	}
	sheet, bookRels, err := r.workbook(book)
	if err != nil {
		return err
	}
	if sheet == "" {
		return ErrNoSheet
	}
	if p := bookRels.byType(relShared); p != "" {
		if err := r.sharedStrings(p); err != nil {
			return err
		}
	}
	if p := bookRels.byType(relStyles); p != "" {
		if err := r.styles(p); err != nil {
			return err
		}
	}
	part, err := r.openPart(sheet, r.opt.MaxSheetSize)
	if err != nil {
		return err
	}
	r.part = part
	r.dec = newDecoder(part)
	return nil
}

// Sheet returns the name of the sheet being read.
func (r *Reader) Sheet() string { return r.name }

// Next returns the next row's 1-based number and its cells, io.EOF after
// the last row. A row missing from the file (the file skips from row 3 to
// row 5) comes back as an empty row, so row numbers always count up by
// one. Empty cells between filled ones are empty strings; a row ends at
// its last non-empty cell.
func (r *Reader) Next() (int, []string, error) {
	if r.err != nil {
		return 0, nil, r.err
	}
	if r.read == r.row && !r.eof {
		n, cells, err := r.readRow()
		switch {
		case err == io.EOF:
			r.eof = true
		case err != nil:
			r.err = err
			return 0, nil, err
		default:
			r.read, r.pending = n, cells
		}
	}
	if r.read == r.row {
		r.err = io.EOF
		return 0, nil, io.EOF
	}
	r.row++
	if r.row < r.read {
		return r.row, nil, nil
	}
	cells := r.pending
	r.pending = nil
	return r.row, cells, nil
}

// Close releases the sheet and, for Open, the file.
func (r *Reader) Close() error {
	if r.err == nil {
		r.err = errors.New("xlsx: reader closed")
	}
	var err error
	if r.part != nil {
		err = r.part.Close()
		r.part = nil
	}
	if r.closer != nil {
		if err2 := r.closer.Close(); err == nil {
			err = err2
		}
		r.closer = nil
	}
	return err
}

// readRow reads the next <row> element of the sheet.
func (r *Reader) readRow() (int, []string, error) {
	for {
		tok, err := r.dec.Token()
		if err != nil {
			return 0, nil, r.sheetError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "row" {
				return r.rowElement(t)
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				return 0, nil, io.EOF
			}
		}
	}
}

func (r *Reader) sheetError(err error) error {
	if err == io.EOF {
		return io.EOF // a sheet without sheetData has no rows
	}
	if errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("xlsx: sheet %q: %w", r.name, err)
	}
	return fmt.Errorf("xlsx: sheet %q after row %d: %w", r.name, r.read, err)
}

// rowElement reads a row's cells up to its end tag.
func (r *Reader) rowElement(start xml.StartElement) (int, []string, error) {
	n := r.read + 1
	if v := attr(start, "r"); v != "" {
		i, err := strconv.Atoi(v)
		if err != nil || i < 1 || i > MaxRows {
			return 0, nil, fmt.Errorf("xlsx: sheet %q after row %d: bad row number %q", r.name, r.read, v)
		}
		// A row numbered at or before the one read (a broken file)
		// simply follows it.
		n = max(i, n)
	}
	if n > MaxRows {
		return 0, nil, fmt.Errorf("xlsx: sheet %q: more than %d rows", r.name, MaxRows)
	}
	var cells []string
	col := 0
	for {
		tok, err := r.dec.Token()
		if err != nil {
			return 0, nil, r.sheetError(noEOF(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				if err := r.dec.Skip(); err != nil {
					return 0, nil, r.sheetError(noEOF(err))
				}
				continue
			}
			v, c, err := r.cell(t, n, col)
			if err != nil {
				return 0, nil, err
			}
			col = c
			if v != "" {
				for len(cells) < col-1 {
					cells = append(cells, "")
				}
				if len(cells) >= col { // a cell repeated or out of order
					cells[col-1] = v
				} else {
					cells = append(cells, v)
				}
			}
		case xml.EndElement:
			return n, cells, nil
		}
	}
}

// cell reads a <c> element of row n that follows column col, and returns
// its value and column.
func (r *Reader) cell(start xml.StartElement, n, col int) (string, int, error) {
	col++
	var style int
	var typ string
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "r":
			c, err := column(a.Value)
			if err != nil {
				return "", 0, fmt.Errorf("xlsx: sheet %q row %d: %w", r.name, n, err)
			}
			col = c
		case "s":
			style, _ = strconv.Atoi(a.Value)
		case "t":
			typ = a.Value
		}
	}
	if col > r.opt.MaxColumns {
		return "", 0, fmt.Errorf("xlsx: sheet %q row %d: more than %d columns", r.name, n, r.opt.MaxColumns)
	}
	var v string
	var hasInline bool
	for {
		tok, err := r.dec.Token()
		if err != nil {
			return "", 0, r.sheetError(noEOF(err))
		}
		if t, ok := tok.(xml.EndElement); ok && t.Name.Local == "c" {
			break
		}
		t, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch t.Name.Local {
		case "v":
			v, err = text(r.dec)
		case "is":
			v, err = richText(r.dec)
			hasInline = true
		default: // f (the formula), extLst
			err = r.dec.Skip()
		}
		if err != nil {
			return "", 0, r.sheetError(noEOF(err))
		}
	}
	ref := func() string { return columnName(col) + strconv.Itoa(n) }
	switch typ {
	case "s":
		if v == "" {
			return "", col, nil
		}
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(r.strs) {
			return "", 0, fmt.Errorf("xlsx: sheet %q cell %s: no shared string %q (the file has %d)", r.name, ref(), v, len(r.strs))
		}
		return r.strs[i], col, nil
	case "inlineStr":
		if hasInline {
			return v, col, nil
		}
		return unescape(v), col, nil
	case "str":
		return unescape(v), col, nil
	case "e":
		return v, col, nil
	case "b":
		switch v {
		case "1", "true":
			return "TRUE", col, nil
		case "0", "false":
			return "FALSE", col, nil
		}
		return v, col, nil
	case "d":
		return formatISO(v), col, nil
	}
	k := plain
	if style > 0 && style < len(r.kinds) {
		k = r.kinds[style]
	}
	return formatNumber(strings.TrimSpace(v), k, r.date1904), col, nil
}

// noEOF turns an end of input inside an element into an error.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// column returns the 1-based column of a cell reference such as "C5".
func column(ref string) (int, error) {
	c, i := 0, 0
	for ; i < len(ref); i++ {
		b := ref[i] | 0x20
		if b < 'a' || b > 'z' {
			break
		}
		c = c*26 + int(b-'a') + 1
		if c > MaxColumns {
			return 0, fmt.Errorf("cell %q is past the last column", ref)
		}
	}
	if i == 0 {
		return 0, fmt.Errorf("bad cell reference %q", ref)
	}
	for _, b := range []byte(ref[i:]) {
		if b < '0' || b > '9' {
			return 0, fmt.Errorf("bad cell reference %q", ref)
		}
	}
	return c, nil
}

// columnName returns the letters of a 1-based column: 1 A, 27 AA.
func columnName(c int) string {
	var b [4]byte
	i := len(b)
	for c > 0 {
		c--
		i--
		b[i] = byte('A' + c%26)
		c /= 26
	}
	return string(b[i:])
}

// text reads the character data of the element just started, up to its
// end, skipping any child elements.
func text(d *xml.Decoder) (string, error) {
	var s string
	var b []byte
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			switch {
			case s == "" && b == nil:
				s = string(t)
			case b == nil:
				b = append([]byte(s), t...)
			default:
				b = append(b, t...)
			}
		case xml.StartElement:
			if err := d.Skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			if b != nil {
				return string(b), nil
			}
			return s, nil
		}
	}
}

// richText reads a string item (<si> or <is>): plain <t> text or the <t>
// of its rich text runs <r>, leaving out phonetic runs <rPh>.
func richText(d *xml.Decoder) (string, error) {
	var sb strings.Builder
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t":
				s, err := text(d)
				if err != nil {
					return "", err
				}
				sb.WriteString(s)
			case "r":
				depth++
			default: // rPh, rPr, phoneticPr
				if err := d.Skip(); err != nil {
					return "", err
				}
			}
		case xml.EndElement:
			if depth == 0 {
				return unescape(sb.String()), nil
			}
			depth--
		}
	}
}

// unescape decodes the _xHHHH_ escapes by which Office stores characters
// XML cannot hold (control characters; _x005F_ is a literal underscore).
func unescape(s string) string {
	i := strings.Index(s, "_x")
	if i < 0 {
		return s
	}
	var sb strings.Builder
	for i >= 0 {
		sb.WriteString(s[:i])
		if c, ok := escapeAt(s[i:]); ok {
			sb.WriteRune(c)
			s = s[i+7:]
		} else {
			sb.WriteString("_x")
			s = s[i+2:]
		}
		i = strings.Index(s, "_x")
	}
	sb.WriteString(s)
	return sb.String()
}

func escapeAt(s string) (rune, bool) {
	if len(s) < 7 || s[6] != '_' {
		return 0, false
	}
	v, err := strconv.ParseUint(s[2:6], 16, 16)
	if err != nil {
		return 0, false
	}
	return rune(v), true
}

// rels are a part's relationships: id → target, and types in order.
type rels struct {
	ids   map[string]string
	types [][2]string // type, target
}

func (rs rels) byType(suffix string) string {
	for _, t := range rs.types {
		if strings.HasSuffix(t[0], suffix) {
			return t[1]
		}
	}
	return ""
}

// rels reads a relationships part; targets are resolved against dir. A
// missing part has no relationships.
func (r *Reader) rels(name, dir string) (rels, error) {
	rs := rels{ids: map[string]string{}}
	if r.file(name) == nil {
		return rs, nil
	}
	err := r.scan(name, func(t xml.StartElement) {
		if t.Name.Local != "Relationship" || attr(t, "TargetMode") == "External" {
			return
		}
		target := attr(t, "Target")
		if strings.HasPrefix(target, "/") {
			target = path.Clean(target[1:])
		} else {
			target = path.Join(dir, target)
		}
		rs.ids[attr(t, "Id")] = target
		rs.types = append(rs.types, [2]string{attr(t, "Type"), target})
	})
	return rs, err
}

// workbook reads the workbook part: the date system and the first
// worksheet's path, and the workbook's relationships.
func (r *Reader) workbook(name string) (string, rels, error) {
	dir := path.Dir(name)
	bookRels, err := r.rels(path.Join(dir, "_rels", path.Base(name)+".rels"), dir)
	if err != nil {
		return "", rels{}, err
	}
	var sheet string
	err = r.scan(name, func(t xml.StartElement) {
		switch t.Name.Local {
		case "workbookPr":
			v := attr(t, "date1904")
			r.date1904 = v == "1" || v == "true"
		case "sheet":
			if sheet != "" {
				return
			}
			var id string
			for _, a := range t.Attr {
				if a.Name.Local == "id" && (a.Name.Space != "" || id == "") {
					id = a.Value
				}
			}
			for _, rt := range bookRels.types {
				if bookRels.ids[id] == rt[1] && strings.HasSuffix(rt[0], relWorksheet) {
					sheet, r.name = rt[1], attr(t, "name")
				}
			}
		}
	})
	if err != nil {
		return "", rels{}, err
	}
	if sheet == "" {
		// Some writers leave out the relationships; sheet1.xml is then
		// the only guess.
		if p := path.Join(dir, "worksheets/sheet1.xml"); r.file(p) != nil && len(bookRels.ids) == 0 {
			sheet, r.name = p, "Sheet1"
		}
	}
	return sheet, bookRels, nil
}

// sharedStrings loads the shared string table.
func (r *Reader) sharedStrings(name string) error {
	if r.file(name) == nil {
		return nil // a dangling relationship; any t="s" cell will say so
	}
	part, err := r.openPart(name, r.opt.MaxSharedStringsSize)
	if err != nil {
		return err
	}
	defer part.Close()
	d := newDecoder(part)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("xlsx: %s: %w", name, err)
		}
		if t, ok := tok.(xml.StartElement); ok && t.Name.Local == "si" {
			s, err := richText(d)
			if err != nil {
				return fmt.Errorf("xlsx: %s: string %d: %w", name, len(r.strs), noEOF(err))
			}
			r.strs = append(r.strs, s)
		}
	}
}

// styles reads which cell styles (cellXfs) format numbers as dates.
func (r *Reader) styles(name string) error {
	if r.file(name) == nil {
		return nil
	}
	custom := map[int]kind{}
	var ids []int
	inXfs := false
	err := r.scanAll(name, func(tok xml.Token) {
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				if id, err := strconv.Atoi(attr(t, "numFmtId")); err == nil {
					custom[id] = formatKind(attr(t, "formatCode"))
				}
			case "cellXfs":
				inXfs = true
			case "xf":
				if inXfs {
					id, _ := strconv.Atoi(attr(t, "numFmtId"))
					ids = append(ids, id)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inXfs = false
			}
		}
	})
	if err != nil {
		return err
	}
	r.kinds = make([]kind, len(ids))
	for i, id := range ids {
		if k, ok := custom[id]; ok {
			r.kinds[i] = k
		} else {
			r.kinds[i] = builtinKind(id)
		}
	}
	return nil
}

// scan calls fn for each start element of a small part.
func (r *Reader) scan(name string, fn func(xml.StartElement)) error {
	return r.scanAll(name, func(tok xml.Token) {
		if t, ok := tok.(xml.StartElement); ok {
			fn(t)
		}
	})
}

// scanAll calls fn for each token of a small part.
func (r *Reader) scanAll(name string, fn func(xml.Token)) error {
	part, err := r.openPart(name, maxPartSize)
	if err != nil {
		return err
	}
	defer part.Close()
	d := newDecoder(part)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("xlsx: %s: %w", name, err)
		}
		fn(tok)
	}
}

func (r *Reader) file(name string) *zip.File {
	return r.files[strings.ToLower(name)]
}

// openPart opens a part of the archive, reading at most limit bytes.
func (r *Reader) openPart(name string, limit int64) (io.ReadCloser, error) {
	f := r.file(name)
	if f == nil {
		return nil, fmt.Errorf("xlsx: the workbook has no part %s", name)
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("xlsx: %s: %w (%d bytes, limit %d)", name, ErrTooLarge, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("xlsx: %s: %w", name, err)
	}
	return &limitReader{rc: rc, n: limit, name: name}, nil
}

// limitReader fails once more than n bytes were read: the size a zip
// entry declares may lie.
type limitReader struct {
	rc   io.ReadCloser
	n    int64
	name string
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// One byte more tells a part of exactly the limit from a
		// longer one.
		var b [1]byte
		if n, err := l.rc.Read(b[:]); n == 0 {
			return 0, err
		}
		return 0, fmt.Errorf("%s: %w", l.name, ErrTooLarge)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.rc.Read(p)
	l.n -= int64(n)
	return n, err
}

func (l *limitReader) Close() error { return l.rc.Close() }

func newDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	// Parts are UTF-8; the declaration may still spell it oddly.
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		if l := strings.ToLower(label); l == "utf8" || l == "us-ascii" || l == "ascii" {
			return in, nil
		}
		return nil, fmt.Errorf("unsupported encoding %q (parts must be UTF-8)", label)
	}
	return d
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
