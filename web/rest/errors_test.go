package rest_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/rest"
)

func TestWriteErrorShapes(t *testing.T) {
	t.Parallel()
	secret := errors.New("disk on fire at /var/secret")
	tests := []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"invalid with code", model.Invalid("error-invalid-room", "Invalid room"), 400,
			`{"success":false,"error":"Invalid room [error-invalid-room]","errorType":"error-invalid-room"}`},
		{"invalid with details", &model.Error{Kind: model.KindInvalid, Code: "invalid-params",
			Message: "must have required property 'roomId'", Details: map[string]any{"field": "roomId"}}, 400,
			`{"success":false,"error":"must have required property 'roomId' [invalid-params]","errorType":"invalid-params","details":{"field":"roomId"}}`},
		{"invalid without code is a plain failure string", model.Invalid("", "Something went wrong"), 400,
			`{"success":false,"error":"Something went wrong"}`},
		{"invalid without message", model.Invalid("error-x", ""), 400,
			`{"success":false,"error":"[error-x]","errorType":"error-x"}`},
		{"conflict", &model.Error{Kind: model.KindConflict, Code: "error-field-unavailable", Message: "alice is already in use :("}, 400,
			`{"success":false,"error":"alice is already in use :( [error-field-unavailable]","errorType":"error-field-unavailable"}`},
		{"unauthorized default", &model.Error{Kind: model.KindUnauthorized}, 401,
			`{"success":false,"status":"error","message":"You must be logged in to do this.","error":"You must be logged in to do this."}`},
		{"unauthorized own message", &model.Error{Kind: model.KindUnauthorized, Code: "error-unauthorized", Message: "Unauthorized"}, 401,
			`{"success":false,"status":"error","message":"Unauthorized","error":"Unauthorized"}`},
		{"forbidden", model.Forbidden("error-unauthorized"), 403,
			`{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}`},
		{"forbidden bare", &model.Error{Kind: model.KindForbidden}, 403,
			`{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}`},
		{"not found with message", model.NotFound("error-room-not-found", "The required \"roomId\" param provided does not match any channel"), 404,
			`{"success":false,"error":"The required \"roomId\" param provided does not match any channel"}`},
		{"not found bare", model.NotFound("", ""), 404,
			`{"success":false,"error":"Resource not found"}`},
		{"too many", &model.Error{Kind: model.KindTooMany,
			Message: "Error, too many requests. Please slow down. You must wait 42 seconds before trying this endpoint again."}, 429,
			`{"success":false,"error":"Error, too many requests. Please slow down. You must wait 42 seconds before trying this endpoint again. [error-too-many-requests]"}`},
		{"internal", model.Internal(secret), 500,
			`{"success":false,"error":"Internal server error"}`},
		{"internal with a chatty message", &model.Error{Kind: model.KindInternal, Code: "x", Message: "db path /var/secret", Cause: secret}, 500,
			`{"success":false,"error":"Internal server error"}`},
		{"plain Go error", fmt.Errorf("wrapped: %w", secret), 500,
			`{"success":false,"error":"Internal server error"}`},
		{"wrapped domain error keeps its kind", fmt.Errorf("ctx: %w", model.NotFound("", "No such room")), 404,
			`{"success":false,"error":"No such room"}`},
		{"unknown kind is internal", &model.Error{Kind: model.Kind(99), Message: "?"}, 500,
			`{"success":false,"error":"Internal server error"}`},
		{"nil error is a bug, answered as internal", nil, 500,
			`{"success":false,"error":"Internal server error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			rec := httptest.NewRecorder()
			rest.WriteError(rec, httptest.NewRequest(http.MethodGet, "/api/v1/x", nil), log, tt.err)
			expect(t, response{rec.Code, rec.Header(), rec.Body.String()}, tt.status, tt.body)
			if strings.Contains(rec.Body.String(), "secret") {
				t.Errorf("the cause leaked to the client: %s", rec.Body)
			}
			if tt.status == 500 {
				if !strings.Contains(logs.String(), "level=ERROR") {
					t.Errorf("internal error not logged at error level: %s", logs.String())
				}
				if tt.err != nil && !strings.Contains(logs.String(), "disk on fire") && !strings.Contains(logs.String(), "?") {
					t.Errorf("cause not logged: %s", logs.String())
				}
			}
		})
	}
}

func TestWriteErrorKeepsHeadersSetBefore(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	rec.Header().Set("X-RateLimit-Limit", "10")
	rest.WriteError(rec, httptest.NewRequest(http.MethodGet, "/api/v1/x", nil), nil, &model.Error{Kind: model.KindTooMany})
	if rec.Code != 429 || rec.Header().Get("X-RateLimit-Limit") != "10" {
		t.Fatalf("got %d with headers %v", rec.Code, rec.Header())
	}
	want := `{"success":false,"error":"Error, too many requests. Please slow down. [error-too-many-requests]"}`
	if rec.Body.String() != want {
		t.Errorf("body = %s, want %s", rec.Body, want)
	}
}
