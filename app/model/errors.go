package model

import (
	"errors"
	"fmt"
)

// Kind classifies a domain error; each transport maps it to its own status.
type Kind int

// The kinds of domain error.
const (
	KindInternal     Kind = iota // a fault of ours; details never reach the client
	KindInvalid                  // bad input
	KindNotFound                 // the thing does not exist, or the actor may not know it does
	KindUnauthorized             // no or bad credentials
	KindForbidden                // authenticated, but not allowed
	KindConflict                 // the write clashes with existing data
	KindTooMany                  // rate limited
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not found"
	case KindUnauthorized:
		return "unauthorized"
	case KindForbidden:
		return "forbidden"
	case KindConflict:
		return "conflict"
	case KindTooMany:
		return "too many"
	}
	return "internal"
}

// Error is the one domain error type. Code is Rocket.Chat's error code (such as
// "error-invalid-room"), Message the user-safe text, Details optional data for the client,
// Cause the internal error that is logged but never shown.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Details map[string]any
	Cause   error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s [%s]: %v", e.Message, e.Code, e.Cause)
	}
	return fmt.Sprintf("%s [%s]", e.Message, e.Code)
}

func (e *Error) Unwrap() error { return e.Cause }

// Errorf builds a domain error of the given kind and code with a formatted, user-safe message.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid is a KindInvalid error.
func Invalid(code, msg string) *Error { return &Error{Kind: KindInvalid, Code: code, Message: msg} }

// NotFound is a KindNotFound error.
func NotFound(code, msg string) *Error { return &Error{Kind: KindNotFound, Code: code, Message: msg} }

// Forbidden is a KindForbidden error with Rocket.Chat's wording.
func Forbidden(code string) *Error {
	return &Error{Kind: KindForbidden, Code: code, Message: "User does not have the permissions required for this action"}
}

// Internal wraps an unexpected error; the client sees only a generic message.
func Internal(cause error) *Error {
	return &Error{Kind: KindInternal, Code: "error-internal", Message: "Internal server error", Cause: cause}
}

// AsError returns err as a domain error, wrapping anything else as internal. A nil err
// gives nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// ErrNotFound is returned by stores when no document matches.
var ErrNotFound = errors.New("document not found")

// ErrDuplicate is returned by stores when a unique key is already taken.
var ErrDuplicate = errors.New("duplicate key")
