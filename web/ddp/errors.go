package ddp

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/outpostchat/outpost/app/model"
)

// meteorError is a Meteor.Error as DDP results, nosub messages and the REST method.call
// bridge carry it (PROTOCOL.md §1.4). Error is a string code or a number.
type meteorError struct {
	IsClientSafe bool           `json:"isClientSafe"`
	Error        any            `json:"error"`
	Reason       string         `json:"reason,omitempty"`
	Details      map[string]any `json:"details,omitempty"`
	Message      string         `json:"message"`
	ErrorType    string         `json:"errorType"`
}

const msgInternal = "Internal server error"

// toMeteorError is the one function that turns any error into the Meteor error object a
// client sees. A *model.Error maps as:
//
//	Code "error-invalid-room", Message "Invalid room"
//	  → {"isClientSafe":true,"error":"error-invalid-room","reason":"Invalid room",
//	     "details"?:{...},"message":"Invalid room [error-invalid-room]","errorType":"Meteor.Error"}
//
// A Code of digits only ("403") is sent as a number, as Meteor.Error(403, …) is. An
// empty Code takes the kind's number: invalid 400, unauthorized 401, forbidden 403, not
// found 404, conflict 409; too many is "too-many-requests" (RC's DDP rate limiter code).
// An empty Message leaves out "reason" and gives "message":"[<code>]".
//
// KindInternal and any error that is not a *model.Error become
// {"error":500,"reason":"Internal server error",...}; their cause is logged at error level
// and never sent. Other errors are logged at debug level. what names the operation in the
// log ("method", "sub", "stream write"…), attrs add context (method name, session…).
func (s *Server) toMeteorError(ctx context.Context, err error, what string, attrs ...slog.Attr) *meteorError {
	e := model.AsError(err)
	if e == nil || e.Kind == model.KindInternal {
		attrs = append(attrs, slog.Any("error", err))
		s.log.LogAttrs(ctx, slog.LevelError, "ddp: "+what+" failed", attrs...)
		return &meteorError{IsClientSafe: true, Error: 500, Reason: msgInternal, Message: msgInternal + " [500]", ErrorType: "Meteor.Error"}
	}
	if s.log.Enabled(ctx, slog.LevelDebug) {
		attrs = append(attrs, slog.String("kind", e.Kind.String()), slog.String("error", e.Error()))
		s.log.LogAttrs(ctx, slog.LevelDebug, "ddp: "+what+" refused", attrs...)
	}
	return meteorErrorOf(e)
}

// meteorErrorOf maps a domain error that is not internal; see toMeteorError.
func meteorErrorOf(e *model.Error) *meteorError {
	code := e.Code
	if code == "" {
		code = kindCode(e.Kind)
	}
	m := &meteorError{IsClientSafe: true, Error: code, Reason: e.Message, Details: e.Details, ErrorType: "Meteor.Error"}
	if isDigits(code) {
		m.Error, _ = strconv.Atoi(code)
	}
	if e.Message == "" {
		m.Message = "[" + code + "]"
	} else {
		m.Message = e.Message + " [" + code + "]"
	}
	return m
}

// kindCode is the Meteor error code of a domain error without its own code.
func kindCode(k model.Kind) string {
	switch k {
	case model.KindInvalid:
		return "400"
	case model.KindUnauthorized:
		return "401"
	case model.KindForbidden:
		return "403"
	case model.KindNotFound:
		return "404"
	case model.KindConflict:
		return "409"
	case model.KindTooMany:
		return "too-many-requests"
	}
	return "500"
}

func isDigits(s string) bool {
	if s == "" || len(s) > 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Errors the transport itself raises, in Rocket.Chat's words.
func errMethodNotFound(name string) error {
	return &model.Error{Kind: model.KindNotFound, Code: "404", Message: "Method '" + name + "' not found"}
}

func errSubNotFound(name string) error {
	return &model.Error{Kind: model.KindNotFound, Code: "404", Message: "Subscription '" + name + "' not found"}
}

var (
	errInvalidEventName = &model.Error{Kind: model.KindInvalid, Code: "invalid-event-name"}
	errNotAllowed       = &model.Error{Kind: model.KindForbidden, Code: "not-allowed"}
)
