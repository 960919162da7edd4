package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/importer"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/privacy"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

var (
	ctx   = context.Background()
	actor = linli.Actor{Name: "cli", Role: "system"}
)

func clock() time.Time { return time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC) }

func newService(t testing.TB, db *store.DB) *member.Service {
	t.Helper()
	v, err := privacy.New(bytes.Repeat([]byte{7}, privacy.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return member.NewService(store.NewMembers(db), v, clock)
}

func sqliteService(t testing.TB) (*member.Service, *store.DB) {
	db := storetest.Open(t)
	return newService(t, db), db
}

func countMembers(t testing.TB, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM members`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func csvOf(t testing.TB, s string) *importer.CSVReader {
	t.Helper()
	r, err := importer.NewCSVReader(strings.NewReader(s))
	if err != nil {
		t.Fatalf("NewCSVReader: %v", err)
	}
	return r
}

func readAll(t testing.TB, r importer.RowReader) [][]string {
	t.Helper()
	var out [][]string
	for {
		_, cells, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, slices.Clone(cells))
	}
}

func TestParseMap(t *testing.T) {
	tests := []struct {
		in   string
		want importer.Map
		code string
	}{
		{"name=姓名,phone=手机号", importer.Map{"name": "姓名", "phone": "手机号"}, ""},
		{" Name = 姓名 , card_no=卡号, referrer_id=推荐人,", importer.Map{"name": "姓名", "card": "卡号", "referrer": "推荐人"}, ""},
		{"tags=", importer.Map{"tags": ""}, ""},
		{"", importer.Map{}, ""},
		{"nmae=姓名", nil, "import.unknown_field"},
		{"name", nil, "import.bad_map"},
		{"name=a,name=b", nil, "import.bad_map"},
	}
	for _, tt := range tests {
		got, err := importer.ParseMap(tt.in)
		if tt.code != "" {
			if linli.ErrorCode(err) != tt.code {
				t.Errorf("ParseMap(%q) error %v, want %s", tt.in, err, tt.code)
			}
			continue
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("ParseMap(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	if _, err := importer.ParseMap("nmae=姓名"); err == nil || !strings.Contains(err.Error(), "nmae") {
		t.Errorf("unknown field error should name it: %v", err)
	}
}

func TestCSVEncodingsAndDelimiters(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("姓名,手机号,小区\n张三,13812345678,阳光花园\n")
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String("姓名\t手机号\t小区\r\n张三\t13812345678\t阳光花园\r\n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, enc string
		comma           rune
	}{
		{"utf-8", "姓名,手机号,小区\n张三,13812345678,阳光花园\n", importer.EncodingUTF8, ','},
		{"utf-8 bom", "\uFEFF姓名,手机号,小区\r\n张三,13812345678,阳光花园\r\n", importer.EncodingUTF8, ','},
		{"gbk", gbk, importer.EncodingGB18030, ','},
		{"semicolon", "姓名;手机号;小区\n张三;13812345678;阳光花园\n", importer.EncodingUTF8, ';'},
		{"semicolon with quoted commas", "\"姓名,全\";手机号;小区\n张三;13812345678;阳光花园\n", importer.EncodingUTF8, ';'},
		{"tab", "姓名\t手机号\t小区\n张三\t13812345678\t阳光花园\n", importer.EncodingUTF8, '\t'},
		{"utf-16 from excel", utf16, importer.EncodingUTF16, '\t'},
		{"blank lines first", "\n\n姓名,手机号,小区\n张三,13812345678,阳光花园\n", importer.EncodingUTF8, ','},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := csvOf(t, tt.file)
			if r.Encoding() != tt.enc || r.Comma() != tt.comma {
				t.Errorf("encoding %s comma %q, want %s %q", r.Encoding(), r.Comma(), tt.enc, tt.comma)
			}
			if h := r.Header(); len(h) != 3 || h[1] != "手机号" || h[2] != "小区" {
				t.Errorf("header %q", h)
			}
			rows := readAll(t, r)
			if len(rows) != 1 || rows[0][0] != "张三" || rows[0][2] != "阳光花园" {
				t.Errorf("rows %q", rows)
			}
		})
	}
}

func TestCSVFatalErrors(t *testing.T) {
	tests := []struct {
		name, file, code string
	}{
		{"empty", "", "import.empty_file"},
		{"only blank lines", "\n\n \n", "import.empty_file"},
		{"not text", "\x81\x00\xff\xfe\xfd\x80\x80", "import.bad_encoding"},
	}
	for _, tt := range tests {
		_, err := importer.NewCSVReader(strings.NewReader(tt.file))
		if linli.ErrorCode(err) != tt.code {
			t.Errorf("%s: error %v, want %s", tt.name, err, tt.code)
		}
	}
	// A UTF-8 file that turns into something else past the sniffed part.
	big := "name,phone\n" + strings.Repeat("张三,13812345678\n", 5000) + "\xff\xfe,13812345679\n"
	r := csvOf(t, big)
	var err error
	for err == nil {
		_, _, err = r.Next()
	}
	if linli.ErrorCode(err) != "import.bad_encoding" {
		t.Errorf("mixed encoding: %v", err)
	}
}

func TestImportRowErrors(t *testing.T) {
	svc, db := sqliteService(t)
	file := "姓名,手机号,性别,生日,标签\n" +
		"张三,138 1234 5678,女,1990-01-02,生鲜|夜猫子\n" + // line 2 ok
		"李四,12345,男,,\n" + // line 3 bad phone
		"王五,13900001111,x,1990-02-30,\n" + // line 4 bad gender and birthday
		"赵六,13812345678,,,\n" + // line 5 duplicate of line 2
		"孙七,13700001111\n" + // line 6 malformed
		",,,,\n" + // blank: skipped
		"\"周八,13700002222,,,\n" + // line 8 unterminated quote swallows the rest
		"吴九,13700003333,,,\n"
	var report bytes.Buffer
	rep, err := importer.Members(ctx, svc, actor, csvOf(t, file), importer.Options{ErrorReport: &report})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 1 || rep.Total != 6 || rep.Errors != 5 || rep.Valid != 1 {
		t.Errorf("report %+v", rep)
	}
	type key struct {
		line  int
		field string
	}
	got := map[key]string{}
	for _, e := range rep.Rows {
		got[key{e.Line, e.Field}] = e.Code
	}
	want := map[key]string{
		{3, "phone"}:    "member.phone_invalid",
		{4, "gender"}:   "member.gender_invalid",
		{4, "birthday"}: "member.date_invalid",
		{5, "phone"}:    "import.duplicate_phone",
		{6, ""}:         "import.malformed_row",
		{8, ""}:         "import.malformed_row",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("row errors\n got %v\nwant %v", got, want)
	}
	for _, e := range rep.Rows {
		if e.Line == 5 && !strings.Contains(e.Message, "line 2") {
			t.Errorf("duplicate should name the first line: %q", e.Message)
		}
		if e.Field == "phone" && e.Column != "手机号" {
			t.Errorf("column %q", e.Column)
		}
	}
	if n := countMembers(t, db); n != 1 {
		t.Errorf("%d members, want 1", n)
	}
	m, err := svc.FindByPhone(ctx, actor, "13812345678", member.View{Unmask: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "张三" || m.Gender != "F" || m.Birthday != "1990-01-02" || fmt.Sprint(m.Tags) != "[夜猫子 生鲜]" || m.Channel != "import" {
		t.Errorf("member %+v", m)
	}
	lines := strings.Split(strings.TrimPrefix(report.String(), "\uFEFF"), "\n")
	if lines[0] != "line,field,column,code,message" || !strings.HasPrefix(lines[1], "3,phone,手机号,member.phone_invalid,") {
		t.Errorf("error report:\n%s", report.String())
	}
}

// TestImportRegistrationTimes reads registration dates from a list kept
// by an earlier system, in the console's zone.
func TestImportRegistrationTimes(t *testing.T) {
	svc, _ := sqliteService(t)
	file := "姓名,手机号,注册日期\n" +
		"张三,13812345678,2019/6/1\n" + // line 2: a date
		"李四,13912345678,2020-07-08 19:30:00\n" + // line 3: date and time
		"王五,13712345678,明天\n" + // line 4: not a date
		"赵六,13612345678,2025-06-02\n" + // line 5: after the clock's today
		"孙七,13512345678,\n" // line 6: none, so now
	rep, err := importer.Members(ctx, svc, actor, csvOf(t, file), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 3 || rep.Errors != 2 || rep.Mapped[importer.FieldCreatedAt] != "注册日期" {
		t.Fatalf("report %+v", rep)
	}
	for _, e := range rep.Rows {
		if e.Field != importer.FieldCreatedAt || e.Code != "member.created_at_invalid" || e.Line != 4 && e.Line != 5 {
			t.Errorf("row error %+v", e)
		}
	}
	cst := time.FixedZone("CST", 8*3600)
	for phone, want := range map[string]time.Time{
		"13812345678": time.Date(2019, 6, 1, 0, 0, 0, 0, cst),
		"13912345678": time.Date(2020, 7, 8, 19, 30, 0, 0, cst),
		"13512345678": clock(),
	} {
		m, err := svc.FindByPhone(ctx, actor, phone, member.View{})
		if err != nil || !m.CreatedAt.Equal(want) {
			t.Errorf("%s registered %v (%v), want %s", phone, m.CreatedAt, err, want)
		}
	}
}

func TestBadMappingWritesNothing(t *testing.T) {
	svc, db := sqliteService(t)
	file := "姓名,手机号\n张三,13812345678\n"
	for _, m := range []importer.Map{{"phone": "电话号码"}, {"nmae": "姓名"}} {
		rep, err := importer.Members(ctx, svc, actor, csvOf(t, file), importer.Options{Map: m})
		if err == nil || rep != nil {
			t.Errorf("map %v: %v %v", m, rep, err)
		}
	}
	if _, err := importer.Members(ctx, svc, actor, csvOf(t, "名字,地址\n张三,x\n"), importer.Options{}); linli.ErrorCode(err) != "import.missing_column" {
		t.Errorf("no phone column: %v", err)
	}
	if n := countMembers(t, db); n != 0 {
		t.Errorf("%d members written", n)
	}
}

// fatalAfter reads rows from r and then fails like a broken disk.
type fatalAfter struct {
	importer.RowReader
	n int
}

func (f *fatalAfter) Next() (int, []string, error) {
	if f.n == 0 {
		return 0, nil, errors.New("read: input/output error")
	}
	f.n--
	return f.RowReader.Next()
}

func TestReadFailureWritesNothing(t *testing.T) {
	svc, db := sqliteService(t)
	r := &fatalAfter{RowReader: csvOf(t, genCSV(50, 0)), n: 40}
	if _, err := importer.Members(ctx, svc, actor, r, importer.Options{BatchSize: 10}); err == nil {
		t.Fatal("no error")
	}
	if n := countMembers(t, db); n != 0 {
		t.Errorf("%d members written before the whole file was read", n)
	}
}

// genCSV makes n rows with distinct phones, starting at offset.
func genCSV(n, offset int) string {
	var b strings.Builder
	b.WriteString("name,phone,gender,birthday,area,tags\n")
	surnames := []rune("王李张刘陈杨黄赵吴周")
	for i := offset; i < offset+n; i++ {
		g := "F"
		if i%2 == 1 {
			g = "M"
		}
		fmt.Fprintf(&b, "%c%d,139%08d,%s,19%02d-%02d-%02d,小区%d,t%d\n",
			surnames[i%len(surnames)], i, i, g, 50+i%50, 1+i%12, 1+i%28, i%20, i%5)
	}
	return b.String()
}

func testConvergence(t *testing.T, db *store.DB) {
	svc := newService(t, db)
	file := genCSV(2500, 0)
	// An import killed after its first batch: the batch is whole.
	cctx, cancel := context.WithCancel(ctx)
	rep, err := importer.Members(cctx, svc, actor, csvOf(t, file), importer.Options{BatchSize: 1000, Progress: func(done, total int) {
		if total > 0 && done >= 1000 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) || rep.Inserted != 1000 {
		t.Fatalf("interrupted import: %+v %v", rep, err)
	}
	if n := countMembers(t, db); n != 1000 {
		t.Fatalf("%d members after one batch", n)
	}
	rep, err = importer.Members(ctx, svc, actor, csvOf(t, file), importer.Options{BatchSize: 1000})
	if err != nil || rep.Inserted != 1500 || rep.Unchanged != 1000 {
		t.Fatalf("resumed import: %+v %v", rep, err)
	}
	rep, err = importer.Members(ctx, svc, actor, csvOf(t, file), importer.Options{BatchSize: 1000})
	if err != nil || rep.Inserted != 0 || rep.Updated != 0 || rep.Unchanged != 2500 || rep.Errors != 0 {
		t.Fatalf("second import: %+v %v", rep, err)
	}
	if n := countMembers(t, db); n != 2500 {
		t.Errorf("%d members, want 2500", n)
	}
}

func TestImportTwiceConverges(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testConvergence(t, storetest.Open(t)) })
	t.Run("postgres", func(t *testing.T) { testConvergence(t, storetest.OpenPostgres(t)) })
}

func TestImportUpdateKeepsFields(t *testing.T) {
	svc, _ := sqliteService(t)
	if _, err := importer.Members(ctx, svc, actor, csvOf(t, "name,phone,area,tags\n张三,13812345678,阳光花园,a\n"), importer.Options{}); err != nil {
		t.Fatal(err)
	}
	rep, err := importer.Members(ctx, svc, actor, csvOf(t, "name,phone,occupation,tags\n张三丰,13812345678,教师,b\n"), importer.Options{})
	if err != nil || rep.Updated != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	m, _ := svc.FindByPhone(ctx, actor, "13812345678", member.View{Unmask: true})
	if m.Name != "张三丰" || m.Area != "阳光花园" || m.Occupation != "教师" || fmt.Sprint(m.Tags) != "[a b]" {
		t.Errorf("member %+v", m)
	}
}

func TestReferrerAndCard(t *testing.T) {
	svc, db := sqliteService(t)
	old, err := svc.Create(ctx, actor, member.Input{Name: "老会员", Phone: "13900000000", CardNo: "C-1"})
	if err != nil {
		t.Fatal(err)
	}
	file := "姓名,手机号,推荐人,卡号\n" +
		"甲,13800000001,13900000000,\n" + // 2: referrer already registered
		"乙,13800000002,13800000001,\n" + // 3: referrer on line 2, same batch
		"丙,13800000003,C-1,\n" + // 4: referrer by card number
		"丁,13800000004,13800000009,\n" + // 5: unknown referrer
		fmt.Sprintf("戊,13800000005,%d,\n", old.ID) + // 6: internal ids are not accepted
		"己,13800000006,13800000006,\n" + // 7: self
		"庚,13800000007,,C-1\n" + // 8: card of another member
		"辛,13900000000,,C-1\n" + // 9: card of the same member
		"壬,13800000008,,K-9\n" + // 10
		"癸,13800000010,,K-9\n" + // 11: duplicate card in file
		"子,13800000011,K-9,\n" // 12: referrer by the card of line 10
	rep, err := importer.Members(ctx, svc, actor, csvOf(t, file), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[int]string{}
	for _, e := range rep.Rows {
		codes[e.Line] = e.Code
	}
	want := map[int]string{5: "import.referrer_not_found", 6: "import.referrer_not_found", 7: "member.referrer_invalid",
		8: "member.card_taken", 11: "import.duplicate_card"}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("errors %v, want %v", codes, want)
	}
	ref := func(phone string) int64 {
		m, err := svc.FindByPhone(ctx, actor, phone, member.View{})
		if err != nil {
			t.Fatal(err)
		}
		return m.ReferrerID
	}
	jia, _ := svc.FindByPhone(ctx, actor, "13800000001", member.View{})
	ren, _ := svc.FindByPhone(ctx, actor, "13800000008", member.View{})
	if ref("13800000001") != old.ID || ref("13800000002") != jia.ID || ref("13800000003") != old.ID || ref("13800000011") != ren.ID {
		t.Errorf("referrers wrong")
	}
	if rep.Inserted != 5 || rep.Updated+rep.Unchanged != 1 || rep.Valid != 6 || rep.Errors != 5 || countMembers(t, db) != 6 {
		t.Errorf("report %+v, %d members", rep, countMembers(t, db))
	}
}

func TestXLSXRoundTrip(t *testing.T) {
	svc, _ := sqliteService(t)
	// members.xlsx (made by excelize, see ../xlsx/testdata/README.md):
	//	姓名 手机        性别 生日                 小区     来源 标签
	//	张三 13812345678 女   1990-01-02 (a date)  阳光花园 门店 生鲜;夜猫子
	//	李四 "13912345678" 男 "1985/3/4"                   活动
	//	(empty row)
	//	王五 bad
	// The first phone is a number cell, the second text.
	path := filepath.Join("testdata", "members.xlsx")
	r, err := importer.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := importer.Members(ctx, svc, actor, r, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 2 || rep.Errors != 1 || rep.Rows[0].Line != 5 || rep.Rows[0].Field != "phone" {
		t.Fatalf("report %+v", rep)
	}
	m, err := svc.FindByPhone(ctx, actor, "13812345678", member.View{Unmask: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "张三" || m.Birthday != "1990-01-02" || m.Gender != "F" || m.Channel != "counter" || fmt.Sprint(m.Tags) != "[夜猫子 生鲜]" {
		t.Errorf("member %+v", m)
	}
	m, _ = svc.FindByPhone(ctx, actor, "13912345678", member.View{Unmask: true})
	if m.Birthday != "1985-03-04" || m.Channel != "event" {
		t.Errorf("member %+v", m)
	}

	// Export both ways, then import the export into a fresh store: same members.
	for _, lang := range []string{"en", "zh"} {
		var buf bytes.Buffer
		n, err := importer.ExportMembers(ctx, svc, actor, &buf, "xlsx", true, importer.ExportOptions{Lang: lang})
		if err != nil || n != 2 {
			t.Fatalf("export: %d %v", n, err)
		}
		x, err := importer.NewReader(bytes.NewReader(buf.Bytes()), "export.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		svc2, db2 := sqliteService(t)
		rep, err := importer.Members(ctx, svc2, actor, x, importer.Options{})
		x.Close()
		if err != nil || rep.Inserted != 2 || rep.Errors != 0 || countMembers(t, db2) != 2 {
			t.Fatalf("%s: re-import %+v %v", lang, rep, err)
		}
		m2, _ := svc2.FindByPhone(ctx, actor, "13812345678", member.View{Unmask: true})
		m1, _ := svc.FindByPhone(ctx, actor, "13812345678", member.View{Unmask: true})
		if m2.Name != m1.Name || m2.Birthday != m1.Birthday || m2.Gender != m1.Gender || m2.CardNo != m1.CardNo ||
			m2.Channel != m1.Channel || fmt.Sprint(m2.Tags) != fmt.Sprint(m1.Tags) || m2.Area != m1.Area ||
			!m2.CreatedAt.Equal(m1.CreatedAt.Truncate(time.Second)) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", lang, m2, m1)
		}
	}
}

func TestExportMasking(t *testing.T) {
	svc, _ := sqliteService(t)
	if _, err := svc.Create(ctx, actor, member.Input{Name: "张三", Phone: "13812341234", Birthday: "1990-05-06", Address: "3栋2单元"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Create(ctx, actor, member.Input{Name: "=HYPERLINK(\"x\")", Phone: "13912341234"}); err != nil {
		t.Fatal(err)
	}
	var masked, clear, zh bytes.Buffer
	if n, err := importer.ExportMembers(ctx, svc, actor, &masked, "csv", false); err != nil || n != 2 {
		t.Fatal(n, err)
	}
	s := masked.String()
	if !strings.HasPrefix(s, "\uFEFFid,card,name,phone,") || !strings.Contains(s, "138****1234") ||
		strings.Contains(s, "13812341234") || !strings.Contains(s, "1990-**-**") || strings.Contains(s, "张三") {
		t.Errorf("masked export:\n%s", s)
	}
	if _, err := importer.ExportMembers(ctx, svc, actor, &clear, "csv", true); err != nil {
		t.Fatal(err)
	}
	if s := clear.String(); !strings.Contains(s, "13812341234") || !strings.Contains(s, "张三") ||
		!strings.Contains(s, "3栋2单元") || !strings.Contains(s, `'=HYPERLINK`) {
		t.Errorf("clear export:\n%s", s)
	}
	if _, err := importer.ExportMembers(ctx, svc, actor, &zh, "csv", false, importer.ExportOptions{Lang: "zh"}); err != nil {
		t.Fatal(err)
	}
	if s := zh.String(); !strings.HasPrefix(s, "\uFEFF会员ID,会员卡号,姓名,手机号,") || !strings.Contains(s, "门店") {
		t.Errorf("zh export:\n%s", s)
	}
	// A masked export does not import back: the phones are not numbers.
	svc2, db2 := sqliteService(t)
	rep, err := importer.Members(ctx, svc2, actor, csvOf(t, masked.String()), importer.Options{})
	if err != nil || rep.Errors != 2 || countMembers(t, db2) != 0 {
		t.Errorf("masked re-import: %+v %v", rep, err)
	}
	// The clear one does, the formula guard included.
	rep, err = importer.Members(ctx, svc2, actor, csvOf(t, clear.String()), importer.Options{})
	if err != nil || rep.Inserted != 2 {
		t.Fatalf("clear re-import: %+v %v", rep, err)
	}
	if m, _ := svc2.FindByPhone(ctx, actor, "13912341234", member.View{Unmask: true}); m.Name != "=HYPERLINK(\"x\")" {
		t.Errorf("name %q", m.Name)
	}
	if _, err := importer.ExportMembers(ctx, svc, actor, io.Discard, "pdf", false); linli.ErrorCode(err) != "import.bad_format" {
		t.Errorf("pdf: %v", err)
	}
}

func TestExportPages(t *testing.T) {
	svc, _ := sqliteService(t)
	if _, err := importer.Members(ctx, svc, actor, csvOf(t, genCSV(450, 0)), importer.Options{}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := importer.ExportMembers(ctx, svc, actor, &buf, "csv", false)
	if err != nil || n != 450 || strings.Count(buf.String(), "\n") != 451 {
		t.Errorf("exported %d, %v, %d lines", n, err, strings.Count(buf.String(), "\n"))
	}
}

func TestDryRun(t *testing.T) {
	svc, db := sqliteService(t)
	rep, err := importer.Members(ctx, svc, actor, csvOf(t, genCSV(10, 0)), importer.Options{DryRun: true})
	if err != nil || rep.Valid != 10 || rep.Inserted != 0 || countMembers(t, db) != 0 {
		t.Errorf("%+v %v", rep, err)
	}
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := importer.NewProgressBar(&b, "导入")
	p(100, -1)
	p(0, 10) // throttled
	p(10, 10)
	p(10, 10) // after the end: nothing
	out := b.String()
	if !strings.HasPrefix(out, "\r导入 100") || !strings.HasSuffix(out, "100% 10/10\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("%q", out)
	}
	b.Reset()
	importer.NewProgressBar(&b, "x")(0, 0)
	if !strings.HasSuffix(b.String(), "100% 0/0\n") {
		t.Errorf("%q", b.String())
	}
}

func FuzzCSVImport(f *testing.F) {
	f.Add([]byte("姓名,手机号\n张三,13812345678\n"))
	f.Add([]byte("name;phone;birthday;tags;referrer;card\n\"a\";13800000001;1990-1-1;x|y;13800000001;K1\n"))
	f.Add([]byte("\xef\xbb\xbfname\tphone\n\"unterminated\t1\n"))
	f.Add([]byte("\xff\xfen\x00a\x00m\x00e\x00"))
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("姓名,电话\n李四,139 1234 5678\n")
	f.Add([]byte(gbk))
	db, err := store.Open(ctx, f.TempDir(), "", store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx, linli.SystemClock); err != nil {
		f.Fatal(err)
	}
	svc := newService(f, db)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := importer.NewReader(bytes.NewReader(data), "fuzz.csv")
		if err != nil {
			if _, ok := linli.AsError(err); !ok {
				t.Fatalf("unclean error: %v", err)
			}
			return
		}
		defer r.Close()
		rep, err := importer.Members(ctx, svc, actor, r, importer.Options{BatchSize: 3})
		if err != nil {
			if _, ok := linli.AsError(err); !ok {
				t.Fatalf("unclean error: %v", err)
			}
			return
		}
		if rep.Valid+rep.Errors != rep.Total || rep.Inserted+rep.Updated+rep.Unchanged != rep.Valid {
			t.Fatalf("report does not add up: %+v", rep)
		}
	})
}

