package ddp_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/ddp"
)

// selfOnly lets a user read events named "<own uid>/…".
func selfOnly(_ context.Context, actor model.Actor, eventName string, _ []json.RawMessage) error {
	if actor.IsAnonymous() || !strings.HasPrefix(eventName, actor.UserID+"/") {
		return model.Forbidden("error-not-allowed")
	}
	return nil
}

// anyone lets everyone read or write.
func anyone(context.Context, model.Actor, string, []json.RawMessage) error { return nil }

func TestStreamSubscribeVariants(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var extras []string
	srv := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		registerTestMethods(s)
		s.Stream("room-messages", ddp.StreamSpec{
			CanRead: func(_ context.Context, _ model.Actor, eventName string, extra []json.RawMessage) error {
				mu.Lock()
				defer mu.Unlock()
				b, _ := json.Marshal(extra)
				extras = append(extras, string(b))
				switch eventName {
				case "secret":
					return model.Forbidden("error-not-allowed")
				case "broken":
					return errPlain
				}
				return nil
			},
		})
		s.Stream("write-only", ddp.StreamSpec{})
	})
	c := srv.connected(t)
	const (
		errInvalidEvent = `{"isClientSafe":true,"error":"invalid-event-name","message":"[invalid-event-name]","errorType":"Meteor.Error"}`
		errNotAllowed   = `{"isClientSafe":true,"error":"not-allowed","message":"[not-allowed]","errorType":"Meteor.Error"}`
	)
	tests := []struct {
		name   string
		params string
		want   []string
		extra  string // what CanRead saw, "" if not called
	}{
		{"event only", `"GENERAL"`, []string{`{"msg":"ready","subs":["s"]}`}, "null"},
		{"useCollection false", `"GENERAL",false`, []string{`{"msg":"ready","subs":["s"]}`}, "null"},
		{"args []", `"GENERAL",{"useCollection":false,"args":[]}`, []string{`{"msg":"ready","subs":["s"]}`}, "null"},
		{"args [false]", `"GENERAL",{"useCollection":false,"args":[false]}`, []string{`{"msg":"ready","subs":["s"]}`}, "null"},
		{"args [null]", `"GENERAL",{"useCollection":false,"args":[null]}`, []string{`{"msg":"ready","subs":["s"]}`}, "null"},
		{"visitor token", `"GENERAL",{"useCollection":false,"args":[{"token":"t1","visitorToken":"t1"}]}`,
			[]string{`{"msg":"ready","subs":["s"]}`}, `[{"token":"t1","visitorToken":"t1"}]`},
		{"useCollection true", `"GENERAL",true`, []string{
			`{"msg":"added","collection":"stream-room-messages","id":"id","fields":{"eventName":"GENERAL"}}`,
			`{"msg":"ready","subs":["s"]}`}, "null"},
		{"useCollection in options", `"GENERAL",{"useCollection":true,"args":[]}`, []string{
			`{"msg":"added","collection":"stream-room-messages","id":"id","fields":{"eventName":"GENERAL"}}`,
			`{"msg":"ready","subs":["s"]}`}, "null"},
		{"empty event name", `"",false`, []string{`{"msg":"nosub","id":"s","error":` + errInvalidEvent + `}`}, ""},
		{"no event name", ``, []string{`{"msg":"nosub","id":"s","error":` + errInvalidEvent + `}`}, ""},
		{"event name not a string", `42`, []string{`{"msg":"nosub","id":"s","error":` + errInvalidEvent + `}`}, ""},
		{"denied", `"secret",false`, []string{`{"msg":"nosub","id":"s","error":` + errNotAllowed + `}`}, "null"},
		{"internal error", `"broken",false`, []string{`{"msg":"nosub","id":"s","error":` + errInternal + `}`}, "null"},
	}
	for _, tt := range tests {
		mu.Lock()
		extras = nil
		mu.Unlock()
		c.send(`{"msg":"sub","id":"s","name":"stream-room-messages","params":[` + tt.params + `]}`)
		got := c.sync()
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s:\n got  %q\n want %q", tt.name, got, tt.want)
		}
		mu.Lock()
		seen := strings.Join(extras, ";")
		mu.Unlock()
		if seen != tt.extra {
			t.Errorf("%s: CanRead saw extra %q, want %q", tt.name, seen, tt.extra)
		}
		c.send(`{"msg":"unsub","id":"s"}`)
		c.expect(`{"msg":"nosub","id":"s"}`)
	}
	if got := c.sub("w", "stream-write-only", `"x"`); got != `{"msg":"nosub","id":"w","error":`+errNotAllowed+`}` {
		t.Errorf("write-only stream: %s", got)
	}
}

