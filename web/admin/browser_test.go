package admin_test

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// browser is a test client of the console: a cookie jar, redirects followed (the last
// URL kept), the CSRF token of the last page remembered.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string
}

// console opens a wired app and serves it; the browser starts signed out.
func console(t testing.TB) (*wire.App, *browser) {
	t.Helper()
	a := wiretest.Open(t)
	srv := wiretest.Server(t, a)
	return a, newBrowser(t, srv.URL)
}

func newBrowser(t testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar}}
}

// page is one response, its body decoded.
type page struct {
	status int
	url    string // the final URL's path and query
	body   string
	header http.Header
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	p := page{status: res.StatusCode, url: res.Request.URL.RequestURI(), body: string(data), header: res.Header}
	if m := csrfField.FindStringSubmatch(p.body); m != nil {
		b.csrf = m[1]
	}
	return p
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post submits a form with the remembered CSRF token unless the form has its own.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// signIn signs in with password wiretest.Password and expects to land on a console page.
func (b *browser) signIn(user string) page {
	b.t.Helper()
	b.get("/admin/login")
	p := b.post("/admin/login", url.Values{"user": {user}, "password": {wiretest.Password}})
	if p.status != 200 || strings.HasPrefix(p.url, "/admin/login") {
		b.t.Fatalf("sign in %s: %d %s\n%s", user, p.status, p.url, p.body)
	}
	return p
}

// gzipGet fetches path asking for gzip and returns the transferred and decoded sizes.
func (b *browser) gzipGet(path string) (res *http.Response, wire int, body string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.Header.Get("Content-Encoding") != "gzip" {
		return res, len(raw), string(raw)
	}
	zr, err := gzip.NewReader(strings.NewReader(string(raw)))
	if err != nil {
		b.t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		b.t.Fatal(err)
	}
	return res, len(raw), string(plain)
}

func want(t testing.TB, p page, status int, texts ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", p.url, p.status, status, p.body)
	}
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Fatalf("%s: no %q in\n%s", p.url, s, p.body)
		}
	}
}

var bg = context.Background()
