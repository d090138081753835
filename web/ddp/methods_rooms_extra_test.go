package ddp_test

import (
	"strings"
	"testing"
)

func TestRoomExtraMethods(t *testing.T) {
	t.Parallel()
	ts := roomServer(t)
	login := func(name string) (*client, string) {
		c := ts.connected(t)
		res := parseMap(t, c.call("l", "login", `{"user":{"username":"`+name+`"},"password":"pw"}`))
		r, _ := res["result"].(map[string]any)
		uid, _ := r["id"].(string)
		if uid == "" {
			t.Fatalf("login %s: %v", name, res)
		}
		return c, uid
	}
	ann, _ := login("ann")
	bob, _ := login("bob")
	cat, catID := login("cat")
	anon := ts.connected(t)
	res := parseMap(t, ann.call("1", "createChannel", `"dev"`, `["bob","cat"]`, `false`, `""`))
	r, _ := res["result"].(map[string]any)
	rid, _ := r["rid"].(string)
	if rid == "" {
		t.Fatalf("createChannel = %v", res)
	}
	if got := cat.sub("s1", "stream-notify-user", `"`+catID+`/rooms-changed"`, `{"useCollection":false,"args":[]}`); !strings.Contains(got, `"ready"`) {
		t.Fatalf("sub: %s", got)
	}
	mute := func(user string) string { return `{"rid":"` + rid + `","username":"` + user + `"}` }
	for i, c := range []struct {
		c      *client
		method string
		params []string
		want   string
	}{
		{anon, "muteUserInRoom", []string{mute("bob")}, `"error":"error-invalid-user"`},
		{bob, "muteUserInRoom", []string{mute("ann")}, `"error":"error-not-allowed"`},
		{ann, "muteUserInRoom", []string{`{"rid":"` + rid + `"}`}, `invalid-params`},
		{ann, "muteUserInRoom", []string{`"` + rid + `"`}, `invalid-params`},
		{ann, "muteUserInRoom", []string{mute("ghost")}, `"error":"error-user-not-in-room"`},
		{ann, "muteUserInRoom", []string{`{"rid":"nope","username":"bob"}`}, `"error":"error-not-allowed"`},
		{ann, "muteUserInRoom", []string{mute("bob"), `""`}, `"result":true`},
		{ann, "unmuteUserInRoom", []string{mute("bob")}, `"result":true`},
		{bob, "unmuteUserInRoom", []string{mute("cat")}, `"error":"error-not-allowed"`},
		{bob, "browseChannels", []string{`{"type":"channels","sortBy":"name","sortDirection":"desc"}`}, `"result":{"results":[{"_id":"GENERAL"`},
		{bob, "browseChannels", []string{`{"type":"users","text":"ca"}`}, `"total":1`},
		{bob, "browseChannels", []string{`{"type":"channels","sortBy":"password"}`}, `{"msg":"result","id":"c`},
		{anon, "browseChannels", []string{`{}`}, `"error":"error-invalid-user"`},
	} {
		got := c.c.call("c"+string(rune('a'+i)), c.method, c.params...)
		if !strings.Contains(got, c.want) {
			t.Errorf("%s %v: %s\nwant %s", c.method, c.params, got, c.want)
		}
		if c.method == "browseChannels" && strings.Contains(c.params[0], "password") && strings.Contains(got, `"result":`) {
			t.Errorf("browseChannels with a bad sort answered %s", got)
		}
	}
	// cat, a member, saw the room change with bob muted, then unmuted.
	var muted, unmuted bool
	for !unmuted {
		f := cat.next()
		muted = muted || strings.Contains(f, `"muted":["bob"]`)
		unmuted = muted && strings.Contains(f, `rooms-changed`) && !strings.Contains(f, `"muted"`)
	}
}
