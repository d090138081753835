package ddp_test

import (
	"context"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/web/ddp"
)

var _ ddp.ChatExtras = (*messaging.Service)(nil)

// chatServer is a DDP server wired as cmd/outpost wires it (wiretest, appServer). ann,
// bob, cat and boss (an admin) have password pw and are all in #general.
func chatServer(t *testing.T) (*testServer, *docdb.DB) {
	t.Helper()
	a := wiretest.Open(t)
	for _, n := range []string{"ann", "bob", "cat"} {
		wiretest.User(t, a, n)
	}
	wiretest.User(t, a, "boss", "admin")
	return appServer(t, a), a.Store.Docs
}

// chatClient is a client whose method calls keep the stream events that arrive
// around their answers, for await to find later.
type chatClient struct {
	*client
	held []string
}

// result calls a method and returns its result (or error) message, reading past the
// stream events around it and its updated message.
func (c *chatClient) result(t *testing.T, id, method string, params ...string) string {
	t.Helper()
	c.send(`{"msg":"method","id":"` + id + `","method":"` + method + `","params":[` + strings.Join(params, ",") + `]}`)
	var res string
	updated := false
	for res == "" || !updated {
		m := c.next()
		switch {
		case strings.HasPrefix(m, `{"msg":"result","id":"`+id+`"`):
			res = m
		case m == `{"msg":"updated","methods":["`+id+`"]}`:
			updated = true
		default:
			c.held = append(c.held, m)
		}
	}
	return res
}

// await returns the first message, held or next, holding every part.
func (c *chatClient) await(t *testing.T, parts ...string) string {
	t.Helper()
	has := func(m string) bool {
		for _, p := range parts {
			if !strings.Contains(m, p) {
				return false
			}
		}
		return true
	}
	for i, m := range c.held {
		if has(m) {
			c.held = append(c.held[:i:i], c.held[i+1:]...)
			return m
		}
	}
	m, _ := waitFor(t, c.client, parts...)
	return m
}

// subscribe subscribes and waits for ready.
func (c *chatClient) subscribe(t *testing.T, id, name string, params ...string) {
	t.Helper()
	c.send(`{"msg":"sub","id":"` + id + `","name":"` + name + `","params":[` + strings.Join(params, ",") + `]}`)
	c.await(t, `{"msg":"ready","subs":["`+id+`"]}`)
}

// sent sends a message and returns its _id.
func sent(t *testing.T, c *chatClient, id, rid, msg string, extra ...string) string {
	t.Helper()
	body := `{"rid":"` + rid + `","msg":"` + msg + `"` + strings.Join(extra, "") + `}`
	res := parseMap(t, c.result(t, id, "sendMessage", body))
	m, _ := res["result"].(map[string]any)
	mid, _ := m["_id"].(string)
	if mid == "" {
		t.Fatalf("sendMessage %s: %v", body, res)
	}
	return mid
}

