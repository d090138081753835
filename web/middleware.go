package web

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"
)

// internalErrorBody is Rocket.Chat's 500 body, the same rest.WriteError gives any
// internal error (a test checks they agree).
const internalErrorBody = `{"success":false,"error":"Internal server error"}`

// logRequests logs one line per request once it is done: method, path (never the query,
// which may carry tokens), status, duration and response bytes. Health checks log at
// debug level so that a probe every few seconds does not drown the log.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := record(w)
		defer func() { // deferred, so a request that panics is logged too
			level := slog.LevelInfo
			if r.URL.Path == "/health" || r.URL.Path == "/livez" {
				level = slog.LevelDebug
			}
			log.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", rec.statusCode()),
				slog.Duration("duration", time.Since(start)),
				slog.Int64("bytes", rec.bytes))
		}()
		next.ServeHTTP(rec, r)
	})
}

// recoverPanics turns a panic in a handler into Rocket.Chat's 500 and logs it with its
// stack; the server goes on serving. If the response had already begun, the connection is
// aborted instead, so the client cannot mistake a truncated response for a whole one.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := record(w)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { // net/http's own signal to abort the response quietly
				panic(v)
			}
			log.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())))
			switch {
			case rec.hijacked:
				return
			case rec.wroteHeader:
				panic(http.ErrAbortHandler)
			}
			h := rec.Header()
			clear(h) // drop whatever the handler set (Content-Length, Content-Disposition…)
			h.Set("Content-Type", "application/json")
			h.Set("Cache-Control", "no-store")
			rec.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(rec, internalErrorBody)
		}()
		next.ServeHTTP(rec, r)
	})
}

// recorder is a ResponseWriter that remembers the status and counts the bytes written.
// It passes Flush, Hijack, ReadFrom (sendfile) and Unwrap (http.ResponseController)
// through to the writer it wraps.
type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	hijacked    bool
	bytes       int64
}

// record returns w as a recorder, wrapping it unless it already is one.
func record(w http.ResponseWriter) *recorder {
	if rec, ok := w.(*recorder); ok {
		return rec
	}
	return &recorder{ResponseWriter: w}
}

// statusCode is the status sent, 200 if the handler wrote nothing at all.
func (w *recorder) statusCode() int {
	if !w.wroteHeader {
		return http.StatusOK
	}
	return w.status
}

func (w *recorder) WriteHeader(status int) {
	// 1xx other than 101 are informational (103 Early Hints): the real status follows.
	if !w.wroteHeader && (status >= 200 || status == http.StatusSwitchingProtocols) {
		w.status, w.wroteHeader = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom lets io.Copy use the connection's sendfile path for file downloads.
func (w *recorder) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	n, err := io.Copy(w.ResponseWriter, src)
	w.bytes += n
	return n, err
}

func (w *recorder) Flush() {
	if !w.wroteHeader {
		w.status, w.wroteHeader = http.StatusOK, true
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, rw, err
}

// Unwrap gives http.ResponseController the wrapped writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
