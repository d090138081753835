package admin_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	boss := wiretest.User(t, a, "boss", "admin")

	// Not signed in: every page sends to the sign-in form, remembering where to go.
	p := b.get("/admin/users?q=x")
	want(t, p, 200, `name="user"`, `name="password"`)
	if p.url != "/admin/login?next="+url.QueryEscape("/admin/users?q=x") {
		t.Fatalf("redirected to %s", p.url)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"} {
		if p.header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if csp := p.header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(p.body, "<script>") || strings.Contains(p.body, " style=") {
		t.Error("inline script or style")
	}

	// Wrong password, empty fields, a stale form.
	want(t, b.post("/admin/login", url.Values{"user": {"boss"}, "password": {"nope"}, "next": {"/admin/users?q=x"}}), 401, "Wrong username, email or password.")
	want(t, b.post("/admin/login", url.Values{"user": {"boss"}}), 400, "Enter your username")
	want(t, b.post("/admin/login", url.Values{"user": {"boss"}, "password": {"pw"}, "csrf": {"forged"}}), 403, "expired")
	fresh := newBrowser(t, b.base) // no pre-session cookie at all
	want(t, fresh.post("/admin/login", url.Values{"user": {"boss"}, "password": {"pw"}, "csrf": {"x"}}), 403, "expired")

	// The right password: the session cookie, then the page asked for.
	b.get("/admin/login?next=" + url.QueryEscape("/admin/users?q=bo"))
	p = b.post("/admin/login", url.Values{"user": {"boss"}, "password": {"pw"}, "next": {"/admin/users?q=bo"}})
	want(t, p, 200, "boss@example.com")
	if p.url != "/admin/users?q=bo" {
		t.Fatalf("after sign-in at %s", p.url)
	}
	u, _ := url.Parse(b.base + "/admin/")
	var sess *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "outpost_admin" {
			sess = c
		}
	}
	if sess == nil || !strings.HasPrefix(sess.Value, boss.ID+".") {
		t.Fatalf("session cookie %v", sess)
	}
	token := strings.TrimPrefix(sess.Value, boss.ID+".")
	if _, err := a.Accounts.Authenticate(bg, boss.ID, token); err != nil {
		t.Fatalf("the cookie's token is no login token: %v", err)
	}
	// An open redirect is refused.
	b.get("/admin/login")
	if p := b.get("/admin/login?next=//evil.example/"); p.url != "/admin/dashboard" {
		t.Fatalf("next=//evil went to %s", p.url)
	}

	// Sign out: the token is gone, the pages send to sign-in again.
	b.get("/admin/dashboard")
	p = b.post("/admin/logout", nil)
	want(t, p, 200, `name="password"`)
	if _, err := a.Accounts.Authenticate(bg, boss.ID, token); err == nil {
		t.Fatal("the token outlived sign-out")
	}
	if p := b.get("/admin/dashboard"); !strings.HasPrefix(p.url, "/admin/login") {
		t.Fatalf("after sign-out: %s", p.url)
	}
}

func TestSessionCookieFlags(t *testing.T) {
	t.Parallel()
	a := wiretest.Open(t)
	wiretest.User(t, a, "boss", "admin")
	h := wiretest.Handler(t, a)
	get := func(proto string) *http.Response {
		req, _ := http.NewRequest("GET", "http://example.test/admin/login", nil)
		if proto != "" {
			req.Header.Set("X-Forwarded-Proto", proto)
		}
		rec := newRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	res := get("https") // no trusted proxy (ForwardedCount 0): the header is ignored
	var pre *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "outpost_admin_pre" {
			pre = c
		}
	}
	if pre == nil || !pre.HttpOnly || pre.Secure || pre.SameSite != http.SameSiteLaxMode || pre.Path != "/admin" {
		t.Fatalf("pre-session cookie %+v", pre)
	}
}

func TestTOTPSignIn(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	boss := wiretest.Actor(t, a, "boss", "admin")
	setup, err := a.Accounts.EnableTOTP(bg, boss)
	if err != nil {
		t.Fatal(err)
	}
	prev, _ := accounts.TOTPCode(setup.Secret, time.Now().Add(-30*time.Second))
	if _, err := a.Accounts.ValidateTOTP(bg, boss, prev, ""); err != nil {
		t.Fatal(err)
	}
	b.get("/admin/login")
	p := b.post("/admin/login", url.Values{"user": {"boss"}, "password": {"pw"}})
	want(t, p, 401, "two-factor authentication", `name="code"`, `value="pw"`)
	want(t, b.post("/admin/login", url.Values{"user": {"boss"}, "password": {"pw"}, "code": {"000000"}}), 401, "That code is not right")
	code, _ := accounts.TOTPCode(setup.Secret, time.Now())
	p = b.post("/admin/login", url.Values{"user": {"boss"}, "password": {"pw"}, "code": {code}})
	want(t, p, 200, "Dashboard")
}

