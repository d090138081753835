package ddp_test

import (
	"context"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/web/ddp"
)

var _ ddp.Rooms = (*rooms.Service)(nil)

// waitFor reads c's messages until one contains every part, failing after the client's
// read timeout; the messages skipped are returned too.
func waitFor(t *testing.T, c *client, parts ...string) (hit string, skipped []string) {
	t.Helper()
	for {
		m := c.next()
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(m, p)
		}
		if ok {
			return m, skipped
		}
		skipped = append(skipped, m)
	}
}

// login signs c in as username (password pw) and returns the user's id.
func login(t *testing.T, c *client, username string) string {
	t.Helper()
	res := parseMap(t, c.call("login", "login", `{"user":{"username":"`+username+`"},"password":"pw"}`))
	r, _ := res["result"].(map[string]any)
	uid, _ := r["id"].(string)
	if uid == "" {
		t.Fatalf("login %s: %v", username, res)
	}
	return uid
}

// TestRoomStreams checks who reads a private group's events: members do, a non-member
// is refused, typing goes from one member to the others, __my_messages__ carries the
// room's messages to members only, and a removed member's room subscriptions end at
// once (nosub) so no later event reaches them.
func TestRoomStreams(t *testing.T) {
	t.Parallel()
	ts, rs := roomServerWith(t)
	ann, bob, cat := ts.connected(t), ts.connected(t), ts.connected(t)
	annID, bobID := login(t, ann, "ann"), login(t, bob, "bob")
	login(t, cat, "cat")

	res := parseMap(t, ann.call("g", "createPrivateGroup", `"ops"`, `["bob"]`, `false`, `""`))
	r, _ := res["result"].(map[string]any)
	rid, _ := r["rid"].(string)
	if rid == "" {
		t.Fatalf("createPrivateGroup = %v", res)
	}

	// cat is not a member of the private group: every room stream refuses her.
	for id, p := range map[string][]string{"c0": {"stream-room-messages", `"` + rid + `"`}, "c1": {"stream-notify-room", `"` + rid + `/user-activity"`}} {
		got := cat.sub(id, p[0], p[1], `{"useCollection":false,"args":[]}`)
		if !strings.Contains(got, `"id":"`+id+`"`) {
			got, _ = waitFor(t, cat, `"id":"`+id+`"`)
		}
		if !strings.Contains(got, `"msg":"nosub"`) || !strings.Contains(got, `not-allowed`) {
			t.Fatalf("cat's sub %s to a private group: %s", id, got)
		}
	}

	for _, c := range []*client{ann, bob} {
		subReady(t, c, "m", "stream-room-messages", `"`+rid+`"`, `{"useCollection":false,"args":[]}`)
		subReady(t, c, "a", "stream-notify-room", `"`+rid+`/user-activity"`, `{"useCollection":false,"args":[]}`)
		subReady(t, c, "my", "stream-room-messages", `"__my_messages__"`, `{"useCollection":false,"args":[]}`)
	}
	subReady(t, cat, "my", "stream-room-messages", `"__my_messages__"`, `{"useCollection":false,"args":[]}`)

	// Typing, as the mobile app sends it (with its trailing filler): to the other member only.
	bob.call("t1", "stream-notify-room", `"`+rid+`/user-activity"`, `"bob"`, `["user-typing"]`, `{}`, `""`)
	got, _ := waitFor(t, ann, `"collection":"stream-notify-room"`)
	if !jsonEqual(t, got, `{"msg":"changed","collection":"stream-notify-room","id":"id","fields":{"eventName":"`+rid+`/user-activity","args":["bob",["user-typing"],{}]}}`) {
		t.Fatalf("ann saw %s", got)
	}
	// cat's write to the room is refused silently; a server-only event is not writable.
	cat.call("t2", "stream-notify-room", `"`+rid+`/user-activity"`, `"cat"`, `["user-typing"]`)
	bob.call("t3", "stream-notify-room", `"`+rid+`/deleteMessage"`, `{"_id":"x"}`)

	// A system message (the rename) reaches members on <rid> and __my_messages__.
	if _, err := rs.SaveSettings(context.Background(), model.Actor{UserID: annID, Username: "ann", Roles: []string{"user"}}, rid, map[string]any{"roomName": "ops2"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client{ann, bob} {
		waitFor(t, c, `"eventName":"`+rid+`"`, `"t":"r"`)
		my, _ := waitFor(t, c, `"eventName":"__my_messages__"`, `"t":"r"`)
		if !strings.Contains(my, `"roomParticipant":true`) || !strings.Contains(my, `"roomType":"p"`) {
			t.Fatalf("__my_messages__ event: %s", my)
		}
	}
	for _, m := range ann.sync() {
		if strings.Contains(m, `"cat"`) || strings.Contains(m, "deleteMessage") {
			t.Fatalf("ann received a refused write: %s", m)
		}
	}
	for _, m := range cat.sync() {
		if strings.Contains(m, rid) {
			t.Fatalf("cat, not a member, received %s", m)
		}
	}

	// Kicking bob ends his subscriptions to the room at once; later events skip him.
	if _, err := rs.Kick(context.Background(), model.Actor{UserID: annID, Username: "ann", Roles: []string{"user"}}, rid, bobID); err != nil {
		t.Fatal(err)
	}
	stopped := map[string]bool{}
	for len(stopped) < 2 {
		m := bob.next()
		for _, id := range []string{"m", "a"} {
			if jsonEqual(t, m, `{"msg":"nosub","id":"`+id+`"}`) {
				stopped[id] = true
			}
		}
	}
	bob.call("t4", "stream-notify-room", `"`+rid+`/user-activity"`, `"bob"`, `["user-typing"]`)
	if _, err := rs.SaveSettings(context.Background(), model.Actor{UserID: annID, Username: "ann", Roles: []string{"user"}}, rid, map[string]any{"roomTopic": "after"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ann, `"eventName":"__my_messages__"`, `"t":"room_changed_topic"`)
	for _, m := range bob.sync() {
		if strings.Contains(m, `room_changed_topic`) {
			t.Fatalf("bob, kicked, received %s", m)
		}
	}
	for _, m := range ann.sync() {
		if strings.Contains(m, `"user-typing"`) {
			t.Fatalf("ann received typing from bob after the kick: %s", m)
		}
	}
}
