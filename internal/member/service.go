package member

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/privacy"
)

// Sealed field names; bound into each ciphertext as associated data.
const (
	fieldName     = "member.name"
	fieldPhone    = "member.phone"
	fieldBirthday = "member.birthday"
	fieldAddress  = "member.address"
)

// Limits on free-text fields, in runes.
const (
	maxName  = 40
	maxText  = 200
	maxTag   = 20
	maxTags  = 30
	maxBatch = 5000
)

// A registration time brought from an earlier system lies between
// earliestJoin and now; clockSkew allows for the other system's clock.
var earliestJoin = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

const clockSkew = 5 * time.Minute

// Service is the member domain. It validates, seals and audits; Store
// keeps the sealed records.
type Service struct {
	Store Store
	Vault *privacy.Vault
	Now   linli.Clock
}

// NewService wires a member service.
func NewService(st Store, v *privacy.Vault, now linli.Clock) *Service {
	if now == nil {
		now = linli.SystemClock
	}
	return &Service{Store: st, Vault: v, Now: now}
}

// Validate checks and normalises an input without storing anything. All bad
// fields are reported together.
func (s *Service) Validate(in Input) (Input, error) {
	var v linli.Validation
	in.Name = NormalizeName(in.Name)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		v.Add("name", "member.name_required", "a name is required")
	case n > maxName:
		v.Add("name", "member.name_too_long", "the name is longer than %d characters", maxName)
	}
	if p, err := NormalizePhone(in.Phone); err != nil {
		e, _ := linli.AsError(err)
		v.Add("phone", e.Code, "%s", e.Message)
	} else {
		in.Phone = p
	}
	switch g := strings.ToUpper(strings.TrimSpace(in.Gender)); g {
	case "", GenderFemale, GenderMale:
		in.Gender = g
	case "女", "FEMALE":
		in.Gender = GenderFemale
	case "男", "MALE":
		in.Gender = GenderMale
	default:
		v.Add("gender", "member.gender_invalid", "gender %q is not F, M, 女 or 男", in.Gender)
	}
	if b, err := ParseBirthday(in.Birthday, s.Now()); err != nil {
		e, _ := linli.AsError(err)
		v.Add("birthday", e.Code, "%s", e.Message)
	} else {
		in.Birthday = b
	}
	for _, f := range []struct {
		name string
		val  *string
	}{{"area", &in.Area}, {"address", &in.Address}, {"occupation", &in.Occupation}, {"preferences", &in.Preferences}, {"card_no", &in.CardNo}} {
		*f.val = strings.TrimSpace(*f.val)
		if utf8.RuneCountInString(*f.val) > maxText {
			v.Add(f.name, "member.field_too_long", "%s is longer than %d characters", f.name, maxText)
		}
	}
	in.Channel = strings.ToLower(strings.TrimSpace(in.Channel))
	if in.Channel != "" && !slices.Contains(AcquisitionChannels, in.Channel) {
		v.Add("channel", "member.channel_invalid", "channel %q is not one of %s", in.Channel, strings.Join(AcquisitionChannels, ", "))
	}
	if in.CardNo != "" && !validCard(in.CardNo) {
		v.Add("card_no", "member.card_invalid", "card number %q may hold only letters, digits and '-' (at most 32)", in.CardNo)
	}
	if in.ReferrerID < 0 {
		v.Add("referrer_id", "member.referrer_invalid", "referrer must be a member id")
	}
	tags, err := CleanTags(in.Tags)
	if err != nil {
		e, _ := linli.AsError(err)
		v.Add("tags", e.Code, "%s", e.Message)
	}
	in.Tags = tags
	if !in.CreatedAt.IsZero() {
		in.CreatedAt = in.CreatedAt.UTC().Truncate(time.Millisecond)
		if in.CreatedAt.Before(earliestJoin) || in.CreatedAt.After(s.Now().Add(clockSkew)) {
			v.Add("created_at", "member.created_at_invalid", "the registration time %s is not between 1990 and now",
				in.CreatedAt.Format(time.RFC3339))
		}
	}
	for ch := range in.Consent {
		if !slices.Contains(ConsentChannels, ch) {
			v.Add("consent", "member.consent_channel_invalid", "consent channel %q is not one of %s", ch, strings.Join(ConsentChannels, ", "))
		}
	}
	return in, v.Err()
}

