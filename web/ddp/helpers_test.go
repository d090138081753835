package ddp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/ddp"
)

// timeout bounds every wait of a test client.
const timeout = 5 * time.Second

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

// testServer is a DDP server behind an httptest server.
type testServer struct {
	*ddp.Server
	url  string // http://127.0.0.1:port
	logs *logBuffer
}

// newServer starts a server with cfg (a debug JSON log captured) after setup has
// registered what the test needs. Cleanup shuts it down.
func newServer(t testing.TB, cfg ddp.Config, setup func(*ddp.Server)) *testServer {
	t.Helper()
	logs := &logBuffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := ddp.New(cfg)
	if setup != nil {
		setup(srv)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close) // runs last: after Shutdown ended the handlers
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return &testServer{Server: srv, url: ts.URL, logs: logs}
}

// client is a test DDP client over a real WebSocket.
type client struct {
	t      testing.TB
	ws     *websocket.Conn
	sockjs bool
	queue  []string // SockJS messages received but not yet consumed
	syncN  int
}

// dial opens a raw DDP connection and reads the server_id greeting.
func (s *testServer) dial(t testing.TB) *client {
	t.Helper()
	c := s.dialPath(t, "/websocket", false)
	c.expect(`{"server_id":"0"}`)
	return c
}

// dialSockJS opens a SockJS connection and reads "o" and the server_id greeting.
func (s *testServer) dialSockJS(t testing.TB) *client {
	t.Helper()
	c := s.dialPath(t, "/sockjs/123/abcdefgh/websocket", true)
	if f := c.frame(); f != "o" {
		t.Fatalf("first SockJS frame = %q, want o", f)
	}
	c.expect(`{"server_id":"0"}`)
	return c
}

func (s *testServer) dialPath(t testing.TB, path string, sockjs bool) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.url, "http")+path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	ws.SetReadLimit(16 << 20)
	t.Cleanup(func() { _ = ws.CloseNow() })
	return &client{t: t, ws: ws, sockjs: sockjs}
}

// connected dials and completes the handshake.
func (s *testServer) connected(t testing.TB) *client {
	t.Helper()
	c := s.dial(t)
	c.connect()
	return c
}

func (c *client) connect() string {
	c.t.Helper()
	c.send(`{"msg":"connect","version":"1","support":["1","pre2","pre1"]}`)
	m := c.nextMap()
	if m["msg"] != "connected" {
		c.t.Fatalf("handshake answer = %v, want connected", m)
	}
	session, _ := m["session"].(string)
	if len(session) != 17 {
		c.t.Fatalf("session = %q, want a 17-character id", session)
	}
	return session
}

// send writes one DDP message (wrapped in a JSON array on SockJS).
func (c *client) send(msg string) {
	c.t.Helper()
	if c.sockjs {
		b, _ := json.Marshal([]string{msg})
		msg = string(b)
	}
	c.sendFrame(msg)
}

// sendFrame writes a text frame as is.
func (c *client) sendFrame(frame string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// frame reads one raw frame.
func (c *client) frame() string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, data, err := c.ws.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return string(data)
}

// next returns the next DDP message, skipping SockJS heartbeats.
func (c *client) next() string {
	c.t.Helper()
	for len(c.queue) == 0 {
		f := c.frame()
		if !c.sockjs {
			return f
		}
		switch {
		case f == "h":
		case strings.HasPrefix(f, "a"):
			var msgs []string
			if err := json.Unmarshal([]byte(f[1:]), &msgs); err != nil {
				c.t.Fatalf("bad SockJS frame %q: %v", f, err)
			}
			c.queue = append(c.queue, msgs...)
		default:
			c.t.Fatalf("unexpected SockJS frame %q", f)
		}
	}
	m := c.queue[0]
	c.queue = c.queue[1:]
	return m
}

func (c *client) nextMap() map[string]any {
	c.t.Helper()
	s := c.next()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		c.t.Fatalf("message %q is not a JSON object: %v", s, err)
	}
	return m
}

// expect reads the next message and compares it with want as JSON values.
func (c *client) expect(want string) {
	c.t.Helper()
	got := c.next()
	if !jsonEqual(c.t, got, want) {
		c.t.Fatalf("got message\n  %s\nwant\n  %s", got, want)
	}
}

// expectClose reads until the connection ends and checks its close code.
func (c *client) expectClose(code websocket.StatusCode) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			if got := websocket.CloseStatus(err); got != code {
				c.t.Fatalf("connection ended with %v (status %d), want status %d", err, got, code)
			}
			return
		}
		if c.sockjs && strings.HasPrefix(string(data), "c[") {
			want := "c[" + strconv.Itoa(int(code)) + ","
			if !strings.HasPrefix(string(data), want) {
				c.t.Fatalf("SockJS close frame %q, want code %d", data, code)
			}
		}
	}
}

// sync returns the messages the server sent before answering a method call made now:
// whatever was queued for this client, including the effects of its earlier methods
// and subscriptions (which run in order, before the call). The call is to an unknown
// method, so it works on any server.
func (c *client) sync() []string {
	c.t.Helper()
	c.syncN++
	id := "sync-" + strconv.Itoa(c.syncN)
	c.send(`{"msg":"method","id":"` + id + `","method":"__sync__","params":[]}`)
	var before []string
	for {
		m := c.next()
		var res struct {
			Msg string `json:"msg"`
			ID  string `json:"id"`
		}
		if json.Unmarshal([]byte(m), &res) == nil && res.Msg == "result" && res.ID == id {
			c.expect(`{"msg":"updated","methods":["` + id + `"]}`)
			return before
		}
		before = append(before, m)
	}
}

// closeStatus reads in the background until the connection ends and sends its close
// status.
func (c *client) closeStatus() <-chan websocket.StatusCode {
	ch := make(chan websocket.StatusCode, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		for {
			if _, _, err := c.ws.Read(ctx); err != nil {
				ch <- websocket.CloseStatus(err)
				return
			}
		}
	}()
	return ch
}

// expectNothing fails if any message was queued for the client.
func (c *client) expectNothing() {
	c.t.Helper()
	if got := c.sync(); len(got) > 0 {
		c.t.Fatalf("unexpected messages: %q", got)
	}
}

// call sends a method call and returns the result message, checking that updated
// follows it.
func (c *client) call(id, method string, params ...string) string {
	c.t.Helper()
	c.send(`{"msg":"method","id":"` + id + `","method":"` + method + `","params":[` + strings.Join(params, ",") + `]}`)
	res := c.next()
	c.expect(`{"msg":"updated","methods":["` + id + `"]}`)
	return res
}

// sub subscribes and returns the answer (ready or nosub).
func (c *client) sub(id, name string, params ...string) string {
	c.t.Helper()
	c.send(`{"msg":"sub","id":"` + id + `","name":"` + name + `","params":[` + strings.Join(params, ",") + `]}`)
	return c.next()
}

// jsonEqual compares two JSON texts as values.
func jsonEqual(t testing.TB, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("not JSON: %q: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("want is not JSON: %q: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// eventually polls cond until it holds or timeout passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var errPlain = errors.New("database on fire")

// jsonMarshal encodes v with encoding/json.
func jsonMarshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

type (
	modelActor      = model.Actor
	websocketStatus = websocket.StatusCode
)

// newHTTPServer serves hs on a loopback port until the test ends and returns its URL.
func newHTTPServer(t testing.TB, hs *http.Server) string {
	t.Helper()
	ts := httptest.NewUnstartedServer(hs.Handler)
	ts.Config = hs
	ts.Start()
	t.Cleanup(ts.Close)
	return ts.URL
}
