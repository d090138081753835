package rest

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/outpostchat/outpost/app/model"
)

// Rocket.Chat's fixed error texts (PROTOCOL.md §4.0.3).
const (
	msgUnauthorized = "You must be logged in to do this."
	msgForbidden    = "User does not have the permissions required for this action"
	codeForbidden   = "error-unauthorized" // PROTOCOL.md §4.0.3 (8.x also knows error-forbidden)
	msgNotFound     = "Resource not found"
	msgTooMany      = "Error, too many requests. Please slow down."
	codeTooMany     = "error-too-many-requests"
	msgInternal     = "Internal server error"
)

// errorBody is every REST error body, its fields in Rocket.Chat's order.
type errorBody struct {
	Success   bool           `json:"success"`
	Status    string         `json:"status,omitempty"`
	Message   string         `json:"message,omitempty"`
	Error     string         `json:"error"`
	ErrorType string         `json:"errorType,omitempty"`
	Details   map[string]any `json:"details,omitempty"`
}

// WriteError is the one function that turns any error into Rocket.Chat's REST error
// response (PROTOCOL.md §4.0.3). A *model.Error maps by kind:
//
//	KindInvalid, KindConflict → 400 {"success":false,"error":"<msg> [<code>]","errorType":"<code>","details"?}
//	KindUnauthorized          → 401 {"success":false,"status":"error","message":M,"error":M}
//	                               (M is the error's message, else "You must be logged in to do this.")
//	KindForbidden             → 403 {"success":false,"error":"<msg> [<code>]"}
//	                               (defaults: Rocket.Chat's permission text and error-unauthorized)
//	KindNotFound              → 404 {"success":false,"error":"<msg>"} ("Resource not found" by default)
//	KindTooMany               → 429 {"success":false,"error":"<msg> [error-too-many-requests]"}
//	KindInternal, any other   → 500 {"success":false,"error":"Internal server error"}
//
// Any error that is not a *model.Error is internal. Internal errors are logged at error
// level with their cause, which never reaches the client; the others at debug level.
// Callers may set extra headers (such as X-RateLimit-*) on w before calling; nothing must
// have been written to w yet. log may be nil.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e := model.AsError(err)
	if e == nil {
		e = model.Internal(errNilError)
	}
	status, body := errorResponse(e)
	if log != nil {
		level := slog.LevelDebug
		if status == http.StatusInternalServerError {
			level = slog.LevelError
		}
		log.LogAttrs(r.Context(), level, "request failed",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.String("kind", e.Kind.String()),
			slog.String("error", e.Error()))
	}
	writeJSON(w, status, body)
}

// errorResponse maps a domain error to its status and body.
func errorResponse(e *model.Error) (int, errorBody) {
	switch e.Kind {
	case model.KindInvalid, model.KindConflict:
		return http.StatusBadRequest, errorBody{
			Error:     or(withCode(e.Message, e.Code), "Bad request"),
			ErrorType: e.Code,
			Details:   e.Details,
		}
	case model.KindUnauthorized:
		msg := or(e.Message, msgUnauthorized)
		return http.StatusUnauthorized, errorBody{Status: "error", Message: msg, Error: msg, Details: e.Details}
	case model.KindForbidden:
		return http.StatusForbidden, errorBody{Error: withCode(or(e.Message, msgForbidden), or(e.Code, codeForbidden))}
	case model.KindNotFound:
		return http.StatusNotFound, errorBody{Error: or(e.Message, msgNotFound)}
	case model.KindTooMany:
		return http.StatusTooManyRequests, errorBody{Error: withCode(or(e.Message, msgTooMany), or(e.Code, codeTooMany))}
	}
	return http.StatusInternalServerError, errorBody{Error: msgInternal}
}

// withCode formats a message the way Meteor.Error does: "<msg> [<code>]".
func withCode(msg, code string) string {
	switch {
	case code == "":
		return msg
	case msg == "":
		return "[" + code + "]"
	}
	return msg + " [" + code + "]"
}

// or returns s, or def when s is empty.
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// errNilError is the cause logged when WriteError is given a nil error: a bug in a handler.
var errNilError = errors.New("rest: WriteError called with a nil error")
