package ddp_test

import (
	"context"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/web/ddp"
)

var _ ddp.RoomMethods = (*rooms.Service)(nil)

// roomServer is a DDP server with every method and stream cmd/outpost registers
// (wiretest), fed by the hub, holding ann, bob and cat (password pw), all in #general.
func roomServer(t *testing.T) *testServer {
	ts, _ := roomServerWith(t)
	return ts
}

// roomServerWith is roomServer that also returns the room service.
func roomServerWith(t *testing.T) (*testServer, *rooms.Service) {
	t.Helper()
	a := wiretest.Open(t)
	for _, n := range []string{"ann", "bob", "cat"} {
		wiretest.User(t, a, n)
	}
	return appServer(t, a), a.Rooms
}

// appServer is a DDP server with every method and stream cmd/outpost registers over
// a's services (wire.App.RegisterDDP), fed by a's hub until the test ends.
func appServer(t *testing.T, a *wire.App) *testServer {
	t.Helper()
	ts := newServer(t, ddp.Config{}, a.RegisterDDP)
	ctx, stop := context.WithCancel(context.Background())
	done := a.Start(ctx, ts.Server)
	t.Cleanup(func() { stop(); <-done })
	return ts
}

func TestRoomMethods(t *testing.T) {
	t.Parallel()
	ts := roomServer(t)
	as := func(name string) *client {
		c := ts.connected(t)
		res := parseMap(t, c.call("l", "login", `{"user":{"username":"`+name+`"},"password":"pw"}`))
		if res["error"] != nil {
			t.Fatalf("login %s: %v", name, res)
		}
		return c
	}
	ann, cat := as("ann"), as("cat")
	anon := ts.connected(t)

	res := parseMap(t, ann.call("1", "createPrivateGroup", `"secret"`, `["bob"]`, `false`, `""`))
	r, _ := res["result"].(map[string]any)
	rid, _ := r["rid"].(string)
	if rid == "" || r["name"] != "secret" {
		t.Fatalf("createPrivateGroup = %v", res)
	}
	res = parseMap(t, ann.call("2", "createDirectMessage", `"bob"`, `""`))
	dm, _ := res["result"].(map[string]any)
	if dm["t"] != "d" || dm["rid"] == nil {
		t.Fatalf("createDirectMessage = %v", res)
	}
	cases := []struct {
		c      *client
		method string
		params []string
		want   string
	}{
		{anon, "getRoomRoles", []string{`"` + rid + `"`}, `"error":"error-invalid-user"`},
		{cat, "getRoomRoles", []string{`"` + rid + `"`}, `"error":"error-not-allowed"`},
		{ann, "getRoomRoles", []string{`"` + rid + `"`}, `"roles":["owner"]`},
		{cat, "getUsersOfRoom", []string{`"` + rid + `"`, `true`}, `"error":"error-not-allowed"`},
		{ann, "getUsersOfRoom", []string{`"` + rid + `"`, `true`, `{"limit":10,"skip":0}`}, `"total":2`},
		{ann, "getUsersOfRoom", []string{`5`}, `invalid-params`},
		{cat, "joinRoom", []string{`"` + rid + `"`}, `"error":"error-not-allowed"`},
		{cat, "joinRoom", []string{`"GENERAL"`}, `"result":true`},
		{cat, "leaveRoom", []string{`"nope"`}, `"error":"error-invalid-room"`},
		{cat, "addUsersToRoom", []string{`{"rid":"` + rid + `","users":["cat"]}`}, `"error":"error-not-allowed"`},
		{ann, "addUsersToRoom", []string{`{"rid":"` + rid + `","users":["cat"]}`}, `"result":true`},
		{cat, "readMessages", []string{`"` + rid + `"`, `true`}, `"msg":"result"`},
		{cat, "toggleFavorite", []string{`"` + rid + `"`, `true`}, `"result":1`},
		{cat, "hideRoom", []string{`"` + rid + `"`}, `"result":1`},
		{cat, "getRoomNameById", []string{`"` + rid + `"`}, `"result":"secret"`},
		{cat, "getRoomIdByNameOrId", []string{`"general"`}, `"result":"GENERAL"`},
		{cat, "getRoomByTypeAndName", []string{`"p"`, `"secret"`}, `"name":"secret"`},
		{cat, "canAccessRoom", []string{`"` + rid + `"`, `""`}, `"_id":"` + rid},
		{cat, "saveRoomSettings", []string{`"` + rid + `"`, `"roomTopic"`, `"t"`}, `"error":"error-action-not-allowed"`},
		{ann, "saveRoomSettings", []string{`"` + rid + `"`, `"roomTopic"`, `"t"`}, `"result":{"result":true`},
		{ann, "saveRoomSettings", []string{`"` + rid + `"`, `{"roomDescription":"d"}`}, `"result":{"result":true`},
		{cat, "subscriptions/get", nil, `"rid":"` + rid},
		{cat, "subscriptions/get", []string{`{"$date":0}`}, `"remove":[]`},
		{cat, "rooms/get", nil, `"topic":"t"`},
		{cat, "spotlight", []string{`"sec"`, `[]`, `{"users":false,"rooms":true}`}, `"name":"secret"`},
		{cat, "leaveRoom", []string{`"` + rid + `"`}, `"result":true`},
		{cat, "getRoomNameById", []string{`"` + rid + `"`}, `"error":"error-not-allowed"`},
		{cat, "canAccessRoom", []string{`"` + rid + `"`, `""`}, `"result":false`},
	}
	for i, c := range cases {
		got := c.c.call("c"+string(rune('a'+i)), c.method, c.params...)
		if !strings.Contains(got, c.want) {
			t.Errorf("%s %v: %s\nwant %s", c.method, c.params, got, c.want)
		}
	}
}
