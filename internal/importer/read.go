// Package importer reads member lists from CSV and XLSX files, checks every
// row before writing any, writes the good rows in whole batches keyed by
// phone, and exports members back to CSV or XLSX.
package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/xlsx"
)

// RowReader yields the rows of a table one at a time. Header is the first
// row. Next returns the 1-based line (CSV) or row (XLSX) number of the row
// and its cells, io.EOF after the last row, a *RowError for a row that is
// unreadable but does not stop the reading, and any other error when the
// file cannot be read further.
type RowReader interface {
	Header() []string
	Next() (line int, cells []string, err error)
}

// ReadCloser is a RowReader holding resources (an open XLSX file) until
// closed.
type ReadCloser interface {
	RowReader
	io.Closer
}

// sniffSize is how much of a CSV file is looked at to guess its encoding
// and delimiter.
const sniffSize = 64 << 10

// Encodings a CSV file may come in.
const (
	EncodingUTF8    = "utf-8"
	EncodingUTF16   = "utf-16"
	EncodingGB18030 = "gb18030" // covers GBK and GB2312, what Chinese Excel writes
)

// CSVReader reads a delimited text file.
type CSVReader struct {
	r        *csv.Reader
	header   []string
	encoding string
	comma    rune
}

// NewCSVReader detects the encoding (UTF-8 with or without BOM, UTF-16 with
// BOM, else GB18030/GBK) and the delimiter (comma, semicolon or tab, from
// the header line), and reads the header.
func NewCSVReader(in io.Reader) (*CSVReader, error) {
	br := bufio.NewReaderSize(in, sniffSize)
	sample, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("importer: read file: %w", err)
	}
	var src io.Reader = br
	enc := EncodingUTF8
	switch {
	case bytes.HasPrefix(sample, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(sample, []byte{0xFF, 0xFE}), bytes.HasPrefix(sample, []byte{0xFE, 0xFF}):
		// Excel's "Unicode text" export: UTF-16 with a BOM, usually tab-separated.
		enc = EncodingUTF16
		src = transform.NewReader(br, unicode.BOMOverride(unicode.UTF8.NewDecoder()))
	case !validUTF8Prefix(sample, len(sample) < sniffSize):
		if len(sample) == sniffSize { // whole lines only: a character may be cut at the end
			if i := bytes.LastIndexByte(sample, '\n'); i > 0 {
				sample = sample[:i]
			}
		}
		gb, _, err := transform.Bytes(simplifiedchinese.GB18030.NewDecoder(), sample)
		if err != nil || bytes.ContainsRune(gb, utf8.RuneError) {
			return nil, linli.Errorf(linli.KindInvalid, "import.bad_encoding",
				"the file is neither UTF-8 nor GBK/GB18030 text; save it from Excel as CSV UTF-8 or as .xlsx")
		}
		enc = EncodingGB18030
		src = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	// The decoded stream is buffered again so the delimiter can be guessed
	// from its first line without consuming it.
	db := bufio.NewReaderSize(src, sniffSize)
	head, _ := db.Peek(sniffSize)
	c := &CSVReader{encoding: enc, comma: sniffComma(head)}
	c.r = csv.NewReader(db)
	c.r.Comma = c.comma
	c.r.FieldsPerRecord = -1 // counted per row, so one bad row is a row error
	c.r.ReuseRecord = true
	for {
		rec, err := c.r.Read()
		if err == io.EOF {
			return nil, linli.Errorf(linli.KindInvalid, "import.empty_file", "the file has no header row")
		}
		if err != nil {
			return nil, linli.Errorf(linli.KindInvalid, "import.bad_header", "the header row cannot be read: %v", err)
		}
		if blank(rec) {
			continue // blank lines above the header
		}
		c.header = make([]string, len(rec))
		for i, h := range rec {
			c.header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		}
		break
	}
	if err := c.checkText(1, c.header); err != nil {
		return nil, err
	}
	return c, nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing a rune cut off at
// the end of a sample that is not the whole file.
func validUTF8Prefix(b []byte, whole bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if whole {
		return false
	}
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		if utf8.Valid(b[:len(b)-i]) {
			return true
		}
	}
	return false
}

// sniffComma picks the delimiter that occurs most often in the first line,
// outside quotes; comma on a tie or when there is none.
func sniffComma(b []byte) rune {
	counts := map[byte]int{}
	quoted := false
	for _, c := range b {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if c == '\n' || c == '\r' {
			break
		}
		if c == ',' || c == ';' || c == '\t' {
			counts[c]++
		}
	}
	best := byte(',')
	for _, c := range []byte{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return rune(best)
}

// Header returns the header cells, trimmed.
func (c *CSVReader) Header() []string { return c.header }

// Encoding names the detected encoding.
func (c *CSVReader) Encoding() string { return c.encoding }

// Comma returns the detected delimiter.
func (c *CSVReader) Comma() rune { return c.comma }

// Close does nothing; a CSVReader holds nothing.
func (c *CSVReader) Close() error { return nil }

// Next returns the next row. The cells are valid until the following call.
func (c *CSVReader) Next() (int, []string, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return 0, nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		line := pe.StartLine
		if line == 0 {
			line = pe.Line
		}
		return line, nil, &RowError{Line: line, Code: "import.malformed_row", Message: "malformed row: " + pe.Err.Error()}
	}
	if err != nil {
		return 0, nil, fmt.Errorf("importer: read file: %w", err)
	}
	line, _ := c.r.FieldPos(0)
	return line, rec, c.checkText(line, rec)
}

// checkText rejects text that did not decode: invalid UTF-8, or in a GBK
// file bytes that are not GB18030.
func (c *CSVReader) checkText(line int, cells []string) error {
	for _, s := range cells {
		if !utf8.ValidString(s) || (c.encoding != EncodingUTF8 && strings.ContainsRune(s, utf8.RuneError)) {
			return linli.Errorf(linli.KindInvalid, "import.bad_encoding",
				"line %d is not valid %s text; the file mixes encodings", line, c.encoding)
		}
	}
	return nil
}

// XLSXReader reads the first sheet of a workbook as a stream of rows.
type XLSXReader struct {
	x      *xlsx.Reader
	header []string
	row    int
}

// NewXLSXReader opens a workbook from r (read fully into memory, as the
// zip format requires) and reads the header of its first sheet.
func NewXLSXReader(r io.Reader) (*XLSXReader, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("importer: read file: %w", err)
	}
	x, err := xlsx.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, xlsxOpenError(err)
	}
	return newXLSX(x)
}

