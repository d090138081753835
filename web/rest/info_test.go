package rest_test

import (
	"net/http"
	"testing"

	"github.com/outpostchat/outpost/web/rest"
)

func TestInfo(t *testing.T) {
	t.Parallel()
	h := rest.New(rest.Deps{Version: "0.1.0"})
	got := do(t, h, http.MethodGet, "/api/info", "")
	// Anonymous callers get MAJOR.MINOR only, as from Rocket.Chat; no supportedVersions
	// (we cannot sign it) and no info (admins only).
	expect(t, got, 200, `{"version":"8.0","minimumClientVersions":{"desktop":"3.9.6","mobile":"4.39.0"},"success":true}`)
	if got.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", got.header.Get("Cache-Control"))
	}
}

func TestRocketChatVersionIsCurrent8x(t *testing.T) {
	t.Parallel()
	if rest.RocketChatVersion[:2] != "8." {
		t.Fatalf("RocketChatVersion = %s, want a current 8.x release (PROTOCOL.md §4.5)", rest.RocketChatVersion)
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	t.Parallel()
	h := rest.New(rest.Deps{})
	notFound := `{"success":false,"error":"Resource not found"}`
	tests := []struct {
		name, method, target string
		status               int
		body, allow          string
	}{
		{"unknown v1 route", http.MethodGet, "/api/v1/nope.nothing", 404, notFound, ""},
		{"unknown v1 route, POST", http.MethodPost, "/api/v1/chat.nothing", 404, notFound, ""},
		{"unknown api path", http.MethodGet, "/api/v9/info", 404, notFound, ""},
		{"api root", http.MethodGet, "/api/", 404, notFound, ""},
		{"wrong method", http.MethodPost, "/api/info", 405, `{"success":false,"error":"Method not allowed"}`, "GET, HEAD"},
		{"wrong method on settings", http.MethodDelete, "/api/v1/settings.public", 405, `{"success":false,"error":"Method not allowed"}`, "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := do(t, h, tt.method, tt.target, "")
			expect(t, got, tt.status, tt.body)
			if a := got.header.Get("Allow"); a != tt.allow {
				t.Errorf("Allow = %q, want %q", a, tt.allow)
			}
		})
	}
}