func validCard(c string) bool {
	if len(c) > 32 {
		return false
	}
	for _, r := range c {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return true
}

// CleanTags trims, de-duplicates and checks tags.
func CleanTags(tags []string) ([]string, error) {
	var out []string
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || slices.Contains(out, t) {
			continue
		}
		if utf8.RuneCountInString(t) > maxTag || strings.ContainsAny(t, ",;\n") {
			return nil, linli.Invalid("member.tag_invalid", "tags", "tag %q is longer than %d characters or holds , or ;", t, maxTag)
		}
		out = append(out, t)
	}
	if len(out) > maxTags {
		return nil, linli.Invalid("member.too_many_tags", "tags", "a member may have at most %d tags", maxTags)
	}
	slices.Sort(out)
	return out, nil
}

// seal turns a validated input into a stored record (new or over old).
func (s *Service) seal(in Input, r *Record, now time.Time, source string) {
	r.PhoneHash = s.Vault.Hash("phone", in.Phone)
	r.PhoneEnc = s.Vault.Seal(fieldPhone, in.Phone)
	r.NameHash = s.Vault.Hash("name", in.Name)
	r.NameEnc = s.Vault.Seal(fieldName, in.Name)
	r.BirthdayEnc = s.Vault.Seal(fieldBirthday, in.Birthday)
	r.IdentityHash = nil
	r.BirthYear = 0
	if in.Birthday != "" {
		r.IdentityHash = s.Vault.Hash("identity", in.Name+"\x00"+in.Birthday)
		r.BirthYear, _ = strconv.Atoi(in.Birthday[:4])
	}
	r.AddressEnc = s.Vault.Seal(fieldAddress, in.Address)
	if !in.CreatedAt.IsZero() {
		r.CreatedAt = in.CreatedAt
	}
	r.Gender = in.Gender
	r.Area = in.Area
	r.Occupation = in.Occupation
	r.Preferences = in.Preferences
	if in.Channel != "" || r.Channel == "" {
		r.Channel = in.Channel
	}
	if in.ReferrerID != 0 {
		r.ReferrerID = in.ReferrerID
	}
	if in.StoreID != 0 {
		r.StoreID = in.StoreID
	}
	if in.CardNo != "" {
		r.CardNo = in.CardNo
	}
	if in.Tags != nil {
		r.Tags = in.Tags
	}
	for _, ch := range ConsentChannels {
		granted, ok := in.Consent[ch]
		if !ok {
			continue
		}
		i := slices.IndexFunc(r.Consents, func(c Consent) bool { return c.Channel == ch })
		if i >= 0 && r.Consents[i].Granted == granted {
			continue // unchanged: keep when and where it was given
		}
		c := Consent{Channel: ch, Granted: granted, Source: source, ChangedAt: now}
		if i >= 0 {
			r.Consents[i] = c
		} else {
			r.Consents = append(r.Consents, c)
		}
	}
	r.UpdatedAt = now
}

// NewCardNo makes a card number: "8" and 11 random digits, the form the
// printed cards of most Chinese POS vendors use.
func NewCardNo() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1e11))
	if err != nil {
		panic("member: no randomness: " + err.Error())
	}
	return fmt.Sprintf("8%011d", n.Int64())
}

