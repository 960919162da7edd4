package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/linli/linli"
	"github.com/linli/linli/internal/auth"
	"github.com/linli/linli/internal/shop"
	"github.com/linli/linli/internal/store"
	"github.com/linli/linli/internal/store/storetest"
)

var t0 = time.Date(2025, 5, 4, 3, 2, 1, 123_000_000, time.UTC)

func audit(action string) auth.Audit {
	return auth.Audit{At: t0, Actor: linli.Actor{StaffID: 0, Name: "system", Role: "system", IP: "127.0.0.1"}, Action: action}
}

type auditRow struct {
	at                 int64
	staff, key, entID  sql.NullInt64
	store              sql.NullInt64
	actor, action, ent string
	detail, ip         string
}

func auditRows(t *testing.T, db *store.DB) []auditRow {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT at, staff_id, api_key_id, actor, action, entity, entity_id, store_id, detail, ip FROM audit_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		if err := rows.Scan(&r.at, &r.staff, &r.key, &r.actor, &r.action, &r.ent, &r.entID, &r.store, &r.detail, &r.ip); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func mkStore(t *testing.T, db *store.DB, code string) int64 {
	t.Helper()
	id, err := store.NewShops(db).CreateStore(context.Background(), &shop.Store{Code: code, Name: code, Timezone: "Asia/Shanghai", Active: true, CreatedAt: t0}, audit("store.create"))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestAuthStaff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := store.NewAuth(db)
		sid := mkStore(t, db, "S1")
		if ok, err := st.StoreExists(ctx, sid); !ok || err != nil {
			t.Fatal("store missing", err)
		}
		if ok, _ := st.StoreExists(ctx, sid+100); ok {
			t.Fatal("phantom store")
		}

		a := audit("staff.create")
		a.Entity, a.StoreID, a.Detail = "staff", sid, "role=cashier"
		in := &auth.Staff{Username: "wang", DisplayName: "王", Role: auth.RoleCashier, StoreID: sid, Lang: "zh-CN", Active: true, CreatedAt: t0, UpdatedAt: t0}
		id, err := st.CreateStaff(ctx, in, "$argon2id$hash", a)
		if err != nil || id == 0 {
			t.Fatal(id, err)
		}
		owner := &auth.Staff{Username: "boss", Role: auth.RoleOwner, Lang: "en", Active: true, CreatedAt: t0, UpdatedAt: t0}
		oid, err := st.CreateStaff(ctx, owner, "h2", audit("staff.create"))
		if err != nil {
			t.Fatal(err)
		}

		got, err := st.GetStaff(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		in.ID = id
		if *got != *in {
			t.Errorf("got %+v\nwant %+v", got, in)
		}
		got, hash, err := st.StaffByUsername(ctx, "boss")
		if err != nil || got.ID != oid || got.StoreID != 0 || hash != "h2" {
			t.Errorf("by username: %+v %q %v", got, hash, err)
		}
		if got, hash, err := st.StaffByUsername(ctx, "nobody"); got != nil || hash != "" || err != nil {
			t.Error("unknown username found", err)
		}
		if got, err := st.GetStaff(ctx, 999); got != nil || err != nil {
			t.Error("unknown id found", err)
		}

		// A taken username: conflict, and nothing written (no audit line either).
		before := len(auditRows(t, db))
		_, err = st.CreateStaff(ctx, &auth.Staff{Username: "wang", Role: auth.RoleAnalyst, Lang: "en", CreatedAt: t0, UpdatedAt: t0}, "h", audit("staff.create"))
		if linli.ErrorKind(err) != linli.KindConflict || linli.ErrorCode(err) != "staff.username_taken" {
			t.Fatalf("duplicate: %v", err)
		}
		if len(auditRows(t, db)) != before {
			t.Error("audit line written for a rolled-back insert")
		}

		list, err := st.ListStaff(ctx, 0)
		if err != nil || len(list) != 2 || list[0].Username != "boss" {
			t.Errorf("list all: %d %v", len(list), err)
		}
		list, _ = st.ListStaff(ctx, sid)
		if len(list) != 1 || list[0].ID != id {
			t.Errorf("list store: %d", len(list))
		}
		if n, err := st.CountActiveStaff(ctx, auth.RoleOwner); n != 1 || err != nil {
			t.Errorf("count owners %d %v", n, err)
		}

		// Sessions end on deactivation and on a new password.
		sess := &auth.Session{StaffID: id, CSRF: "csrf", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		h1, h2 := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
		for _, h := range [][]byte{h1, h2} {
			if err := st.CreateSession(ctx, h, sess, audit("auth.login")); err != nil {
				t.Fatal(err)
			}
		}
		got2, err := st.SessionByHash(ctx, h1)
		if err != nil || got2.StaffID != id || got2.CSRF != "csrf" || !got2.ExpiresAt.Equal(sess.ExpiresAt) || !got2.CreatedAt.Equal(t0) {
			t.Fatalf("session %+v %v", got2, err)
		}
		if err := st.ExtendSession(ctx, h1, t0.Add(5*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got2, _ := st.SessionByHash(ctx, h1); !got2.ExpiresAt.Equal(t0.Add(5 * time.Hour)) {
			t.Error("not extended")
		}
		if n, err := st.DeleteExpiredSessions(ctx, t0.Add(2*time.Hour)); n != 1 || err != nil {
			t.Errorf("expired deleted %d %v", n, err)
		}
		if got2, _ := st.SessionByHash(ctx, h2); got2 != nil {
			t.Error("expired session kept")
		}
		in.Active, in.DisplayName, in.StoreID, in.Role = false, "老王", 0, auth.RoleAnalyst
		if err := st.UpdateStaff(ctx, in, audit("staff.deactivate")); err != nil {
			t.Fatal(err)
		}
		if got2, _ := st.SessionByHash(ctx, h1); got2 != nil {
			t.Error("session survived deactivation")
		}
		if got, _ := st.GetStaff(ctx, id); *got != *in {
			t.Errorf("update: %+v", got)
		}
		in.ID = 999
		if err := st.UpdateStaff(ctx, in, audit("staff.update")); linli.ErrorKind(err) != linli.KindNotFound {
			t.Errorf("update unknown: %v", err)
		}

		st.CreateSession(ctx, h2, &auth.Session{StaffID: oid, CSRF: "c", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}, audit("auth.login"))
		if err := st.SetPassword(ctx, oid, "h3", t0.Add(time.Minute), audit("staff.password_reset")); err != nil {
			t.Fatal(err)
		}
		if _, hash, _ := st.StaffByUsername(ctx, "boss"); hash != "h3" {
			t.Error("password not set")
		}
		if got2, _ := st.SessionByHash(ctx, h2); got2 != nil {
			t.Error("session survived a password change")
		}
		if err := st.SetPassword(ctx, 999, "h", t0, audit("staff.password_reset")); linli.ErrorKind(err) != linli.KindNotFound {
			t.Errorf("set password unknown: %v", err)
		}

		// Logout of an absent session changes nothing and logs nothing.
		before = len(auditRows(t, db))
		if err := st.DeleteSession(ctx, h2, audit("auth.logout")); err != nil || len(auditRows(t, db)) != before {
			t.Errorf("logout of nothing: %v", err)
		}

		rows := auditRows(t, db)
		r := rows[1] // staff.create for wang
		if r.action != "staff.create" || r.entID.Int64 != id || r.ent != "staff" || r.store.Int64 != sid ||
			r.detail != "role=cashier" || r.ip != "127.0.0.1" || r.actor != "system" || r.at != store.Millis(t0) || r.staff.Valid || r.key.Valid {
			t.Errorf("audit row %+v", r)
		}
		if err := st.AppendAudit(ctx, auth.Audit{At: t0, Actor: linli.Actor{StaffID: oid, APIKeyID: 0, Name: "boss"}, Action: "auth.login_failed"}); err != nil {
			t.Fatal(err)
		}
		rows = auditRows(t, db)
		if last := rows[len(rows)-1]; last.staff.Int64 != oid || last.store.Valid || last.entID.Valid {
			t.Errorf("appended %+v", last)
		}
	})
}

func TestAuthAPIKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := store.NewAuth(db)
		s1, s2 := mkStore(t, db, "S1"), mkStore(t, db, "S2")
		h1, h2 := bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{8}, 32)
		k1 := &auth.APIKey{Name: "till 1", Prefix: "abcdefgh", StoreID: s1, Terminal: "T1", CreatedAt: t0}
		a := audit("apikey.create")
		a.Actor.APIKeyID = 0
		id1, err := st.CreateAPIKey(ctx, k1, h1, a)
		if err != nil {
			t.Fatal(err)
		}
		id2, err := st.CreateAPIKey(ctx, &auth.APIKey{Name: "till 2", Prefix: "bcdefghi", StoreID: s2, CreatedAt: t0}, h2, audit("apikey.create"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateAPIKey(ctx, &auth.APIKey{Name: "dup", Prefix: "x", StoreID: s2, CreatedAt: t0}, h2, audit("apikey.create")); err == nil {
			t.Error("duplicate key hash accepted")
		}
		k1.ID = id1
		got, err := st.APIKeyByHash(ctx, h1)
		if err != nil || *got != *k1 || got.Revoked() {
			t.Fatalf("by hash %+v %v", got, err)
		}
		if got, err := st.APIKeyByHash(ctx, []byte("nope")); got != nil || err != nil {
			t.Error("unknown hash found", err)
		}
		if err := st.TouchAPIKey(ctx, id1, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.GetAPIKey(ctx, id1); !got.LastUsedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("touch: %v", got.LastUsedAt)
		}
		list, _ := st.ListAPIKeys(ctx, 0)
		if len(list) != 2 || list[0].ID != id2 {
			t.Errorf("list all %d", len(list))
		}
		list, _ = st.ListAPIKeys(ctx, s1)
		if len(list) != 1 || list[0].ID != id1 {
			t.Errorf("list store %d", len(list))
		}
		before := len(auditRows(t, db))
		if err := st.RevokeAPIKey(ctx, id1, t0.Add(2*time.Hour), audit("apikey.revoke")); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeAPIKey(ctx, id1, t0.Add(3*time.Hour), audit("apikey.revoke")); err != nil {
			t.Fatal(err)
		}
		got, _ = st.GetAPIKey(ctx, id1)
		if !got.Revoked() || !got.RevokedAt.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("revoked at %v", got.RevokedAt)
		}
		if n := len(auditRows(t, db)) - before; n != 1 {
			t.Errorf("%d audit lines for one revocation", n)
		}
	})
}

