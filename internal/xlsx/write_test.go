package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var tricky = [][]string{
	{"id", "姓名", "note"},
	{"1", "张三", "plain"},
	{"2", " padded ", "line\nbreak"},
	{"3", "a\r\nb", "tab\there"},
	{"4", "<&>\"'", "=SUM(A1:A2)"},
	{"5", "_x0041_ stays", "ctrl\x01\x1f"},
	{"6", "", "empty name"},
	{"7", "😀 emoji", ""},
	{"8", "0013800000000", "1.5E+10"},
	{},
	{"", "", "", "", "far"},
}

func writeBook(t testing.TB, header []string, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.SetColWidth(1, 2, 14); err != nil {
		t.Fatal(err)
	}
	if err := w.SetColWidth(3, 3, 30.5); err != nil {
		t.Fatal(err)
	}
	if header != nil {
		if err := w.WriteHeader(header); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rows {
		if err := w.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// trimRows drops trailing empty cells, as the Reader returns rows.
func trimRows(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		for len(r) > 0 && r[len(r)-1] == "" {
			r = r[:len(r)-1]
		}
		if len(r) > 0 {
			out[i] = r
		}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	b := writeBook(t, tricky[0], tricky[1:])
	r, err := open(b)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, want := readAll(t, r), trimRows(tricky); !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}

	// Invalid UTF-8 is replaced, not written into the XML.
	b = writeBook(t, nil, [][]string{{"bad \xff byte"}})
	r, err = open(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, r); len(got) != 1 || got[0][0] != "bad \uFFFD byte" {
		t.Errorf("got %q", got)
	}
}

// Every part is well-formed XML, is declared in [Content_Types].xml, and
// the header and widths are where a spreadsheet looks for them.
func TestParts(t *testing.T) {
	for _, c := range []struct {
		name   string
		header []string
		rows   [][]string
	}{{"rows", tricky[0], tricky[1:]}, {"no rows", nil, nil}} {
		t.Run(c.name, func(t *testing.T) {
			b := writeBook(t, c.header, c.rows)
			zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			parts := map[string]string{}
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(rc)
				rc.Close()
				parts[f.Name] = string(body)
				d := xml.NewDecoder(bytes.NewReader(body))
				for {
					if _, err := d.Token(); err == io.EOF {
						break
					} else if err != nil {
						t.Errorf("%s: %v", f.Name, err)
						break
					}
				}
			}
			if zr.File[0].Name != "[Content_Types].xml" {
				t.Errorf("first part %s", zr.File[0].Name)
			}
			for name := range parts {
				if strings.HasSuffix(name, ".xml") && name != "[Content_Types].xml" &&
					!strings.Contains(parts["[Content_Types].xml"], `PartName="/`+name+`"`) {
					t.Errorf("%s has no content type", name)
				}
			}
			sheet := parts["xl/worksheets/sheet1.xml"]
			for _, want := range []string{`<col min="1" max="2" width="14" customWidth="1"/>`, `<col min="3" max="3" width="30.5" customWidth="1"/>`} {
				if !strings.Contains(sheet, want) {
					t.Errorf("sheet lacks %s", want)
				}
			}
			if c.header != nil && !strings.Contains(sheet, `<c r="A1" s="1" t="inlineStr">`) {
				t.Error("header cells are not bold")
			}
			if c.header != nil && !strings.Contains(sheet, `state="frozen"`) {
				t.Error("header is not frozen")
			}
			if !strings.Contains(parts["xl/styles.xml"], `<cellXfs count="2">`) {
				t.Error("styles lack the bold style")
			}
		})
	}
}

func TestWriterErrors(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.SetColWidth(0, 1, 10); err == nil {
		t.Error("column 0 accepted")
	}
	if err := w.WriteRow([]string{"a"}); err != nil {
		t.Fatal(err)
	}
	if err := w.SetColWidth(1, 1, 10); err == nil {
		t.Error("width after a row accepted")
	}
	if err := w.WriteHeader([]string{"h"}); err == nil {
		t.Error("header after a row accepted")
	}
	if err := w.WriteRow([]string{strings.Repeat("长", MaxCellText+1)}); err == nil {
		t.Error("overlong cell accepted")
	}
	if err := w.WriteRow(make([]string, MaxColumns+1)); err == nil {
		t.Error("too many columns accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow([]string{"late"}); err == nil {
		t.Error("row after close accepted")
	}
	r, err := open(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, r); !reflect.DeepEqual(got, [][]string{{"a"}}) {
		t.Errorf("got %q", got)
	}

	// A failing destination is reported.
	w = NewWriter(failWriter{})
	w.WriteRow([]string{"x"})
	if err := w.Close(); err == nil {
		t.Error("a failed write was not reported")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrShortWrite }

// LibreOffice opens what the Writer writes and sees the same cells. It
// takes seconds, so it runs only with LINLI_OFFICE_TEST=1.
func TestLibreOffice(t *testing.T) {
	if os.Getenv("LINLI_OFFICE_TEST") == "" {
		t.Skip("set LINLI_OFFICE_TEST=1 to convert with LibreOffice")
	}
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Fatal("LINLI_OFFICE_TEST is set but LibreOffice (soffice) is not installed")
	}
	dir := t.TempDir()
	rows := [][]string{{"2", "张三", "line\nbreak"}, {"3", "<&>", "13800000000"}, {"4", " x", "_x0041_"}}
	in := filepath.Join(dir, "book.xlsx")
	if err := os.WriteFile(in, writeBook(t, []string{"id", "姓名", "note"}, rows), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "book.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := append([][]string{{"id", "姓名", "note"}}, rows...)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LibreOffice read\n%q\nwant\n%q", got, want)
	}
}
