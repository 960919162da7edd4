package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// readAll reads every row; row numbers must count up from 1.
func readAll(t testing.TB, r *Reader) [][]string {
	t.Helper()
	var rows [][]string
	for {
		n, cells, err := r.Next()
		if err == io.EOF {
			return rows
		}
		if err != nil {
			t.Fatalf("row %d: %v", len(rows)+1, err)
		}
		if n != len(rows)+1 {
			t.Fatalf("row number %d after %d rows", n, len(rows))
		}
		rows = append(rows, cells)
	}
}

func TestFixtures(t *testing.T) {
	for _, c := range []struct {
		file, sheet string
		want        [][]string
	}{
		{"types.xlsx", "Sheet1", [][]string{
			{"kind", "value", "note"},
			{"string", "张三", " padded "},
			{"phone", "13800000000", "int"},
			{"barcode", "6901234567892", "13 digits"},
			{"float", "26.8"},
			{"sum", "0.3", "0.30000000000000004"},
			{"negative", "-42.5"},
			{"bool", "TRUE", "FALSE"},
			{"date", "1990-01-02"},
			{"datetime", "2024-03-01 14:30:00"},
			{"time", "12:30:00"},
			{"zhdate", "2024-03-01"},
			{"isodate", "2024-03-01 18:00:00"},
			{"money", "1234.5"},
			{"percent", "0.25"},
			{"rich", "bold and plain"},
			{"formula"}, // no cached result
			{"sparse", "", "", "D"},
			nil, // row 19 is not in the file
			{"after gap"},
			{"big", "1000000000000000000000", "1E-10"},
			{"leap", "1900-02-29", "1900-02-28"},
			{"repeat", "张三"},
		}},
		{"libreoffice.xlsx", "libreoffice", [][]string{
			{"name", "phone", "birthday", "joined", "amount", "flag", "time"},
			{"张三", "13800000000", "1990-01-02", "2024-03-01 14:30:00", "26.8", "TRUE", "08:15:00"},
			{"Li, Si", "13912345678", "1985-03-04", "2023-12-31 23:59:59", "-42.5", "FALSE", "23:59:59"},
			nil,
			{"after blank", "", "2000-02-29", "", "0.1"},
		}},
		{"order.xlsx", "Data", [][]string{{"name", "qty"}, {"apple", "3"}}},
		{"date1904.xlsx", "Sheet1", [][]string{{"date"}, {"1904-01-01"}, {"2024-03-01"}}},
		{"stream.xlsx", "Sheet1", [][]string{
			{"id", "name", "when"},
			{"1", "李四", "2024-03-01 09:05:07"},
			{"2", "rich inline"},
			nil,
			{"", "skipped a row and a column"},
		}},
	} {
		t.Run(c.file, func(t *testing.T) {
			r, err := Open("testdata/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Sheet() != c.sheet {
				t.Errorf("sheet %q, want %q", r.Sheet(), c.sheet)
			}
			got := readAll(t, r)
			if len(got) != len(c.want) {
				t.Fatalf("%d rows, want %d: %q", len(got), len(c.want), got)
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], c.want[i]) {
					t.Errorf("row %d: %q, want %q", i+1, got[i], c.want[i])
				}
			}
			if _, _, err := r.Next(); err != io.EOF {
				t.Errorf("after the end: %v", err)
			}
		})
	}
}

