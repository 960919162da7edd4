// Package linli holds the vocabulary every other package shares: the error
// type that carries a stable machine code from the domain to the edge, and the
// clock. It imports nothing of the project, so anything may import it.
package linli

import (
	"errors"
	"fmt"
	"time"
)

// Kind says what sort of failure an error is; the HTTP layer maps it to a
// status and the CLI to an exit code. The domain never speaks HTTP.
type Kind int

const (
	KindInternal     Kind = iota // a bug or an outage: not the caller's fault
	KindInvalid                  // the input is wrong; nothing was changed
	KindNotFound                 // the thing asked for does not exist
	KindConflict                 // the input clashes with what is stored
	KindUnauthorized             // who the caller is could not be established
	KindForbidden                // the caller may not do this
	KindTooLarge                 // the input is bigger than allowed
	KindRateLimited              // too many attempts; try again later
	KindUnavailable              // not ready (e.g. schema behind, shutting down)
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindUnauthorized:
		return "unauthorized"
	case KindForbidden:
		return "forbidden"
	case KindTooLarge:
		return "too_large"
	case KindRateLimited:
		return "rate_limited"
	case KindUnavailable:
		return "unavailable"
	}
	return "internal"
}

// FieldError names one input field at fault and why, with a code that the
// locale package turns into a sentence in the caller's language.
type FieldError struct {
	Field string `json:"field"`
	Code  string `json:"code"`
	// Message is the English explanation; the edge may replace it with a
	// translation looked up by Code.
	Message string `json:"message"`
}

// Error is the one error type the domain returns for anything a caller can
// act on. Code is stable and machine-readable ("member.phone_invalid");
// Message is an English sentence for logs and for callers without a locale.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Fields  []FieldError
	Err     error // the cause, if any; never shown to callers
}

func (e *Error) Error() string {
	msg := e.Code + ": " + e.Message
	for _, f := range e.Fields {
		msg += fmt.Sprintf(" [%s: %s]", f.Field, f.Message)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error of the given kind and code.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports one bad field; code doubles as the field error's code.
func Invalid(code, field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Kind: KindInvalid, Code: code, Message: msg,
		Fields: []FieldError{{Field: field, Code: code, Message: msg}}}
}

// Validation collects field errors so a form can show all of them at once.
type Validation struct{ fields []FieldError }

// Add records a bad field.
func (v *Validation) Add(field, code, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was added, otherwise an invalid-input error
// whose code is the first field's code.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	f := v.fields[0]
	return &Error{Kind: KindInvalid, Code: f.Code, Message: f.Message, Fields: v.fields}
}

// AsError finds the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ErrorKind returns err's kind, KindInternal when it is not an *Error.
func ErrorKind(err error) Kind {
	if e, ok := AsError(err); ok {
		return e.Kind
	}
	return KindInternal
}

// ErrorCode returns err's machine code, "internal" when it is not an *Error.
func ErrorCode(err error) string {
	if e, ok := AsError(err); ok {
		return e.Code
	}
	return "internal"
}

// Clock tells the time. Every rule that depends on dates takes one so that
// tests can move time.
type Clock func() time.Time

// SystemClock is the real clock in UTC.
func SystemClock() time.Time { return time.Now().UTC() }

// Actor is who does something: a staff member in the console, a terminal
// with an API key, a member on the mobile page, or the system (jobs, CLI).
// Every write and every unmasked view is recorded with its actor.
type Actor struct {
	StaffID  int64  // 0 when not a staff member
	APIKeyID int64  // 0 when not a terminal
	Name     string // username, key name, "cli" or "system"
	Role     string // the staff role, or "terminal" / "system"
	StoreID  int64  // the store the actor works in; 0 for the whole chain
	Terminal string // the API key's terminal name; "" when the key names none or the actor is no terminal
	IP       string
}

// System is the actor for jobs and the command line.
var System = Actor{Name: "system", Role: "system"}