func BenchmarkImport100k(b *testing.B) {
	const n = 100_000
	path := filepath.Join(b.TempDir(), "members.csv")
	if err := os.WriteFile(path, []byte(genCSV(n, 0)), 0o600); err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	runs := 0
	for b.Loop() {
		runs++
		b.StopTimer()
		svc, _ := sqliteService(b)
		r, err := importer.OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		rep, err := importer.Members(ctx, svc, actor, r, importer.Options{})
		total += time.Since(start)
		r.Close()
		if err != nil || rep.Inserted != n {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.ReportMetric(float64(n*runs)/total.Seconds(), "rows/s")
}

// An export lists the newest members first, so referrers often come after
// the rows that name them; chains and unknown referrers too.
func TestReferrerLaterInFile(t *testing.T) {
	svc, db := sqliteService(t)
	file := "name,phone,referrer,card\n" +
		"甲,13800000001,13800000002,\n" + // 2: referrer on line 3
		"乙,13800000002,K-4,\n" + // 3: referrer by card, line 4
		"丙,13800000003,,K-4\n" + // 4
		"丁,13800000005,13800000099,\n" + // 5: nobody
		"戊,13800000006,13800000007,\n" + // 6: referrer row 7 is bad
		"己,13800000007,12345,\n" // 7: bad referrer
	rep, err := importer.Members(ctx, svc, actor, csvOf(t, file), importer.Options{BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	codes := map[int]string{}
	for _, e := range rep.Rows {
		codes[e.Line] = e.Code
	}
	want := map[int]string{5: "import.referrer_not_found", 6: "import.referrer_not_found", 7: "import.referrer_not_found"}
	if fmt.Sprint(codes) != fmt.Sprint(want) || rep.Inserted != 3 || rep.Valid != 3 {
		t.Fatalf("report %+v", rep)
	}
	get := func(phone string) *member.Member {
		m, err := svc.FindByPhone(ctx, actor, phone, member.View{})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if get("13800000001").ReferrerID != get("13800000002").ID || get("13800000002").ReferrerID != get("13800000003").ID {
		t.Error("referrers later in the file not linked")
	}
	if countMembers(t, db) != 3 {
		t.Errorf("%d members", countMembers(t, db))
	}
}

func TestConsentColumns(t *testing.T) {
	svc, db := sqliteService(t)
	file := "姓名,手机号,短信许可,微信许可,邮件许可\n" +
		"甲,13800000001,是,否,\n" +
		"乙,13800000002,yes,,maybe\n"
	rep, err := importer.Members(ctx, svc, actor, csvOf(t, file), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Inserted != 1 || len(rep.Rows) != 1 || rep.Rows[0].Code != "import.consent_invalid" || rep.Rows[0].Field != "consent_email" {
		t.Fatalf("report %+v", rep)
	}
	m, _ := svc.FindByPhone(ctx, actor, "13800000001", member.View{})
	got := map[string]bool{}
	for _, c := range m.Consents {
		got[c.Channel] = c.Granted
		if c.Source != "import" {
			t.Errorf("consent source %q", c.Source)
		}
	}
	if fmt.Sprint(got) != "map[sms:true wechat:false]" {
		t.Errorf("consents %v", got)
	}
	var out bytes.Buffer
	if _, err := importer.ExportMembers(ctx, svc, actor, &out, "csv", false, importer.ExportOptions{Lang: "zh"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "短信许可,微信许可,邮件许可,App许可") || !strings.Contains(out.String(), ",是,否,,,") {
		t.Errorf("export:\n%s", out.String())
	}
	// Withdrawing by import: the stored consent changes, an empty cell keeps it.
	if _, err := importer.Members(ctx, svc, actor, csvOf(t, "name,phone,consent_sms,consent_wechat\n甲,13800000001,no,\n"), importer.Options{}); err != nil {
		t.Fatal(err)
	}
	m, _ = svc.FindByPhone(ctx, actor, "13800000001", member.View{})
	got = map[string]bool{}
	for _, c := range m.Consents {
		got[c.Channel] = c.Granted
	}
	if fmt.Sprint(got) != "map[sms:false wechat:false]" || countMembers(t, db) != 1 {
		t.Errorf("after withdrawal %v", got)
	}
}
