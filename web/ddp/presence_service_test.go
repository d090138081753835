package ddp_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/presence"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/web/ddp"
)

var _ ddp.Presence = (*presence.Service)(nil)

// presenceServer is a DDP server wired as cmd/outpost wires it (wiretest, appServer),
// with two users: alice and bob (password pw). It returns their ids.
func presenceServer(t *testing.T) (ts *testServer, alice, bob string) {
	t.Helper()
	a := wiretest.Open(t)
	var ids []string
	for _, name := range []string{"alice", "bob"} {
		ids = append(ids, wiretest.NewUser(t, a, accounts.NewUser{Username: name, Name: strings.ToUpper(name)}).ID)
	}
	return appServer(t, a), ids[0], ids[1]
}

// loginAs logs a new connection in with a password.
func loginAs(t *testing.T, ts *testServer, username string) *client {
	t.Helper()
	c := ts.connected(t)
	if got := c.call("login", "login", `{"user":{"username":"`+username+`"},"password":"pw"}`); !strings.Contains(got, `"token"`) {
		t.Fatalf("login %s: %s", username, got)
	}
	return c
}

// subReady subscribes and waits for ready, skipping the events that may come first (the
// subscriber's own status change at login).
func subReady(t *testing.T, c *client, id, name string, params ...string) {
	t.Helper()
	got := c.sub(id, name, params...)
	for strings.Contains(got, `"msg":"changed"`) {
		got = c.next()
	}
	if got != `{"msg":"ready","subs":["`+id+`"]}` {
		t.Fatalf("sub %s: %s", name, got)
	}
}

// expectStatus reads the watcher's next user-status and stream-user-presence events
// about uid, skipping those about other users, and checks them.
func expectStatus(t *testing.T, watcher *client, uid, username, name string, status int, text string) {
	t.Helper()
	var gotLogged, gotPresence bool
	for !gotLogged || !gotPresence {
		var m struct {
			Msg, Collection, ID string
			Fields              struct {
				EventName string            `json:"eventName"`
				UID       string            `json:"uid"`
				Args      []json.RawMessage `json:"args"`
			}
		}
		raw := watcher.next()
		if err := json.Unmarshal([]byte(raw), &m); err != nil || m.Msg != "changed" || len(m.Fields.Args) != 1 {
			t.Fatalf("unexpected message %s", raw)
		}
		switch m.Collection {
		case "stream-notify-logged":
			var a []any
			if err := json.Unmarshal(m.Fields.Args[0], &a); err != nil || m.Fields.EventName != "user-status" || len(a) != 6 {
				t.Fatalf("bad user-status event %s", raw)
			}
			if a[0] != uid {
				continue // about someone else
			}
			want := `["` + uid + `","` + username + `",` + strconv.Itoa(status) + `,"` + text + `","` + name + `",["user"]]`
			if !jsonEqual(t, string(m.Fields.Args[0]), want) {
				t.Fatalf("user-status = %s, want %s", m.Fields.Args[0], want)
			}
			gotLogged = true
		case "stream-user-presence":
			want := `["` + username + `",` + strconv.Itoa(status) + `,"` + text + `"]`
			if m.ID != uid || m.Fields.UID != uid || m.Fields.EventName != uid || !jsonEqual(t, string(m.Fields.Args[0]), want) {
				t.Fatalf("stream-user-presence = %s, want args [%s]", raw, want)
			}
			gotPresence = true
		default:
			t.Fatalf("unexpected message %s", raw)
		}
	}
}

