package admin_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/logbuf"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// logsConsole is console with a log buffer of size lines, and a logger writing into it
// at debug level (as cmd/outpost wraps its stderr handler).
func logsConsole(t testing.TB, size int) (*wire.App, *browser, *slog.Logger) {
	t.Helper()
	a := wiretest.Open(t)
	a.Logs = logbuf.New(size)
	srv := wiretest.Server(t, a)
	return a, newBrowser(t, srv.URL), slog.New(a.Logs.Wrap(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug})))
}

func TestLogsPage(t *testing.T) {
	t.Parallel()
	a, b, log := logsConsole(t, 500)
	wiretest.User(t, a, "boss", "admin")
	log.Debug("first line", "svc", "presence")
	log.With("svc", "rooms").Info("room created", "rid", "GENERAL", "password", "hunter2", "X-Auth-Token", "tok-123")
	log.Warn("disk almost full", "svc", "uploads", "free", "3%")
	log.Error("<script>alert(1)</script>", "svc", "web")
	b.signIn("boss")

	p := b.get("/admin/logs")
	want(t, p, 200, "first line", "room created", "rid=GENERAL", "password=••••••", `<span class="svc">rooms</span>`,
		"&lt;script&gt;alert(1)&lt;/script&gt;", `data-stream="/admin/logs/stream?after=`, "Refresh", `class="lv-warn"`)
	for _, secret := range []string{"hunter2", "tok-123", "<script>alert"} {
		if strings.Contains(p.body, secret) {
			t.Fatalf("the page shows %q", secret)
		}
	}
	if strings.Index(p.body, "first line") > strings.Index(p.body, "disk almost full") {
		t.Fatal("the newest line is not at the bottom")
	}
	if !strings.Contains(p.body, `href="/admin/logs" aria-current="page"`) {
		t.Fatal("Logs is not the current page of the navigation")
	}

	for _, c := range []struct {
		query      string
		status     int
		has, hasnt []string
	}{
		{"?level=warn", 200, []string{"disk almost full", "alert(1)", `data-stream="/admin/logs/stream?after=`}, []string{"room created", "first line"}},
		{"?level=error", 200, []string{"alert(1)"}, []string{"disk almost full"}},
		{"?level=debug&q=GENERAL", 200, []string{"room created", "Clear filters"}, []string{"disk almost full"}},
		{"?q=UPLOADS", 200, []string{"disk almost full"}, []string{"room created"}},
		{"?q=hunter2", 200, []string{"No line held matches"}, []string{"room created"}},
		{"?level=loud", 400, []string{"Unknown level"}, []string{"room created"}},
		{"?q=" + strings.Repeat("x", 201), 400, []string{"too long"}, nil},
		{"?before=abc", 400, []string{"not a line number"}, nil},
		{"?before=0", 400, []string{"not a line number"}, nil},
		{"?before=1", 200, []string{"No older lines match.", "Newest lines"}, []string{"data-stream=\"/admin"}},
	} {
		p := b.get("/admin/logs" + c.query)
		want(t, p, c.status, c.has...)
		for _, s := range c.hasnt {
			if strings.Contains(p.body, s) {
				t.Errorf("%s shows %s", c.query, s)
			}
		}
	}
}

var olderLink = regexp.MustCompile(`href="(/admin/logs\?[^"]*before=[0-9]+[^"]*)" rel="prev"`)

func TestLogsPaging(t *testing.T) {
	t.Parallel()
	a, b, log := logsConsole(t, 2000)
	wiretest.User(t, a, "boss", "admin")
	for i := range 250 {
		log.Info(fmt.Sprintf("tick %03d", i), "svc", "test", "even", i%2 == 0)
	}
	b.signIn("boss")
	p := b.get("/admin/logs?q=even%3Dtrue")
	want(t, p, 200, "tick 248", "tick 050", "← Older lines")
	if strings.Contains(p.body, "tick 048") || strings.Contains(p.body, "tick 249") {
		t.Fatal("the first page holds more than the newest 100 matching lines")
	}
	m := olderLink.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no link to older lines")
	}
	p = b.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	want(t, p, 200, "tick 000", "tick 048", "Newest lines →", "Paged back")
	if strings.Contains(p.body, "tick 050") || strings.Contains(p.body, "tick 001") || strings.Contains(p.body, "data-stream=\"/admin") || olderLink.MatchString(p.body) {
		t.Fatal("the older page is wrong")
	}
}