func xlsxOpenError(err error) error {
	if errors.Is(err, xlsx.ErrNoSheet) {
		return linli.Errorf(linli.KindInvalid, "import.empty_file", "the workbook has no sheet")
	}
	return linli.Errorf(linli.KindInvalid, "import.bad_xlsx", "the workbook cannot be opened: %v", err)
}

func newXLSX(x *xlsx.Reader) (*XLSXReader, error) {
	r := &XLSXReader{x: x}
	for {
		_, cells, err := r.Next()
		if err == io.EOF {
			x.Close()
			return nil, linli.Errorf(linli.KindInvalid, "import.empty_file", "the first sheet has no header row")
		}
		if err != nil {
			x.Close()
			return nil, err
		}
		if blank(cells) {
			continue
		}
		r.header = make([]string, len(cells))
		for i, h := range cells {
			r.header[i] = strings.TrimSpace(h)
		}
		return r, nil
	}
}

// Header returns the header cells, trimmed.
func (x *XLSXReader) Header() []string { return x.header }

// Next returns the next row as a spreadsheet shows it: dates as
// 2006-01-02 (with 15:04:05 when formatted with a time), numbers in full
// (a phone number is not turned into 1.38E+10), booleans as TRUE and
// FALSE. Rows are padded with empty cells to the header's width; a row
// missing from the file is an empty row, so the number is the sheet's.
func (x *XLSXReader) Next() (int, []string, error) {
	n, cells, err := x.x.Next()
	if err == io.EOF {
		return 0, nil, io.EOF
	}
	if err != nil {
		return 0, nil, linli.Errorf(linli.KindInvalid, "import.bad_xlsx", "the sheet cannot be read after row %d: %v", x.row, err)
	}
	x.row = n
	for len(cells) < len(x.header) { // trailing empty cells are not stored
		cells = append(cells, "")
	}
	return n, cells, nil
}

// Close releases the workbook.
func (x *XLSXReader) Close() error { return x.x.Close() }

// NewReader reads r as XLSX when it is a zip archive (or name ends in
// .xlsx) and as CSV otherwise.
func NewReader(r io.Reader, name string) (ReadCloser, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	magic, _ := br.Peek(4)
	ext := strings.ToLower(filepath.Ext(name))
	if bytes.Equal(magic, []byte("PK\x03\x04")) || ext == ".xlsx" || ext == ".xlsm" {
		return NewXLSXReader(br)
	}
	if ext == ".xls" {
		return nil, linli.Errorf(linli.KindInvalid, "import.xls_unsupported",
			"old .xls workbooks are not supported; save the file as .xlsx or CSV")
	}
	return NewCSVReader(br)
}

// OpenFile opens a CSV or XLSX file by path. XLSX files are read from
// disk as they go, so they are not read into memory whole.
func OpenFile(path string) (ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("importer: %w", err)
	}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	if bytes.Equal(magic[:n], []byte("PK\x03\x04")) {
		f.Close()
		x, err := xlsx.Open(path)
		if err != nil {
			return nil, xlsxOpenError(err)
		}
		return newXLSX(x)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("importer: %w", err)
	}
	r, err := NewReader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return fileCloser{r, f}, nil
}

type fileCloser struct {
	ReadCloser
	f *os.File
}

func (c fileCloser) Close() error {
	err := c.ReadCloser.Close()
	if err2 := c.f.Close(); err == nil {
		err = err2
	}
	return err
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
