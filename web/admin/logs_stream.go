package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outpostchat/outpost/app/logbuf"
)

// The live stream of the Logs page (Server-Sent Events).
const (
	maxLogStreams   = 16               // open streams per console; more get 503
	logStreamQueue  = 256              // lines a stream may fall behind before it loses some
	logCatchUp      = 500              // lines replayed after a reconnect at most
	logHeartbeat    = 20 * time.Second // a comment line, so proxies keep the stream open
	logRecheck      = time.Second      // a line re-checks the session at most this often
	logWriteTimeout = 30 * time.Second // a write that takes longer ends the stream
)

// logStreams is the state the streams share: how many are open, and a channel per
// http.Server closed when that server shuts down.
type logStreams struct {
	open atomic.Int32
	mu   sync.Mutex
	stop map[*http.Server]chan struct{}
}

func newLogStreams() *logStreams { return &logStreams{stop: map[*http.Server]chan struct{}{}} }

// stopping is closed when the server serving r starts its Shutdown. http.Server.Shutdown
// waits for every in-flight request, and a stream never ends on its own: so the first
// stream served by a server registers a hook that ends them all.
func (st *logStreams) stopping(r *http.Request) <-chan struct{} {
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	if srv == nil {
		return nil // a test recorder: never
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	ch, ok := st.stop[srv]
	if !ok {
		ch = make(chan struct{})
		st.stop[srv] = ch
		srv.RegisterOnShutdown(func() { close(ch) })
	}
	return ch
}

// logEvent is a line as the stream sends it (admin.js renders it as the page does).
type logEvent struct {
	Seq       uint64 `json:"seq"`
	Stamp     string `json:"stamp"`
	Clock     string `json:"clock"`
	Level     string `json:"level"`
	LevelText string `json:"levelText"`
	Svc       string `json:"svc,omitempty"`
	Msg       string `json:"msg"`
	Attrs     string `json:"attrs,omitempty"`
}

// logStream serves GET /admin/logs/stream (view-logs): new lines matching the page's
// filters as Server-Sent Events. After ?after=N, or the Last-Event-ID of a reconnect,
// the lines since N still held are sent first. An "end" event closes the stream when
// the session ends or loses view-logs; a "dropped" event says how many lines a slow
// client lost. The stream ends, without "end" so that the browser reconnects, when the
// server shuts down.
func (c *Console) logStream(st *logStreams, w http.ResponseWriter, r *http.Request, s *session) {
	if c.Logs == nil {
		c.problem(w, r, s, http.StatusNotFound, "Not found", "This server keeps no log lines.")
		return
	}
	qs := r.URL.Query()
	_, q, msg := logFilter(qs)
	if msg == "" && q.Before != 0 {
		msg = "A stream has no paging."
	}
	after, err := strconv.ParseUint(r.Header.Get("Last-Event-ID"), 10, 64)
	if err != nil {
		after, err = strconv.ParseUint(qs.Get("after"), 10, 64)
		if err != nil && qs.Get("after") != "" && msg == "" {
			msg = "The position is not a line number."
		}
	}
	if msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	if st.open.Add(1) > maxLogStreams {
		st.open.Add(-1)
		w.Header().Set("Retry-After", "30")
		http.Error(w, "Too many log streams are open.", http.StatusServiceUnavailable)
		return
	}
	defer st.open.Add(-1)

	ctx := r.Context()
	rc := http.NewResponseController(w)
	// The server's ReadTimeout would end the request (its background read fails and
	// cancels the context); writes get a rolling deadline instead of WriteTimeout.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)

	sub := c.Logs.Subscribe(logStreamQueue)
	defer sub.Close()
	last := after
	send := func(l logbuf.Line) error {
		r := logRowOf(l)
		data, _ := json.Marshal(logEvent{Seq: r.Seq, Stamp: r.Stamp, Clock: r.Clock, Level: r.Level, LevelText: r.LevelText, Svc: r.Svc, Msg: r.Msg, Attrs: r.Attrs})
		last = l.Seq
		_, err := fmt.Fprintf(w, "id: %d\ndata: %s\n\n", l.Seq, data)
		return err
	}
	flush := func() bool {
		_ = rc.SetWriteDeadline(time.Now().Add(logWriteTimeout))
		return rc.Flush() == nil
	}
	_ = rc.SetWriteDeadline(time.Now().Add(logWriteTimeout))
	if _, err := fmt.Fprint(w, "retry: 5000\n\n"); err != nil {
		return
	}
	if after > 0 { // catch up: what was logged since the page (or the last event) was made
		cq := q
		cq.After, cq.Limit = after, logCatchUp
		p := c.Logs.Lines(cq)
		if p.More {
			fmt.Fprint(w, "event: dropped\ndata: older lines were skipped\n\n")
		}
		for _, l := range p.Lines {
			if send(l) != nil {
				return
			}
		}
	}
	if !flush() {
		return
	}

	checked := time.Now()
	stillAllowed := func() bool {
		checked = time.Now()
		s2, ok := c.readSession(r)
		return ok && c.Authz.CanAny(ctx, s2.actor, pagePerms("logs"), "")
	}
	end := func() {
		_ = rc.SetWriteDeadline(time.Now().Add(logWriteTimeout))
		fmt.Fprint(w, "event: end\ndata: Your session ended or no longer has view-logs. Sign in again to follow the log.\n\n")
		_ = rc.Flush()
	}
	beat := time.NewTicker(logHeartbeat)
	defer beat.Stop()
	stop := st.stopping(r)
	for {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-beat.C:
			if !stillAllowed() {
				end()
				return
			}
			_ = rc.SetWriteDeadline(time.Now().Add(logWriteTimeout))
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil || !flush() {
				return
			}
		case l, ok := <-sub.C:
			if !ok {
				return
			}
			if time.Since(checked) >= logRecheck && !stillAllowed() {
				end()
				return
			}
			_ = rc.SetWriteDeadline(time.Now().Add(logWriteTimeout))
			if l.Seq > last && q.Match(l) && send(l) != nil {
				return
			}
			for more := len(sub.C); more > 0; more-- { // what else is queued, in one flush
				l, ok = <-sub.C
				if ok && l.Seq > last && q.Match(l) && send(l) != nil {
					return
				}
			}
			if n := sub.Dropped(); n > 0 {
				fmt.Fprintf(w, "event: dropped\ndata: %d lines were skipped: the stream could not keep up\n\n", n)
			}
			if !flush() {
				return
			}
		}
	}
}
