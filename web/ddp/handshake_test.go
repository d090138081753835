package ddp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/outpostchat/outpost/web/ddp"
)

func TestHandshake(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, nil)
	tests := []struct {
		name    string
		connect string
		want    string // "connected" or the failed message
	}{
		{"rocket.chat clients", `{"msg":"connect","version":"1","support":["1","pre2","pre1"]}`, "connected"},
		{"simpleddp", `{"msg":"connect","version":"1","support":["1"]}`, "connected"},
		{"no support list", `{"msg":"connect","version":"1"}`, "connected"},
		{"pre2 client", `{"msg":"connect","version":"pre2","support":["pre2","pre1"]}`, "connected"},
		{"unknown version", `{"msg":"connect","version":"2","support":["2"]}`, `{"msg":"failed","version":"1"}`},
		{"version not in support", `{"msg":"connect","version":"1","support":["pre1"]}`, `{"msg":"failed","version":"1"}`},
		{"not the preferred version", `{"msg":"connect","version":"1","support":["pre1","1"]}`, `{"msg":"failed","version":"pre1"}`},
		{"version not a string", `{"msg":"connect","version":1,"support":["1"]}`, `{"msg":"failed","version":"1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := srv.dial(t)
			c.send(tt.connect)
			m := c.nextMap()
			if tt.want == "connected" {
				if m["msg"] != "connected" || len(m["session"].(string)) != 17 {
					t.Fatalf("got %v, want connected with a session", m)
				}
				c.send(`{"msg":"ping","id":"after"}`)
				c.expect(`{"msg":"pong","id":"after"}`)
				return
			}
			got, _ := jsonMarshal(m)
			if !jsonEqual(t, got, tt.want) {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
			c.expectClose(websocket.StatusProtocolError)
		})
	}
}

func TestSessionsDiffer(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, nil)
	a, b := srv.dial(t).connect(), srv.dial(t).connect()
	if a == b {
		t.Fatalf("two connections share session %q", a)
	}
}

func TestFirstMessageMustBeConnect(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, nil)
	for _, first := range []string{
		`{"msg":"ping"}`,
		`{"msg":"method","id":"1","method":"login","params":[]}`,
		`{"msg":"sub","id":"1","name":"x","params":[]}`,
		`{"connect":"1"}`,
	} {
		t.Run(first, func(t *testing.T) {
			t.Parallel()
			c := srv.dial(t)
			c.send(first)
			c.expectClose(websocket.StatusProtocolError)
		})
	}
}

func TestUnparseableFrames(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, nil)
	for _, tt := range []struct {
		name      string
		connected bool
		frame     string
	}{
		{"garbage before connect", false, `hello`},
		{"garbage after connect", true, `{"msg":"ping"`},
		{"a JSON array", true, `[{"msg":"ping"}]`},
		{"a JSON string", true, `"ping"`},
		{"JSON null", true, `null`},
		{"empty frame", true, ``},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := srv.dial(t)
			if tt.connected {
				c.connect()
			}
			c.sendFrame(tt.frame)
			c.expectClose(websocket.StatusInvalidFramePayloadData)
		})
	}
	t.Run("binary frame", func(t *testing.T) {
		t.Parallel()
		c := srv.connected(t)
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := c.ws.Write(ctx, websocket.MessageBinary, []byte(`{"msg":"ping"}`)); err != nil {
			t.Fatal(err)
		}
		c.expectClose(websocket.StatusInvalidFramePayloadData)
	})
}

func TestOversizedFrame(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{MaxMessageBytes: 1024}, nil)
	c := srv.connected(t)
	// At the limit is fine…
	pad := strings.Repeat("x", 1024-len(`{"msg":"ping","id":""}`))
	c.send(`{"msg":"ping","id":"` + pad + `"}`)
	c.expect(`{"msg":"pong","id":"` + pad + `"}`)
	// …one byte more is not.
	c.send(`{"msg":"ping","id":"` + pad + `x"}`)
	c.expectClose(websocket.StatusMessageTooBig)
	eventually(t, "the connection to be gone", func() bool { return srv.Connections() == 0 })
}

func TestMalformedMessages(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, nil)
	c := srv.connected(t)
	for _, tt := range []struct{ msg, reason string }{
		{`{"msg":"method","method":"x","params":[]}`, "Malformed method invocation"},
		{`{"msg":"method","id":1,"method":"x"}`, "Malformed method invocation"},
		{`{"msg":"method","id":"1","params":[]}`, "Malformed method invocation"},
		{`{"msg":"method","id":"1","method":"x","params":{}}`, "Malformed method invocation"},
		{`{"msg":"method","id":"1","method":"x","randomSeed":5}`, "Malformed method invocation"},
		{`{"msg":"sub","id":"1","params":[]}`, "Malformed subscription"},
		{`{"msg":"sub","id":"1","name":"x","params":"a"}`, "Malformed subscription"},
		{`{"msg":"unsub"}`, "Malformed unsubscription"},
		{`{"msg":"frobnicate"}`, "Bad request"},
		{`{"msg":"connect","version":"1"}`, "Bad request"},
		{`{"id":"1"}`, "Bad request"},
	} {
		c.send(tt.msg)
		c.expect(`{"msg":"error","reason":"` + tt.reason + `","offendingMessage":` + tt.msg + `}`)
	}
	c.expectNothing() // still connected
}

func TestOriginCheck(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{AllowedOrigins: []string{"chat.example.com"}}, nil)
	open := newServer(t, ddp.Config{}, nil)
	dial := func(s *testServer, origin string) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		h := map[string][]string{}
		if origin != "" {
			h["Origin"] = []string{origin}
		}
		ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.url, "http")+"/websocket", &websocket.DialOptions{HTTPHeader: h})
		if err == nil {
			_ = ws.CloseNow()
		}
		return err
	}
	for _, tt := range []struct {
		name   string
		srv    *testServer
		origin string
		ok     bool
	}{
		{"no origin", srv, "", true},
		{"allowed origin", srv, "https://chat.example.com", true},
		{"other origin", srv, "https://evil.example.net", false},
		{"any origin by default", open, "https://evil.example.net", true},
	} {
		if err := dial(tt.srv, tt.origin); (err == nil) != tt.ok {
			t.Errorf("%s: dial error %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, nil)
	clients := []*client{srv.connected(t), srv.connected(t), srv.dialSockJS(t)}
	eventually(t, "3 connections", func() bool { return srv.Connections() == 3 })
	var statuses []<-chan websocket.StatusCode
	for _, c := range clients {
		statuses = append(statuses, c.closeStatus()) // clients keep reading, as real ones do
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	for i, ch := range statuses {
		if got := <-ch; got != websocket.StatusGoingAway {
			t.Errorf("client %d closed with %d, want 1001", i, got)
		}
	}
	if n := srv.Connections(); n != 0 {
		t.Errorf("Connections() = %d after Shutdown", n)
	}
	// New connections are refused.
	ctx2, cancel2 := context.WithTimeout(context.Background(), timeout)
	defer cancel2()
	if ws, _, err := websocket.Dial(ctx2, "ws"+strings.TrimPrefix(srv.url, "http")+"/websocket", nil); err == nil {
		_ = ws.CloseNow()
		t.Fatal("dial after Shutdown succeeded")
	}
}
