package importer

import (
	"slices"
	"strings"

	"github.com/linli/linli"
)

// Member fields a column can map to.
const (
	FieldName        = "name"
	FieldPhone       = "phone"
	FieldGender      = "gender"
	FieldBirthday    = "birthday"
	FieldArea        = "area"
	FieldAddress     = "address"
	FieldOccupation  = "occupation"
	FieldPreferences = "preferences"
	FieldCard        = "card"
	FieldChannel     = "channel"
	FieldReferrer    = "referrer"
	FieldTags        = "tags"
	// FieldCreatedAt is when the member registered, for lists from an
	// earlier system; empty means now. The export's 注册时间 column.
	FieldCreatedAt = "created_at"
	// Marketing consent per channel: yes/no (是/否); empty leaves it as it is.
	FieldConsentSMS    = "consent_sms"
	FieldConsentWeChat = "consent_wechat"
	FieldConsentEmail  = "consent_email"
	FieldConsentApp    = "consent_app"
)

// Fields lists the mappable member fields.
var Fields = []string{FieldName, FieldPhone, FieldGender, FieldBirthday, FieldArea, FieldAddress,
	FieldOccupation, FieldPreferences, FieldCard, FieldChannel, FieldReferrer, FieldTags, FieldCreatedAt,
	FieldConsentSMS, FieldConsentWeChat, FieldConsentEmail, FieldConsentApp}

// consentFields maps each consent field to its member consent channel.
var consentFields = []struct{ field, channel string }{
	{FieldConsentSMS, "sms"}, {FieldConsentWeChat, "wechat"}, {FieldConsentEmail, "email"}, {FieldConsentApp, "app"},
}

// fieldAliases are other spellings accepted on the left of a mapping: the
// member API's JSON names among them.
var fieldAliases = map[string]string{
	"card_no": FieldCard, "referrer_id": FieldReferrer, "mobile": FieldPhone, "tag": FieldTags,
	"joined": FieldCreatedAt, "registered": FieldCreatedAt,
}

// headerNames are the column titles recognised without a mapping, best
// first: when two columns match a field, the better title wins (手机 over
// 电话, which may be a landline).
var headerNames = map[string][]string{
	FieldName:        {"name", "姓名", "会员姓名", "客户姓名", "顾客姓名", "名字"},
	FieldPhone:       {"phone", "mobile", "手机号", "手机", "手机号码", "会员手机号", "移动电话", "电话", "联系电话", "电话号码"},
	FieldGender:      {"gender", "sex", "性别"},
	FieldBirthday:    {"birthday", "生日", "出生日期", "出生年月日"},
	FieldArea:        {"area", "小区", "所在小区", "社区", "区域"},
	FieldAddress:     {"address", "地址", "住址", "详细地址", "家庭住址"},
	FieldOccupation:  {"occupation", "职业"},
	FieldPreferences: {"preferences", "偏好", "喜好", "爱好"},
	FieldCard:        {"card", "card_no", "会员卡号", "卡号", "会员卡"},
	FieldChannel:     {"channel", "来源", "渠道", "注册渠道"},
	FieldReferrer:    {"referrer", "referrer_id", "推荐人", "推荐人手机号", "推荐人手机"},
	FieldTags:        {"tags", "tag", "标签"},
	FieldCreatedAt: {"created_at", "注册时间", "注册日期", "入会时间", "入会日期", "登记时间", "登记日期", "开卡时间", "开卡日期",
		"办卡日期", "joined", "registered"},
	// Plain 微信 or 邮箱 columns usually hold the account itself, so only
	// titles that say "consent" are recognised.
	FieldConsentSMS:    {"consent_sms", "短信许可", "接收短信", "同意短信"},
	FieldConsentWeChat: {"consent_wechat", "微信许可", "接收微信", "同意微信"},
	FieldConsentEmail:  {"consent_email", "邮件许可", "接收邮件", "同意邮件"},
	FieldConsentApp:    {"consent_app", "App许可", "app许可", "推送许可", "接收推送"},
}

// Map says which column holds which field: field name → header title. An
// empty title leaves the field out even when a column would match it.
type Map map[string]string

// columns describes one kind of import's fields, so that parsing a
// mapping and binding it to a header are written once for every kind.
type columns struct {
	fields   []string            // mappable fields, in binding order
	aliases  map[string]string   // other spellings → field
	names    map[string][]string // field → titles recognised without a mapping, best first
	required []string            // fields the header must hold
	// rawKeys takes a Map's keys as they are when binding instead of
	// checking them: sales maps only ever come from ParseSalesMap.
	rawKeys bool
}

var memberColumns = &columns{fields: Fields, aliases: fieldAliases, names: headerNames,
	required: []string{FieldPhone, FieldName}}

