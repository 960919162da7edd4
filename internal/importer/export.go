package importer

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/xlsx"
)

// ExportOptions narrow and localise an export.
type ExportOptions struct {
	// Lang "zh" writes Chinese column titles and values (性别 女/男, 来源
	// 门店…); the importer reads both forms back.
	Lang    string
	StoreID int64  // 0: every store
	Status  string // "" = active, or inactive, merged, erased, "all"
	// Location is the time zone of the time columns; default
	// linli.DefaultZone, the zone an import reads them back in.
	Location *time.Location
}

// exportColumns are the export's columns: the import field names where
// there is one, so an unmasked export imports back unchanged.
var exportColumns = []struct{ en, zh string }{
	{"id", "会员ID"}, {FieldCard, "会员卡号"}, {FieldName, "姓名"}, {FieldPhone, "手机号"},
	{FieldGender, "性别"}, {FieldBirthday, "生日"}, {FieldArea, "小区"}, {FieldAddress, "地址"},
	{FieldOccupation, "职业"}, {FieldPreferences, "偏好"}, {FieldChannel, "来源"}, {FieldReferrer, "推荐人"},
	{FieldTags, "标签"}, {FieldConsentSMS, "短信许可"}, {FieldConsentWeChat, "微信许可"},
	{FieldConsentEmail, "邮件许可"}, {FieldConsentApp, "App许可"},
	{"store_id", "门店ID"}, {"status", "状态"}, {"created_at", "注册时间"}, {"last_active_at", "最近活跃"},
}

var statusNames = map[string]string{
	member.StatusActive: "正常", member.StatusInactive: "停用", member.StatusMerged: "已合并", member.StatusErased: "已删除",
}

// ExportMembers writes members as CSV (UTF-8 with a BOM, so Excel shows
// Chinese correctly) or XLSX, newest first, and returns how many it wrote.
// Personal fields are masked unless unmask is set; the caller decides that
// from the actor's permission, and every unmasked member is audited.
func ExportMembers(ctx context.Context, svc *member.Service, actor linli.Actor, w io.Writer, format string, unmask bool, opts ...ExportOptions) (int, error) {
	var opt ExportOptions
	if len(opts) > 0 {
		opt = opts[0]
	}
	if opt.Location == nil {
		loc, err := defaultZone()
		if err != nil {
			return 0, err
		}
		opt.Location = loc
	}
	zh := isZh(opt.Lang)
	head := make([]string, len(exportColumns))
	for i, c := range exportColumns {
		head[i] = c.en
		if zh {
			head[i] = c.zh
		}
	}
	var sink rowSink
	switch strings.ToLower(format) {
	case "csv", "":
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return 0, fmt.Errorf("importer: export: %w", err)
		}
		sink = &csvSink{w: csv.NewWriter(w)}
	case "xlsx":
		x, err := newXLSXSink(w)
		if err != nil {
			return 0, err
		}
		sink = x
	default:
		return 0, linli.Invalid("import.bad_format", "format", "export format %q is not csv or xlsx", format)
	}
	if err := sink.header(head); err != nil {
		return 0, err
	}
	n := 0
	f := member.Filter{StoreID: opt.StoreID, Status: opt.Status, Limit: 200}
	// The referrer is written as their card number: member ids mean
	// nothing to another installation, and the importer takes card numbers.
	cards := map[int64]string{}
	referrer := func(id int64) (string, error) {
		if id == 0 {
			return "", nil
		}
		if c, ok := cards[id]; ok {
			return c, nil
		}
		r, err := svc.Store.GetMember(ctx, id)
		if err != nil || r == nil {
			return "", err
		}
		cards[id] = r.CardNo
		return r.CardNo, nil
	}
	for {
		ms, next, err := svc.List(ctx, actor, f, member.View{Unmask: unmask})
		if err != nil {
			return n, err
		}
		for _, m := range ms {
			ref, err := referrer(m.ReferrerID)
			if err != nil {
				return n, err
			}
			if err := sink.row(exportRow(m, ref, zh, opt.Location)); err != nil {
				return n, err
			}
			n++
		}
		if next == 0 {
			break
		}
		f.After = next
	}
	return n, sink.close()
}