// book builds a workbook in memory from the XML of its sheetData (rows)
// and the given parts, which replace or add to the defaults.
func book(t testing.TB, rows string, parts map[string]string) []byte {
	t.Helper()
	all := map[string]string{
		"[Content_Types].xml": `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`,
		"_rels/.rels": `<Relationships xmlns="` + nsPkg + `">` +
			`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">` +
			`<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships xmlns="` + nsPkg + `">` +
			`<Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + nsRel + `/sharedStrings" Target="sharedStrings.xml"/>` +
			`<Relationship Id="rId3" Type="` + nsRel + `/styles" Target="styles.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": `<worksheet xmlns="` + nsMain + `"><sheetData>` + rows + `</sheetData></worksheet>`,
		"xl/sharedStrings.xml":     `<sst xmlns="` + nsMain + `"><si><t>zero</t></si><si><t>one</t></si></sst>`,
		"xl/styles.xml": `<styleSheet xmlns="` + nsMain + `">` +
			`<numFmts><numFmt numFmtId="164" formatCode="yyyy/m/d\ h:mm"/></numFmts>` +
			`<cellStyleXfs><xf numFmtId="14"/></cellStyleXfs>` +
			`<cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="31"/><xf numFmtId="4"/></cellXfs></styleSheet>`,
	}
	for k, v := range parts {
		if v == "" {
			delete(all, k)
		} else {
			all[k] = v
		}
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range all {
		f, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(f, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(b []byte, opts ...Options) (*Reader, error) {
	return NewReader(bytes.NewReader(b), int64(len(b)), opts...)
}

func TestCells(t *testing.T) {
	for _, c := range []struct {
		name, rows string
		parts      map[string]string
		want       [][]string
	}{
		{"types", `<row r="1">` +
			`<c r="A1" t="s"><v>1</v></c>` +
			`<c r="B1" t="inlineStr"><is><t>in</t><rPh><t>ignored</t></rPh></is></c>` +
			`<c r="C1" t="str"><f>A1</f><v>calc</v></c>` +
			`<c r="D1" t="e"><v>#N/A</v></c>` +
			`<c r="E1" t="b"><v>1</v></c>` +
			`<c r="F1" t="d"><v>2024-03-01T08:30:00Z</v></c>` +
			`<c r="G1" t="d"><v>2024-03-01</v></c>` +
			`<c r="H1"><v>1.38E+10</v></c>` +
			`<c r="I1"><v>13800000000.0</v></c>` +
			`<c r="J1" s="4"><v>2.5</v></c>` +
			`<c r="K1"><v>not a number</v></c>` +
			`<c r="L1" t="s"/>` +
			`</row>`, nil,
			[][]string{{"one", "in", "calc", "#N/A", "TRUE", "2024-03-01 08:30:00", "2024-03-01", "13800000000", "13800000000", "2.5", "not a number"}}},
		{"dates", `<row><c s="1"><v>45352</v></c><c s="2"><v>45352.5</v></c><c s="3"><v>45352</v></c>` +
			`<c s="1"><v>-1</v></c><c s="1"><v>0.25</v></c><c s="2"><v>0.25</v></c><c s="99"><v>45352</v></c></row>`, nil,
			[][]string{{"2024-03-01", "2024-03-01 12:00:00", "2024-03-01", "-1", "0.25", "06:00:00", "45352"}}},
		{"date1904", `<row><c s="1"><v>0</v></c></row>`,
			map[string]string{"xl/workbook.xml": `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">` +
				`<workbookPr date1904="1"/><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`},
			[][]string{{"1904-01-01"}}},
		{"no r attributes", `<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row><row/><row><c><v>3</v></c></row>`, nil,
			[][]string{{"zero", "one"}, nil, {"3"}}},
		{"gaps", `<row r="2"><c r="C2"><v>1</v></c></row><row r="4"><c r="B4"><v>2</v></c><c r="D4"/></row>`, nil,
			[][]string{nil, {"", "", "1"}, nil, {"", "2"}}},
		{"rows out of order follow on", `<row r="3"><c><v>1</v></c></row><row r="2"><c><v>2</v></c></row>`, nil,
			[][]string{nil, nil, {"1"}, {"2"}}},
		{"escapes and rich text", `<row><c t="inlineStr"><is><r><rPr><b/></rPr><t>a_x000D_b</t></r><r><t xml:space="preserve"> c </t></r></is></c>` +
			`<c t="inlineStr"><is><t>_x005F_x0041_ _x41_</t></is></c></row>`, nil,
			[][]string{{"a\rb c ", "_x0041_ _x41_"}}},
		{"prefixed namespace", `<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row>`,
			map[string]string{"xl/worksheets/sheet1.xml": `<x:worksheet xmlns:x="` + nsMain + `"><x:sheetData>` +
				`<x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row></x:sheetData></x:worksheet>`},
			[][]string{{"zero"}}},
		{"no shared strings or styles", `<row><c t="inlineStr"><is><t>x</t></is></c><c s="1"><v>7</v></c></row>`,
			map[string]string{"xl/sharedStrings.xml": "", "xl/styles.xml": ""},
			[][]string{{"x", "7"}}},
		{"no sheetData", "", map[string]string{"xl/worksheets/sheet1.xml": `<worksheet xmlns="` + nsMain + `"/>`}, nil},
		{"absolute targets and odd names", `<row><c t="s"><v>0</v></c></row>`,
			map[string]string{
				"xl/_rels/workbook.xml.rels": `<Relationships xmlns="` + nsPkg + `">` +
					`<Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="/xl/worksheets/Sheet1.xml"/>` +
					`<Relationship Id="rId2" Type="` + nsRel + `/sharedStrings" Target="/xl/sharedStrings.xml"/></Relationships>`,
			},
			[][]string{{"zero"}}},
		{"chart sheet first", `<row><c><v>1</v></c></row>`,
			map[string]string{
				"xl/workbook.xml": `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `">` +
					`<sheets><sheet name="Chart" sheetId="2" r:id="rId9"/><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`,
				"xl/_rels/workbook.xml.rels": `<Relationships xmlns="` + nsPkg + `">` +
					`<Relationship Id="rId9" Type="` + nsRel + `/chartsheet" Target="chartsheets/sheet1.xml"/>` +
					`<Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
			},
			[][]string{{"1"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := open(book(t, c.rows, c.parts))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if got := readAll(t, r); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestMalformed(t *testing.T) {
	tooWide := `<row><c r="E1"><v>1</v></c></row>`
	for _, c := range []struct {
		name  string
		data  []byte
		opt   Options
		want  string // in the error of NewReader or Next
		isErr error
	}{
		{name: "not a zip", data: []byte("name,phone\n"), want: "not a workbook"},
		{name: "empty", data: nil, want: "not a workbook"},
		{name: "no workbook", data: book(t, "", map[string]string{"xl/workbook.xml": ""}), want: "no part xl/workbook.xml"},
		{name: "no sheet", data: book(t, "", map[string]string{
			"xl/workbook.xml": `<workbook xmlns="` + nsMain + `"><sheets/></workbook>`}), isErr: ErrNoSheet},
		{name: "sheet part missing", data: book(t, "", map[string]string{"xl/worksheets/sheet1.xml": ""}), want: "no part xl/worksheets/sheet1.xml"},
		{name: "broken sheet XML", data: book(t, `<row><c><v>1</v></row>`, nil), want: "xlsx: sheet"},
		{name: "truncated sheet", data: book(t, "", map[string]string{
			"xl/worksheets/sheet1.xml": `<worksheet xmlns="` + nsMain + `"><sheetData><row><c><v>1`}), want: "unexpected EOF"},
		{name: "broken shared strings", data: book(t, "", map[string]string{"xl/sharedStrings.xml": `<sst><si><t>a</si></sst>`}), want: "sharedStrings.xml"},
		{name: "shared string out of range", data: book(t, `<row><c r="B1" t="s"><v>7</v></c></row>`, nil), want: "cell B1: no shared string"},
		{name: "bad cell reference", data: book(t, `<row><c r="1A"><v>1</v></c></row>`, nil), want: "bad cell reference"},
		{name: "past the last column", data: book(t, `<row><c r="XFE1"><v>1</v></c></row>`, nil), want: "past the last column"},
		{name: "too many columns", data: book(t, tooWide, nil), opt: Options{MaxColumns: 4}, want: "more than 4 columns"},
		{name: "bad row number", data: book(t, `<row r="x"/>`, nil), want: "bad row number"},
		{name: "past the last row", data: book(t, `<row r="1048577"/>`, nil), want: "bad row number"},
		{name: "sheet too large", data: book(t, strings.Repeat(`<row><c><v>1</v></c></row>`, 100), nil),
			opt: Options{MaxSheetSize: 1000}, isErr: ErrTooLarge},
		{name: "shared strings too large", data: book(t, "", nil), opt: Options{MaxSharedStringsSize: 10}, isErr: ErrTooLarge},
		{name: "other encoding", data: book(t, "", map[string]string{
			"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="GBK"?><worksheet><sheetData/></worksheet>`}), want: "unsupported encoding"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := open(c.data, c.opt)
			if err == nil {
				for err == nil {
					_, _, err = r.Next()
				}
				r.Close()
				if err == io.EOF {
					t.Fatal("no error")
				}
			}
			if c.isErr != nil && !errors.Is(err, c.isErr) {
				t.Errorf("error %v, want %v", err, c.isErr)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want %q", err, c.want)
			}
		})
	}
}

