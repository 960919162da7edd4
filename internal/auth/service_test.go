package auth_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

func TestMain(m *testing.M) {
	auth.HashParams = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	os.Exit(m.Run())
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	db       *store.DB
	clk      *clock
	svc      *auth.Service
	s1, s2   int64 // two stores
	owner    *auth.Staff
	ownerAct linli.Actor
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	shops := shop.New(store.NewShops(db), clk.Now)
	a, err := shops.Create(ctx, linli.System, shop.Input{Code: "S1", Name: "一号店"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := shops.Create(ctx, linli.System, shop.Input{Code: "S2", Name: "二号店"})
	if err != nil {
		t.Fatal(err)
	}
	svc := auth.New(store.NewAuth(db), auth.Options{Now: clk.Now})
	owner, err := svc.CreateStaff(ctx, linli.System, auth.StaffInput{Username: "Boss", DisplayName: "老板", Password: "boss-pass-1", Role: auth.RoleOwner})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, clk: clk, svc: svc, s1: a.ID, s2: b.ID, owner: owner, ownerAct: auth.ActorForStaff(owner, "10.0.0.1")}
}

func (f *fixture) create(t *testing.T, actor linli.Actor, in auth.StaffInput) *auth.Staff {
	t.Helper()
	if in.Password == "" {
		in.Password = "password-123"
	}
	st, err := f.svc.CreateStaff(context.Background(), actor, in)
	if err != nil {
		t.Fatalf("create %s: %v", in.Username, err)
	}
	return st
}

func (f *fixture) actions(t *testing.T) []string {
	t.Helper()
	rows, err := f.db.Query(context.Background(), `SELECT action FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		rows.Scan(&a)
		out = append(out, a)
	}
	return out
}

func (f *fixture) count(t *testing.T, action string) int {
	n := 0
	for _, a := range f.actions(t) {
		if a == action {
			n++
		}
	}
	return n
}

func wantCode(t *testing.T, err error, kind linli.Kind, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if linli.ErrorKind(err) != kind || linli.ErrorCode(err) != code {
		t.Fatalf("got %v (kind %s), want %s %s", err, linli.ErrorKind(err), kind, code)
	}
}

func TestLoginAndSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		if f.owner.Username != "boss" {
			t.Errorf("username not normalised: %q", f.owner.Username)
		}
		sess, st, err := f.svc.Login(ctx, " BOSS ", "boss-pass-1", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if st.ID != f.owner.ID || sess.Token == "" || sess.CSRF == "" || sess.Token == sess.CSRF {
			t.Fatalf("session %+v staff %+v", sess, st)
		}
		if !sess.ExpiresAt.Equal(f.clk.Now().Add(auth.DefaultSessionTTL)) {
			t.Errorf("expires %v", sess.ExpiresAt)
		}
		// The token itself is not stored.
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE csrf_token = ?`, sess.CSRF).Scan(&n)
		if n != 1 {
			t.Fatal("session not stored")
		}
		db.QueryRow(ctx, `SELECT COUNT(*) FROM sessions WHERE token_hash = ?`, []byte(sess.Token)).Scan(&n)
		if n != 0 {
			t.Fatal("token stored in clear")
		}

		st2, s2, err := f.svc.SessionByToken(ctx, sess.Token)
		if err != nil || st2.ID != f.owner.ID || !s2.CheckCSRF(sess.CSRF) || s2.CheckCSRF("") || s2.CheckCSRF(sess.Token) {
			t.Fatalf("SessionByToken: %v %+v", err, s2)
		}
		_, _, err = f.svc.SessionByToken(ctx, "garbage")
		wantCode(t, err, linli.KindUnauthorized, "auth.session_invalid")
		_, _, err = f.svc.SessionByToken(ctx, strings.Repeat("A", 43))
		wantCode(t, err, linli.KindUnauthorized, "auth.session_invalid")

		// Sliding: used after 7h (less than half left) it is extended.
		f.clk.Add(7 * time.Hour)
		_, s3, err := f.svc.SessionByToken(ctx, sess.Token)
		if err != nil || !s3.ExpiresAt.Equal(f.clk.Now().Add(auth.DefaultSessionTTL)) {
			t.Fatalf("not extended: %v %v", err, s3)
		}
		f.clk.Add(11 * time.Hour)
		if _, _, err := f.svc.SessionByToken(ctx, sess.Token); err != nil {
			t.Fatalf("extended session refused: %v", err)
		}
		f.clk.Add(13 * time.Hour)
		_, _, err = f.svc.SessionByToken(ctx, sess.Token)
		wantCode(t, err, linli.KindUnauthorized, "auth.session_expired")
		if n, err := f.svc.PurgeSessions(ctx); err != nil || n != 1 {
			t.Errorf("purge = %d, %v", n, err)
		}
		_, _, err = f.svc.SessionByToken(ctx, sess.Token)
		wantCode(t, err, linli.KindUnauthorized, "auth.session_invalid")

		// Logout.
		sess, _, err = f.svc.Login(ctx, "boss", "boss-pass-1", "10.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Logout(ctx, sess.Token, "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.SessionByToken(ctx, sess.Token)
		wantCode(t, err, linli.KindUnauthorized, "auth.session_invalid")
		if err := f.svc.Logout(ctx, sess.Token, "10.0.0.1"); err != nil {
			t.Fatal("second logout:", err)
		}
		if f.count(t, "auth.login") != 2 || f.count(t, "auth.logout") != 1 {
			t.Errorf("audit: %v", f.actions(t))
		}
	})
}

func TestLoginFailuresAndRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		_, _, err := f.svc.Login(ctx, "boss", "wrong-pass", "1.1.1.1")
		wantCode(t, err, linli.KindUnauthorized, "auth.bad_credentials")
		_, _, err = f.svc.Login(ctx, "ghost", "whatever1", "1.1.1.1")
		wantCode(t, err, linli.KindUnauthorized, "auth.bad_credentials")
		if got := f.count(t, "auth.login_failed"); got != 2 {
			t.Fatalf("failed logins audited %d times", got)
		}
		var detail, actor string
		db.QueryRow(ctx, `SELECT actor, detail FROM audit_log WHERE action = 'auth.login_failed' ORDER BY id DESC`).Scan(&actor, &detail)
		if actor != "ghost" || strings.Contains(detail, "whatever1") {
			t.Errorf("audit actor %q detail %q", actor, detail)
		}
		// Three more failures for boss from other addresses: the username is now locked.
		for i := range 4 {
			f.svc.Login(ctx, "boss", "wrong-pass", "2.2.2."+string(rune('0'+i)))
		}
		_, _, err = f.svc.Login(ctx, "boss", "boss-pass-1", "3.3.3.3")
		wantCode(t, err, linli.KindRateLimited, "auth.rate_limited")
		// One address trying many names is locked too.
		for _, u := range []string{"a1", "a2", "a3"} {
			f.svc.Login(ctx, u, "password-x", "1.1.1.1")
		}
		_, _, err = f.svc.Login(ctx, "someone", "password-x", "1.1.1.1")
		wantCode(t, err, linli.KindRateLimited, "auth.rate_limited")
		f.clk.Add(16 * time.Minute)
		if _, _, err := f.svc.Login(ctx, "boss", "boss-pass-1", "1.1.1.1"); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}