// ParseMap reads "name=姓名,phone=手机号,…". Unknown field names are an
// error naming them.
func ParseMap(s string) (Map, error) { return memberColumns.parse(s) }

// parse reads "field=column,…" pairs into a Map of canonical field names.
func (cs *columns) parse(s string) (Map, error) {
	m := Map{}
	for _, pair := range strings.Split(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		field, col, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, linli.Errorf(linli.KindInvalid, "import.bad_map", "mapping %q is not field=column", strings.TrimSpace(pair))
		}
		f, err := cs.field(field)
		if err != nil {
			return nil, err
		}
		if _, dup := m[f]; dup {
			return nil, linli.Errorf(linli.KindInvalid, "import.bad_map", "field %s is mapped twice", f)
		}
		m[f] = strings.TrimSpace(col)
	}
	return m, nil
}

// field returns the canonical name of a field or alias.
func (cs *columns) field(s string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(s))
	if a, ok := cs.aliases[f]; ok {
		f = a
	}
	if !slices.Contains(cs.fields, f) {
		return "", linli.Errorf(linli.KindInvalid, "import.unknown_field", "unknown field %q in the mapping; fields are %s",
			strings.TrimSpace(s), strings.Join(cs.fields, ", "))
	}
	return f, nil
}

// normHeader makes titles comparable: lower case, no spaces, no "*"
// required-marks, no "(YYYY-MM-DD)"-style hints.
func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	for _, open := range []string{"(", "（"} {
		if i := strings.Index(h, open); i > 0 {
			h = h[:i]
		}
	}
	h = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u3000' || r == '*' || r == '＊' || r == ':' || r == '：' {
			return -1
		}
		return r
	}, h)
	return h
}

// binding is a mapping resolved against a header: the column index of each
// field (-1 when absent).
type binding struct {
	col     map[string]int
	width   int
	mapped  map[string]string // field → header title, for the report
	ignored []string          // header titles no field uses
}

func (b *binding) has(field string) bool { return b.col[field] >= 0 }

// bind resolves m against a member file's header.
func bind(header []string, m Map) (*binding, error) { return memberColumns.bind(header, m) }

// bind resolves m against header. Fields m names are looked up by exact
// title, then by normalised title; a title that is not there is an error
// naming it. Fields m leaves out are recognised from the header's titles.
func (cs *columns) bind(header []string, m Map) (*binding, error) {
	b := &binding{col: map[string]int{}, width: len(header), mapped: map[string]string{}}
	for _, f := range cs.fields {
		b.col[f] = -1
	}
	used := make([]bool, len(header))
	for field, title := range m {
		f := field
		if !cs.rawKeys {
			var err error
			if f, err = cs.field(field); err != nil {
				return nil, err
			}
		}
		if title == "" {
			b.col[f] = -2 // left out on purpose
			continue
		}
		i := slices.Index(header, title)
		if i < 0 {
			i = slices.IndexFunc(header, func(h string) bool { return normHeader(h) == normHeader(title) })
		}
		if i < 0 {
			return nil, linli.Errorf(linli.KindInvalid, "import.missing_column",
				"column %q (mapped to %s) is not in the header; the header has: %s", title, f, strings.Join(header, ", "))
		}
		if used[i] {
			return nil, linli.Errorf(linli.KindInvalid, "import.bad_map", "column %q is mapped to two fields", header[i])
		}
		used[i] = true
		b.col[f] = i
	}
	for _, f := range cs.fields {
		if b.col[f] != -1 {
			continue
		}
		best, bestRank := -1, 0
		for i, h := range header {
			if used[i] {
				continue
			}
			r := slices.Index(cs.names[f], normHeader(h))
			if r >= 0 && (best < 0 || r < bestRank) {
				best, bestRank = i, r
			}
		}
		if best >= 0 {
			used[best] = true
			b.col[f] = best
		}
	}
	for _, f := range cs.fields {
		if b.col[f] == -2 {
			b.col[f] = -1
		}
		if b.col[f] >= 0 {
			b.mapped[f] = header[b.col[f]]
		}
	}
	for i, h := range header {
		if !used[i] && h != "" {
			b.ignored = append(b.ignored, h)
		}
	}
	for _, f := range cs.required {
		if !b.has(f) {
			return nil, linli.Errorf(linli.KindInvalid, "import.missing_column",
				"no column holds the %s; name it in the mapping (e.g. %s=<column title>); the header has: %s", f, f, strings.Join(header, ", "))
		}
	}
	return b, nil
}

// cell returns the trimmed cell of field in a row, "" when unmapped or absent.
func (b *binding) cell(cells []string, field string) string {
	i := b.col[field]
	if i < 0 || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[i])
}