// assignCards gives a fresh card number to each record without one. The
// numbers are random, so a clash with an existing card is possible (about
// one in 10⁵ at a million members) and is checked for and drawn again.
func (s *Service) assignCards(ctx context.Context, rs []*Record) error {
	var need []*Record
	for _, r := range rs {
		if r.CardNo == "" {
			need = append(need, r)
		}
	}
	for tries := 0; len(need) > 0; tries++ {
		if tries == 10 {
			return fmt.Errorf("member: could not find free card numbers")
		}
		cards := make([]string, len(need))
		seen := map[string]bool{}
		for i, r := range need {
			r.CardNo = NewCardNo()
			for seen[r.CardNo] {
				r.CardNo = NewCardNo()
			}
			seen[r.CardNo] = true
			cards[i] = r.CardNo
		}
		taken, err := s.Store.CardOwners(ctx, cards)
		if err != nil {
			return err
		}
		var again []*Record
		for _, r := range need {
			if _, ok := taken[r.CardNo]; ok {
				again = append(again, r)
			}
		}
		need = again
	}
	return nil
}

// Create registers a member. A phone that is already registered is a
// conflict naming the phone field; nothing is written.
func (s *Service) Create(ctx context.Context, actor linli.Actor, in Input) (*Member, error) {
	in, err := s.Validate(in)
	if err != nil {
		return nil, err
	}
	if in.Channel == "" {
		in.Channel = "counter"
	}
	if in.StoreID == 0 {
		in.StoreID = actor.StoreID
	}
	if err := s.CheckRefs(ctx, in); err != nil {
		return nil, err
	}
	now := s.Now()
	r := &Record{Status: StatusActive, CreatedBy: actor.StaffID, CreatedAt: now, LastActiveAt: now}
	s.seal(in, r, now, sourceOf(actor))
	if err := s.assignCards(ctx, []*Record{r}); err != nil {
		return nil, err
	}
	id, err := s.Store.CreateMember(ctx, r, Audit{Actor: actor, Action: "member.create"})
	if err != nil {
		return nil, err
	}
	r.ID = id
	return s.open(r, true)
}

// CheckRefs verifies that the referrer and the store exist, so that a bad
// id is a field error rather than a foreign-key failure. Imports call it
// while validating rows.
func (s *Service) CheckRefs(ctx context.Context, in Input) error {
	if in.ReferrerID != 0 {
		r, err := s.Store.GetMember(ctx, in.ReferrerID)
		if err != nil {
			return err
		}
		if r == nil || r.Status == StatusErased {
			return linli.Invalid("member.referrer_invalid", "referrer_id", "referrer %d is not a member", in.ReferrerID)
		}
	}
	if in.StoreID != 0 {
		ok, err := s.Store.StoreExists(ctx, in.StoreID)
		if err != nil {
			return err
		}
		if !ok {
			return linli.Invalid("member.store_invalid", "store_id", "store %d does not exist", in.StoreID)
		}
	}
	return nil
}

func sourceOf(a linli.Actor) string {
	switch {
	case a.APIKeyID != 0:
		return "pos"
	case a.StaffID != 0:
		return "counter"
	case a.Role == "member":
		return "mobile"
	}
	return a.Name
}

// Update changes a member. Fields left empty in the input are cleared,
// except card number, channel, store, referrer, tags and consent, which
// keep their value when absent: a form always posts every personal field.
func (s *Service) Update(ctx context.Context, actor linli.Actor, id int64, in Input) (*Member, error) {
	r, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.KeepSealed {
		old, err := s.open(r, true) // not shown to anyone, so not an audited view
		if err != nil {
			return nil, err
		}
		for _, f := range []struct {
			v   *string
			was string
		}{
			{&in.Name, old.Name}, {&in.Phone, old.Phone}, {&in.Birthday, old.Birthday}, {&in.Address, old.Address},
		} {
			if strings.TrimSpace(*f.v) == "" {
				*f.v = f.was
			}
		}
	}
	in, err = s.Validate(in)
	if err != nil {
		return nil, err
	}
	if r.Status == StatusErased || r.Status == StatusMerged {
		return nil, linli.Errorf(linli.KindConflict, "member.not_editable", "member %d is %s and cannot be edited", id, r.Status)
	}
	if in.ReferrerID == id {
		return nil, linli.Invalid("member.referrer_invalid", "referrer_id", "a member cannot refer themselves")
	}
	if err := s.CheckRefs(ctx, in); err != nil {
		return nil, err
	}
	s.seal(in, r, s.Now(), sourceOf(actor))
	if err := s.Store.UpdateMember(ctx, r, Audit{Actor: actor, Action: "member.update", EntityID: id}); err != nil {
		return nil, err
	}
	return s.open(r, true)
}