func TestNonAdmin(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	joe := wiretest.User(t, a, "joe")
	b.get("/admin/login")
	p := b.post("/admin/login", url.Values{"user": {"joe"}, "password": {"pw"}})
	want(t, p, 403, "no administration permission")
	u, err := a.Accounts.AdminUser(bg, model.System, joe.ID)
	if err != nil || u.Sessions != 0 {
		t.Fatalf("joe keeps %d sessions (%v)", u.Sessions, err)
	}
	if p := b.get("/admin/dashboard"); !strings.HasPrefix(p.url, "/admin/login") {
		t.Fatalf("a refused user reached %s", p.url)
	}
}

// TestPagePermissions: a user who holds only view-logs sees the logs and the audit log
// and nothing else; every other page and action is a 403.
func TestPagePermissions(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "robo", "bot")
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{{ID: "view-logs", Roles: []string{"admin", "bot"}}}); err != nil {
		t.Fatal(err)
	}
	p := b.signIn("robo")
	if p.url != "/admin/logs" {
		t.Fatalf("robo's home is %s", p.url)
	}
	want(t, p, 200, "Audit log")
	if strings.Contains(p.body, `href="/admin/users"`) {
		t.Fatal("the navigation shows a page robo may not see")
	}
	want(t, b.get("/admin/logs"), 200, "no log lines")
	for _, path := range []string{"/admin/users", "/admin/dashboard", "/admin/users/new", "/admin/settings"} {
		want(t, b.get(path), 403, "Not allowed")
	}
	b.get("/admin/audit")
	want(t, b.post("/admin/users/new", url.Values{"username": {"x"}, "email": {"x@example.com"}, "password": {"pw"}}), 403)
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	b.signIn("boss")
	form := url.Values{"username": {"eve"}, "email": {"eve@example.com"}, "password": {"pw"}, "active": {"on"}}
	form.Set("csrf", "forged")
	want(t, b.post("/admin/users/new", form), 403, "stale")
	form.Del("csrf")
	p := b.post("/admin/logout", url.Values{"csrf": {""}})
	want(t, p, 403)
	if list, _, _ := a.Accounts.AdminUsers(bg, model.System, accounts.AdminUserQuery{Text: "eve"}); len(list) != 0 {
		t.Fatal("a forged form created a user")
	}
}

func TestStaticAndPages(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	b.signIn("boss")
	for _, path := range []string{"/admin/dashboard", "/admin/users", "/admin/users/new", "/admin/audit", "/admin/rooms", "/admin/settings",
		"/admin/permissions", "/admin/uploads", "/admin/backups", "/admin/logs"} {
		res, size, body := b.gzipGet(path)
		if res.StatusCode != 200 || !strings.Contains(body, "</html>") {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		t.Logf("%s: %d bytes gzip, %d plain", path, size, len(body))
		if size > 100<<10 {
			t.Errorf("%s: %d bytes transferred", path, size)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, res.Header.Get("Cache-Control"))
		}
	}
	want(t, b.get("/admin/nowhere"), 404, "no such page")
	want(t, b.get("/admin/users/nobody"), 404)

	p := b.get("/admin/dashboard")
	want(t, p, 200, "Connections now", "Rooms by type", "<polyline points=")
	for _, name := range []string{"admin.css", "admin.js", "icon.svg"} {
		i := strings.Index(p.body, "/admin/static/"+name+"?v=")
		if i < 0 {
			t.Fatalf("the page does not link %s", name)
		}
		link := p.body[i : i+strings.IndexByte(p.body[i:], '"')]
		res, _, body := b.gzipGet(link)
		etag := res.Header.Get("ETag")
		if res.StatusCode != 200 || etag == "" || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || body == "" {
			t.Fatalf("%s: %d etag %q cache %q", link, res.StatusCode, etag, res.Header.Get("Cache-Control"))
		}
		req, _ := http.NewRequest("GET", b.base+link, nil)
		req.Header.Set("If-None-Match", etag)
		res, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotModified {
			t.Fatalf("%s with its ETag: %d", link, res.StatusCode)
		}
	}
	if res, _ := b.c.Get(b.base + "/admin/static/nope.css"); res.StatusCode != 404 {
		t.Fatalf("unknown asset: %d", res.StatusCode)
	}
}
