// Package auth knows who may do what: staff accounts and their roles, the
// permission table, password hashing, console sessions, API keys for POS
// terminals and the login rate limiter. It speaks no HTTP; the web and API
// layers turn cookies and headers into the tokens and keys this package
// checks, and the Actor it returns travels with every call into the domain.
package auth

import (
	"slices"

	"github.com/linli/linli"
)

// Staff roles.
const (
	RoleOwner    = "owner"
	RoleManager  = "manager" // store manager
	RoleCashier  = "cashier"
	RoleMarketer = "marketer"
	RoleService  = "service" // service agent
	RoleAnalyst  = "analyst"
)

// Roles of actors that are not staff accounts. They appear in linli.Actor
// and in Grants, but a staff account can never hold them.
const (
	RoleTerminal = "terminal" // a POS terminal using an API key
	RoleSystem   = "system"   // jobs and the command line
)

// Permission names one thing an actor may do.
type Permission string

const (
	MemberRead     Permission = "member.read"
	MemberWrite    Permission = "member.write"
	MemberUnmask   Permission = "member.unmask" // see phone, name … unmasked
	MemberExport   Permission = "member.export"
	MemberErase    Permission = "member.erase" // privacy erasure on request
	MemberMerge    Permission = "member.merge"
	MemberImport   Permission = "member.import"
	AuditRead      Permission = "audit.read"
	StaffManage    Permission = "staff.manage"
	APIKeyManage   Permission = "apikey.manage"
	StoreManage    Permission = "store.manage"
	SettingsManage Permission = "settings.manage"
	ReportRead     Permission = "report.read"
	POSUse         Permission = "pos.use"
	ProductRead    Permission = "product.read"
	ProductManage  Permission = "product.manage"
	PointsAdjust   Permission = "points.adjust" // add or take points by hand, with a reason
)

var allPermissions = []Permission{
	MemberRead, MemberWrite, MemberUnmask, MemberExport, MemberErase, MemberMerge, MemberImport,
	AuditRead, StaffManage, APIKeyManage, StoreManage, SettingsManage, ReportRead, POSUse,
	ProductRead, ProductManage, PointsAdjust,
}

// Grants is the one table of who may do what. Every role except the owner
// (and the system) is confined to its own store when it has one; see Scope.
var Grants = map[string][]Permission{
	RoleOwner: allPermissions,
	RoleManager: {
		MemberRead, MemberWrite, MemberUnmask, MemberExport, MemberErase, MemberMerge, MemberImport,
		AuditRead, StaffManage, APIKeyManage, ReportRead, POSUse, ProductRead, ProductManage, PointsAdjust,
	},
	RoleCashier:  {MemberRead, MemberWrite, POSUse, ProductRead},
	RoleMarketer: {MemberRead, MemberExport, ReportRead, ProductRead},
	RoleService:  {MemberRead, MemberWrite, ProductRead},
	RoleAnalyst:  {MemberRead, ReportRead, MemberExport, ProductRead},
	RoleTerminal: {MemberRead, MemberWrite, POSUse, ProductRead},
	RoleSystem:   allPermissions,
}

var staffRoles = []string{RoleOwner, RoleManager, RoleCashier, RoleMarketer, RoleService, RoleAnalyst}

// Permissions lists every permission, in a stable order.
func Permissions() []Permission { return slices.Clone(allPermissions) }

// Roles lists the roles a staff account may hold, most powerful first.
func Roles() []string { return slices.Clone(staffRoles) }

// ValidRole reports whether a staff account may hold role.
func ValidRole(role string) bool { return slices.Contains(staffRoles, role) }

// Can reports whether role carries permission p.
func Can(role string, p Permission) bool { return slices.Contains(Grants[role], p) }

// Scope is the store an actor is confined to, 0 for the whole chain.
// Owners and the system see every store whatever their home store.
func Scope(a linli.Actor) int64 {
	if a.Role == RoleOwner || a.Role == RoleSystem {
		return 0
	}
	return a.StoreID
}

// Allowed reports whether a may use p on something belonging to storeID
// (0: the chain as a whole, which only unscoped actors may touch).
func Allowed(a linli.Actor, p Permission, storeID int64) bool {
	if !Can(a.Role, p) {
		return false
	}
	scope := Scope(a)
	return scope == 0 || scope == storeID
}

// Require is Allowed as an error: nil, or a forbidden error with code
// "auth.forbidden".
func Require(a linli.Actor, p Permission, storeID int64) error {
	if Allowed(a, p, storeID) {
		return nil
	}
	if !Can(a.Role, p) {
		return linli.Errorf(linli.KindForbidden, "auth.forbidden", "the role %q may not %s", a.Role, p)
	}
	return linli.Errorf(linli.KindForbidden, "auth.forbidden", "%s is limited to store %d", a.Name, Scope(a))
}

// canAssign reports whether actor may give role to an account (or change an
// account that holds it): owners and the system may give any role, everyone
// else only roles strictly weaker than their own, so that nobody can raise
// an account to their own level or above.
func canAssign(actor linli.Actor, role string) bool {
	if actor.Role == RoleOwner || actor.Role == RoleSystem {
		return true
	}
	mine, theirs := Grants[actor.Role], Grants[role]
	if len(theirs) >= len(mine) {
		return false
	}
	for _, p := range theirs {
		if !slices.Contains(mine, p) {
			return false
		}
	}
	return true
}