// TestLogsPageWeight: a full buffer of long lines stays under 100 KB gzipped.
func TestLogsPageWeight(t *testing.T) {
	t.Parallel()
	a, b, log := logsConsole(t, logbuf.DefaultSize)
	wiretest.User(t, a, "boss", "admin")
	for i := range logbuf.DefaultSize {
		log.Warn(fmt.Sprintf("request %d failed", i), "svc", "web", "id", model.NewID(), "detail", model.RandomString(1900))
	}
	b.signIn("boss")
	for _, path := range []string{"/admin/logs", "/admin/logs?level=warn&q=failed"} {
		res, size, body := b.gzipGet(path)
		t.Logf("%s with 2,000 lines of 2 KB: %d bytes gzip, %d plain", path, size, len(body))
		if res.StatusCode != 200 || size > 100<<10 || !strings.Contains(body, "Older lines") {
			t.Fatalf("%s: %d, %d bytes", path, res.StatusCode, size)
		}
	}
}

func TestLogsWithoutBuffer(t *testing.T) {
	t.Parallel()
	a, b := console(t) // wiretest's app keeps no lines
	wiretest.User(t, a, "boss", "admin")
	b.signIn("boss")
	p := b.get("/admin/logs")
	want(t, p, 200, "keeps no log lines")
	if strings.Contains(p.body, "data-stream") {
		t.Fatal("a stream is offered")
	}
	want(t, b.get("/admin/logs/stream"), 404)
}

func TestLogsPermissions(t *testing.T) {
	t.Parallel()
	a, b, _ := logsConsole(t, 10)
	wiretest.User(t, a, "robo", "bot")
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{{ID: "view-statistics", Roles: []string{"admin", "bot"}}}); err != nil {
		t.Fatal(err)
	}
	// Signed out: the page and the stream send to the sign-in form.
	for _, path := range []string{"/admin/logs", "/admin/logs/stream"} {
		if p := b.get(path); !strings.HasPrefix(p.url, "/admin/login?next=") {
			t.Fatalf("%s signed out: %s", path, p.url)
		}
	}
	// Without view-logs: 403, and Logs is not in the navigation.
	p := b.signIn("robo")
	if strings.Contains(p.body, `href="/admin/logs"`) {
		t.Fatal("the navigation shows Logs")
	}
	want(t, b.get("/admin/logs"), 403, "Not allowed")
	want(t, b.get("/admin/logs/stream"), 403)
}

// event is one Server-Sent Event.
type event struct{ id, name, data string }

// openStream opens the log stream at path with b's cookies and returns its events; the
// channel closes when the stream ends.
func openStream(t *testing.T, b *browser, path string, header http.Header) (*http.Response, <-chan event) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", b.base+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream; charset=utf-8" {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Fatalf("%s: %d %s %s", path, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	ch := make(chan event, 100)
	go func() {
		defer close(ch)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var e event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if e != (event{}) {
					ch <- e
				}
				e = event{}
			case strings.HasPrefix(line, "id: "):
				e.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				e.data = line[6:]
			}
		}
	}()
	return res, ch
}

// next waits for the next event that is not retry-only.
func next(t *testing.T, ch <-chan event) (event, bool) {
	t.Helper()
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return e, false
			}
			if e.id == "" && e.name == "" && e.data == "" {
				continue
			}
			return e, true
		case <-time.After(5 * time.Second):
			t.Fatal("no event within 5 s")
			return event{}, false
		}
	}
}