func TestEmitReachesOnlySubscribers(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		s.Stream("room-messages", ddp.StreamSpec{CanRead: anyone})
		s.Stream("notify-room", ddp.StreamSpec{CanRead: anyone})
	})
	a, b, none, sj := srv.connected(t), srv.connected(t), srv.connected(t), srv.dialSockJS(t)
	sj.connect()
	for _, c := range []*client{a, sj} {
		if got := c.sub("1", "stream-room-messages", `"GENERAL"`, `false`); got != `{"msg":"ready","subs":["1"]}` {
			t.Fatal(got)
		}
	}
	b.sub("1", "stream-room-messages", `"OTHER"`, `false`)
	none.sub("1", "stream-notify-room", `"GENERAL"`, `false`) // same event name, other stream

	msg := map[string]any{"_id": "M1", "rid": "GENERAL", "msg": "hello <b>&</b>", "ts": time.UnixMilli(1700000000000)}
	srv.Emit("room-messages", "GENERAL", msg)
	want := `{"msg":"changed","collection":"stream-room-messages","id":"id","fields":{"eventName":"GENERAL","args":[{"_id":"M1","msg":"hello <b>&</b>","rid":"GENERAL","ts":{"$date":1700000000000}}]}}`
	for _, c := range []*client{a, sj} {
		if got := c.next(); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
	b.expectNothing()
	none.expectNothing()

	// Unknown streams and events without subscribers are no-ops.
	srv.Emit("nope", "GENERAL", 1)
	srv.Emit("room-messages", "EMPTY", 1)

	// After unsub, a gets nothing more.
	a.send(`{"msg":"unsub","id":"1"}`)
	a.expect(`{"msg":"nosub","id":"1"}`)
	srv.Emit("room-messages", "GENERAL", msg)
	a.expectNothing()
	if got := sj.next(); got != want {
		t.Errorf("sockjs got %s", got)
	}
}

func TestEmitFilter(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		registerTestMethods(s)
		s.Stream("notify-logged", ddp.StreamSpec{CanRead: anyone})
	})
	admin, user := srv.connected(t), srv.connected(t)
	admin.call("1", "login", `"admin"`)
	user.call("1", "login", `"bob"`)
	for _, c := range []*client{admin, user} {
		c.sub("s", "stream-notify-logged", `"private-settings-changed"`, `false`)
	}
	srv.EmitFilter("notify-logged", "private-settings-changed", func(a model.Actor) bool { return a.UserID == "admin" },
		"updated", map[string]any{"_id": "SMTP_Password", "value": "x"})
	admin.expect(`{"msg":"changed","collection":"stream-notify-logged","id":"id","fields":{"eventName":"private-settings-changed","args":["updated",{"_id":"SMTP_Password","value":"x"}]}}`)
	user.expectNothing()
}