// SetStatus deactivates or reactivates a member.
func (s *Service) SetStatus(ctx context.Context, actor linli.Actor, id int64, active bool) error {
	r, err := s.get(ctx, id)
	if err != nil {
		return err
	}
	want := StatusInactive
	if active {
		want = StatusActive
	}
	if r.Status != StatusActive && r.Status != StatusInactive {
		return linli.Errorf(linli.KindConflict, "member.not_editable", "member %d is %s", id, r.Status)
	}
	if r.Status == want {
		return nil
	}
	r.Status = want
	r.UpdatedAt = s.Now()
	action := "member.deactivate"
	if active {
		action = "member.reactivate"
	}
	return s.Store.UpdateMember(ctx, r, Audit{Actor: actor, Action: action, EntityID: id})
}

// SetTags replaces a member's manual tags.
func (s *Service) SetTags(ctx context.Context, actor linli.Actor, id int64, tags []string) error {
	tags, err := CleanTags(tags)
	if err != nil {
		return err
	}
	r, err := s.get(ctx, id)
	if err != nil {
		return err
	}
	r.Tags = tags
	if r.Tags == nil {
		r.Tags = []string{}
	}
	r.UpdatedAt = s.Now()
	return s.Store.UpdateMember(ctx, r, Audit{Actor: actor, Action: "member.tags", EntityID: id, Detail: strings.Join(tags, ",")})
}

// SetConsent records a member's marketing consent on one channel.
func (s *Service) SetConsent(ctx context.Context, actor linli.Actor, id int64, channel string, granted bool, source string) error {
	if !slices.Contains(ConsentChannels, channel) {
		return linli.Invalid("member.consent_channel_invalid", "channel", "consent channel %q is not one of %s", channel, strings.Join(ConsentChannels, ", "))
	}
	r, err := s.get(ctx, id)
	if err != nil {
		return err
	}
	if source == "" {
		source = sourceOf(actor)
	}
	now := s.Now()
	s.applyConsent(r, channel, granted, source, now)
	r.UpdatedAt = now
	return s.Store.UpdateMember(ctx, r, Audit{Actor: actor, Action: "member.consent", EntityID: id,
		Detail: fmt.Sprintf("%s=%t source=%s", channel, granted, source)})
}

func (s *Service) applyConsent(r *Record, channel string, granted bool, source string, now time.Time) {
	c := Consent{Channel: channel, Granted: granted, Source: source, ChangedAt: now}
	if i := slices.IndexFunc(r.Consents, func(c Consent) bool { return c.Channel == channel }); i >= 0 {
		r.Consents[i] = c
	} else {
		r.Consents = append(r.Consents, c)
	}
}

func (s *Service) get(ctx context.Context, id int64) (*Record, error) {
	r, err := s.Store.GetMember(ctx, id)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, linli.Errorf(linli.KindNotFound, "member.not_found", "member %d not found", id)
	}
	return r, nil
}

// View says how a member is shown: unmasked only when the viewer's role
// may see personal data, and then the view is audited.
type View struct {
	Unmask bool
}

// Get returns one member as the actor may see it.
func (s *Service) Get(ctx context.Context, actor linli.Actor, id int64, v View) (*Member, error) {
	r, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.show(ctx, actor, r, v)
}