func TestStaffManagement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		mgr := f.create(t, f.ownerAct, auth.StaffInput{Username: "mgr1", Role: auth.RoleManager, StoreID: f.s1, Lang: "en"})
		mgrAct := auth.ActorForStaff(mgr, "")
		if mgrAct.StoreID != f.s1 || mgrAct.Role != auth.RoleManager || mgrAct.Name != "mgr1" {
			t.Fatalf("actor %+v", mgrAct)
		}
		cashier := f.create(t, mgrAct, auth.StaffInput{Username: "cash1", Role: auth.RoleCashier, StoreID: f.s1})
		if cashier.Lang != "zh-CN" || !cashier.Active {
			t.Errorf("defaults: %+v", cashier)
		}
		f.create(t, f.ownerAct, auth.StaffInput{Username: "cash2", Role: auth.RoleCashier, StoreID: f.s2})

		_, err := f.svc.CreateStaff(ctx, mgrAct, auth.StaffInput{Username: "x2", Password: "password-1", Role: auth.RoleCashier, StoreID: f.s2})
		wantCode(t, err, linli.KindForbidden, "auth.forbidden")
		_, err = f.svc.CreateStaff(ctx, mgrAct, auth.StaffInput{Username: "x3", Password: "password-1", Role: auth.RoleManager, StoreID: f.s1})
		wantCode(t, err, linli.KindForbidden, "staff.role_forbidden")
		_, err = f.svc.CreateStaff(ctx, mgrAct, auth.StaffInput{Username: "x4", Password: "password-1", Role: auth.RoleOwner})
		wantCode(t, err, linli.KindForbidden, "auth.forbidden")
		_, err = f.svc.CreateStaff(ctx, auth.ActorForStaff(cashier, ""), auth.StaffInput{Username: "x5", Password: "password-1", Role: auth.RoleCashier, StoreID: f.s1})
		wantCode(t, err, linli.KindForbidden, "auth.forbidden")

		for _, tc := range []struct {
			in   auth.StaffInput
			kind linli.Kind
			code string
		}{
			{auth.StaffInput{Username: "a", Password: "password-1", Role: auth.RoleAnalyst}, linli.KindInvalid, "staff.username_invalid"},
			{auth.StaffInput{Username: "bad name", Password: "password-1", Role: auth.RoleAnalyst}, linli.KindInvalid, "staff.username_invalid"},
			{auth.StaffInput{Username: "ok1", Password: "short", Role: auth.RoleAnalyst}, linli.KindInvalid, "auth.password_too_short"},
			{auth.StaffInput{Username: "ok1", Password: "password-1", Role: "admin"}, linli.KindInvalid, "staff.role_invalid"},
			{auth.StaffInput{Username: "ok1", Password: "password-1", Role: auth.RoleTerminal}, linli.KindInvalid, "staff.role_invalid"},
			{auth.StaffInput{Username: "ok1", Password: "password-1", Role: auth.RoleCashier}, linli.KindInvalid, "staff.store_required"},
			{auth.StaffInput{Username: "ok1", Password: "password-1", Role: auth.RoleAnalyst, StoreID: 999}, linli.KindInvalid, "staff.store_invalid"},
			{auth.StaffInput{Username: "ok1", Password: "password-1", Role: auth.RoleAnalyst, Lang: "fr"}, linli.KindInvalid, "staff.lang_invalid"},
			{auth.StaffInput{Username: "CASH1", Password: "password-1", Role: auth.RoleAnalyst}, linli.KindConflict, "staff.username_taken"},
		} {
			_, err := f.svc.CreateStaff(ctx, f.ownerAct, tc.in)
			wantCode(t, err, tc.kind, tc.code)
		}
		// Several problems are reported together.
		_, err = f.svc.CreateStaff(ctx, f.ownerAct, auth.StaffInput{Username: "!", Password: "x", Role: "x"})
		if e, _ := linli.AsError(err); e == nil || len(e.Fields) != 3 {
			t.Errorf("want 3 field errors: %v", err)
		}

		list, err := f.svc.ListStaff(ctx, mgrAct, 0)
		if err != nil || len(list) != 2 {
			t.Fatalf("manager sees %d accounts (%v), want 2", len(list), err)
		}
		list, _ = f.svc.ListStaff(ctx, f.ownerAct, 0)
		if len(list) != 4 || list[0].Username != "boss" {
			t.Errorf("owner list %d", len(list))
		}
		if _, err := f.svc.ListStaff(ctx, auth.ActorForStaff(cashier, ""), 0); linli.ErrorKind(err) != linli.KindForbidden {
			t.Errorf("cashier listed staff: %v", err)
		}
		if got, err := f.svc.GetStaff(ctx, auth.ActorForStaff(cashier, ""), cashier.ID); err != nil || got.Username != "cash1" {
			t.Errorf("own account: %v", err)
		}

		// Update: role and store change; a manager cannot promote.
		up, err := f.svc.UpdateStaff(ctx, f.ownerAct, cashier.ID, auth.StaffUpdate{DisplayName: "小王", Role: auth.RoleService, StoreID: f.s1, Lang: "en"})
		if err != nil || up.Role != auth.RoleService || up.DisplayName != "小王" {
			t.Fatalf("update: %v %+v", err, up)
		}
		_, err = f.svc.UpdateStaff(ctx, mgrAct, cashier.ID, auth.StaffUpdate{Role: auth.RoleManager, StoreID: f.s1, Lang: "en"})
		wantCode(t, err, linli.KindForbidden, "staff.role_forbidden")
		_, err = f.svc.UpdateStaff(ctx, mgrAct, f.owner.ID, auth.StaffUpdate{Role: auth.RoleOwner, Lang: "en"})
		wantCode(t, err, linli.KindForbidden, "auth.forbidden")

		// Deactivate ends sessions and blocks login.
		sess, _, err := f.svc.Login(ctx, "cash1", "password-123", "")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetActive(ctx, mgrAct, cashier.ID, false); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.SessionByToken(ctx, sess.Token)
		wantCode(t, err, linli.KindUnauthorized, "auth.session_invalid")
		_, _, err = f.svc.Login(ctx, "cash1", "password-123", "")
		wantCode(t, err, linli.KindUnauthorized, "auth.inactive")
		_, _, err = f.svc.Login(ctx, "cash1", "wrong-password", "")
		wantCode(t, err, linli.KindUnauthorized, "auth.bad_credentials")
		if err := f.svc.SetActive(ctx, mgrAct, cashier.ID, true); err != nil {
			t.Fatal(err)
		}

		// Password reset ends sessions; the old password stops working.
		sess, _, _ = f.svc.Login(ctx, "cash1", "password-123", "")
		if err := f.svc.ResetPassword(ctx, mgrAct, cashier.ID, "new-password-9"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.SessionByToken(ctx, sess.Token); err == nil {
			t.Error("session survived a password reset")
		}
		_, _, err = f.svc.Login(ctx, "cash1", "password-123", "")
		wantCode(t, err, linli.KindUnauthorized, "auth.bad_credentials")
		_, st, err := f.svc.Login(ctx, "cash1", "new-password-9", "")
		if err != nil {
			t.Fatal(err)
		}
		self := auth.ActorForStaff(st, "")
		err = f.svc.ChangePassword(ctx, self, "nope-nope-nope", "another-pass-1")
		wantCode(t, err, linli.KindInvalid, "auth.password_wrong")
		err = f.svc.ChangePassword(ctx, self, "new-password-9", "short")
		wantCode(t, err, linli.KindInvalid, "auth.password_too_short")
		if err := f.svc.ChangePassword(ctx, self, "new-password-9", "another-pass-1"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Login(ctx, "cash1", "another-pass-1", ""); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetLang(ctx, self, "zh-CN"); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.svc.SetLang(ctx, self, "de"), linli.KindInvalid, "staff.lang_invalid")
		if got, _ := f.svc.GetStaff(ctx, self, st.ID); got.Lang != "zh-CN" {
			t.Errorf("lang %q", got.Lang)
		}

		// The last owner stays.
		wantCode(t, f.svc.SetActive(ctx, f.ownerAct, f.owner.ID, false), linli.KindConflict, "staff.self_deactivate")
		wantCode(t, f.svc.SetActive(ctx, linli.System, f.owner.ID, false), linli.KindConflict, "staff.last_owner")
		_, err = f.svc.UpdateStaff(ctx, linli.System, f.owner.ID, auth.StaffUpdate{Role: auth.RoleAnalyst, Lang: "zh-CN"})
		wantCode(t, err, linli.KindConflict, "staff.last_owner")
		f.create(t, f.ownerAct, auth.StaffInput{Username: "boss2", Role: auth.RoleOwner})
		if err := f.svc.SetActive(ctx, linli.System, f.owner.ID, false); err != nil {
			t.Fatal(err)
		}

		for _, want := range []string{"staff.create", "staff.update", "staff.deactivate", "staff.activate",
			"staff.password_reset", "staff.password_change", "auth.login", "auth.login_failed"} {
			if f.count(t, want) == 0 {
				t.Errorf("no %s in audit log %v", want, f.actions(t))
			}
		}
	})
}

func TestAPIKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := setup(t, db)
		key, k, err := f.svc.CreateAPIKey(ctx, f.ownerAct, " 收银台1 ", f.s1, "POS-01")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(key, "lk_"+k.Prefix+"_") || k.Name != "收银台1" || k.CreatedBy != f.owner.ID || k.ID == 0 {
			t.Fatalf("key %q %+v", key, k)
		}
		got, err := f.svc.AuthenticateAPIKey(ctx, key)
		if err != nil || got.ID != k.ID || got.StoreID != f.s1 || got.Terminal != "POS-01" {
			t.Fatalf("authenticate: %v %+v", err, got)
		}
		act := auth.ActorForKey(got, "10.1.1.1")
		if act.APIKeyID != k.ID || act.Role != auth.RoleTerminal || act.StoreID != f.s1 || !auth.Allowed(act, auth.POSUse, f.s1) || auth.Allowed(act, auth.POSUse, f.s2) {
			t.Errorf("actor %+v", act)
		}
		lastUsed := func() time.Time {
			list, err := f.svc.ListAPIKeys(ctx, f.ownerAct, f.s1)
			if err != nil || len(list) != 1 {
				t.Fatalf("list: %v %d", err, len(list))
			}
			return list[0].LastUsedAt
		}
		first := f.clk.Now()
		if !lastUsed().Equal(first) {
			t.Errorf("last used %v, want %v", lastUsed(), first)
		}
		f.clk.Add(30 * time.Second)
		f.svc.AuthenticateAPIKey(ctx, key)
		if !lastUsed().Equal(first) {
			t.Error("last_used_at written again within a minute")
		}
		f.clk.Add(31 * time.Second)
		f.svc.AuthenticateAPIKey(ctx, key)
		if !lastUsed().Equal(f.clk.Now()) {
			t.Error("last_used_at not updated after a minute")
		}

		_, err = f.svc.AuthenticateAPIKey(ctx, "lk_nope")
		wantCode(t, err, linli.KindUnauthorized, "auth.key_invalid")
		other := key[:len(key)-4] + "aaaa"
		if other == key {
			other = key[:len(key)-4] + "bbbb"
		}
		_, err = f.svc.AuthenticateAPIKey(ctx, other)
		wantCode(t, err, linli.KindUnauthorized, "auth.key_invalid")

		mgr := f.create(t, f.ownerAct, auth.StaffInput{Username: "mgr2", Role: auth.RoleManager, StoreID: f.s2})
		mgrAct := auth.ActorForStaff(mgr, "")
		wantCode(t, f.svc.RevokeAPIKey(ctx, mgrAct, k.ID), linli.KindForbidden, "auth.forbidden")
		_, _, err = f.svc.CreateAPIKey(ctx, mgrAct, "x", f.s1, "")
		wantCode(t, err, linli.KindForbidden, "auth.forbidden")
		_, k2, err := f.svc.CreateAPIKey(ctx, mgrAct, "store 2 till", f.s2, "")
		if err != nil {
			t.Fatal(err)
		}
		if list, _ := f.svc.ListAPIKeys(ctx, mgrAct, 0); len(list) != 1 || list[0].ID != k2.ID {
			t.Errorf("manager sees %d keys", len(list))
		}
		if list, _ := f.svc.ListAPIKeys(ctx, f.ownerAct, 0); len(list) != 2 || list[0].ID != k2.ID {
			t.Errorf("owner sees %d keys", len(list))
		}
		for _, tc := range []struct {
			name  string
			store int64
			code  string
		}{
			{"", f.s1, "apikey.name_required"},
			{strings.Repeat("n", 65), f.s1, "apikey.name_too_long"},
			{"x", 0, "apikey.store_required"},
			{"x", 999, "apikey.store_invalid"},
		} {
			_, _, err := f.svc.CreateAPIKey(ctx, f.ownerAct, tc.name, tc.store, "")
			wantCode(t, err, linli.KindInvalid, tc.code)
		}

		// Authenticated once, the key is cached; revoking drops it at once.
		if _, err := f.svc.AuthenticateAPIKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RevokeAPIKey(ctx, f.ownerAct, k.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AuthenticateAPIKey(ctx, key)
		wantCode(t, err, linli.KindUnauthorized, "auth.key_revoked")
		if err := f.svc.RevokeAPIKey(ctx, f.ownerAct, k.ID); err != nil {
			t.Fatal("second revoke:", err)
		}
		wantCode(t, f.svc.RevokeAPIKey(ctx, f.ownerAct, 999), linli.KindNotFound, "apikey.not_found")
		if f.count(t, "apikey.create") != 2 || f.count(t, "apikey.revoke") != 1 {
			t.Errorf("audit %v", f.actions(t))
		}
		// The key itself never reaches the audit log.
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE detail LIKE ?`, "%"+key[12:]+"%").Scan(&n)
		if n != 0 {
			t.Error("secret in audit log")
		}
	})
}
