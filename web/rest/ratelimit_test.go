package rest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/storage/storetest"
)

var _ LimitSettings = (*settings.Service)(nil)

// fakeClock is a clock the tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// limitWorld is the REST API with real settings, accounts and authz, the rate limiter on
// and a fake clock: an admin (boss), two plain users (joe, ann) and a bot (robo).
type limitWorld struct {
	api    *api
	cfg    *settings.Service
	clock  *fakeClock
	tokens map[string][2]string // username → {uid, token}
}

func newLimitWorld(t *testing.T) *limitWorld {
	t.Helper()
	ctx := context.Background()
	s := storetest.Open(t)
	hub := streamhub.New(nil)
	t.Cleanup(hub.Close)
	log := slog.New(slog.DiscardHandler)
	cfg := settings.New(docdb.NewSettingsStore(s.Docs), hub, log)
	defs := append(append(settings.Core("U"), accounts.Settings()...), RateLimitSettings()...)
	if err := cfg.Register(ctx, defs...); err != nil {
		t.Fatal(err)
	}
	az := authz.New(docdb.NewRolesStore[authz.Role](s.Docs), docdb.NewPermissionsStore[authz.Permission](s.Docs),
		docdb.NewUserRolesStore(s.Docs), docdb.NewSubscriptionRolesStore(s.Docs), s.Docs, hub, log)
	if err := az.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	acc := accounts.New(docdb.NewUsersStore(s.Docs), s.Docs, cfg, log)
	acc.SetBcryptCost(bcrypt.MinCost)
	w := &limitWorld{cfg: cfg, clock: &fakeClock{t: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)}, tokens: map[string][2]string{}}
	for _, u := range []accounts.NewUser{
		{Username: "boss", Email: "boss@example.com", Password: "pw", Roles: []string{"admin"}},
		{Username: "joe", Email: "joe@example.com", Password: "pw"},
		{Username: "ann", Email: "ann@example.com", Password: "pw"},
		{Username: "robo", Email: "robo@example.com", Password: "pw", Roles: []string{"bot"}},
	} {
		if _, err := acc.CreateUser(ctx, model.System, u); err != nil {
			t.Fatal(err)
		}
		sess, err := acc.LoginWithPassword(ctx, accounts.Credentials{User: u.Username, Password: "pw"})
		if err != nil {
			t.Fatal(err)
		}
		w.tokens[u.Username] = [2]string{sess.User.ID, sess.Token}
	}
	w.api = New(Deps{Settings: cfg, SettingsAdmin: cfg, Accounts: acc, Users: acc, Authz: az, RateLimits: cfg}).(*api)
	w.api.limits.now = w.clock.Now
	return w
}