func (s *Service) show(ctx context.Context, actor linli.Actor, r *Record, v View) (*Member, error) {
	m, err := s.open(r, v.Unmask)
	if err != nil {
		return nil, err
	}
	if v.Unmask && r.Status != StatusErased {
		if err := s.Store.AppendAudit(ctx, Audit{Actor: actor, Action: "member.unmask", EntityID: r.ID}); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// open decrypts a record, masking personal fields unless unmask is set.
func (s *Service) open(r *Record, unmask bool) (*Member, error) {
	m := &Member{ID: r.ID, CardNo: r.CardNo, Gender: r.Gender, Area: r.Area, Occupation: r.Occupation,
		Preferences: r.Preferences, Channel: r.Channel, ReferrerID: r.ReferrerID, StoreID: r.StoreID,
		Status: r.Status, MergedInto: r.MergedInto, Tags: r.Tags, Consents: r.Consents,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, LastActiveAt: r.LastActiveAt, Masked: !unmask}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	if m.Consents == nil {
		m.Consents = []Consent{}
	}
	var err error
	open := func(field string, b []byte) string {
		if err != nil {
			return ""
		}
		var p string
		p, err = s.Vault.Open(field, b)
		return p
	}
	m.Name = open(fieldName, r.NameEnc)
	m.Phone = open(fieldPhone, r.PhoneEnc)
	m.Birthday = open(fieldBirthday, r.BirthdayEnc)
	m.Address = open(fieldAddress, r.AddressEnc)
	if err != nil {
		return nil, fmt.Errorf("member %d: %w", r.ID, err)
	}
	if !unmask {
		m.Name = privacy.MaskName(m.Name)
		m.Phone = privacy.MaskPhone(m.Phone)
		m.Birthday = privacy.MaskDate(m.Birthday)
		m.Address = privacy.MaskText(m.Address)
	}
	return m, nil
}

// FindByPhone finds the member with this phone number, or a not-found error.
func (s *Service) FindByPhone(ctx context.Context, actor linli.Actor, phone string, v View) (*Member, error) {
	p, err := NormalizePhone(phone)
	if err != nil {
		return nil, err
	}
	r, err := s.Store.MemberByPhoneHash(ctx, s.Vault.Hash("phone", p))
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, linli.Errorf(linli.KindNotFound, "member.not_found", "no member has this phone number")
	}
	return s.show(ctx, actor, r, v)
}

// FindByCard finds the member with this card number.
func (s *Service) FindByCard(ctx context.Context, actor linli.Actor, card string, v View) (*Member, error) {
	card = strings.TrimSpace(card)
	if card == "" || !validCard(card) {
		return nil, linli.Invalid("member.card_invalid", "card_no", "%q is not a card number", card)
	}
	r, err := s.Store.MemberByCard(ctx, card)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, linli.Errorf(linli.KindNotFound, "member.not_found", "no member has card %s", card)
	}
	return s.show(ctx, actor, r, v)
}

// FindByName finds members whose whole name matches exactly. Names are
// sealed, so a partial match would mean decrypting every member; an exact
// match goes through the keyed hash index instead.
func (s *Service) FindByName(ctx context.Context, actor linli.Actor, name string, v View) ([]*Member, error) {
	name = NormalizeName(name)
	if name == "" {
		return nil, linli.Invalid("member.name_required", "name", "a name is required")
	}
	rs, err := s.Store.MembersByNameHash(ctx, s.Vault.Hash("name", name), 50)
	if err != nil {
		return nil, err
	}
	return s.showAll(ctx, actor, rs, v)
}

