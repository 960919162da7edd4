package xlsx

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxCellText is the most UTF-16 code units Excel keeps in a cell.
const MaxCellText = 32767

// Writer writes a workbook of one sheet, row by row, to an io.Writer. All
// cells are text (inline strings), so what is written reads back exactly;
// a header row is bold and stays in view when scrolling.
type Writer struct {
	zw     *zip.Writer
	sheet  *bufio.Writer
	cols   []colWidth
	rows   int
	begun  bool
	closed bool
	err    error
	refs   []string // column letters, by column - 1
}

type colWidth struct {
	first, last int
	width       float64
}

// NewWriter starts a workbook on w. Nothing is complete until Close.
func NewWriter(w io.Writer) *Writer {
	return &Writer{zw: zip.NewWriter(w)}
}

// SetColWidth sets the width, in characters, of columns first to last
// (1-based). It must come before the first row.
func (w *Writer) SetColWidth(first, last int, width float64) error {
	if w.begun {
		return errors.New("xlsx: column widths must be set before the first row")
	}
	if first < 1 || last < first || last > MaxColumns || width <= 0 || width > 255 {
		return fmt.Errorf("xlsx: bad column width %d-%d %g", first, last, width)
	}
	w.cols = append(w.cols, colWidth{first, last, width})
	return nil
}

// WriteHeader writes a bold row that stays in view when scrolling; it
// must be the first row.
func (w *Writer) WriteHeader(cells []string) error {
	if w.begun {
		return errors.New("xlsx: the header must be the first row")
	}
	return w.write(cells, true)
}

// WriteRow writes the next row. Empty strings leave their cells empty.
func (w *Writer) WriteRow(cells []string) error {
	return w.write(cells, false)
}

// Close writes the end of the sheet and of the archive. It does not close
// the underlying writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	if w.err == nil && !w.begun {
		w.err = w.begin(false)
	}
	w.closed = true
	if w.err != nil {
		return w.err
	}
	w.sheet.WriteString(`</sheetData></worksheet>`)
	if err := w.sheet.Flush(); err != nil {
		w.err = fmt.Errorf("xlsx: %w", err)
		return w.err
	}
	if err := w.zw.Close(); err != nil {
		w.err = fmt.Errorf("xlsx: %w", err)
	}
	return w.err
}

func (w *Writer) write(cells []string, header bool) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("xlsx: write after close")
	}
	if !w.begun {
		if w.err = w.begin(header); w.err != nil {
			return w.err
		}
	}
	if w.rows == MaxRows {
		return fmt.Errorf("xlsx: more than %d rows", MaxRows)
	}
	if len(cells) > MaxColumns {
		return fmt.Errorf("xlsx: row %d: more than %d columns", w.rows+1, MaxColumns)
	}
	for i, c := range cells {
		if len(c) > MaxCellText && utf16Len(c) > MaxCellText {
			return fmt.Errorf("xlsx: row %d column %d: text longer than %d characters", w.rows+1, i+1, MaxCellText)
		}
	}
	w.rows++
	n := strconv.Itoa(w.rows)
	b := w.sheet
	b.WriteString(`<row r="`)
	b.WriteString(n)
	if header {
		b.WriteString(`" s="1" customFormat="1`)
	}
	b.WriteString(`">`)
	for i, c := range cells {
		if c == "" {
			continue
		}
		b.WriteString(`<c r="`)
		b.WriteString(w.ref(i))
		b.WriteString(n)
		if header {
			b.WriteString(`" s="1`)
		}
		b.WriteString(`" t="inlineStr"><is><t`)
		if c != strings.TrimSpace(c) {
			b.WriteString(` xml:space="preserve"`)
		}
		b.WriteByte('>')
		escape(b, c)
		b.WriteString(`</t></is></c>`)
	}
	b.WriteString(`</row>`)
	// Errors of the zip stream stick in the bufio.Writer and show at the
	// next flush; a Write that failed is reported from there.
	if _, err := b.Write(nil); err != nil {
		w.err = fmt.Errorf("xlsx: %w", err)
	}
	return w.err
}