func TestShops(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := store.NewShops(db)
		in := &shop.Store{Code: "B2", Name: "二号店", Timezone: "Asia/Urumqi", Address: "幸福路 2 号", Phone: "021-1234", Active: true, CreatedAt: t0}
		id, err := r.CreateStore(ctx, in, audit("store.create"))
		if err != nil {
			t.Fatal(err)
		}
		in.ID = id
		got, err := r.GetStore(ctx, id)
		if err != nil || *got != *in {
			t.Fatalf("get %+v %v", got, err)
		}
		aid, _ := r.CreateStore(ctx, &shop.Store{Code: "A1", Name: "一号店", Timezone: "Asia/Shanghai", Active: true, CreatedAt: t0}, audit("store.create"))
		_, err = r.CreateStore(ctx, &shop.Store{Code: "A1", Name: "x", Timezone: "Asia/Shanghai", CreatedAt: t0}, audit("store.create"))
		if linli.ErrorKind(err) != linli.KindConflict || linli.ErrorCode(err) != "store.code_taken" {
			t.Errorf("duplicate code: %v", err)
		}
		list, err := r.ListStores(ctx)
		if err != nil || len(list) != 2 || list[0].ID != aid {
			t.Fatalf("list %d %v", len(list), err)
		}
		in.Active, in.Name = false, "二号店（旧）"
		if err := r.UpdateStore(ctx, in, audit("store.update")); err != nil {
			t.Fatal(err)
		}
		if got, _ := r.GetStore(ctx, id); *got != *in {
			t.Errorf("update: %+v", got)
		}
		in.Code = "A1"
		if err := r.UpdateStore(ctx, in, audit("store.update")); linli.ErrorCode(err) != "store.code_taken" {
			t.Errorf("update to a taken code: %v", err)
		}
		in.ID, in.Code = 999, "Z9"
		if err := r.UpdateStore(ctx, in, audit("store.update")); linli.ErrorKind(err) != linli.KindNotFound {
			t.Errorf("update unknown: %v", err)
		}
		if got, err := r.GetStore(ctx, 999); got != nil || err != nil {
			t.Error("unknown store found", err)
		}
		rows := auditRows(t, db)
		if len(rows) != 3 || rows[0].entID.Int64 != id || rows[0].store.Int64 != id {
			t.Errorf("audit %+v", rows)
		}
	})
}