func TestStreamWrite(t *testing.T) {
	t.Parallel()
	type write struct {
		user, event, args string
	}
	writes := make(chan write, 10)
	srv := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		registerTestMethods(s)
		s.Stream("notify-room", ddp.StreamSpec{
			CanRead: anyone,
			CanWrite: func(_ context.Context, actor model.Actor, eventName string) error {
				if actor.IsAnonymous() || strings.HasPrefix(eventName, "locked/") {
					return model.Forbidden("error-not-allowed")
				}
				return nil
			},
			OnWrite: func(_ context.Context, actor model.Actor, eventName string, args []json.RawMessage) {
				b, _ := json.Marshal(args)
				writes <- write{actor.UserID, eventName, string(b)}
			},
		})
		s.Stream("notify-room-users", ddp.StreamSpec{CanRead: anyone, CanWrite: func(context.Context, model.Actor, string) error { return nil }, NoRetransmit: true})
		s.Stream("read-only", ddp.StreamSpec{CanRead: anyone})
	})
	alice, bob, carol := srv.connected(t), srv.connected(t), srv.connected(t)
	alice.call("l", "login", `"alice"`)
	bob.call("l", "login", `"bob"`)
	for _, c := range []*client{alice, bob, carol} {
		c.sub("s", "stream-notify-room", `"R1/user-activity"`, `false`)
		c.sub("t", "stream-notify-room", `"locked/x"`, `false`)
		c.sub("u", "stream-notify-room-users", `"R1/x"`, `false`)
		c.sub("v", "stream-read-only", `"R1/x"`, `false`)
	}
	tests := []struct {
		name    string
		from    *client
		params  string
		deliver string // the changed message the others get, "" for none
		onWrite *write
	}{
		{"RN typing with its trailing filler", alice, `"R1/user-activity","alice",["user-typing"],{},""`,
			`{"msg":"changed","collection":"stream-notify-room","id":"id","fields":{"eventName":"R1/user-activity","args":["alice",["user-typing"],{}]}}`,
			&write{"alice", "R1/user-activity", `["alice",["user-typing"],{}]`}},
		{"2FA filler", bob, `"R1/user-activity","bob",[],{"twoFactorCode":"123456","twoFactorMethod":"totp"}`,
			`{"msg":"changed","collection":"stream-notify-room","id":"id","fields":{"eventName":"R1/user-activity","args":["bob",[]]}}`,
			&write{"bob", "R1/user-activity", `["bob",[]]`}},
		{"web client, no filler", alice, `"R1/user-activity","alice",["user-typing"],{"tmid":"T1"}`,
			`{"msg":"changed","collection":"stream-notify-room","id":"id","fields":{"eventName":"R1/user-activity","args":["alice",["user-typing"],{"tmid":"T1"}]}}`,
			&write{"alice", "R1/user-activity", `["alice",["user-typing"],{"tmid":"T1"}]`}},
		{"refused write is silent", carol, `"R1/user-activity","carol",["user-typing"]`, "", nil},
		{"refused event", alice, `"locked/x",1`, "", nil},
		{"no event name", alice, ``, "", nil},
	}
	for _, tt := range tests {
		tt.from.send(`{"msg":"method","id":"w","method":"stream-notify-room","params":[` + tt.params + `]}`)
		tt.from.expect(`{"msg":"result","id":"w"}`)
		tt.from.expect(`{"msg":"updated","methods":["w"]}`)
		for _, c := range []*client{alice, bob, carol} {
			got := c.sync()
			switch {
			case c == tt.from || tt.deliver == "":
				if len(got) != 0 {
					t.Errorf("%s: unexpected %q", tt.name, got)
				}
			case len(got) != 1 || got[0] != tt.deliver:
				t.Errorf("%s: got %q, want %s", tt.name, got, tt.deliver)
			}
		}
		select {
		case w := <-writes:
			if tt.onWrite == nil || w != *tt.onWrite {
				t.Errorf("%s: OnWrite saw %+v, want %+v", tt.name, w, tt.onWrite)
			}
		default:
			if tt.onWrite != nil {
				t.Errorf("%s: OnWrite not called", tt.name)
			}
		}
	}
	// NoRetransmit and not-writable streams deliver nothing.
	alice.call("n", "stream-notify-room-users", `"R1/x"`, `1`)
	alice.call("r", "stream-read-only", `"R1/x"`, `1`)
	for _, c := range []*client{bob, carol} {
		c.expectNothing()
	}
}
