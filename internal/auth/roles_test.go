package auth

import (
	"slices"
	"testing"

	"github.com/linli/linli"
)

func TestGrantsTable(t *testing.T) {
	for _, p := range Permissions() {
		if !Can(RoleOwner, p) {
			t.Errorf("owner lacks %s", p)
		}
	}
	for role, perms := range Grants {
		for _, p := range perms {
			if !slices.Contains(allPermissions, p) {
				t.Errorf("%s has unknown permission %q", role, p)
			}
		}
	}
	for _, r := range Roles() {
		if !ValidRole(r) {
			t.Errorf("role %s not valid", r)
		}
		if _, ok := Grants[r]; !ok {
			t.Errorf("role %s has no grants", r)
		}
	}
	for _, r := range []string{RoleTerminal, RoleSystem, "", "Owner", "admin"} {
		if ValidRole(r) {
			t.Errorf("ValidRole(%q) = true", r)
		}
	}
	tests := []struct {
		role string
		p    Permission
		want bool
	}{
		{RoleCashier, MemberUnmask, false},
		{RoleCashier, StaffManage, false},
		{RoleCashier, POSUse, true},
		{RoleCashier, MemberWrite, true},
		{RoleManager, SettingsManage, false},
		{RoleManager, StoreManage, false},
		{RoleManager, StaffManage, true},
		{RoleManager, MemberUnmask, true},
		{RoleMarketer, MemberExport, true},
		{RoleMarketer, MemberWrite, false},
		{RoleService, MemberWrite, true},
		{RoleService, ReportRead, false},
		{RoleAnalyst, ReportRead, true},
		{RoleAnalyst, MemberUnmask, false},
		{RoleTerminal, POSUse, true},
		{RoleTerminal, MemberUnmask, false},
		{"nobody", MemberRead, false},
	}
	for _, tc := range tests {
		if got := Can(tc.role, tc.p); got != tc.want {
			t.Errorf("Can(%s, %s) = %v, want %v", tc.role, tc.p, got, tc.want)
		}
	}
}

func TestScopeAndAssign(t *testing.T) {
	owner := linli.Actor{Name: "o", Role: RoleOwner, StoreID: 3}
	mgr := linli.Actor{Name: "m", Role: RoleManager, StoreID: 3}
	if Scope(owner) != 0 || Scope(linli.System) != 0 || Scope(mgr) != 3 {
		t.Fatal("scope wrong")
	}
	if !Allowed(owner, StaffManage, 7) || !Allowed(mgr, StaffManage, 3) || Allowed(mgr, StaffManage, 7) || Allowed(mgr, StaffManage, 0) {
		t.Error("Allowed wrong")
	}
	err := Require(mgr, StoreManage, 3)
	if linli.ErrorKind(err) != linli.KindForbidden || linli.ErrorCode(err) != "auth.forbidden" {
		t.Errorf("Require = %v", err)
	}
	for _, tc := range []struct {
		actor linli.Actor
		role  string
		want  bool
	}{
		{owner, RoleOwner, true},
		{linli.System, RoleOwner, true},
		{mgr, RoleCashier, true},
		{mgr, RoleAnalyst, true},
		{mgr, RoleManager, false},
		{mgr, RoleOwner, false},
		{linli.Actor{Role: RoleCashier}, RoleCashier, false},
		{linli.Actor{Role: RoleAnalyst}, RoleMarketer, false},
	} {
		if got := canAssign(tc.actor, tc.role); got != tc.want {
			t.Errorf("canAssign(%s, %s) = %v", tc.actor.Role, tc.role, got)
		}
	}
}
