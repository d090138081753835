package ddp_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/ddp"
)

// registerTestMethods registers the methods the method tests call.
func registerTestMethods(s *ddp.Server) {
	s.Method("echo", func(_ context.Context, _ *ddp.Call, params []json.RawMessage) (any, error) {
		return params, nil
	})
	s.Method("nothing", func(context.Context, *ddp.Call, []json.RawMessage) (any, error) { return nil, nil })
	s.Method("false", func(context.Context, *ddp.Call, []json.RawMessage) (any, error) { return false, nil })
	s.Method("date", func(context.Context, *ddp.Call, []json.RawMessage) (any, error) {
		return struct {
			TS time.Time `json:"ts"`
		}{time.UnixMilli(1700000000000)}, nil
	})
	s.Method("modelError", func(context.Context, *ddp.Call, []json.RawMessage) (any, error) {
		return nil, &model.Error{Kind: model.KindInvalid, Code: "error-invalid-room", Message: "Invalid room",
			Details: map[string]any{"method": "getUsersOfRoom"}, Cause: errPlain}
	})
	s.Method("numericCode", func(context.Context, *ddp.Call, []json.RawMessage) (any, error) {
		return nil, &model.Error{Kind: model.KindUnauthorized, Code: "401", Message: "User not found"}
	})
	s.Method("noCode", func(context.Context, *ddp.Call, []json.RawMessage) (any, error) {
		return nil, model.NotFound("", "Room not found")
	})
	s.Method("noMessage", func(context.Context, *ddp.Call, []json.RawMessage) (any, error) {
		return nil, &model.Error{Kind: model.KindForbidden, Code: "not-allowed"}
	})
	s.Method("plain", func(context.Context, *ddp.Call, []json.RawMessage) (any, error) { return nil, errPlain })
	s.Method("internal", func(context.Context, *ddp.Call, []json.RawMessage) (any, error) {
		return nil, model.Internal(errPlain)
	})
	s.Method("panic", func(context.Context, *ddp.Call, []json.RawMessage) (any, error) { panic("database on fire") })
	s.Method("unencodable", func(context.Context, *ddp.Call, []json.RawMessage) (any, error) {
		return make(chan int), nil
	})
	s.Method("typed", func(_ context.Context, _ *ddp.Call, params []json.RawMessage) (any, error) {
		var rid string
		if err := ddp.Param(params, 0, &rid); err != nil {
			return nil, err
		}
		var opts struct {
			Limit int       `json:"limit"`
			Since time.Time `json:"since"`
		}
		if _, err := ddp.OptParam(params, 1, &opts); err != nil {
			return nil, err
		}
		return map[string]any{"rid": rid, "limit": opts.Limit, "since": opts.Since}, nil
	})
	s.Method("login", func(_ context.Context, call *ddp.Call, params []json.RawMessage) (any, error) {
		var uid string
		if err := ddp.Param(params, 0, &uid); err != nil {
			return nil, err
		}
		if err := call.SetUser(model.Actor{UserID: uid, Username: "user-" + uid}, "token-"+uid); err != nil {
			return nil, err
		}
		return map[string]any{"id": uid, "token": "token-" + uid, "tokenExpires": time.UnixMilli(1735689600000), "type": "resume"}, nil
	})
	s.Method("whoami", func(_ context.Context, call *ddp.Call, _ []json.RawMessage) (any, error) {
		return call.Actor().UserID, nil
	})
	s.Method("logout", func(_ context.Context, call *ddp.Call, _ []json.RawMessage) (any, error) {
		call.Logout()
		return nil, nil
	})
}

const (
	errUnknownMethod = `{"isClientSafe":true,"error":404,"reason":"Method 'nope' not found","message":"Method 'nope' not found [404]","errorType":"Meteor.Error"}`
	errInternal      = `{"isClientSafe":true,"error":500,"reason":"Internal server error","message":"Internal server error [500]","errorType":"Meteor.Error"}`
)