func (w *Writer) ref(i int) string {
	for len(w.refs) <= i {
		w.refs = append(w.refs, columnName(len(w.refs)+1))
	}
	return w.refs[i]
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// modified is the time stamp of every part, so that the same rows make
// the same file.
var modified = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// begin writes the fixed parts and the start of the sheet.
func (w *Writer) begin(header bool) error {
	w.begun = true
	for _, p := range fixedParts {
		f, err := w.create(p.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	f, err := w.create("xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	w.sheet = bufio.NewWriterSize(f, 64<<10)
	b := w.sheet
	b.WriteString(xml.Header)
	b.WriteString(`<worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">`)
	if header {
		b.WriteString(`<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>`)
	}
	b.WriteString(`<sheetFormatPr defaultRowHeight="15"/>`)
	if len(w.cols) > 0 {
		b.WriteString(`<cols>`)
		for _, c := range w.cols {
			fmt.Fprintf(b, `<col min="%d" max="%d" width="%s" customWidth="1"/>`, c.first, c.last, strconv.FormatFloat(c.width, 'f', -1, 64))
		}
		b.WriteString(`</cols>`)
	}
	b.WriteString(`<sheetData>`)
	return nil
}

func (w *Writer) create(name string) (io.Writer, error) {
	f, err := w.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified})
	if err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return f, nil
}

// escape writes s as XML character data. Characters XML cannot hold are
// written as Office's _xHHHH_ escapes, and so is an underscore that
// would read as one; invalid UTF-8 becomes U+FFFD.
func escape(b *bufio.Writer, s string) {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				b.WriteString("\uFFFD")
			case r == 0xFFFE || r == 0xFFFF:
				fmt.Fprintf(b, "_x%04X_", r)
			default:
				b.WriteString(s[i : i+size])
			}
			i += size
			continue
		}
		switch {
		case c == '&':
			b.WriteString("&amp;")
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '\r':
			b.WriteString("&#xD;") // a bare CR would be read as LF
		case c == '\n' || c == '\t':
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(b, "_x%04X_", c)
		case c == '_':
			if _, ok := escapeAt(s[i:]); ok {
				b.WriteString("_x005F_")
			} else {
				b.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
		i++
	}
}

const (
	nsMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	nsRel  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkg  = "http://schemas.openxmlformats.org/package/2006/relationships"
	ctBase = "application/vnd.openxmlformats-officedocument.spreadsheetml."
)

// fixedParts are the parts that do not depend on the rows, written
// before the sheet.
var fixedParts = []struct{ name, body string }{
	{"[Content_Types].xml", xml.Header +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="` + ctBase + `sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="` + ctBase + `worksheet+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="` + ctBase + `styles+xml"/>` +
		`</Types>`},
	{"_rels/.rels", xml.Header +
		`<Relationships xmlns="` + nsPkg + `">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/>` +
		`</Relationships>`},
	{"xl/workbook.xml", xml.Header +
		`<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">` +
		`<bookViews><workbookView/></bookViews>` +
		`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>` +
		`</workbook>`},
	{"xl/_rels/workbook.xml.rels", xml.Header +
		`<Relationships xmlns="` + nsPkg + `">` +
		`<Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
		`<Relationship Id="rId2" Type="` + nsRel + `/styles" Target="styles.xml"/>` +
		`</Relationships>`},
	// Style 1 is the header's bold font; 0 is the default every
	// spreadsheet expects.
	{"xl/styles.xml", xml.Header +
		`<styleSheet xmlns="` + nsMain + `">` +
		`<fonts count="2">` +
		`<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
		`<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>` +
		`</fonts>` +
		`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
		`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
		`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
		`<cellXfs count="2">` +
		`<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
		`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>` +
		`</cellXfs>` +
		`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>` +
		`</styleSheet>`},
}
