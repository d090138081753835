package ddp_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/storage/storetest"
	"github.com/outpostchat/outpost/web/ddp"
)

var _ ddp.RoomMethods = (*rooms.Service)(nil)

// roomServer is a DDP server with the account and room methods and the room streams
// (fed by the hub) over a real store holding ann, bob and cat (password pw), all in
// #general.
func roomServer(t *testing.T) *testServer {
	ts, _ := roomServerWith(t)
	return ts
}

// roomServerWith is roomServer that also returns the room service.
func roomServerWith(t *testing.T) (*testServer, *rooms.Service) {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	hub := streamhub.New(nil)
	t.Cleanup(hub.Close)
	log := slog.New(slog.DiscardHandler)
	cfg := settings.New(docdb.NewSettingsStore(st.Docs), hub, log)
	if err := cfg.Register(ctx, append(append(settings.Core("U"), accounts.Settings()...), rooms.Settings()...)...); err != nil {
		t.Fatal(err)
	}
	az := authz.New(docdb.NewRolesStore[authz.Role](st.Docs), docdb.NewPermissionsStore[authz.Permission](st.Docs),
		docdb.NewUserRolesStore(st.Docs), docdb.NewSubscriptionRolesStore(st.Docs), st.Docs, hub, log)
	if err := az.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	rs := rooms.New(docdb.NewRoomsStore(st.Docs), docdb.NewSubscriptionsStore(st.Docs), docdb.NewUsersStore(st.Docs), st.Docs, hub, az, cfg, log)
	if err := rs.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	acc := accounts.New(docdb.NewUsersStore(st.Docs), st.Docs, cfg, log)
	acc.SetBcryptCost(bcrypt.MinCost)
	acc.SetOnUserCreated(rs.JoinDefaultRooms)
	for _, n := range []string{"ann", "bob", "cat"} {
		if _, err := acc.CreateUser(ctx, model.System, accounts.NewUser{Username: n, Email: n + "@example.com", Password: "pw"}); err != nil {
			t.Fatal(err)
		}
	}
	ts := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		ddp.RegisterAccountMethods(s, acc)
		ddp.RegisterRoomMethods(s, rs)
		ddp.RegisterCoreStreams(s)
		ddp.RegisterRoomStreams(s, rs)
	})
	fwd, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go ts.Forward(fwd, hub)
	return ts, rs
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