func TestMethodResults(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, registerTestMethods)
	c := srv.connected(t)
	tests := []struct {
		name   string
		method string
		params []string
		want   string // exact bytes of the result message
	}{
		{"result", "echo", []string{`"a"`, `{"b":[1,2]}`}, `{"msg":"result","id":"1","result":["a",{"b":[1,2]}]}`},
		{"nil result left out", "nothing", nil, `{"msg":"result","id":"1"}`},
		{"false is a result", "false", nil, `{"msg":"result","id":"1","result":false}`},
		{"dates as EJSON", "date", nil, `{"msg":"result","id":"1","result":{"ts":{"$date":1700000000000}}}`},
		{"typed params", "typed", []string{`"GENERAL"`, `{"limit":5,"since":{"$date":1700000000000}}`, `""`},
			`{"msg":"result","id":"1","result":{"limit":5,"rid":"GENERAL","since":{"$date":1700000000000}}}`},
		{"surplus params ignored", "typed", []string{`"GENERAL"`, `null`, `""`, `{"twoFactorCode":"1"}`},
			`{"msg":"result","id":"1","result":{"limit":0,"rid":"GENERAL","since":{"$date":-62135596800000}}}`},
		{"wrong param type", "typed", []string{`42`},
			`{"msg":"result","id":"1","error":{"isClientSafe":true,"error":"invalid-params","reason":"Match error: Expected string, got number in param 0","message":"Match error: Expected string, got number in param 0 [invalid-params]","errorType":"Meteor.Error"}}`},
		{"wrong nested type", "typed", []string{`"GENERAL"`, `{"since":"yesterday"}`},
			`{"msg":"result","id":"1","error":{"isClientSafe":true,"error":"invalid-params","reason":"Match error: Expected date, got string \"yesterday\" in param 1 field since","message":"Match error: Expected date, got string \"yesterday\" in param 1 field since [invalid-params]","errorType":"Meteor.Error"}}`},
		{"missing param", "typed", nil,
			`{"msg":"result","id":"1","error":{"isClientSafe":true,"error":"invalid-params","reason":"Match error: Missing param 0","message":"Match error: Missing param 0 [invalid-params]","errorType":"Meteor.Error"}}`},
		{"model error", "modelError", nil,
			`{"msg":"result","id":"1","error":{"isClientSafe":true,"error":"error-invalid-room","reason":"Invalid room","details":{"method":"getUsersOfRoom"},"message":"Invalid room [error-invalid-room]","errorType":"Meteor.Error"}}`},
		{"numeric code", "numericCode", nil,
			`{"msg":"result","id":"1","error":{"isClientSafe":true,"error":401,"reason":"User not found","message":"User not found [401]","errorType":"Meteor.Error"}}`},
		{"kind's number", "noCode", nil,
			`{"msg":"result","id":"1","error":{"isClientSafe":true,"error":404,"reason":"Room not found","message":"Room not found [404]","errorType":"Meteor.Error"}}`},
		{"no message", "noMessage", nil,
			`{"msg":"result","id":"1","error":{"isClientSafe":true,"error":"not-allowed","message":"[not-allowed]","errorType":"Meteor.Error"}}`},
		{"plain error", "plain", nil, `{"msg":"result","id":"1","error":` + errInternal + `}`},
		{"internal error", "internal", nil, `{"msg":"result","id":"1","error":` + errInternal + `}`},
		{"panic", "panic", nil, `{"msg":"result","id":"1","error":` + errInternal + `}`},
		{"unencodable result", "unencodable", nil, `{"msg":"result","id":"1","error":` + errInternal + `}`},
		{"unknown method", "nope", nil, `{"msg":"result","id":"1","error":` + errUnknownMethod + `}`},
	}
	for _, tt := range tests {
		// Sequential on one connection: results must come back in order anyway.
		if got := c.call("1", tt.method, tt.params...); got != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.name, got, tt.want)
		}
	}
	logs := srv.logs.String()
	if !strings.Contains(logs, "database on fire") {
		t.Error("the internal cause was not logged")
	}
	if !strings.Contains(logs, `"stack":`) {
		t.Error("the panic's stack was not logged")
	}
}

func TestMethodIDsKept(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, registerTestMethods)
	c := srv.connected(t)
	for _, id := range []string{"ddp-3", "rc-ddp-client-7", "1", `q"uote`} {
		quoted, _ := jsonMarshal(id)
		c.send(`{"msg":"method","id":` + quoted + `,"method":"nothing","params":[]}`)
		c.expect(`{"msg":"result","id":` + quoted + `}`)
		c.expect(`{"msg":"updated","methods":[` + quoted + `]}`)
	}
}

func TestMethodsRunInOrderPerConnection(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	srv := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		registerTestMethods(s)
		s.Method("slow", func(ctx context.Context, _ *ddp.Call, _ []json.RawMessage) (any, error) {
			started <- struct{}{}
			select {
			case <-release:
				return "slow", nil
			case <-time.After(timeout):
				return nil, errPlain
			}
		})
	})
	a, b := srv.connected(t), srv.connected(t)

	a.send(`{"msg":"method","id":"s","method":"slow","params":[]}`)
	a.send(`{"msg":"method","id":"f","method":"echo","params":["fast"]}`)
	<-started
	// Another connection is not held up by a's slow method…
	if got := b.call("b1", "echo", `"b"`); got != `{"msg":"result","id":"b1","result":["b"]}` {
		t.Fatalf("b got %s", got)
	}
	// …and a answers pings while its method runs.
	a.send(`{"msg":"ping","id":"p"}`)
	a.expect(`{"msg":"pong","id":"p"}`)
	close(release)
	// a's results come in call order: the fast method waited for the slow one.
	a.expect(`{"msg":"result","id":"s","result":"slow"}`)
	a.expect(`{"msg":"updated","methods":["s"]}`)
	a.expect(`{"msg":"result","id":"f","result":["fast"]}`)
	a.expect(`{"msg":"updated","methods":["f"]}`)
}

