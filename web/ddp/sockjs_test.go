package ddp_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/outpostchat/outpost/web/ddp"
)

func TestSockJSInfo(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, nil)
	resp, err := http.Get(srv.url + "/sockjs/info?cb=x1y2z3")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin = %q", got)
	}
	if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type = %q", got)
	}
	var info struct {
		Websocket    bool     `json:"websocket"`
		Origins      []string `json:"origins"`
		CookieNeeded bool     `json:"cookie_needed"`
		Entropy      *uint32  `json:"entropy"`
	}
	if err := json.Unmarshal(body, &info); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	if !info.Websocket || info.CookieNeeded || len(info.Origins) != 1 || info.Origins[0] != "*:*" || info.Entropy == nil {
		t.Fatalf("info = %s", body)
	}

	req, _ := http.NewRequest(http.MethodOptions, srv.url+"/sockjs/info", nil)
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusNoContent || resp2.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("OPTIONS: %d %v", resp2.StatusCode, resp2.Header)
	}
}

func TestSockJSSession(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, registerTestMethods)
	c := srv.dialSockJS(t)
	c.connect()

	// Several DDP messages in one client frame are all processed, in order.
	c.sendFrame(`["{\"msg\":\"method\",\"id\":\"1\",\"method\":\"echo\",\"params\":[\"a\"]}","{\"msg\":\"method\",\"id\":\"2\",\"method\":\"echo\",\"params\":[\"b\"]}","{\"msg\":\"ping\",\"id\":\"p\"}"]`)
	c.expect(`{"msg":"pong","id":"p"}`) // pings are answered at once, methods queue
	c.expect(`{"msg":"result","id":"1","result":["a"]}`)
	c.expect(`{"msg":"updated","methods":["1"]}`)
	c.expect(`{"msg":"result","id":"2","result":["b"]}`)
	c.expect(`{"msg":"updated","methods":["2"]}`)

	// A single JSON string is accepted too, and an empty frame is nothing.
	c.sendFrame(`"{\"msg\":\"ping\",\"id\":\"q\"}"`)
	c.expect(`{"msg":"pong","id":"q"}`)
	c.sendFrame(``)
	c.expectNothing()

	// A frame that is not an array of strings closes with c[1007,…].
	c.sendFrame(`[{"msg":"ping"}]`)
	c.expectClose(websocket.StatusInvalidFramePayloadData)
}

func TestSockJSFraming(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, registerTestMethods)
	c := srv.dialPath(t, "/sockjs/042/x1y2z3w4/websocket", true)
	if f := c.frame(); f != "o" {
		t.Fatalf("open frame %q", f)
	}
	if f := c.frame(); f != `a["{\"server_id\":\"0\"}"]` {
		t.Fatalf("greeting frame %q", f)
	}
	c.send(`{"msg":"ping"}`) // not connect
	if f := c.frame(); f != `c[1002,"CLOSE_PROTOCOL_ERROR"]` {
		t.Fatalf("close frame %q", f)
	}
	c.expectClose(websocket.StatusProtocolError)
}

func TestSockJSBatchesQueuedMessages(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		s.Stream("room-messages", ddp.StreamSpec{CanRead: anyone})
	})
	c := srv.dialSockJS(t)
	c.connect()
	c.sub("s", "stream-room-messages", `"GENERAL"`)
	const n = 200
	for i := range n {
		srv.Emit("room-messages", "GENERAL", i)
	}
	frames, msgs := 0, 0
	for msgs < n {
		f := c.frame()
		if f == "h" {
			continue
		}
		var batch []string
		if err := json.Unmarshal([]byte(strings.TrimPrefix(f, "a")), &batch); err != nil {
			t.Fatalf("frame %q: %v", f, err)
		}
		frames++
		msgs += len(batch)
	}
	if msgs != n {
		t.Fatalf("got %d messages, want %d", msgs, n)
	}
	if frames >= n {
		t.Errorf("%d messages came in %d frames: no batching", n, frames)
	}
}

func TestSockJSPaths(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, nil)
	for _, path := range []string{"/sockjs/1.2/abc/websocket", "/sockjs/123/a.b/websocket", "/sockjs/123/abc/xhr"} {
		resp, err := http.Get(srv.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestSockJSHeartbeat(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{SockJSHeartbeat: 50 * time.Millisecond}, nil)
	c := srv.dialSockJS(t)
	c.connect()
	if f := c.frame(); f != "h" {
		t.Fatalf("got frame %q, want the heartbeat h", f)
	}
}
