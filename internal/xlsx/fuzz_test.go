package xlsx

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReader checks that no input makes the Reader panic or hang: every
// workbook either fails with an error or yields rows up to io.EOF.
func FuzzReader(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xlsx")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(book(f, `<row r="2"><c r="B2" t="s"><v>1</v></c><c r="D2" s="1"><v>45352.5</v></c></row>`, nil))
	f.Add(book(f, `<row><c t="inlineStr"><is><r><t>a_x000D_</t></r><rPh><t>b</t></rPh></is></c></row>`, nil))
	f.Add(writeBook(f, tricky[0], tricky[1:]))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), int64(len(data)), Options{MaxSheetSize: 1 << 20, MaxSharedStringsSize: 1 << 20})
		if err != nil {
			return
		}
		defer r.Close()
		// A row number near the last row makes a million empty rows;
		// a few thousand show the reading works.
		for range 5000 {
			n, cells, err := r.Next()
			if err != nil {
				return
			}
			if n < 1 || n > MaxRows || len(cells) > MaxColumns {
				t.Fatalf("row %d with %d cells", n, len(cells))
			}
		}
	})
}

// FuzzParts fuzzes the XML of the sheet, shared strings and styles inside
// a well-formed archive, which random bytes in a zip seldom reach.
func FuzzParts(f *testing.F) {
	f.Add(`<worksheet><sheetData><row r="2"><c r="B2" t="s"><v>1</v></c><c r="C2" s="1"><v>45352.5</v></c>`+
		`<c t="inlineStr"><is><r><t>a_x000D_</t></r><rPh><t>b</t></rPh></is></c></row></sheetData></worksheet>`,
		`<sst><si><t>zero</t></si><si><r><t>o</t></r><r><t>ne</t></r></si></sst>`,
		`<styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy/m/d\ h:mm"/></numFmts><cellXfs><xf/><xf numFmtId="164"/></cellXfs></styleSheet>`)
	f.Add(`<x:worksheet xmlns:x="`+nsMain+`"><x:sheetData><x:row><x:c t="d"><x:v>2024-03-01T10:00:00</x:v></x:c></x:row></x:sheetData></x:worksheet>`,
		`<sst/>`, `<styleSheet/>`)
	f.Fuzz(func(t *testing.T, sheet, shared, styles string) {
		data := book(t, "", map[string]string{
			"xl/worksheets/sheet1.xml": sheet, "xl/sharedStrings.xml": shared, "xl/styles.xml": styles,
		})
		r, err := open(data)
		if err != nil {
			return
		}
		defer r.Close()
		for range 5000 {
			if _, _, err := r.Next(); err != nil {
				return
			}
		}
	})
}