func TestLoginAppliesToLaterMessages(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		registerTestMethods(s)
		s.Stream("notify-user", ddp.StreamSpec{CanRead: selfOnly})
	})
	c := srv.connected(t)
	if got := c.call("0", "whoami"); got != `{"msg":"result","id":"0","result":""}` {
		t.Fatalf("anonymous whoami = %s", got)
	}
	// Login and a sub that needs it, sent back to back: the sub waits for the login.
	c.send(`{"msg":"method","id":"1","method":"login","params":["U1"]}`)
	c.send(`{"msg":"sub","id":"s1","name":"stream-notify-user","params":["U1/message",false]}`)
	c.expect(`{"msg":"result","id":"1","result":{"id":"U1","token":"token-U1","tokenExpires":{"$date":1735689600000},"type":"resume"}}`)
	c.expect(`{"msg":"updated","methods":["1"]}`)
	c.expect(`{"msg":"ready","subs":["s1"]}`)
	if got := c.call("2", "whoami"); got != `{"msg":"result","id":"2","result":"U1"}` {
		t.Fatalf("whoami after login = %s", got)
	}
	conns := srv.ConnsOfUser("U1")
	if len(conns) != 1 || conns[0].Actor().UserID != "U1" || conns[0].LoginToken() != "token-U1" {
		t.Fatalf("ConnsOfUser(U1) = %v", conns)
	}
}

func TestLogoutClosesTheConnection(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, registerTestMethods)
	c := srv.connected(t)
	c.call("1", "login", `"U2"`)
	conns := srv.ConnsOfUser("U2")
	if len(conns) != 1 {
		t.Fatalf("ConnsOfUser = %d connections, want 1", len(conns))
	}
	closed := make(chan struct{})
	conns[0].OnClose(func() { close(closed) })

	if got := c.call("2", "logout"); got != `{"msg":"result","id":"2"}` {
		t.Fatalf("logout = %s", got)
	}
	c.expectClose(websocket.StatusProtocolError)
	select {
	case <-closed:
	case <-time.After(timeout):
		t.Fatal("OnClose hook did not run")
	}
	if n := len(srv.ConnsOfUser("U2")); n != 0 {
		t.Fatalf("ConnsOfUser after logout = %d", n)
	}
	// A hook registered after the end runs at once.
	ran := false
	conns[0].OnClose(func() { ran = true })
	if !ran {
		t.Fatal("late OnClose hook did not run")
	}
}

func TestForceLogout(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		registerTestMethods(s)
		s.Stream("notify-user", ddp.StreamSpec{CanRead: selfOnly})
	})
	a1, a2, b := srv.connected(t), srv.connected(t), srv.connected(t)
	for _, c := range []*client{a1, a2} {
		c.call("1", "login", `"A"`)
		if got := c.sub("s", "stream-notify-user", `"A/force_logout"`); got != `{"msg":"ready","subs":["s"]}` {
			t.Fatalf("sub: %s", got)
		}
	}
	b.call("1", "login", `"B"`)
	// What the lead's logout-everywhere does: emit, then close the user's connections.
	srv.Emit("notify-user", "A/force_logout")
	for _, conn := range srv.ConnsOfUser("A") {
		conn.Close(ddp.CloseProtocolError, "logged out")
	}
	for _, c := range []*client{a1, a2} {
		c.expect(`{"msg":"changed","collection":"stream-notify-user","id":"id","fields":{"eventName":"A/force_logout","args":[]}}`)
		c.expectClose(websocket.StatusProtocolError)
	}
	b.expectNothing()
}

func TestRESTCall(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, registerTestMethods)
	ctx := context.Background()
	res, err := srv.Call(ctx, model.Actor{UserID: "U9"}, "whoami", nil)
	if err != nil || res != "U9" {
		t.Fatalf("Call(whoami) = %v, %v", res, err)
	}
	if _, err := srv.Call(ctx, model.Anonymous, "login", []json.RawMessage{[]byte(`"U1"`)}); model.AsError(err).Kind != model.KindInternal {
		t.Fatalf("SetUser without a connection: err = %v, want internal", err)
	}
	if _, err := srv.Call(ctx, model.Anonymous, "nope", nil); model.AsError(err).Kind != model.KindNotFound {
		t.Fatalf("unknown method: err = %v", err)
	}
	if _, err := srv.Call(ctx, model.Anonymous, "panic", nil); model.AsError(err).Kind != model.KindInternal {
		t.Fatalf("panic: err = %v", err)
	}
}
