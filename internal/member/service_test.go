package member_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/member"
	"github.com/linli/linli/internal/privacy"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

var staff = linli.Actor{StaffID: 0, Name: "tester", Role: "owner"}

type fixture struct {
	svc   *member.Service
	db    *store.DB
	clock *time.Time
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	key, _ := privacy.ParseKey(privacy.NewKey())
	v, err := privacy.New(key)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	f := &fixture{db: db, clock: &now}
	f.svc = member.NewService(store.NewMembers(db), v, func() time.Time { return *f.clock })
	return f
}

func (f *fixture) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM members`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fixture) audits(t *testing.T, action string) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = ?`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func wang() member.Input {
	return member.Input{Name: "王秀英", Phone: "138 0013 8000", Gender: "女", Birthday: "1965/3/8",
		Area: "阳光花园", Address: "3栋2单元501", Occupation: "退休", Channel: "counter",
		Tags: []string{"老顾客", "生鲜控"}, Consent: map[string]bool{"sms": true, "email": false}}
}

func TestMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m, err := f.svc.Create(ctx, staff, wang())
		if err != nil {
			t.Fatal(err)
		}
		if m.Phone != "13800138000" || m.Gender != "F" || m.Birthday != "1965-03-08" || m.CardNo == "" {
			t.Fatalf("created %+v", m)
		}
		if len(m.Consents) != 2 || m.Consents[0].Source != "counter" && m.Consents[0].Source != "tester" {
			t.Errorf("consents %+v", m.Consents)
		}

		t.Run("find", func(t *testing.T) {
			for _, q := range []string{"+86 138-0013-8000", "王秀英", m.CardNo} {
				got, err := f.svc.Search(ctx, staff, q, member.View{})
				if err != nil || len(got) != 1 || got[0].ID != m.ID {
					t.Fatalf("search %q: %v %+v", q, err, got)
				}
				if got[0].Phone != "138****8000" || got[0].Name != "王**" || !got[0].Masked {
					t.Errorf("search %q not masked: %+v", q, got[0])
				}
			}
			none, err := f.svc.Search(ctx, staff, "13900000000", member.View{})
			if err != nil || len(none) != 0 {
				t.Errorf("unknown phone: %v %v", err, none)
			}
		})

		t.Run("unmask is audited", func(t *testing.T) {
			before := f.audits(t, "member.unmask")
			got, err := f.svc.Get(ctx, staff, m.ID, member.View{Unmask: true})
			if err != nil || got.Phone != "13800138000" || got.Address != "3栋2单元501" {
				t.Fatalf("%v %+v", err, got)
			}
			if f.audits(t, "member.unmask") != before+1 {
				t.Error("unmasked view not audited")
			}
		})

		t.Run("bad input changes nothing", func(t *testing.T) {
			n := f.count(t)
			cases := []struct {
				in    member.Input
				field string
				code  string
			}{
				{member.Input{Name: "张三", Phone: "12345"}, "phone", "member.phone_invalid"},
				{member.Input{Name: "", Phone: "13900001111"}, "name", "member.name_required"},
				{member.Input{Name: "张三", Phone: "13900001111", Birthday: "2023-02-30"}, "birthday", "member.date_invalid"},
				{member.Input{Name: "张三", Phone: "13900001111", Birthday: "2099-01-01"}, "birthday", "member.birthday_out_of_range"},
				{member.Input{Name: "张三", Phone: "13900001111", Gender: "X"}, "gender", "member.gender_invalid"},
				{member.Input{Name: "张三", Phone: "13900001111", Channel: "tv"}, "channel", "member.channel_invalid"},
				{member.Input{Name: "张三", Phone: "13900001111", Consent: map[string]bool{"fax": true}}, "consent", "member.consent_channel_invalid"},
				{member.Input{Name: "张三", Phone: "13900001111", ReferrerID: 99999}, "referrer_id", "member.referrer_invalid"},
				{member.Input{Name: "李四", Phone: "13800138000"}, "phone", "member.phone_taken"},
				{member.Input{Name: "李四", Phone: "13900001112", CardNo: m.CardNo}, "card_no", "member.card_taken"},
			}
			for _, c := range cases {
				_, err := f.svc.Create(ctx, staff, c.in)
				e, ok := linli.AsError(err)
				if !ok || len(e.Fields) == 0 || e.Fields[0].Field != c.field || e.Fields[0].Code != c.code {
					t.Errorf("%+v: got %v, want %s on %s", c.in, err, c.code, c.field)
				}
			}
			if f.count(t) != n {
				t.Errorf("bad input wrote members: %d → %d", n, f.count(t))
			}
		})

		t.Run("update keeps tags and consent, records consent time", func(t *testing.T) {
			in := wang()
			in.Tags, in.Consent = nil, map[string]bool{"wechat": true}
			in.Occupation = "教师"
			*f.clock = f.clock.Add(time.Hour)
			got, err := f.svc.Update(ctx, staff, m.ID, in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Occupation != "教师" || strings.Join(got.Tags, ",") != "生鲜控,老顾客" && strings.Join(got.Tags, ",") != "老顾客,生鲜控" {
				t.Errorf("update: %+v", got)
			}
			var wechat member.Consent
			for _, c := range got.Consents {
				if c.Channel == "wechat" {
					wechat = c
				}
			}
			if !wechat.Granted || !wechat.ChangedAt.Equal(*f.clock) {
				t.Errorf("wechat consent %+v", wechat)
			}
		})

		t.Run("blind edit keeps sealed fields", func(t *testing.T) {
			before := f.audits(t, "member.unmask")
			got, err := f.svc.Update(ctx, staff, m.ID, member.Input{Occupation: "医生", Gender: "F", KeepSealed: true})
			if err != nil {
				t.Fatal(err)
			}
			if got.Occupation != "医生" || got.Phone != "13800138000" || got.Name != "王秀英" || got.Birthday != "1965-03-08" {
				t.Errorf("blind edit: %+v", got)
			}
			if f.audits(t, "member.unmask") != before {
				t.Error("a blind edit is not a view and must not be audited as one")
			}
			if _, err := f.svc.Update(ctx, staff, m.ID, member.Input{Phone: "123", KeepSealed: true}); linli.ErrorCode(err) != "member.phone_invalid" {
				t.Errorf("blind edit with a bad phone: %v", err)
			}
		})

		t.Run("qr", func(t *testing.T) {
			p := f.svc.QRPayload(m.ID)
			got, err := f.svc.FindByQR(ctx, staff, p, member.View{})
			if err != nil || got.ID != m.ID {
				t.Fatalf("qr %q: %v", p, err)
			}
			forged := []string{
				strings.Replace(p, fmt.Sprintf(".%d.", m.ID), fmt.Sprintf(".%d.", m.ID+1), 1),
				p[:len(p)-2] + flip(p[len(p)-2:]), "LM1.1", "", "LM1..abc", "hello",
			}
			other := newFixture(t, db) // another installation's key
			forged = append(forged, other.svc.QRPayload(m.ID))
			for _, q := range forged {
				if _, err := f.svc.ResolveQR(q); linli.ErrorCode(err) != "member.qr_invalid" {
					t.Errorf("forged %q accepted: %v", q, err)
				}
			}
		})

		t.Run("deactivate", func(t *testing.T) {
			if err := f.svc.SetStatus(ctx, staff, m.ID, false); err != nil {
				t.Fatal(err)
			}
			page, _, err := f.svc.List(ctx, staff, member.Filter{}, member.View{})
			if err != nil || len(page) != 0 {
				t.Errorf("inactive member listed: %v %d", err, len(page))
			}
			if err := f.svc.SetStatus(ctx, staff, m.ID, true); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestDuplicatesAndMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a, err := f.svc.Create(ctx, staff, member.Input{Name: "李娜", Phone: "13900000001", Birthday: "1980-05-05", Tags: []string{"团购群"}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := f.svc.Create(ctx, staff, member.Input{Name: "李娜", Phone: "13900000002", Birthday: "1980-05-05",
			Tags: []string{"老顾客"}, Consent: map[string]bool{"sms": true}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.svc.Create(ctx, staff, member.Input{Name: "周强", Phone: "13900000003", ReferrerID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, staff, member.Input{Name: "李娜", Phone: "13900000004", Birthday: "1990-01-01"}); err != nil {
			t.Fatal(err)
		}
		groups, err := f.svc.Duplicates(ctx, staff, 10, member.View{})
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 1 || len(groups[0].Members) != 2 || groups[0].Reason != "same_name_birthday" {
			t.Fatalf("groups %+v", groups)
		}
		if err := f.svc.Merge(ctx, staff, a.ID, a.ID); linli.ErrorCode(err) != "member.merge_self" {
			t.Errorf("self merge: %v", err)
		}
		if err := f.svc.Merge(ctx, staff, a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.Get(ctx, staff, b.ID, member.View{Unmask: true})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got.Tags, ",") != "团购群,老顾客" {
			t.Errorf("tags after merge %v", got.Tags)
		}
		gone, _ := f.svc.Get(ctx, staff, a.ID, member.View{Unmask: true})
		if gone.Status != member.StatusMerged || gone.MergedInto != b.ID || gone.Phone != "" || gone.Name != "" {
			t.Errorf("merged record %+v", gone)
		}
		ref, _ := f.svc.Get(ctx, staff, c.ID, member.View{})
		if ref.ReferrerID != b.ID {
			t.Errorf("referral not moved: %d", ref.ReferrerID)
		}
		if f.audits(t, "member.merge") != 1 {
			t.Error("merge not audited")
		}
		// The merged phone is free again and the pair is no longer a candidate.
		if groups, _ := f.svc.Duplicates(ctx, staff, 10, member.View{}); len(groups) != 0 {
			t.Errorf("still duplicates: %+v", groups)
		}
		if err := f.svc.Merge(ctx, staff, a.ID, b.ID); linli.ErrorCode(err) != "member.not_mergeable" {
			t.Errorf("second merge: %v", err)
		}
	})
}

func TestPrivacyDuties(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		m, err := f.svc.Create(ctx, staff, wang())
		if err != nil {
			t.Fatal(err)
		}
		data, err := f.svc.ExportData(ctx, staff, m.ID)
		if err != nil || !strings.Contains(string(data), "13800138000") || !strings.Contains(string(data), "王秀英") {
			t.Fatalf("export: %v %s", err, data)
		}
		if err := f.svc.Erase(ctx, staff, m.ID, "member asked"); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.Get(ctx, staff, m.ID, member.View{Unmask: true})
		if got.Status != member.StatusErased || got.Name != "" || got.Phone != "" || got.Birthday != "" || len(got.Tags) != 0 {
			t.Errorf("erased: %+v", got)
		}
		// The phone may register again.
		if _, err := f.svc.Create(ctx, staff, wang()); err != nil {
			t.Errorf("re-register after erasure: %v", err)
		}

		// Retention: members inactive for three years are erased.
		old, _ := f.svc.Create(ctx, staff, member.Input{Name: "赵敏", Phone: "13700000009"})
		shopper, _ := f.svc.Create(ctx, staff, member.Input{Name: "孙丽", Phone: "13700000011"})
		*f.clock = f.clock.AddDate(3, 0, 1)
		fresh, _ := f.svc.Create(ctx, staff, member.Input{Name: "钱伟", Phone: "13700000010"})
		// A purchase a month ago is activity, though the profile is untouched.
		if err := db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO stores (code, name, timezone, created_at) VALUES ('RS', 'Shop', 'Asia/Shanghai', 0)`)
			if err == nil {
				_, err = tx.Exec(ctx, `INSERT INTO sales (store_id, terminal, receipt_no, request_hash, member_id, channel, sold_at,
					amount_fen, status, created_at) VALUES ((SELECT id FROM stores WHERE code = 'RS'), 'T', 'R1', ?, ?, 'store', ?, 100, 'completed', 0)`,
					[]byte{1}, shopper.ID, store.Millis(f.clock.AddDate(0, -1, 0)))
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		n, err := f.svc.Retention(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 { // old and the re-registered Wang
			t.Errorf("retention erased %d, want 2", n)
		}
		if g, _ := f.svc.Get(ctx, staff, old.ID, member.View{}); g.Status != member.StatusErased {
			t.Errorf("old member %s", g.Status)
		}
		if g, _ := f.svc.Get(ctx, staff, fresh.ID, member.View{}); g.Status != member.StatusActive {
			t.Errorf("fresh member %s", g.Status)
		}
		if g, _ := f.svc.Get(ctx, staff, shopper.ID, member.View{}); g.Status != member.StatusActive {
			t.Errorf("member who shops %s", g.Status)
		}
		if n, _ := f.svc.Retention(ctx, 0); n != 0 {
			t.Error("retention 0 must be off")
		}
	})
}

func TestQualityAndPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		for i := range 23 {
			in := member.Input{Name: fmt.Sprintf("会员%d", i), Phone: fmt.Sprintf("1390000%04d", i)}
			if i%2 == 0 {
				in.Birthday, in.Gender, in.Area = "1990-01-01", "M", "幸福里"
			}
			if _, err := f.svc.Create(ctx, staff, in); err != nil {
				t.Fatal(err)
			}
		}
		q, err := f.svc.Quality(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if q[0].Members != 23 || q[0].MissingBirth != 11 || q[0].MissingGender != 11 || q[0].MissingArea != 11 || q[0].NoConsent != 23 {
			t.Errorf("quality %+v", q[0])
		}
		seen := map[int64]bool{}
		var cursor int64
		for pages := 0; ; pages++ {
			page, next, err := f.svc.List(ctx, staff, member.Filter{After: cursor, Limit: 10}, member.View{})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page {
				if seen[m.ID] {
					t.Fatalf("member %d twice", m.ID)
				}
				seen[m.ID] = true
			}
			if next == 0 {
				break
			}
			cursor = next
		}
		if len(seen) != 23 {
			t.Errorf("paged %d members, want 23", len(seen))
		}
	})
}

func TestUpsertBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		var ins []member.Input
		for i := range 30 {
			in, err := f.svc.Validate(member.Input{Name: fmt.Sprintf("会员%d", i), Phone: fmt.Sprintf("1370000%04d", i),
				Tags: []string{"导入"}, Consent: map[string]bool{"sms": i%2 == 0}})
			if err != nil {
				t.Fatal(err)
			}
			ins = append(ins, in)
		}
		res, err := f.svc.UpsertBatch(ctx, staff, ins, "import")
		if err != nil || res.Inserted != 30 {
			t.Fatalf("first run %+v %v", res, err)
		}
		audits := f.audits(t, "member.import.create")
		if audits != 30 {
			t.Errorf("audited %d creates", audits)
		}
		res, err = f.svc.UpsertBatch(ctx, staff, ins, "import")
		if err != nil || res.Unchanged != 30 || res.Inserted+res.Updated != 0 {
			t.Fatalf("re-run %+v %v", res, err)
		}
		ins[3].Occupation = "教师"
		ins[3].Name = "" // an empty cell keeps the stored value
		res, err = f.svc.UpsertBatch(ctx, staff, ins[:5], "import")
		if err != nil || res.Updated != 1 || res.Unchanged != 4 {
			t.Fatalf("change one %+v %v", res, err)
		}
		m, _ := f.svc.FindByPhone(ctx, staff, ins[3].Phone, member.View{Unmask: true})
		if m.Name != "会员3" || m.Occupation != "教师" || f.count(t) != 30 {
			t.Errorf("after update %+v", m)
		}
		if !m.CreatedAt.Equal(*f.clock) {
			t.Errorf("registered %s without a time in the list, want now (%s)", m.CreatedAt, *f.clock)
		}

		// A list from an earlier system brings the registration time; the
		// same time again, to the second, changes nothing.
		joined := time.Date(2019, 6, 1, 9, 30, 0, 0, time.UTC)
		ins[4].CreatedAt = joined
		fresh, err := f.svc.Validate(member.Input{Name: "老会员", Phone: "13700009999", CreatedAt: joined.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		res, err = f.svc.UpsertBatch(ctx, staff, append(ins[4:5:5], fresh), "import")
		if err != nil || res.Updated != 1 || res.Inserted != 1 {
			t.Fatalf("registration times %+v %v", res, err)
		}
		for phone, want := range map[string]time.Time{ins[4].Phone: joined, fresh.Phone: joined.Add(time.Hour)} {
			if m, _ := f.svc.FindByPhone(ctx, staff, phone, member.View{}); !m.CreatedAt.Equal(want) {
				t.Errorf("%s registered %s, want %s", phone, m.CreatedAt, want)
			}
		}
		ins[4].CreatedAt = joined.Add(400 * time.Millisecond)
		if res, err = f.svc.UpsertBatch(ctx, staff, ins[4:5], "import"); err != nil || res.Unchanged != 1 {
			t.Errorf("the same registration second again %+v %v", res, err)
		}
		if n, err := f.svc.Counts(ctx, joined.AddDate(1, 0, 0)); err != nil || n.Active != 31 || n.New != 29 {
			t.Errorf("counts %+v %v: the two earlier members are not new", n, err)
		}
	})
}

// TestRegistrationTime checks the range a registration time brought from
// elsewhere may take.
func TestRegistrationTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		now := *f.clock
		for _, at := range []time.Time{time.Date(1989, 12, 31, 0, 0, 0, 0, time.UTC), now.Add(6 * time.Minute)} {
			in := wang()
			in.CreatedAt = at
			if _, err := f.svc.Create(ctx, staff, in); linli.ErrorCode(err) != "member.created_at_invalid" {
				t.Errorf("registered at %s: %v", at, err)
			}
		}
		if f.count(t) != 0 {
			t.Fatal("a refused registration wrote a member")
		}
		in := wang()
		in.CreatedAt = time.Date(2021, 2, 3, 4, 5, 6, 789_123_456, time.FixedZone("CST", 8*3600))
		m, err := f.svc.Create(ctx, staff, in)
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2021, 2, 2, 20, 5, 6, 789_000_000, time.UTC)
		if got, _ := f.svc.Get(ctx, staff, m.ID, member.View{}); !m.CreatedAt.Equal(want) || !got.CreatedAt.Equal(want) {
			t.Errorf("registered %s (stored %s), want %s", m.CreatedAt, got.CreatedAt, want)
		}
	})
}

// flip changes every character of s, so a "forged" code never equals the
// real one by chance.
func flip(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == 'x' {
			b[i] = 'y'
		} else {
			b[i] = 'x'
		}
	}
	return string(b)
}
