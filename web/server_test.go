package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/rest"
)

// fakeSettings is the settings service as the HTTP edge sees it.
type fakeSettings []model.Setting

func (f fakeSettings) Public() []model.Setting { return f }

var _ Settings = fakeSettings(nil)

// logBuffer collects log output from concurrent goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines decodes the JSON log lines.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// newTestServer builds a server logging JSON at level into the returned buffer.
func newTestServer(level slog.Level) (*Server, *logBuffer) {
	logs := &logBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level}))
	s := New(Config{
		Settings: fakeSettings{{ID: "Site_Name", Value: "Outpost", Public: true}},
		Logger:   log,
		Version:  "0.0.1-test",
		Started:  time.Now(),
	})
	return s, logs
}

// serve runs s on a loopback listener until the test ends and returns its base URL.
func serve(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url string) (int, string, error) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(slog.LevelInfo)
	tests := []struct {
		name, method, target string
		status               int
		body, contentType    string
	}{
		{"health", "GET", "/health", 200, `{"status":"ok"}`, "application/json"},
		{"livez", "GET", "/livez", 200, `{"status":"ok"}`, "application/json"},
		{"health HEAD", "HEAD", "/health", 200, `{"status":"ok"}`, "application/json"}, // the recorder keeps HEAD bodies
		{"api info mounted", "GET", "/api/info", 200,
			`{"version":"8.0","minimumClientVersions":{"desktop":"3.9.6","mobile":"4.39.0"},"success":true}`, "application/json"},
		{"settings wired", "GET", "/api/v1/settings.public", 200,
			`{"settings":[{"_id":"Site_Name","value":"Outpost"}],"count":1,"offset":0,"total":1,"success":true}`, "application/json"},
		{"unknown api route", "GET", "/api/v1/does.not.exist", 404, `{"success":false,"error":"Resource not found"}`, "application/json"},
		{"unknown api method", "PUT", "/api/info", 405, `{"success":false,"error":"Method not allowed"}`, "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", ct, tt.contentType)
			}
		})
	}
}

func TestTimesync(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(slog.LevelInfo)
	before := time.Now().UnixMilli()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/_timesync", nil))
	after := time.Now().UnixMilli()
	ms, err := strconv.ParseInt(rec.Body.String(), 10, 64)
	if rec.Code != 200 || err != nil || ms < before || ms > after {
		t.Fatalf("got %d %q, want a time in ms within [%d, %d]", rec.Code, rec.Body, before, after)
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("Content-Type = %q", rec.Header().Get("Content-Type"))
	}
}

func TestInternalErrorBodyMatchesREST(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	rest.WriteError(rec, httptest.NewRequest("GET", "/", nil), nil, model.Internal(io.EOF))
	if rec.Body.String() != internalErrorBody {
		t.Fatalf("rest.WriteError gives %s, the panic handler %s", rec.Body, internalErrorBody)
	}
}

func TestShutdownFinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(slog.LevelInfo)
	started := make(chan struct{})
	release := make(chan struct{})
	s.mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "finished")
	})
	var hooked atomic.Bool
	hookRan := make(chan struct{})
	s.RegisterOnShutdown(func() { hooked.Store(true); close(hookRan) })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	base := "http://" + ln.Addr().String()

	type result struct {
		status int
		body   string
		err    error
	}
	got := make(chan result, 1)
	go func() {
		status, body, err := get(t, base+"/slow")
		got <- result{status, body, err}
	}()
	<-started

	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	<-hookRan
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) before the in-flight request finished", err)
	case <-time.After(50 * time.Millisecond):
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("still accepting connections during Shutdown")
	}
	close(release)

	if r := <-got; r.err != nil || r.status != 200 || r.body != "finished" {
		t.Errorf("in-flight request: %d %q %v", r.status, r.body, r.err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after Shutdown: %v, want nil", err)
	}
	if !hooked.Load() {
		t.Error("RegisterOnShutdown hook did not run")
	}
}

func TestShutdownDeadline(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(slog.LevelInfo)
	started := make(chan struct{})
	s.mux.HandleFunc("GET /stuck", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done() // ends when Shutdown gives up and closes the connection
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	client := make(chan error, 1)
	go func() { _, _, err := get(t, "http://"+ln.Addr().String()+"/stuck"); client <- err }()
	<-started

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown = %v, want %v", err, context.DeadlineExceeded)
	}
	if err := <-client; err == nil {
		t.Error("the stuck request was not cut off after the deadline")
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestLongLivedLiftsWriteDeadline(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(slog.LevelInfo)
	s.http.WriteTimeout = 100 * time.Millisecond
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "done")
	})
	s.mux.Handle("GET /bounded", slow)
	s.mux.Handle("GET /long", LongLived(slow))
	base := serve(t, s)

	if status, body, err := get(t, base+"/long"); err != nil || status != 200 || body != "done" {
		t.Errorf("long-lived route: %d %q %v, want 200 done", status, body, err)
	}
	if status, body, err := get(t, base+"/bounded"); err == nil {
		t.Errorf("bounded route outlived WriteTimeout: %d %q", status, body)
	}
}