// call sends one request as user (anonymous when "") from ip.
func (w *limitWorld) call(t *testing.T, user, ip, method, target, body string) limitAnswer {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.RemoteAddr = ip + ":40000"
	if user != "" {
		tok := w.tokens[user]
		req.Header.Set("X-User-Id", tok[0])
		req.Header.Set("X-Auth-Token", tok[1])
	}
	rec := httptest.NewRecorder()
	w.api.ServeHTTP(rec, req)
	return limitAnswer{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

func (w *limitWorld) set(t *testing.T, id string, v any) {
	t.Helper()
	if err := w.cfg.Set(context.Background(), model.Actor{UserID: "x", Roles: []string{"admin"}}, id, v); err != nil {
		t.Fatal(err)
	}
}

// limitAnswer is what a test checks of an answer.
type limitAnswer struct {
	status int
	header http.Header
	body   string
}

// expectLimited fails the test unless the answer has the status and exactly the body.
func expectLimited(t *testing.T, got limitAnswer, status int, body string) {
	t.Helper()
	if got.status != status || got.body != body {
		t.Errorf("answer = %d %s\nwant     %d %s", got.status, got.body, status, body)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

// tooMany is Rocket.Chat's 429 body for a wait of n seconds.
func tooMany(n int) string {
	return fmt.Sprintf(`{"success":false,"error":"Error, too many requests. Please slow down. You must wait %d seconds before trying this endpoint again. [error-too-many-requests]"}`, n)
}

// wantHeaders checks the X-RateLimit-* headers.
func wantHeaders(t *testing.T, got limitAnswer, limit, remaining int, reset time.Time) {
	t.Helper()
	for h, want := range map[string]string{
		"X-RateLimit-Limit":     strconv.Itoa(limit),
		"X-RateLimit-Remaining": strconv.Itoa(remaining),
		"X-RateLimit-Reset":     strconv.FormatInt(reset.UnixMilli(), 10),
	} {
		if v := got.header.Get(h); v != want {
			t.Errorf("%s = %q, want %q", h, v, want)
		}
	}
}

func noHeaders(t *testing.T, got limitAnswer) {
	t.Helper()
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if v := got.header.Get(h); v != "" {
			t.Errorf("%s = %q, want none", h, v)
		}
	}
}

func TestRateLimitEleventhCallAndReset(t *testing.T) {
	t.Parallel()
	w := newLimitWorld(t)
	start := w.clock.Now()
	reset := start.Add(time.Minute)
	for i := 1; i <= 10; i++ {
		got := w.call(t, "joe", "10.0.0.1", "GET", "/api/v1/me", "")
		if got.status != http.StatusOK {
			t.Fatalf("call %d: %d %s", i, got.status, got.body)
		}
		wantHeaders(t, got, 10, 10-i, reset)
		w.clock.Add(time.Second)
	}
	w.clock.Add(29*time.Second + 500*time.Millisecond) // 20.5 s left in the window
	got := w.call(t, "joe", "10.0.0.1", "GET", "/api/v1/me", "")
	expectLimited(t, got, http.StatusTooManyRequests, tooMany(21))
	wantHeaders(t, got, 10, 0, reset)

	// Another route has its own window; another user on the same IP has their own count.
	if got := w.call(t, "joe", "10.0.0.1", "GET", "/api/v1/users.getPreferences", ""); got.header.Get("X-RateLimit-Remaining") != "9" {
		t.Errorf("other route: %d %v", got.status, got.header)
	}
	if got := w.call(t, "ann", "10.0.0.1", "GET", "/api/v1/me", ""); got.status != http.StatusOK {
		t.Errorf("ann on joe's IP: %d %s", got.status, got.body)
	}

	w.clock.Add(21 * time.Second) // the window is over
	got = w.call(t, "joe", "10.0.0.1", "GET", "/api/v1/me", "")
	if got.status != http.StatusOK {
		t.Fatalf("after the window: %d %s", got.status, got.body)
	}
	wantHeaders(t, got, 10, 9, w.clock.Now().Add(time.Minute))
}

func TestRateLimitBypassAndSettings(t *testing.T) {
	t.Parallel()
	w := newLimitWorld(t)
	for _, who := range []string{"boss", "robo"} { // admin and bot hold api-bypass-rate-limit
		for i := 0; i < 25; i++ {
			got := w.call(t, who, "10.0.0.1", "GET", "/api/v1/me", "")
			if got.status != http.StatusOK {
				t.Fatalf("%s call %d: %d %s", who, i, got.status, got.body)
			}
			noHeaders(t, got)
		}
	}

	exhaust := func() {
		t.Helper()
		for i := 0; i < 10; i++ {
			w.call(t, "joe", "10.0.0.2", "GET", "/api/v1/me", "")
		}
	}
	exhaust()
	if got := w.call(t, "joe", "10.0.0.2", "GET", "/api/v1/me", ""); got.status != http.StatusTooManyRequests {
		t.Fatalf("11th: %d", got.status)
	}
	w.set(t, settingRateLimiter, false) // the admin turns it off: no limit, no headers
	for i := 0; i < 15; i++ {
		got := w.call(t, "joe", "10.0.0.2", "GET", "/api/v1/me", "")
		if got.status != http.StatusOK {
			t.Fatalf("limiter off, call %d: %d", i, got.status)
		}
		noHeaders(t, got)
	}
	w.set(t, settingRateLimiter, true)
	w.set(t, settingRateLimitCalls, 0) // Rocket.Chat adds no rule without both defaults
	if got := w.call(t, "joe", "10.0.0.2", "GET", "/api/v1/me", ""); got.status != http.StatusOK {
		t.Fatalf("zero default calls: %d", got.status)
	}
	w.set(t, settingRateLimitCalls, 3) // live: a new default applies to the next call
	w.clock.Add(time.Minute)
	for i := 0; i < 3; i++ {
		if got := w.call(t, "joe", "10.0.0.2", "GET", "/api/v1/me", ""); got.status != http.StatusOK {
			t.Fatalf("limit 3, call %d: %d", i, got.status)
		}
	}
	got := w.call(t, "joe", "10.0.0.2", "GET", "/api/v1/me", "")
	expectLimited(t, got, http.StatusTooManyRequests, tooMany(60))
	wantHeaders(t, got, 3, 0, w.clock.Now().Add(time.Minute))
}

func TestRateLimitAnonymousByIP(t *testing.T) {
	t.Parallel()
	w := newLimitWorld(t)
	for i := 0; i < 10; i++ {
		if got := w.call(t, "", "192.0.2.7", "GET", "/api/v1/settings.public", ""); got.status != http.StatusOK {
			t.Fatalf("call %d: %d", i, got.status)
		}
	}
	expectLimited(t, w.call(t, "", "192.0.2.7", "GET", "/api/v1/settings.public", ""), http.StatusTooManyRequests, tooMany(60))
	if got := w.call(t, "", "192.0.2.8", "GET", "/api/v1/settings.public", ""); got.status != http.StatusOK {
		t.Errorf("another IP: %d", got.status)
	}
	// A bad token is no identity: the call counts against the IP, and still answers 401.
	req := httptest.NewRequest("GET", "/api/v1/settings.public", nil)
	req.RemoteAddr = "192.0.2.7:1"
	req.Header.Set("X-User-Id", "nobody")
	req.Header.Set("X-Auth-Token", "bad")
	rec := httptest.NewRecorder()
	w.api.ServeHTTP(rec, req)
	if rec.Code != http.StatusTooManyRequests {
		t.Errorf("bad token on a limited IP: %d", rec.Code)
	}
	got := w.call(t, "", "192.0.2.9", "GET", "/api/v1/me", "")
	if got.status != http.StatusUnauthorized || got.header.Get("X-RateLimit-Remaining") != "9" {
		t.Errorf("anonymous /me: %d %v", got.status, got.header)
	}
	// Malformed input is counted too (the limit comes before validation), then refused.
	for i := 0; i < 10; i++ {
		w.call(t, "joe", "10.0.0.3", "POST", "/api/v1/users.setPreferences", "{bad")
	}
	got = w.call(t, "joe", "10.0.0.3", "POST", "/api/v1/users.setPreferences", "{bad")
	expectLimited(t, got, http.StatusTooManyRequests, tooMany(60))
}

func TestRateLimitRouteRules(t *testing.T) {
	t.Parallel()
	w := newLimitWorld(t)
	// /api/info is not on the versioned API: never limited.
	for i := 0; i < 15; i++ {
		got := w.call(t, "", "10.1.0.1", "GET", "/api/info", "")
		if got.status != http.StatusOK {
			t.Fatalf("info %d: %d", i, got.status)
		}
		noHeaders(t, got)
	}
	// users.register counts in the accounts service (1 per IP per minute), not here.
	got := w.call(t, "", "10.1.0.1", "POST", "/api/v1/users.register", `{"username":"newbie","email":"n@example.com","pass":"pw","name":"N"}`)
	if got.status != http.StatusOK {
		t.Fatalf("register: %d %s", got.status, got.body)
	}
	noHeaders(t, got)
	got = w.call(t, "", "10.1.0.1", "POST", "/api/v1/users.register", `{"username":"newbie2","email":"n2@example.com","pass":"pw","name":"N"}`)
	expectLimited(t, got, http.StatusTooManyRequests, tooMany(60))
	noHeaders(t, got)

	cases := []struct {
		pattern  string
		calls    int
		interval time.Duration
	}{
		{"POST /api/v1/chat.sendMessage", 5, time.Second},
		{"POST /api/v1/chat.followMessage", 5, 5 * time.Second},
		{"GET /api/v1/spotlight", 100, 100 * time.Second},
		{"GET /api/v1/channels.history", 10, time.Minute},
		{"GET /api/v1/subscriptions.get", 10, time.Minute},
		{"POST /api/v1/login", 10, time.Minute},
	}
	for _, c := range cases {
		t.Run(c.pattern, func(t *testing.T) {
			t.Parallel()
			w := newLimitWorld(t)
			// A stand-in handler on the real pattern: the limit depends only on it.
			if _, pattern := w.api.mux.Handler(httptest.NewRequest(strings.Fields(c.pattern)[0], strings.Fields(c.pattern)[1], nil)); pattern == "" {
				w.api.handle(c.pattern, func(rw http.ResponseWriter, _ *http.Request) error { return WriteSuccess(rw, nil) })
			}
			method, path, _ := strings.Cut(c.pattern, " ")
			for i := 1; i <= c.calls; i++ {
				got := w.call(t, "joe", "10.2.0.1", method, path, `{}`)
				if got.status == http.StatusTooManyRequests {
					t.Fatalf("call %d refused: %s", i, got.body)
				}
				wantHeaders(t, got, c.calls, c.calls-i, w.clock.Now().Add(c.interval))
			}
			got := w.call(t, "joe", "10.2.0.1", method, path, `{}`)
			expectLimited(t, got, http.StatusTooManyRequests, tooMany(int(c.interval/time.Second)))
			w.clock.Add(c.interval)
			if got := w.call(t, "joe", "10.2.0.1", method, path, `{}`); got.status == http.StatusTooManyRequests {
				t.Errorf("after the window: %s", got.body)
			}
		})
	}
}

func TestRateLimitOffWithoutSettings(t *testing.T) {
	t.Parallel()
	h := New(Deps{Settings: noSettings{}})
	for i := 0; i < 20; i++ {
		req := httptest.NewRequest("GET", "/api/v1/settings.public", nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || rec.Header().Get("X-RateLimit-Limit") != "" {
			t.Fatalf("call %d: %d %v", i, rec.Code, rec.Header())
		}
	}
}

// staticSettings is a LimitSettings with fixed values.
type staticSettings map[string]any

func (s staticSettings) Bool(id string) bool { b, _ := s[id].(bool); return b }
func (s staticSettings) Int(id string) int64 { n, _ := s[id].(int64); return n }

func TestRateLimitBoundedMemory(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := newLimiter(staticSettings{})
	l.now, l.maxKeys = clock.Now, 1000
	for i := 0; i < 50_000; i++ {
		l.hit("GET /api/v1/settings.public", fmt.Sprintf("ip:10.%d.%d.%d", i>>16, (i>>8)&255, i&255), time.Minute)
		if n := l.size(); n > l.maxKeys {
			t.Fatalf("after %d callers: %d windows, cap %d", i+1, n, l.maxKeys)
		}
	}
	clock.Add(time.Minute)
	l.hit("GET /api/v1/me", "user:a", time.Minute) // the periodic sweep drops expired windows
	if n := l.size(); n != 1 {
		t.Errorf("after the windows expired: %d windows, want 1", n)
	}
	// Through the handler: many anonymous addresses never grow the map past its cap.
	a := New(Deps{RateLimits: staticSettings{settingRateLimiter: true, settingRateLimitCalls: int64(10), settingRateLimitTime: int64(60000)}}).(*api)
	a.limits.maxKeys = 64
	for i := 0; i < 500; i++ {
		req := httptest.NewRequest("GET", "/api/v1/settings.oauth", nil)
		req.RemoteAddr = fmt.Sprintf("[2001:db8::%x]:443", i)
		a.ServeHTTP(httptest.NewRecorder(), req)
	}
	if n := a.limits.size(); n > 64 {
		t.Errorf("%d windows, cap 64", n)
	}
}

func TestLimitIP(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		count   int
		remote  string
		forward []string
		want    string
	}{
		{"peer", 0, "203.0.113.5:1234", nil, "203.0.113.5"},
		{"forwarding ignored by default", 0, "10.0.0.1:1", []string{"198.51.100.1"}, "10.0.0.1"},
		{"one proxy", 1, "10.0.0.1:1", []string{"198.51.100.1"}, "198.51.100.1"},
		{"one proxy, client-sent entries", 1, "10.0.0.1:1", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"},
		{"two proxies over two headers", 2, "10.0.0.1:1", []string{"6.6.6.6, 198.51.100.2", "10.0.0.9"}, "198.51.100.2"},
		{"too few entries", 2, "10.0.0.1:1", []string{"198.51.100.1"}, "10.0.0.1"},
		{"not an address", 1, "10.0.0.1:1", []string{"evil"}, "10.0.0.1"},
		{"ipv6", 1, "[::1]:1", []string{"2001:DB8::1"}, "2001:db8::1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a := &api{Deps: Deps{ForwardedCount: c.count}}
			r := httptest.NewRequest("GET", "/api/v1/me", nil)
			r.RemoteAddr = c.remote
			for _, v := range c.forward {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := a.clientAddr(r); got != c.want {
				t.Errorf("clientAddr = %q, want %q", got, c.want)
			}
		})
	}
}