func TestPresenceOverDDP(t *testing.T) {
	t.Parallel()
	ts, alice, _ := presenceServer(t)
	bob := loginAs(t, ts, "bob")
	subReady(t, bob, "s1", "stream-notify-logged", `"user-status"`, `false`)
	subReady(t, bob, "s2", "stream-user-presence", `""`, `{"added":["`+alice+`"]}`)

	// Two connections of alice: online with the first, no change with the second.
	a1 := loginAs(t, ts, "alice")
	expectStatus(t, bob, alice, "alice", "ALICE", 1, "")
	a2 := loginAs(t, ts, "alice")
	// Away only once both connections are: the next event bob sees is that one.
	if got := a1.call("1", "UserPresence:away", `""`); got != `{"msg":"result","id":"1"}` {
		t.Fatalf("UserPresence:away = %s", got)
	}
	a2.call("2", "UserPresence:away")
	expectStatus(t, bob, alice, "alice", "ALICE", 2, "")
	a1.call("3", "UserPresence:online", `""`)
	expectStatus(t, bob, alice, "alice", "ALICE", 1, "")

	// The chosen status wins over the connections: busy, then invisible.
	if got := a1.call("4", "setUserStatus", `"busy"`, `"In a meeting"`, `""`); got != `{"msg":"result","id":"4"}` {
		t.Fatalf("setUserStatus = %s", got)
	}
	expectStatus(t, bob, alice, "alice", "ALICE", 3, "In a meeting")
	a2.call("5", "UserPresence:setDefaultStatus", `"offline"`, `""`)
	expectStatus(t, bob, alice, "alice", "ALICE", 0, "In a meeting")
	a2.call("6", "setUserStatus", `null`, `""`) // clears the text only
	expectStatus(t, bob, alice, "alice", "ALICE", 0, "")
	a2.call("7", "UserPresence:setDefaultStatus", `"online"`)
	expectStatus(t, bob, alice, "alice", "ALICE", 1, "")

	// Refusals come back as Meteor errors.
	if got := a1.call("8", "setUserStatus", `"dancing"`); !strings.Contains(got, `"error":"error-invalid-status"`) {
		t.Fatalf("bad status: %s", got)
	}
	if got := a1.call("9", "UserPresence:setDefaultStatus", `42`); !strings.Contains(got, `"error":"invalid-params"`) {
		t.Fatalf("bad param: %s", got)
	}

	// Offline once both connections are gone, not before: one logs out, one closes.
	a1.call("10", "UserPresence:away") // both away now
	expectStatus(t, bob, alice, "alice", "ALICE", 2, "")
	a1.call("11", "logout")
	a2.ws.CloseNow()
	expectStatus(t, bob, alice, "alice", "ALICE", 0, "")
}

func TestPresenceMethodsAnonymous(t *testing.T) {
	t.Parallel()
	ts, _, _ := presenceServer(t)
	c := ts.connected(t)
	for _, m := range []string{"UserPresence:online", "UserPresence:away"} {
		if got := c.call("1", m, `""`); got != `{"msg":"result","id":"1"}` {
			t.Errorf("anonymous %s = %s", m, got)
		}
	}
	if got := c.call("2", "UserPresence:setDefaultStatus", `"busy"`); got != `{"msg":"result","id":"2"}` {
		t.Errorf("anonymous setDefaultStatus = %s", got)
	}
	if got := c.call("3", "setUserStatus", `"busy"`, `"x"`); !strings.Contains(got, `"error":"error-invalid-user"`) {
		t.Errorf("anonymous setUserStatus = %s", got)
	}
}

// TestSessionHooks: OnSession hears logins, logouts, switches and ends; OnActivity hears
// every method call of a logged-in connection, before it runs.
func TestSessionHooks(t *testing.T) {
	t.Parallel()
	var (
		mu  sync.Mutex
		log []string
	)
	record := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
	ids := map[*ddp.Conn]string{}
	name := func(c *ddp.Conn) string {
		mu.Lock()
		defer mu.Unlock()
		if ids[c] == "" {
			ids[c] = "c" + strconv.Itoa(len(ids)+1)
		}
		return ids[c]
	}
	srv := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		registerTestMethods(s)
		s.OnSession(func(c *ddp.Conn, uid string, up bool) {
			what := "down"
			if up {
				what = "up"
			}
			record(name(c) + " " + what + " " + uid)
		})
		s.OnActivity(func(c *ddp.Conn, uid, method string) { record(name(c) + " call " + method + " as " + uid) })
	})
	c1 := srv.connected(t)
	c1.call("1", "echo")         // anonymous: no activity
	c1.call("2", "login", `"A"`) // the call runs as nobody
	c1.call("3", "echo")
	c1.call("4", "login", `"B"`) // a switch: A down, then B up
	c1.call("5", "logout")
	c1.expectClose(1002)
	c2 := srv.connected(t)
	c2.call("1", "login", `"A"`)
	c2.ws.CloseNow()
	want := []string{"c1 up A", "c1 call echo as A", "c1 call login as A", "c1 down A", "c1 up B",
		"c1 call logout as B", "c1 down B", "c2 up A", "c2 down A"}
	eventually(t, "the hooks", func() bool { mu.Lock(); defer mu.Unlock(); return len(log) >= len(want) })
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(log, want) {
		t.Fatalf("hooks heard\n  %q\nwant\n  %q", log, want)
	}
}