func TestChatExtraMethods(t *testing.T) {
	t.Parallel()
	ts, db := chatServer(t)
	var cs []*chatClient
	var ids []string
	for _, n := range []string{"ann", "bob", "cat", "boss"} {
		c := &chatClient{client: ts.connected(t)}
		cs, ids = append(cs, c), append(ids, login(t, c.client, n))
	}
	ann, bob, cat, boss := cs[0], cs[1], cs[2], cs[3]
	annID, catID := ids[0], ids[2]
	const general = model.GeneralRoomID

	res := parseMap(t, ann.result(t, "g", "createPrivateGroup", `"ops"`, `["bob"]`))
	r, _ := res["result"].(map[string]any)
	ops, _ := r["rid"].(string)
	if ops == "" {
		t.Fatalf("createPrivateGroup = %v", res)
	}
	mid := sent(t, ann, "s1", general, "hello all")
	secret := sent(t, ann, "s2", ops, "secret")

	// setReaction: bob's reaction reaches the room's readers as a changed message.
	bob.subscribe(t, "m", "stream-room-messages", `"`+general+`"`, `{"useCollection":false,"args":[]}`)
	if got := bob.result(t, "r1", "setReaction", `":smile:"`, `"`+mid+`"`, `""`); !jsonEqual(t, got, `{"msg":"result","id":"r1"}`) {
		t.Errorf("setReaction = %s", got)
	}
	bob.await(t, `"eventName":"`+general+`"`, `"reactions":{":smile:":{"usernames":["bob"]}}`)

	for _, c := range []struct {
		who          *chatClient
		method       string
		params       []string
		want, reason string
	}{
		{cat, "setReaction", []string{`"smile"`, `"` + secret + `"`}, "not-authorized", ""},
		{cat, "setReaction", []string{`"smile"`, `"nope"`}, "error-not-allowed", "Not allowed"},
		{cat, "setReaction", []string{`"smile"`}, "invalid-params", ""},
		{cat, "setReaction", []string{`5`, `"` + mid + `"`}, "invalid-params", ""},
		{bob, "pinMessage", []string{`{"_id":"` + mid + `"}`}, "not-authorized", ""},
		{boss, "pinMessage", []string{`{"_id":"` + secret + `"}`}, "not-authorized", ""},
		{boss, "pinMessage", []string{`{"_id":"nope"}`}, "error-invalid-message", "Message you are pinning was not found"},
		{boss, "pinMessage", []string{`{}`}, "invalid-params", ""},
		{boss, "unpinMessage", []string{`{"_id":"nope"}`}, "error-invalid-message", "Message you are unpinning was not found"},
		{cat, "followMessage", []string{`{"mid":"` + secret + `"}`}, "error-not-allowed", ""},
		{cat, "followMessage", []string{`{}`}, "invalid-params", ""},
		{cat, "unfollowMessage", []string{`"x"`}, "invalid-params", ""},
		{cat, "readThreads", []string{`"` + secret + `"`}, "error-not-allowed", ""},
		{cat, "ignoreUser", []string{`{"rid":"` + ops + `","userId":"` + annID + `"}`}, "error-invalid-subscription", ""},
	} {
		got := c.who.result(t, "e", c.method, c.params...)
		if !strings.Contains(got, `"error":"`+c.want+`"`) || !strings.Contains(got, c.reason) {
			t.Errorf("%s %v = %s, want %s %s", c.method, c.params, got, c.want, c.reason)
		}
	}

	// Pins: the system message comes back; unpinning answers true.
	got := boss.result(t, "p1", "pinMessage", `{"_id":"`+mid+`"}`)
	if !strings.Contains(got, `"t":"message_pinned"`) || !strings.Contains(got, `"author_name":"ann"`) {
		t.Errorf("pinMessage = %s", got)
	}
	if got := boss.result(t, "p2", "unpinMessage", `{"_id":"`+mid+`"}`); !jsonEqual(t, got, `{"msg":"result","id":"p2","result":true}`) {
		t.Errorf("unpinMessage = %s", got)
	}

	// Stars: true when done, false when the user is not in the room or the message unknown.
	for _, c := range []struct {
		who    *chatClient
		params string
		want   string
	}{
		{bob, `{"_id":"` + mid + `","rid":"` + general + `","starred":true}`, "true"},
		{cat, `{"_id":"` + secret + `","rid":"` + ops + `","starred":true}`, "false"},
		{bob, `{"_id":"nope","rid":"` + general + `","starred":true}`, "false"},
	} {
		if got := c.who.result(t, "st", "starMessage", c.params); !jsonEqual(t, got, `{"msg":"result","id":"st","result":`+c.want+`}`) {
			t.Errorf("starMessage %s = %s", c.params, got)
		}
	}

	// Follow, then readThreads clears the thread from cat's subscription and tells her.
	if got := cat.result(t, "f1", "followMessage", `{"mid":"`+mid+`"}`); !jsonEqual(t, got, `{"msg":"result","id":"f1"}`) {
		t.Errorf("followMessage = %s", got)
	}
	cat.subscribe(t, "sc", "stream-notify-user", `"`+catID+`/subscriptions-changed"`, `{"useCollection":false,"args":[]}`)
	sent(t, ann, "s3", general, "a reply", `,"tmid":"`+mid+`"`)
	cat.await(t, `"eventName":"`+catID+`/subscriptions-changed"`, `"tunread":["`+mid+`"]`)
	if got := cat.result(t, "rt", "readThreads", `"`+mid+`"`, `""`); !jsonEqual(t, got, `{"msg":"result","id":"rt"}`) {
		t.Errorf("readThreads = %s", got)
	}
	// The thread was cat's only unread one: it goes, and the alert with it.
	if ev := cat.await(t, `"eventName":"`+catID+`/subscriptions-changed"`, `"alert":false`); strings.Contains(ev, `"tunread":[`) {
		t.Errorf("subscription after readThreads: %s", ev)
	}
	if got := cat.result(t, "f2", "unfollowMessage", `{"mid":"`+mid+`"}`); !jsonEqual(t, got, `{"msg":"result","id":"f2"}`) {
		t.Errorf("unfollowMessage = %s", got)
	}
	if got := cat.result(t, "i1", "ignoreUser", `{"rid":"`+general+`","userId":"`+annID+`","ignore":true}`); !jsonEqual(t, got, `{"msg":"result","id":"i1","result":true}`) {
		t.Errorf("ignoreUser = %s", got)
	}
	cat.await(t, `"eventName":"`+catID+`/subscriptions-changed"`, `"ignored":["`+annID+`"]`)

	// A muted user's reaction: false, and an ephemeral message says why.
	if _, err := db.Collection(docdb.Rooms).Update(context.Background(), docdb.ByID(general), docdb.U().Set("muted", []string{"cat"})); err != nil {
		t.Fatal(err)
	}
	cat.subscribe(t, "em", "stream-notify-user", `"`+catID+`/message"`, `{"useCollection":false,"args":[]}`)
	if got := cat.result(t, "r2", "setReaction", `"smile"`, `"`+mid+`"`); !jsonEqual(t, got, `{"msg":"result","id":"r2","result":false}`) {
		t.Errorf("setReaction by a muted user = %s", got)
	}
	cat.await(t, `"eventName":"`+catID+`/message"`, `muted`)
}
