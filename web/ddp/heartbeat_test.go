package ddp_test

import (
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/outpostchat/outpost/web/ddp"
)

func TestClientPing(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, nil)
	c := srv.connected(t)
	for _, tt := range []struct{ ping, pong string }{
		{`{"msg":"ping"}`, `{"msg":"pong"}`},
		{`{"msg":"ping","id":"x"}`, `{"msg":"pong","id":"x"}`},
		{`{"msg":"ping","id":42}`, `{"msg":"pong","id":42}`},
		{`{"msg":"ping","id":null}`, `{"msg":"pong"}`},
	} {
		c.send(tt.ping)
		got := c.next()
		if got != tt.pong { // byte-exact: clients match the id
			t.Errorf("ping %s: got %s, want %s", tt.ping, got, tt.pong)
		}
	}
}

func TestServerPingThenTimeout(t *testing.T) {
	t.Parallel()
	const interval = 150 * time.Millisecond
	srv := newServer(t, ddp.Config{PingInterval: interval, PingTimeout: interval}, nil)
	c := srv.connected(t)

	start := time.Now()
	c.expect(`{"msg":"ping"}`)
	if d := time.Since(start); d < interval/2 {
		t.Errorf("server pinged after %v, want about %v of silence", d, interval)
	}
	c.send(`{"msg":"pong"}`) // answered: the connection lives on and is pinged again

	c.expect(`{"msg":"ping"}`)
	start = time.Now()
	c.expectClose(4000) // not answered this time
	if d := time.Since(start); d < interval/2 {
		t.Errorf("closed %v after the ping, want about %v", d, interval)
	}
}

func TestTrafficPostponesPing(t *testing.T) {
	t.Parallel()
	const interval = 200 * time.Millisecond
	srv := newServer(t, ddp.Config{PingInterval: interval, PingTimeout: interval}, nil)
	c := srv.connected(t)
	// A client that talks more often than the interval is never pinged.
	for range 6 {
		time.Sleep(interval / 3)
		if got := c.sync(); len(got) != 0 {
			t.Fatalf("unexpected messages %q", got)
		}
	}
}

func TestSockJSPingTimeout(t *testing.T) {
	t.Parallel()
	const interval = 150 * time.Millisecond
	srv := newServer(t, ddp.Config{PingInterval: interval, PingTimeout: interval}, nil)
	c := srv.dialSockJS(t)
	c.connect()
	c.expect(`{"msg":"ping"}`)
	c.expectClose(websocket.StatusCode(4000))
}