func TestLogsStream(t *testing.T) {
	t.Parallel()
	a, b, log := logsConsole(t, 100)
	wiretest.User(t, a, "boss", "admin")
	log.Info("before the page")
	b.signIn("boss")
	last := a.Logs.Lines(logbuf.Query{Level: slog.LevelDebug}).Last
	log.Info("between the page and the stream", "svc", "rooms")

	_, all := openStream(t, b, fmt.Sprintf("/admin/logs/stream?after=%d", last), nil)
	_, errs := openStream(t, b, "/admin/logs/stream?level=error&q=disk", nil)
	e, _ := next(t, all)
	if !strings.Contains(e.data, `"msg":"between the page and the stream"`) || !strings.Contains(e.data, `"svc":"rooms"`) {
		t.Fatalf("catch-up event %+v", e)
	}
	log.Info("after connecting", "token", "s3cret", "svc", "ddp")
	log.Error("disk full", "svc", "uploads")
	e, _ = next(t, all)
	if !strings.Contains(e.data, `"msg":"after connecting"`) || !strings.Contains(e.data, `"attrs":"token=••••••"`) || strings.Contains(e.data, "s3cret") || e.id == "" {
		t.Fatalf("live event %+v", e)
	}
	if e, _ = next(t, all); !strings.Contains(e.data, `"level":"error"`) {
		t.Fatalf("second live event %+v", e)
	}
	if e, _ = next(t, errs); !strings.Contains(e.data, `"msg":"disk full"`) || !strings.Contains(e.data, `"levelText":"ERROR"`) {
		t.Fatalf("the filtered stream got %+v", e)
	}

	// A reconnect with Last-Event-ID gets what it missed.
	seq := e.id
	log.Error("disk full again")
	log.Error("disk still full")
	_, again := openStream(t, b, "/admin/logs/stream?level=error&after=1", http.Header{"Last-Event-ID": {seq}})
	if e, _ = next(t, again); !strings.Contains(e.data, "disk full again") {
		t.Fatalf("after Last-Event-ID %s: %+v", seq, e)
	}
	if e, _ = next(t, again); !strings.Contains(e.data, "disk still full") {
		t.Fatalf("after Last-Event-ID %s: %+v", seq, e)
	}

	// Bad filters are a 400.
	for _, q := range []string{"?level=loud", "?after=x", "?before=3"} {
		res, err := b.c.Get(b.base + "/admin/logs/stream" + q)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 400 {
			t.Errorf("%s: %d", q, res.StatusCode)
		}
	}
}

// TestLogsStreamEndsWithTheSession: signing out ends the stream with an "end" event.
func TestLogsStreamEndsWithTheSession(t *testing.T) {
	t.Parallel()
	a, b, log := logsConsole(t, 100)
	wiretest.User(t, a, "boss", "admin")
	b.signIn("boss")
	_, ch := openStream(t, b, "/admin/logs/stream", nil)
	b.get("/admin/logs")
	want(t, b.post("/admin/logout", nil), 200, `name="password"`)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		log.Info("still there?")
		select {
		case e, ok := <-ch:
			if !ok {
				t.Fatal("the stream ended without an end event")
			}
			if e.name == "end" {
				if !strings.Contains(e.data, "Sign in again") {
					t.Fatalf("end event %+v", e)
				}
				if _, ok := <-ch; ok {
					t.Fatal("events after end")
				}
				return
			}
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatal("the stream outlived the session")
}

// TestLogsStreamShutdown: a graceful shutdown ends open streams at once instead of
// waiting for its deadline.
func TestLogsStreamShutdown(t *testing.T) {
	t.Parallel()
	a := wiretest.Open(t)
	a.Logs = logbuf.New(10)
	wiretest.User(t, a, "boss", "admin")
	srv := httptest.NewUnstartedServer(wiretest.Handler(t, a))
	srv.Start()
	t.Cleanup(srv.Close)
	b := newBrowser(t, srv.URL)
	b.signIn("boss")
	_, ch := openStream(t, b, "/admin/logs/stream", nil)
	_, ch2 := openStream(t, b, "/admin/logs/stream?level=warn", nil)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.Config.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Shutdown took %v", d)
	}
	for _, c := range []<-chan event{ch, ch2} {
		for e := range c {
			if e.name == "end" {
				t.Fatal("an end event on shutdown: the browser would not reconnect")
			}
		}
	}
}

// TestLogsStreamLimit: at most 16 streams are open at once.
func TestLogsStreamLimit(t *testing.T) {
	t.Parallel()
	a, b, _ := logsConsole(t, 10)
	wiretest.User(t, a, "boss", "admin")
	b.signIn("boss")
	for range 16 {
		openStream(t, b, "/admin/logs/stream", nil)
	}
	res, err := b.c.Get(b.base + "/admin/logs/stream")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("the 17th stream: %d", res.StatusCode)
	}
}
