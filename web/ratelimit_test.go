package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/web/ddp"
)

// limitSettings has the REST rate limiter on with Rocket.Chat's defaults.
type limitSettings struct{}

func (limitSettings) Bool(id string) bool { return id == "API_Enable_Rate_Limiter" }
func (limitSettings) Int(id string) int64 {
	switch id {
	case "API_Enable_Rate_Limiter_Limit_Calls_Default":
		return 10
	case "API_Enable_Rate_Limiter_Limit_Time_Default":
		return 60000
	}
	return 0
}

// TestMethodCallBridgeIsNotRateLimited checks that method.callAnon (and method.call,
// mounted the same way) stay outside the REST limiter, as Rocket.Chat defines them with
// rateLimiterOptions: false, while REST routes next to them are limited.
func TestMethodCallBridgeIsNotRateLimited(t *testing.T) {
	t.Parallel()
	d := ddp.New(ddp.Config{})
	t.Cleanup(func() { _ = d.Shutdown(context.Background()) })
	d.Method("ping", func(context.Context, *ddp.Call, []json.RawMessage) (any, error) { return "pong", nil })
	h := New(Config{DDP: d, RateLimits: limitSettings{}}).Handler()

	send := func(method, target, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, strings.NewReader(body))
		req.RemoteAddr = "198.51.100.4:5000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	body := `{"message":"{\"msg\":\"method\",\"id\":\"1\",\"method\":\"ping\",\"params\":[]}"}`
	for i := 0; i < 25; i++ {
		rec := send("POST", "/api/v1/method.callAnon/ping", body)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "pong") {
			t.Fatalf("call %d: %d %s", i, rec.Code, rec.Body.String())
		}
		if v := rec.Header().Get("X-RateLimit-Limit"); v != "" {
			t.Fatalf("call %d: X-RateLimit-Limit %q on the bridge", i, v)
		}
	}
	for i := 0; i < 10; i++ {
		send("GET", "/api/v1/settings.public", "")
	}
	if rec := send("GET", "/api/v1/settings.public", ""); rec.Code != http.StatusTooManyRequests {
		t.Errorf("11th settings.public: %d, want 429", rec.Code)
	}
}