func (s *Service) showAll(ctx context.Context, actor linli.Actor, rs []*Record, v View) ([]*Member, error) {
	out := make([]*Member, 0, len(rs))
	for _, r := range rs {
		m, err := s.show(ctx, actor, r, v)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Search finds by whatever the query looks like: a phone number, a card
// number, or a name.
func (s *Service) Search(ctx context.Context, actor linli.Actor, q string, v View) ([]*Member, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, linli.Invalid("member.query_required", "q", "type a phone number, card number or name")
	}
	if p, err := NormalizePhone(q); err == nil {
		m, err := s.FindByPhone(ctx, actor, p, v)
		if linli.ErrorKind(err) == linli.KindNotFound {
			return []*Member{}, nil
		}
		if err != nil {
			return nil, err
		}
		return []*Member{m}, nil
	}
	if validCard(q) && isDigitsOrDash(q) {
		m, err := s.FindByCard(ctx, actor, q, v)
		if err == nil {
			return []*Member{m}, nil
		}
		if linli.ErrorKind(err) != linli.KindNotFound {
			return nil, err
		}
	}
	return s.FindByName(ctx, actor, q, v)
}

func isDigitsOrDash(s string) bool {
	return strings.Trim(s, "0123456789-") == ""
}

// List returns one page of members, newest first, and the cursor for the
// next page (0 when there is none).
func (s *Service) List(ctx context.Context, actor linli.Actor, f Filter, v View) ([]*Member, int64, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	want := f.Limit
	f.Limit++
	rs, err := s.Store.ListMembers(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(rs) > want {
		rs = rs[:want]
		next = rs[want-1].ID
	}
	// A page shown in clear is audited as one line naming every member on
	// it, rather than one write per member.
	out := make([]*Member, 0, len(rs))
	ids := make([]string, 0, len(rs))
	for _, r := range rs {
		m, err := s.open(r, v.Unmask)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, m)
		ids = append(ids, strconv.FormatInt(r.ID, 10))
	}
	if v.Unmask && len(rs) > 0 {
		if err := s.Store.AppendAudit(ctx, Audit{Actor: actor, Action: "member.unmask_list",
			Detail: "members " + strings.Join(ids, ",")}); err != nil {
			return nil, 0, err
		}
	}
	return out, next, nil
}

// QR payloads look like "LM1.<member id>.<mac>". The MAC binds the id to
// this installation's key, so a code printed with another id is rejected.
const qrPrefix = "LM1."

// QRPayload returns the signed payload to print or show as a QR code.
func (s *Service) QRPayload(id int64) string {
	msg := qrPrefix + strconv.FormatInt(id, 10)
	return msg + "." + s.Vault.Sign(msg)
}

// ResolveQR checks a scanned payload and returns the member id.
func (s *Service) ResolveQR(payload string) (int64, error) {
	payload = strings.TrimSpace(payload)
	bad := linli.Invalid("member.qr_invalid", "qr", "this QR code is not a valid member code of this shop")
	if !strings.HasPrefix(payload, qrPrefix) {
		return 0, bad
	}
	i := strings.LastIndexByte(payload, '.')
	if i <= len(qrPrefix) {
		return 0, bad
	}
	msg, mac := payload[:i], payload[i+1:]
	id, err := strconv.ParseInt(msg[len(qrPrefix):], 10, 64)
	if err != nil || id <= 0 || !s.Vault.Verify(msg, mac) {
		return 0, bad
	}
	return id, nil
}

// FindByQR resolves a scanned payload to the member.
func (s *Service) FindByQR(ctx context.Context, actor linli.Actor, payload string, v View) (*Member, error) {
	id, err := s.ResolveQR(payload)
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, actor, id, v)
}

// Export is everything Linli holds about one member, for a data-access
// request under PIPL. Later issues add sales, points and tickets.
type Export struct {
	Member     *Member   `json:"member"`
	ExportedAt time.Time `json:"exported_at"`
}

// ExportData returns a member's data in clear, audited.
func (s *Service) ExportData(ctx context.Context, actor linli.Actor, id int64) ([]byte, error) {
	r, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	m, err := s.open(r, true)
	if err != nil {
		return nil, err
	}
	if err := s.Store.AppendAudit(ctx, Audit{Actor: actor, Action: "member.export", EntityID: id}); err != nil {
		return nil, err
	}
	return json.MarshalIndent(Export{Member: m, ExportedAt: s.Now()}, "", "  ")
}

// Erase removes a member's personal data on request (or by retention). The
// record stays, anonymous, so sales totals and the ledger still add up.
func (s *Service) Erase(ctx context.Context, actor linli.Actor, id int64, reason string) error {
	r, err := s.get(ctx, id)
	if err != nil {
		return err
	}
	if r.Status == StatusErased {
		return nil
	}
	eraseRecord(r, s.Now())
	return s.Store.UpdateMember(ctx, r, Audit{Actor: actor, Action: "member.erase", EntityID: id, Detail: reason})
}

