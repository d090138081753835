package ddp_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web"
	"github.com/outpostchat/outpost/web/ddp"
)

// transcriptServer registers what testdata/session.txt uses: a resume login,
// notify-user (self only) and notify-room (anyone, writable by logged-in users).
func transcriptServer(s *ddp.Server) {
	s.Method("login", func(_ context.Context, call *ddp.Call, params []json.RawMessage) (any, error) {
		var req struct {
			Resume string `json:"resume"`
		}
		if err := ddp.Param(params, 0, &req); err != nil {
			return nil, err
		}
		uid, ok := strings.CutPrefix(req.Resume, "token-")
		if !ok {
			return nil, &model.Error{Kind: model.KindUnauthorized, Code: "403", Message: "You've been logged out by the server. Please log in again."}
		}
		if err := call.SetUser(model.Actor{UserID: uid, Username: uid}, req.Resume); err != nil {
			return nil, err
		}
		return map[string]any{"id": uid, "token": req.Resume, "tokenExpires": time.UnixMilli(1735689600000), "type": "resume"}, nil
	})
	s.Stream("notify-user", ddp.StreamSpec{CanRead: selfOnly})
	s.Stream("notify-room", ddp.StreamSpec{
		CanRead: anyone,
		CanWrite: func(_ context.Context, actor model.Actor, _ string) error {
			if actor.IsAnonymous() {
				return model.Forbidden("error-not-allowed")
			}
			return nil
		},
	})
}

// TestTranscript replays testdata/session.txt against a server mounted the way web
// mounts it (web.LongLived).
func TestTranscript(t *testing.T) {
	t.Parallel()
	f, err := os.Open("testdata/session.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	srv := newServer(t, ddp.Config{}, transcriptServer)
	clients := map[string]*client{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		who, rest, ok := strings.Cut(line, " ")
		if !ok || len(who) != 2 || (who[1] != '>' && who[1] != '<') {
			t.Fatalf("line %d: cannot parse %q", n, line)
		}
		name := who[:1]
		c := clients[name]
		if c == nil {
			c = srv.dialPath(t, "/websocket", false)
			clients[name] = c
		}
		if who[1] == '>' {
			c.send(rest)
			continue
		}
		got := c.next()
		if !matchJSON(t, got, rest) {
			t.Fatalf("line %d: %s received\n  %s\nwant\n  %s", n, name, got, rest)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for name, c := range clients {
		if extra := c.sync(); len(extra) > 0 {
			t.Errorf("%s received unlisted messages: %q", name, extra)
		}
	}
}

// matchJSON compares JSON texts as values; the string "*" in want matches any string.
func matchJSON(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if json.Unmarshal([]byte(got), &g) != nil || json.Unmarshal([]byte(want), &w) != nil {
		t.Fatalf("not JSON: %q / %q", got, want)
	}
	return match(g, w)
}

func match(g, w any) bool {
	switch wv := w.(type) {
	case string:
		if wv == "*" {
			_, ok := g.(string)
			return ok
		}
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok || len(gv) != len(wv) {
			return false
		}
		for k, x := range wv {
			if y, ok := gv[k]; !ok || !match(y, x) {
				return false
			}
		}
		return true
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			return false
		}
		for i := range wv {
			if !match(gv[i], wv[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(g, w)
}

// TestBehindServerTimeouts checks the mounting contract: behind an http.Server with
// short read and write timeouts, a connection mounted as web mounts it (web.LongLived)
// outlives them; its heartbeat bounds it instead.
func TestBehindServerTimeouts(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, nil)
	hs := &http.Server{Handler: web.LongLived(srv.Handler()), ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond}
	ts := newHTTPServer(t, hs)
	c := (&testServer{Server: srv.Server, url: ts}).connected(t)
	time.Sleep(500 * time.Millisecond)
	c.send(`{"msg":"ping","id":"still-there"}`)
	c.expect(`{"msg":"pong","id":"still-there"}`)
}
