package auth

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/linli/linli"
)

// Defaults for Options.
const (
	DefaultSessionTTL   = 12 * time.Hour
	DefaultLoginFails   = 5
	DefaultLoginWindow  = 15 * time.Minute
	keyTouchInterval    = time.Minute
	maxDisplayNameLen   = 64
	maxKeyNameLen       = 64
	maxTerminalLen      = 64
	maxAuditUsernameLen = 64
)

// Options tunes a Service; zero values take the defaults.
type Options struct {
	Now linli.Clock
	// SessionTTL is how long a session lives. Sessions slide: one used
	// when less than half its time is left is extended to a full TTL.
	SessionTTL  time.Duration
	LoginFails  int           // failures allowed per username and per IP …
	LoginWindow time.Duration // … within this window
	Log         *slog.Logger
}

// Service manages staff, logins, sessions and API keys.
type Service struct {
	st    Store
	now   linli.Clock
	ttl   time.Duration
	users *Limiter
	ips   *Limiter
	log   *slog.Logger

	keysMu  sync.Mutex
	keys    map[string]cachedKey // by token hash; see AuthenticateAPIKey
	keysGen int                  // counts forgets: a read that began before one is not kept
}

// cachedKey is an API key as read at (wall clock).
type cachedKey struct {
	key APIKey
	at  time.Time
}

// keyCacheTTL is how long a till's key, once read, is trusted without
// reading it again: every request of every till presents it. A key
// revoked through this service is dropped at once.
const keyCacheTTL = time.Second

// New builds a Service on st.
func New(st Store, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = linli.SystemClock
	}
	if opt.SessionTTL <= 0 {
		opt.SessionTTL = DefaultSessionTTL
	}
	if opt.LoginFails <= 0 {
		opt.LoginFails = DefaultLoginFails
	}
	if opt.LoginWindow <= 0 {
		opt.LoginWindow = DefaultLoginWindow
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Service{
		st: st, now: opt.Now, ttl: opt.SessionTTL, log: opt.Log,
		users: NewLimiter(opt.LoginFails, opt.LoginWindow, opt.Now),
		ips:   NewLimiter(opt.LoginFails, opt.LoginWindow, opt.Now),
	}
}

// ActorForStaff is the actor for a logged-in staff member.
func ActorForStaff(s *Staff, ip string) linli.Actor {
	return linli.Actor{StaffID: s.ID, Name: s.Username, Role: s.Role, StoreID: s.StoreID, IP: ip}
}

// ActorForKey is the actor for a terminal using an API key.
func ActorForKey(k *APIKey, ip string) linli.Actor {
	return linli.Actor{APIKeyID: k.ID, Name: k.Name, Role: RoleTerminal, StoreID: k.StoreID, Terminal: k.Terminal, IP: ip}
}

func (s *Service) audit(a linli.Actor, action, entity string, id, storeID int64, detail string) Audit {
	return Audit{At: s.now(), Actor: a, Action: action, Entity: entity, EntityID: id, StoreID: storeID, Detail: detail}
}

// ---- staff accounts ----

var usernameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`) })

// NormalizeUsername lower-cases and trims a username; logins are
// case-insensitive.
func NormalizeUsername(u string) string { return strings.ToLower(strings.TrimSpace(u)) }

// validateProfile checks the fields shared by creating and updating.
func (s *Service) validateProfile(ctx context.Context, v *linli.Validation, displayName, role string, storeID int64, lang string) error {
	if utf8.RuneCountInString(displayName) > maxDisplayNameLen {
		v.Add("display_name", "staff.display_name_too_long", "the display name must have at most %d characters", maxDisplayNameLen)
	}
	if !ValidRole(role) {
		v.Add("role", "staff.role_invalid", "the role must be one of %s", strings.Join(staffRoles, ", "))
	}
	if storeID == 0 && (role == RoleManager || role == RoleCashier) {
		v.Add("store_id", "staff.store_required", "a %s must belong to a store", role)
	}
	if storeID != 0 {
		ok, err := s.st.StoreExists(ctx, storeID)
		if err != nil {
			return fmt.Errorf("auth: check store: %w", err)
		}
		if !ok {
			v.Add("store_id", "staff.store_invalid", "store %d does not exist", storeID)
		}
	}
	if !slices.Contains(Langs, lang) {
		v.Add("lang", "staff.lang_invalid", "the language must be one of %s", strings.Join(Langs, ", "))
	}
	return nil
}

// mayManage checks that actor may manage an account of role in storeID.
func mayManage(actor linli.Actor, role string, storeID int64) error {
	if err := Require(actor, StaffManage, storeID); err != nil {
		return err
	}
	if !canAssign(actor, role) {
		return linli.Errorf(linli.KindForbidden, "staff.role_forbidden", "a %s may not manage %s accounts", actor.Role, role)
	}
	return nil
}

// CreateStaff creates an account. Owners (and the system) may create any
// account; a manager only weaker roles in their own store.
func (s *Service) CreateStaff(ctx context.Context, actor linli.Actor, in StaffInput) (*Staff, error) {
	if !Can(actor.Role, StaffManage) {
		return nil, Require(actor, StaffManage, 0)
	}
	in.Username = NormalizeUsername(in.Username)
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if in.Lang == "" {
		in.Lang = Langs[0]
	}
	var v linli.Validation
	if !usernameRE().MatchString(in.Username) {
		v.Add("username", "staff.username_invalid", "the username must be 2–32 characters: a–z, 0–9, dot, dash or underscore, starting with a letter or digit")
	}
	if err := ValidatePassword(in.Password); err != nil {
		e, _ := linli.AsError(err)
		v.Add("password", e.Code, "%s", e.Message)
	}
	if err := s.validateProfile(ctx, &v, in.DisplayName, in.Role, in.StoreID, in.Lang); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := mayManage(actor, in.Role, in.StoreID); err != nil {
		return nil, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	st := &Staff{Username: in.Username, DisplayName: in.DisplayName, Role: in.Role, StoreID: in.StoreID,
		Lang: in.Lang, Active: true, CreatedAt: now, UpdatedAt: now}
	id, err := s.st.CreateStaff(ctx, st, hash, s.audit(actor, "staff.create", "staff", 0, in.StoreID,
		fmt.Sprintf("username=%s role=%s", in.Username, in.Role)))
	if err != nil {
		if linli.ErrorKind(err) != linli.KindInternal {
			return nil, err
		}
		return nil, fmt.Errorf("auth: create staff: %w", err)
	}
	st.ID = id
	return st, nil
}

// target loads an account that actor wants to change.
func (s *Service) target(ctx context.Context, actor linli.Actor, id int64) (*Staff, error) {
	st, err := s.st.GetStaff(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("auth: get staff %d: %w", id, err)
	}
	if st == nil {
		return nil, linli.Errorf(linli.KindNotFound, "staff.not_found", "staff account %d does not exist", id)
	}
	if err := mayManage(actor, st.Role, st.StoreID); err != nil {
		return nil, err
	}
	return st, nil
}

// GetStaff returns one account: the actor's own, or one they may manage.
func (s *Service) GetStaff(ctx context.Context, actor linli.Actor, id int64) (*Staff, error) {
	st, err := s.st.GetStaff(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("auth: get staff %d: %w", id, err)
	}
	if st == nil {
		return nil, linli.Errorf(linli.KindNotFound, "staff.not_found", "staff account %d does not exist", id)
	}
	if actor.StaffID != 0 && actor.StaffID == id {
		return st, nil
	}
	if err := Require(actor, StaffManage, st.StoreID); err != nil {
		return nil, err
	}
	return st, nil
}

// ListStaff lists accounts of storeID (0: all the actor may see). A
// store-bound actor always sees only their store.
func (s *Service) ListStaff(ctx context.Context, actor linli.Actor, storeID int64) ([]*Staff, error) {
	if scope := Scope(actor); scope != 0 {
		storeID = scope
	}
	if err := Require(actor, StaffManage, storeID); err != nil {
		return nil, err
	}
	list, err := s.st.ListStaff(ctx, storeID)
	if err != nil {
		return nil, fmt.Errorf("auth: list staff: %w", err)
	}
	return list, nil
}

// UpdateStaff changes an account's display name, role, store and language.
func (s *Service) UpdateStaff(ctx context.Context, actor linli.Actor, id int64, in StaffUpdate) (*Staff, error) {
	st, err := s.target(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	var v linli.Validation
	if err := s.validateProfile(ctx, &v, in.DisplayName, in.Role, in.StoreID, in.Lang); err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := mayManage(actor, in.Role, in.StoreID); err != nil {
		return nil, err
	}
	if st.Role == RoleOwner && in.Role != RoleOwner && st.Active {
		if err := s.keepAnOwner(ctx); err != nil {
			return nil, err
		}
	}
	var changes []string
	if in.DisplayName != st.DisplayName {
		changes = append(changes, "display_name")
	}
	if in.Role != st.Role {
		changes = append(changes, fmt.Sprintf("role=%s→%s", st.Role, in.Role))
	}
	if in.StoreID != st.StoreID {
		changes = append(changes, fmt.Sprintf("store=%d→%d", st.StoreID, in.StoreID))
	}
	if in.Lang != st.Lang {
		changes = append(changes, "lang="+in.Lang)
	}
	if len(changes) == 0 {
		return st, nil
	}
	st.DisplayName, st.Role, st.StoreID, st.Lang, st.UpdatedAt = in.DisplayName, in.Role, in.StoreID, in.Lang, s.now()
	if err := s.st.UpdateStaff(ctx, st, s.audit(actor, "staff.update", "staff", st.ID, st.StoreID, strings.Join(changes, " "))); err != nil {
		return nil, fmt.Errorf("auth: update staff %d: %w", id, err)
	}
	return st, nil
}

// keepAnOwner refuses a change that would leave no active owner, since
// nobody could then manage the chain from the console.
func (s *Service) keepAnOwner(ctx context.Context) error {
	n, err := s.st.CountActiveStaff(ctx, RoleOwner)
	if err != nil {
		return fmt.Errorf("auth: count owners: %w", err)
	}
	if n <= 1 {
		return linli.Errorf(linli.KindConflict, "staff.last_owner", "this is the last active owner account")
	}
	return nil
}

// SetActive enables or disables an account. Disabling ends its sessions at
// once; nobody may disable their own account or the last owner.
func (s *Service) SetActive(ctx context.Context, actor linli.Actor, id int64, active bool) error {
	st, err := s.target(ctx, actor, id)
	if err != nil {
		return err
	}
	if st.Active == active {
		return nil
	}
	if !active {
		if actor.StaffID == id {
			return linli.Errorf(linli.KindConflict, "staff.self_deactivate", "you cannot deactivate your own account")
		}
		if st.Role == RoleOwner {
			if err := s.keepAnOwner(ctx); err != nil {
				return err
			}
		}
	}
	action := "staff.deactivate"
	if active {
		action = "staff.activate"
	}
	st.Active, st.UpdatedAt = active, s.now()
	if err := s.st.UpdateStaff(ctx, st, s.audit(actor, action, "staff", st.ID, st.StoreID, "")); err != nil {
		return fmt.Errorf("auth: set staff %d active=%v: %w", id, active, err)
	}
	return nil
}

// ResetPassword sets a new password for someone else's account and ends
// that account's sessions.
func (s *Service) ResetPassword(ctx context.Context, actor linli.Actor, id int64, password string) error {
	st, err := s.target(ctx, actor, id)
	if err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := s.st.SetPassword(ctx, st.ID, hash, s.now(), s.audit(actor, "staff.password_reset", "staff", st.ID, st.StoreID, "")); err != nil {
		return fmt.Errorf("auth: reset password of staff %d: %w", id, err)
	}
	return nil
}

// ChangePassword lets a staff member change their own password, given the
// current one. All their sessions end, this one included.
func (s *Service) ChangePassword(ctx context.Context, actor linli.Actor, current, password string) error {
	if actor.StaffID == 0 {
		return linli.Errorf(linli.KindForbidden, "auth.forbidden", "only a staff account has a password")
	}
	st, hash, err := s.st.StaffByUsername(ctx, actor.Name)
	if err != nil {
		return fmt.Errorf("auth: change password: %w", err)
	}
	if st == nil || st.ID != actor.StaffID {
		return linli.Errorf(linli.KindNotFound, "staff.not_found", "staff account %d does not exist", actor.StaffID)
	}
	if !CheckPassword(hash, current) {
		return linli.Invalid("auth.password_wrong", "current_password", "the current password is wrong")
	}
	newHash, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := s.st.SetPassword(ctx, st.ID, newHash, s.now(), s.audit(actor, "staff.password_change", "staff", st.ID, st.StoreID, "")); err != nil {
		return fmt.Errorf("auth: change password of staff %d: %w", st.ID, err)
	}
	return nil
}

// SetLang sets the actor's own console language.
func (s *Service) SetLang(ctx context.Context, actor linli.Actor, lang string) error {
	if !slices.Contains(Langs, lang) {
		return linli.Invalid("staff.lang_invalid", "lang", "the language must be one of %s", strings.Join(Langs, ", "))
	}
	st, err := s.st.GetStaff(ctx, actor.StaffID)
	if err != nil {
		return fmt.Errorf("auth: set lang: %w", err)
	}
	if st == nil || actor.StaffID == 0 {
		return linli.Errorf(linli.KindNotFound, "staff.not_found", "staff account %d does not exist", actor.StaffID)
	}
	if st.Lang == lang {
		return nil
	}
	st.Lang, st.UpdatedAt = lang, s.now()
	if err := s.st.UpdateStaff(ctx, st, s.audit(actor, "staff.update", "staff", st.ID, st.StoreID, "lang="+lang)); err != nil {
		return fmt.Errorf("auth: set lang of staff %d: %w", st.ID, err)
	}
	return nil
}

// ---- logins and sessions ----

var (
	dummyOnce sync.Once
	dummyHash string
)

// burnHash checks a password against a throw-away hash so that an unknown
// username takes as long as a wrong password and cannot be told apart.
func burnHash(pw string) {
	dummyOnce.Do(func() { dummyHash, _ = HashPassword("not-a-password-at-all") })
	CheckPassword(dummyHash, pw)
}

func badCredentials() error {
	return linli.Errorf(linli.KindUnauthorized, "auth.bad_credentials", "wrong username or password")
}

// Login checks a username and password and opens a session. After too many
// failures for the username or the IP address it refuses with
// "auth.rate_limited" without checking anything. Failures are audited
// (never with the password).
func (s *Service) Login(ctx context.Context, username, password, ip string) (*Session, *Staff, error) {
	username = NormalizeUsername(username)
	userKey, ipKey := "u:"+username, "ip:"+ip
	for _, k := range []struct {
		l   *Limiter
		key string
	}{{s.users, userKey}, {s.ips, ipKey}} {
		if blocked, wait := k.l.Blocked(k.key); blocked {
			mins := int(wait.Minutes()) + 1
			return nil, nil, linli.Errorf(linli.KindRateLimited, "auth.rate_limited",
				"too many failed logins; try again in %d minutes", mins)
		}
	}
	fail := func(st *Staff, reason string) error {
		s.users.Fail(userKey)
		s.ips.Fail(ipKey)
		a := s.audit(linli.Actor{Name: truncate(username, maxAuditUsernameLen), IP: ip}, "auth.login_failed", "staff", 0, 0, reason)
		if st != nil { // the account aimed at; the actor stays unknown
			a.EntityID, a.StoreID = st.ID, st.StoreID
		}
		if err := s.st.AppendAudit(ctx, a); err != nil {
			s.log.Error("auth: audit failed login", "err", err)
		}
		return badCredentials()
	}
	if len(password) > 4*MaxPasswordLen {
		return nil, nil, fail(nil, "password too long")
	}
	st, hash, err := s.st.StaffByUsername(ctx, username)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: login: %w", err)
	}
	if st == nil {
		burnHash(password)
		return nil, nil, fail(nil, "unknown user")
	}
	if !CheckPassword(hash, password) {
		return nil, nil, fail(st, "wrong password")
	}
	// Only someone who knows the password learns that the account is off.
	if !st.Active {
		a := s.audit(ActorForStaff(st, ip), "auth.login_failed", "staff", st.ID, st.StoreID, "inactive")
		if err := s.st.AppendAudit(ctx, a); err != nil {
			s.log.Error("auth: audit failed login", "err", err)
		}
		return nil, nil, linli.Errorf(linli.KindUnauthorized, "auth.inactive", "this account has been deactivated")
	}
	s.users.Reset(userKey)
	now := s.now()
	sess := &Session{Token: newToken(), CSRF: newToken(), StaffID: st.ID, CreatedAt: now, ExpiresAt: now.Add(s.ttl)}
	if err := s.st.CreateSession(ctx, tokenHash(sess.Token), sess,
		s.audit(ActorForStaff(st, ip), "auth.login", "staff", st.ID, st.StoreID, "")); err != nil {
		return nil, nil, fmt.Errorf("auth: create session: %w", err)
	}
	return sess, st, nil
}

func sessionInvalid() error {
	return linli.Errorf(linli.KindUnauthorized, "auth.session_invalid", "not logged in")
}

// SessionByToken finds the live session for a token and its (active)
// account. Expired sessions give "auth.session_expired".
func (s *Service) SessionByToken(ctx context.Context, token string) (*Staff, *Session, error) {
	if !validToken(token) {
		return nil, nil, sessionInvalid()
	}
	h := tokenHash(token)
	sess, err := s.st.SessionByHash(ctx, h)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: find session: %w", err)
	}
	if sess == nil {
		return nil, nil, sessionInvalid()
	}
	now := s.now()
	if !now.Before(sess.ExpiresAt) {
		return nil, nil, linli.Errorf(linli.KindUnauthorized, "auth.session_expired", "the session has expired; log in again")
	}
	st, err := s.st.GetStaff(ctx, sess.StaffID)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: find session staff: %w", err)
	}
	if st == nil {
		return nil, nil, sessionInvalid()
	}
	if !st.Active {
		return nil, nil, linli.Errorf(linli.KindUnauthorized, "auth.inactive", "this account has been deactivated")
	}
	// Slide only once half the lifetime is gone, so a busy console writes
	// at most a couple of times per TTL.
	if sess.ExpiresAt.Sub(now) < s.ttl/2 {
		exp := now.Add(s.ttl)
		if err := s.st.ExtendSession(ctx, h, exp); err != nil {
			s.log.Warn("auth: extend session", "err", err)
		} else {
			sess.ExpiresAt = exp
		}
	}
	sess.Token = token
	return st, sess, nil
}

// Logout ends the session holding token. An unknown token is not an error.
func (s *Service) Logout(ctx context.Context, token, ip string) error {
	if !validToken(token) {
		return nil
	}
	h := tokenHash(token)
	sess, err := s.st.SessionByHash(ctx, h)
	if err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	if sess == nil {
		return nil
	}
	a := s.audit(linli.Actor{StaffID: sess.StaffID, IP: ip}, "auth.logout", "staff", sess.StaffID, 0, "")
	if st, err := s.st.GetStaff(ctx, sess.StaffID); err == nil && st != nil {
		a.Actor, a.StoreID = ActorForStaff(st, ip), st.StoreID
	}
	if err := s.st.DeleteSession(ctx, h, a); err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	return nil
}

// PurgeSessions deletes expired sessions; a periodic job calls it.
func (s *Service) PurgeSessions(ctx context.Context) (int64, error) {
	n, err := s.st.DeleteExpiredSessions(ctx, s.now())
	if err != nil {
		return 0, fmt.Errorf("auth: purge sessions: %w", err)
	}
	return n, nil
}

// ---- API keys ----

// CreateAPIKey makes a key for a terminal in storeID. The plaintext key is
// returned once and cannot be recovered later.
func (s *Service) CreateAPIKey(ctx context.Context, actor linli.Actor, name string, storeID int64, terminal string) (string, *APIKey, error) {
	name, terminal = strings.TrimSpace(name), strings.TrimSpace(terminal)
	var v linli.Validation
	switch {
	case name == "":
		v.Add("name", "apikey.name_required", "the key needs a name")
	case utf8.RuneCountInString(name) > maxKeyNameLen:
		v.Add("name", "apikey.name_too_long", "the name must have at most %d characters", maxKeyNameLen)
	}
	if utf8.RuneCountInString(terminal) > maxTerminalLen {
		v.Add("terminal", "apikey.terminal_too_long", "the terminal must have at most %d characters", maxTerminalLen)
	}
	if storeID == 0 {
		v.Add("store_id", "apikey.store_required", "a key belongs to one store")
	} else {
		ok, err := s.st.StoreExists(ctx, storeID)
		if err != nil {
			return "", nil, fmt.Errorf("auth: check store: %w", err)
		}
		if !ok {
			v.Add("store_id", "apikey.store_invalid", "store %d does not exist", storeID)
		}
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	if err := Require(actor, APIKeyManage, storeID); err != nil {
		return "", nil, err
	}
	key, prefix := newAPIKey()
	k := &APIKey{Name: name, Prefix: prefix, StoreID: storeID, Terminal: terminal, CreatedBy: actor.StaffID, CreatedAt: s.now()}
	id, err := s.st.CreateAPIKey(ctx, k, tokenHash(key), s.audit(actor, "apikey.create", "api_key", 0, storeID,
		fmt.Sprintf("name=%s prefix=%s terminal=%s", name, prefix, terminal)))
	if err != nil {
		return "", nil, fmt.Errorf("auth: create api key: %w", err)
	}
	k.ID = id
	return key, k, nil
}

// RevokeAPIKey stops a key from working. Revoking twice is not an error.
func (s *Service) RevokeAPIKey(ctx context.Context, actor linli.Actor, id int64) error {
	k, err := s.st.GetAPIKey(ctx, id)
	if err != nil {
		return fmt.Errorf("auth: get api key %d: %w", id, err)
	}
	if k == nil {
		return linli.Errorf(linli.KindNotFound, "apikey.not_found", "API key %d does not exist", id)
	}
	if err := Require(actor, APIKeyManage, k.StoreID); err != nil {
		return err
	}
	if k.Revoked() {
		return nil
	}
	defer s.forgetKeys()
	if err := s.st.RevokeAPIKey(ctx, id, s.now(), s.audit(actor, "apikey.revoke", "api_key", id, k.StoreID, "prefix="+k.Prefix)); err != nil {
		return fmt.Errorf("auth: revoke api key %d: %w", id, err)
	}
	return nil
}

// ListAPIKeys lists keys of storeID (0: all the actor may see).
func (s *Service) ListAPIKeys(ctx context.Context, actor linli.Actor, storeID int64) ([]*APIKey, error) {
	if scope := Scope(actor); scope != 0 {
		storeID = scope
	}
	if err := Require(actor, APIKeyManage, storeID); err != nil {
		return nil, err
	}
	list, err := s.st.ListAPIKeys(ctx, storeID)
	if err != nil {
		return nil, fmt.Errorf("auth: list api keys: %w", err)
	}
	return list, nil
}

// AuthenticateAPIKey finds the live key matching a presented key. Codes:
// "auth.key_invalid" (malformed or unknown), "auth.key_revoked".
func (s *Service) AuthenticateAPIKey(ctx context.Context, key string) (*APIKey, error) {
	if _, ok := parseAPIKey(key); !ok {
		return nil, linli.Errorf(linli.KindUnauthorized, "auth.key_invalid", "the API key is not valid")
	}
	h := tokenHash(key)
	k, err := s.apiKeyByHash(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("auth: find api key: %w", err)
	}
	if k == nil {
		return nil, linli.Errorf(linli.KindUnauthorized, "auth.key_invalid", "the API key is not valid")
	}
	if k.Revoked() {
		return nil, linli.Errorf(linli.KindUnauthorized, "auth.key_revoked", "the API key has been revoked")
	}
	now := s.now()
	if now.Sub(k.LastUsedAt) >= keyTouchInterval {
		if err := s.st.TouchAPIKey(ctx, k.ID, now); err != nil {
			s.log.Warn("auth: record api key use", "key", k.ID, "err", err)
		} else {
			k.LastUsedAt = now
			s.keysMu.Lock()
			if c, ok := s.keys[string(h)]; ok {
				c.key.LastUsedAt = now
				s.keys[string(h)] = c
			}
			s.keysMu.Unlock()
		}
	}
	return k, nil
}

// apiKeyByHash reads a key, or takes it from the cache when read less than
// keyCacheTTL ago. It returns a copy; nil when there is no such key.
func (s *Service) apiKeyByHash(ctx context.Context, h []byte) (*APIKey, error) {
	s.keysMu.Lock()
	c, ok := s.keys[string(h)]
	s.keysMu.Unlock()
	if ok && time.Since(c.at) < keyCacheTTL {
		k := c.key
		return &k, nil
	}
	s.keysMu.Lock()
	gen := s.keysGen
	s.keysMu.Unlock()
	start := time.Now()
	k, err := s.st.APIKeyByHash(ctx, h)
	if err != nil || k == nil {
		return k, err
	}
	s.keysMu.Lock()
	if s.keys == nil || len(s.keys) > 10_000 {
		s.keys = map[string]cachedKey{}
	}
	if gen == s.keysGen {
		s.keys[string(h)] = cachedKey{key: *k, at: start}
	}
	s.keysMu.Unlock()
	return k, nil
}

func (s *Service) forgetKeys() {
	s.keysMu.Lock()
	clear(s.keys)
	s.keysGen++
	s.keysMu.Unlock()
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