func eraseRecord(r *Record, now time.Time) {
	*r = Record{ID: r.ID, CardNo: r.CardNo, StoreID: r.StoreID, Status: StatusErased, Channel: r.Channel,
		ReferrerID: r.ReferrerID, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: now,
		LastActiveAt: r.LastActiveAt, Tags: []string{}, Consents: []Consent{}}
}

// Retention erases the personal data of members inactive for the given
// number of years. It returns how many it erased; 0 years does nothing.
func (s *Service) Retention(ctx context.Context, years int) (int, error) {
	if years <= 0 {
		return 0, nil
	}
	cutoff := s.Now().AddDate(-years, 0, 0)
	erased := 0
	for {
		ids, err := s.Store.InactiveSince(ctx, cutoff, 500)
		if err != nil {
			return erased, err
		}
		if len(ids) == 0 {
			return erased, nil
		}
		for _, id := range ids {
			if err := s.Erase(ctx, linli.System, id, fmt.Sprintf("retention: inactive for %d years", years)); err != nil {
				return erased, err
			}
			erased++
		}
	}
}

// Quality is the data-quality report per store (store 0 = the whole chain,
// listed first).
func (s *Service) Quality(ctx context.Context) ([]QualityCounts, error) {
	return s.Store.Quality(ctx, s.Now().AddDate(-1, 0, 0))
}

// Counts counts active and inactive members, and the active members
// registered at or after since.
func (s *Service) Counts(ctx context.Context, since time.Time) (Counts, error) {
	return s.Store.CountMembers(ctx, since)
}

// DuplicateGroup is a set of members that may be the same person.
type DuplicateGroup struct {
	Reason  string    `json:"reason"`
	Members []*Member `json:"members"`
}

// Duplicates lists candidate groups, shown as the actor may see them.
func (s *Service) Duplicates(ctx context.Context, actor linli.Actor, limit int, v View) ([]DuplicateGroup, error) {
	groups, err := s.Store.DuplicateGroups(ctx, limit)
	if err != nil {
		return nil, err
	}
	var out []DuplicateGroup
	for _, ids := range groups {
		var g DuplicateGroup
		var recs []*Record
		for _, id := range ids {
			r, err := s.get(ctx, id)
			if err != nil {
				return nil, err
			}
			recs = append(recs, r)
		}
		g.Reason = "same_name_area"
		if len(recs[0].IdentityHash) > 0 && string(recs[0].IdentityHash) == string(recs[1].IdentityHash) {
			g.Reason = "same_name_birthday"
		}
		for _, r := range recs {
			m, err := s.open(r, v.Unmask)
			if err != nil {
				return nil, err
			}
			g.Members = append(g.Members, m)
		}
		out = append(out, g)
	}
	return out, nil
}

// Merge folds member from into member into: tags, consent (most recent
// wins), referrals and everything later issues attach to a member move; from
// keeps no personal data and points at into. Audited.
func (s *Service) Merge(ctx context.Context, actor linli.Actor, from, into int64) error {
	if from == into {
		return linli.Invalid("member.merge_self", "from", "a member cannot be merged into itself")
	}
	a, err := s.get(ctx, from)
	if err != nil {
		return err
	}
	b, err := s.get(ctx, into)
	if err != nil {
		return err
	}
	for _, r := range []*Record{a, b} {
		if r.Status != StatusActive && r.Status != StatusInactive {
			return linli.Errorf(linli.KindConflict, "member.not_mergeable", "member %d is %s and cannot be merged", r.ID, r.Status)
		}
	}
	return s.Store.MergeMembers(ctx, from, into, Audit{Actor: actor, Action: "member.merge", EntityID: into,
		Detail: fmt.Sprintf("merged %d (card %s) into %d (card %s)", from, a.CardNo, into, b.CardNo)})
}