func exportRow(m *member.Member, referrerCard string, zh bool, loc *time.Location) []any {
	gender, ch, status := m.Gender, m.Channel, m.Status
	if zh {
		gender = map[string]string{member.GenderFemale: "女", member.GenderMale: "男"}[m.Gender]
		if c, ok := channelNames[ch]; ok {
			ch = c
		}
		if s, ok := statusNames[status]; ok {
			status = s
		}
	}
	id := func(v int64) any {
		if v == 0 {
			return ""
		}
		return v
	}
	when := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.DateTime)
	}
	row := []any{m.ID, m.CardNo, m.Name, m.Phone, gender, m.Birthday, m.Area, m.Address, m.Occupation,
		m.Preferences, ch, referrerCard, strings.Join(m.Tags, "|")}
	yes, no := "yes", "no"
	if zh {
		yes, no = "是", "否"
	}
	for _, cf := range consentFields {
		v := ""
		for _, c := range m.Consents {
			if c.Channel == cf.channel {
				v = no
				if c.Granted {
					v = yes
				}
			}
		}
		row = append(row, v)
	}
	return append(row, id(m.StoreID), status, when(m.CreatedAt), when(m.LastActiveAt))
}

type rowSink interface {
	header([]string) error
	row([]any) error
	close() error
}

type csvSink struct {
	w   *csv.Writer
	rec []string
}

func (s *csvSink) header(h []string) error { return s.w.Write(h) }

func (s *csvSink) row(vals []any) error {
	s.rec = s.rec[:0]
	for _, v := range vals {
		switch v := v.(type) {
		case string:
			s.rec = append(s.rec, escapeCell(v))
		case int64:
			s.rec = append(s.rec, strconv.FormatInt(v, 10))
		default:
			s.rec = append(s.rec, fmt.Sprint(v))
		}
	}
	if err := s.w.Write(s.rec); err != nil {
		return fmt.Errorf("importer: export: %w", err)
	}
	return nil
}

func (s *csvSink) close() error {
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		return fmt.Errorf("importer: export: %w", err)
	}
	return nil
}

// escapeCell keeps a spreadsheet from running a cell as a formula: a name
// such as "=HYPERLINK(…)" typed on the member page must stay text.
func escapeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

type xlsxSink struct {
	w   *xlsx.Writer
	rec []string
}

func newXLSXSink(w io.Writer) (*xlsxSink, error) {
	x := xlsx.NewWriter(w)
	// Widths of the code, name and phone, address and date columns.
	for _, c := range []struct {
		first, last int
		width       float64
	}{{1, 2, 14}, {3, 4, 14}, {6, 8, 16}, {16, 17, 20}} {
		if err := x.SetColWidth(c.first, c.last, c.width); err != nil {
			return nil, fmt.Errorf("importer: export: %w", err)
		}
	}
	return &xlsxSink{w: x}, nil
}

func (s *xlsxSink) header(h []string) error {
	if err := s.w.WriteHeader(h); err != nil {
		return fmt.Errorf("importer: export: %w", err)
	}
	return nil
}

// row writes every cell as text: a workbook cell is never run as a
// formula, so unlike CSV nothing needs escaping.
func (s *xlsxSink) row(vals []any) error {
	s.rec = s.rec[:0]
	for _, v := range vals {
		switch v := v.(type) {
		case string:
			s.rec = append(s.rec, v)
		case int64:
			s.rec = append(s.rec, strconv.FormatInt(v, 10))
		default:
			s.rec = append(s.rec, fmt.Sprint(v))
		}
	}
	if err := s.w.WriteRow(s.rec); err != nil {
		return fmt.Errorf("importer: export: %w", err)
	}
	return nil
}

func (s *xlsxSink) close() error {
	if err := s.w.Close(); err != nil {
		return fmt.Errorf("importer: export: %w", err)
	}
	return nil
}

// defaultZone is the zone of times written without one, in both directions.
func defaultZone() (*time.Location, error) {
	loc, err := time.LoadLocation(linli.DefaultZone)
	if err != nil {
		return nil, fmt.Errorf("importer: time zone %s: %w", linli.DefaultZone, err)
	}
	return loc, nil
}
