package ddp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/web/ddp"
)

func TestSlowConsumerIsDropped(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{SendQueue: 8, WriteTimeout: 500 * time.Millisecond}, func(s *ddp.Server) {
		s.Stream("room-messages", ddp.StreamSpec{CanRead: anyone})
	})
	slow := srv.connected(t)
	if got := slow.sub("s", "stream-room-messages", `"GENERAL"`); got != `{"msg":"ready","subs":["s"]}` {
		t.Fatal(got)
	}
	// slow never reads again. Emit big events until the server gives up on it; no Emit
	// may wait for it.
	payload := strings.Repeat("x", 64<<10)
	var slowest time.Duration
	deadline := time.Now().Add(timeout)
	for srv.Connections() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the slow consumer was never dropped")
		}
		start := time.Now()
		srv.Emit("room-messages", "GENERAL", payload)
		slowest = max(slowest, time.Since(start))
	}
	if slowest > 100*time.Millisecond {
		t.Errorf("an Emit took %v: it waited for the slow consumer", slowest)
	}
	if !strings.Contains(srv.logs.String(), "send queue is full") {
		t.Error("the drop was not logged")
	}
	// The server goes on serving others.
	c := srv.connected(t)
	c.sub("s", "stream-room-messages", `"GENERAL"`)
	srv.Emit("room-messages", "GENERAL", "hi")
	c.expect(`{"msg":"changed","collection":"stream-room-messages","id":"id","fields":{"eventName":"GENERAL","args":["hi"]}}`)
}

// TestNoGoroutineLeak runs a busy server, shuts it down and checks that every goroutine
// it started is gone. It is not parallel: it counts the process's goroutines.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		srv := ddp.New(ddp.Config{})
		registerTestMethods(srv)
		srv.Stream("room-messages", ddp.StreamSpec{CanRead: anyone, CanWrite: func(context.Context, modelActor, string) error { return nil }})
		ts := httptest.NewServer(srv.Handler())
		defer ts.Close()
		s := &testServer{Server: srv, url: ts.URL, logs: &logBuffer{}}
		var clients []*client
		for i := range 6 {
			var c *client
			if i%3 == 0 {
				c = s.dialSockJS(t)
				c.connect()
			} else {
				c = s.connected(t)
			}
			c.call("1", "login", `"U`+string(rune('0'+i))+`"`)
			c.sub("s", "stream-room-messages", `"GENERAL"`)
			c.sub("p", "stream-user-presence", `""`, `{"added":["U1"]}`)
			clients = append(clients, c)
		}
		clients[0].call("w", "stream-room-messages", `"GENERAL"`, `"typing"`)
		srv.Emit("room-messages", "GENERAL", "hello")
		srv.EmitPresence("U1", []any{"u1", 1, ""})
		for _, c := range clients[1:] {
			c.sync()
		}
		_ = clients[1].ws.CloseNow() // one leaves on its own
		var statuses []<-chan websocketStatus
		for i, c := range clients {
			if i != 1 {
				statuses = append(statuses, c.closeStatus())
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		for _, ch := range statuses {
			<-ch
		}
		for _, c := range clients {
			_ = c.ws.CloseNow()
		}
	}()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	deadline := time.Now().Add(timeout)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:n])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestConnectionCount follows connections opening and closing.
func TestConnectionCount(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, nil)
	a, b := srv.connected(t), srv.dialSockJS(t)
	eventually(t, "2 connections", func() bool { return srv.Connections() == 2 })
	_ = a.ws.CloseNow()
	eventually(t, "1 connection", func() bool { return srv.Connections() == 1 })
	_ = b.ws.CloseNow()
	eventually(t, "no connection", func() bool { return srv.Connections() == 0 })
}

// TestShutdownDeadline: a client that never answers the close handshake cannot hold
// Shutdown past its context.
func TestShutdownDeadline(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, nil)
	srv.connected(t) // never reads again
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err == nil {
		t.Fatal("Shutdown returned nil although the client never closed")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Shutdown took %v with a 300ms context", d)
	}
	eventually(t, "no connections", func() bool { return srv.Connections() == 0 })
}
