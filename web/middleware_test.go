package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPanicBecomes500AndServerKeepsServing(t *testing.T) {
	t.Parallel()
	s, logs := newTestServer(slog.LevelInfo)
	s.mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "3") // must not survive into the 500
		panic("boom")
	})
	s.mux.HandleFunc("GET /boom-late", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("x", 64<<10)) // the response has begun
		panic("late boom")
	})
	s.mux.HandleFunc("GET /abort", func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	})
	base := serve(t, s)

	for range 3 {
		status, body, err := get(t, base+"/boom")
		if err != nil || status != 500 || body != internalErrorBody {
			t.Fatalf("panic: %d %q %v, want 500 %s", status, body, err, internalErrorBody)
		}
		if status, body, err := get(t, base+"/health"); err != nil || status != 200 || body != `{"status":"ok"}` {
			t.Fatalf("after a panic /health: %d %q %v", status, body, err)
		}
	}
	if _, body, err := get(t, base+"/boom-late"); err == nil {
		t.Errorf("a panic after the response began must abort it, got a whole body of %d bytes", len(body))
	}
	if _, _, err := get(t, base+"/abort"); err == nil {
		t.Error("http.ErrAbortHandler must abort the response")
	}
	if status, _, err := get(t, base+"/health"); err != nil || status != 200 {
		t.Fatalf("server stopped serving: %d %v", status, err)
	}

	var panics int
	for _, l := range logs.lines(t) {
		if l["msg"] == "panic serving request" && l["panic"] == "boom" {
			panics++
			if l["level"] != "ERROR" || !strings.Contains(l["stack"].(string), "middleware_test.go") || l["path"] != "/boom" {
				t.Errorf("panic log line lacks level, stack or path: %v", l)
			}
		}
		if l["msg"] == "panic serving request" && l["panic"] == http.ErrAbortHandler.Error() {
			t.Errorf("http.ErrAbortHandler logged as a panic: %v", l)
		}
	}
	if panics != 3 {
		t.Errorf("logged %d panics, want 3:\n%s", panics, logs.String())
	}
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, target string
		level        slog.Level
		logged       bool
		wantLevel    string
		status       float64
	}{
		{"api request at info", "/api/info?rc_token=SECRET", slog.LevelInfo, true, "INFO", 200},
		{"not found at info", "/api/v1/nope?x=1", slog.LevelInfo, true, "INFO", 404},
		{"health hidden at info", "/health", slog.LevelInfo, false, "", 0},
		{"livez hidden at info", "/livez", slog.LevelInfo, false, "", 0},
		{"health shown at debug", "/health", slog.LevelDebug, true, "DEBUG", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, logs := newTestServer(tt.level)
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", tt.target, nil))

			var lines []map[string]any
			for _, l := range logs.lines(t) {
				if l["msg"] == "http request" {
					lines = append(lines, l)
				}
			}
			if !tt.logged {
				if len(lines) != 0 {
					t.Fatalf("want no request line, got %v", lines)
				}
				return
			}
			if len(lines) != 1 {
				t.Fatalf("want one request line, got %d:\n%s", len(lines), logs.String())
			}
			l := lines[0]
			path, _, _ := strings.Cut(tt.target, "?")
			if l["level"] != tt.wantLevel || l["method"] != "GET" || l["path"] != path || l["status"] != tt.status {
				t.Errorf("line = %v", l)
			}
			if l["bytes"] != float64(rec.Body.Len()) {
				t.Errorf("bytes = %v, want %d", l["bytes"], rec.Body.Len())
			}
			if d, ok := l["duration"].(float64); !ok || d <= 0 {
				t.Errorf("duration = %v", l["duration"])
			}
			if strings.Contains(logs.String(), "SECRET") {
				t.Errorf("query string logged: %s", logs.String())
			}
		})
	}
}

func TestRecorder(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	w := record(rec)
	if record(w) != w {
		t.Error("record wrapped a recorder twice")
	}
	{
		early := record(httptest.NewRecorder())
		early.WriteHeader(http.StatusEarlyHints) // informational: the final status follows
		if early.wroteHeader {
			t.Error("a 1xx was taken for the final status")
		}
	}
	if err := http.NewResponseController(w).Flush(); err != nil {
		t.Fatalf("Flush through the recorder: %v", err)
	}
	if !rec.Flushed || w.statusCode() != 200 {
		t.Errorf("flushed %v, status %d", rec.Flushed, w.statusCode())
	}
	if _, _, err := http.NewResponseController(w).Hijack(); err == nil || w.hijacked {
		t.Error("Hijack on a writer that cannot hijack must fail")
	}
	n, err := w.ReadFrom(strings.NewReader("hello"))
	if err != nil || n != 5 || w.bytes != 5 || rec.Body.String() != "hello" {
		t.Errorf("ReadFrom: %d %v, counted %d, body %q", n, err, w.bytes, rec.Body)
	}
	if u := http.ResponseWriter(w).(interface{ Unwrap() http.ResponseWriter }).Unwrap(); u != rec {
		t.Error("Unwrap does not give the wrapped writer")
	}
}