// A sheet far larger than memory needs per row is read in a heap of
// constant size.
func TestStreaming(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads 100,000 rows")
	}
	const rows = 100000
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.WriteHeader([]string{"card", "name", "phone", "area", "note"})
	row := []string{"", "某某某", "13800000000", "阳光花园", strings.Repeat("x", 100)}
	for i := range rows {
		row[0] = columnName(i%MaxColumns + 1)
		if err := w.WriteRow(row); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := open(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sheetSize := r.files["xl/worksheets/sheet1.xml"].UncompressedSize64
	var peak uint64
	n := 0
	for {
		_, cells, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n++; n%20000 == 0 {
			peak = max(peak, heapAfterGC())
		}
		if n > 1 && cells[2] != "13800000000" {
			t.Fatalf("row %d: %q", n, cells)
		}
	}
	if n != rows+1 {
		t.Fatalf("%d rows", n)
	}
	if peak > 8<<20 || peak > sheetSize/4 {
		t.Errorf("heap %d bytes while reading a %d-byte sheet", peak, sheetSize)
	}
}

func TestFormatKind(t *testing.T) {
	for code, want := range map[string]kind{
		"General":                       plain,
		"0.00":                          plain,
		"#,##0.00_);[Red](#,##0.00)":    plain,
		`"¥"#,##0.00;[Red]"¥"-#,##0.00`: plain,
		`0.00E+00`:                      plain,
		`0 "days"`:                      plain,
		`\d0`:                           plain,
		`@`:                             plain,
		`[$-804]0.00`:                   plain,
		"yyyy-mm-dd":                    date,
		`yyyy"年"m"月"d"日"`:               date,
		"mmm-yy":                        date,
		"[$-F800]dddd, mmmm dd, yyyy":   date,
		"YYYY/M/D":                      date,
		"h:mm":                          clock,
		"mm:ss":                         clock,
		"[h]:mm:ss":                     clock,
		"[mm]":                          clock,
		"h:mm AM/PM":                    clock,
		`上午/下午h"时"mm"分"`:                clock,
		"m/d/yyyy h:mm":                 dateTime,
		"yyyy-mm-dd hh:mm:ss":           dateTime,
		`[$-409]m/d/yy\ h:mm\ AM/PM;@`:  dateTime,
		`[Red][<=100]yyyy-mm-dd;"big"`:  date,
		"[Red":                          plain,
	} {
		if got := formatKind(code); got != want {
			t.Errorf("formatKind(%q) = %d, want %d", code, got, want)
		}
	}
	for id, want := range map[int]kind{0: plain, 1: plain, 14: date, 17: date, 18: clock, 21: clock, 22: dateTime,
		31: date, 32: clock, 45: clock, 47: clock, 49: plain, 57: date, 164: plain} {
		if got := builtinKind(id); got != want {
			t.Errorf("builtinKind(%d) = %d, want %d", id, got, want)
		}
	}
}

func TestGeneral(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "0.0": "0", "13800000000": "13800000000", "1.38E+10": "13800000000",
		"13800000000.0": "13800000000", "6901234567892": "6901234567892", "12345678901234567890": "12345678901234567890",
		"26.8": "26.8", "0.30000000000000004": "0.3", "-42.5": "-42.5", "1E-10": "1E-10", "1.5e25": "1.5E+25",
		"0.000123": "0.000123", "007": "7", "abc": "abc", "": "", "0x10": "0x10", "NaN": "NaN", "Inf": "Inf",
		"1e400": "1e400", " 12": " 12",
	} {
		if got := general(in); got != want {
			t.Errorf("general(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatSerial(t *testing.T) {
	for _, c := range []struct {
		v    float64
		k    kind
		d04  bool
		want string
		ok   bool
	}{
		{1, date, false, "1900-01-01", true},
		{59, date, false, "1900-02-28", true},
		{60, date, false, "1900-02-29", true},
		{61, date, false, "1900-03-01", true},
		{45352, date, false, "2024-03-01", true},
		{45352.99999, date, false, "2024-03-01", true},
		{45352.999999999, dateTime, false, "2024-03-02 00:00:00", true},
		{45352.604166666664, dateTime, false, "2024-03-01 14:30:00", true},
		{45352.5, clock, false, "2024-03-01 12:00:00", true},
		{0.75, clock, false, "18:00:00", true},
		{0.75, dateTime, false, "18:00:00", true},
		{0.75, date, false, "", false},
		{0, date, true, "1904-01-01", true},
		{0.5, clock, true, "12:00:00", true},
		{43890, date, true, "2024-03-01", true},
		{2958465, date, false, "9999-12-31", true},
		{2958466, date, false, "", false},
		{-1, date, false, "", false},
	} {
		got, ok := formatSerial(c.v, c.k, c.d04)
		if got != c.want || ok != c.ok {
			t.Errorf("formatSerial(%v, %d, %v) = %q %v, want %q %v", c.v, c.k, c.d04, got, ok, c.want, c.ok)
		}
	}
}

func TestFormatISO(t *testing.T) {
	for in, want := range map[string]string{
		"2024-03-01":            "2024-03-01",
		"2024-03-01T00:00:00":   "2024-03-01",
		"2024-03-01T14:30:00Z":  "2024-03-01 14:30:00",
		"2024-03-01T14:30:00.6": "2024-03-01 14:30:01",
		"2024-03-01T14:30":      "2024-03-01 14:30:00",
		"14:30:00":              "14:30:00",
		"yesterday":             "yesterday",
	} {
		if got := formatISO(in); got != want {
			t.Errorf("formatISO(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestColumns(t *testing.T) {
	for ref, want := range map[string]int{"A1": 1, "Z9": 26, "AA1": 27, "az3": 52, "XFD1048576": 16384, "B": 2} {
		got, err := column(ref)
		if err != nil || got != want {
			t.Errorf("column(%q) = %d %v, want %d", ref, got, err, want)
		}
		if want != 52 && !strings.HasPrefix(ref, columnName(want)) {
			t.Errorf("columnName(%d) = %q", want, columnName(want))
		}
	}
	for _, ref := range []string{"", "1", "A-1", "XFE1", "AAAAAAAAAAAAAAAA1"} {
		if _, err := column(ref); err == nil {
			t.Errorf("column(%q) gave no error", ref)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.WriteHeader([]string{"card", "name", "phone", "area", "birthday", "tags"})
	for range 10000 {
		w.WriteRow([]string{"C000123", "张三", "13800000000", "阳光花园", "1990-01-02", "生鲜;夜猫子"})
	}
	w.Close()
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for range b.N {
		r, err := open(buf.Bytes())
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, _, err := r.Next(); err != nil {
				break
			}
		}
		r.Close()
	}
}

func heapAfterGC() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
