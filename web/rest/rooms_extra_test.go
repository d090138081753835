package rest_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// roomsChatAPI serves the whole HTTP face as cmd/outpost wires it (wiretest), users'
// deletion reaching their rooms: an admin (boss) and users ann, bob and cat (password
// pw), all in #general. It returns the hub too.
func roomsChatAPI(t *testing.T) (http.Handler, *streamhub.Hub) {
	t.Helper()
	a := wiretest.Open(t)
	for _, name := range []string{"boss", "ann", "bob", "cat"} {
		roles := []string{"user"}
		if name == "boss" {
			roles = []string{"admin"}
		}
		wiretest.NewUser(t, a, accounts.NewUser{Username: name, Name: "N " + name, Roles: roles})
	}
	return wiretest.Handler(t, a), a.Hub
}

// TestMuteStopsSending: a muted user's chat.sendMessage is refused, and works again once
// unmuted; each change is a system message and a room change.
func TestMuteStopsSending(t *testing.T) {
	t.Parallel()
	h, hub := roomsChatAPI(t)
	ann := login(t, h, `{"user":"ann","password":"pw"}`)
	bob := login(t, h, `{"user":"bob","password":"pw"}`)
	cat := login(t, h, `{"user":"cat","password":"pw"}`)
	a, b, c := &ann, &bob, &cat
	got := authedDo(t, h, ann, "POST", "/api/v1/channels.create", `{"name":"dev","members":["bob"]}`)
	dev := field(t, got.body, "channel", "_id")
	if dev == "" {
		t.Fatalf("channels.create: %s", got.body)
	}
	send := func(text string) string {
		return `{"message":{"rid":"` + dev + `","msg":"` + text + `"}}`
	}
	events := hub.Subscribe(256, streamhub.All)
	defer events.Close()
	runCases(t, h, []routeCase{
		{b, "POST", "/api/v1/chat.sendMessage", send("before"), 200, `"msg":"before"`},
		{nil, "POST", "/api/v1/rooms.muteUser", `{"roomId":"` + dev + `","username":"bob"}`, 401, `You must be logged in`},
		{a, "POST", "/api/v1/rooms.muteUser", `{"roomId":`, 400, `invalid-params`},
		{a, "POST", "/api/v1/rooms.muteUser", `{"roomId":"` + dev + `"}`, 400, `invalid-params`},
		{a, "POST", "/api/v1/rooms.muteUser", `{"username":"bob"}`, 400, `invalid-params`},
		{a, "POST", "/api/v1/rooms.muteUser", `{"roomId":"` + dev + `","userId":"ghost"}`, 400, `does not match any users [error-invalid-user]`},
		{a, "POST", "/api/v1/rooms.muteUser", `{"roomId":"` + dev + `","username":"ghost"}`, 400, `error-invalid-user`},
		{a, "POST", "/api/v1/rooms.muteUser", `{"roomId":"` + dev + `","username":"cat"}`, 400, `error-user-not-in-room`},
		{b, "POST", "/api/v1/rooms.muteUser", `{"roomId":"` + dev + `","username":"ann"}`, 403, `error-not-allowed`},
		{c, "POST", "/api/v1/rooms.muteUser", `{"roomId":"nope","username":"bob"}`, 403, `error-not-allowed`},
		{a, "POST", "/api/v1/rooms.muteUser", `{"roomId":"` + dev + `","username":"bob"}`, 200, `{"success":true}`},
		{b, "POST", "/api/v1/chat.sendMessage", send("muted"), 400, `error-user-muted`},
		{a, "GET", "/api/v1/channels.info?roomId=" + dev, ``, 200, `"muted":["bob"]`},
		{a, "POST", "/api/v1/rooms.unmuteUser", `{"roomId":"` + dev + `","userId":"` + bob.Data.UserID + `"}`, 200, `{"success":true}`},
		{b, "POST", "/api/v1/chat.sendMessage", send("after"), 200, `"msg":"after"`},
	})
	var types []string
	changes := 0
	for len(events.C()) > 0 {
		switch ev := (<-events.C()).(type) {
		case streamhub.MessageSaved:
			if m, ok := ev.Message.(model.Message); ok && ev.RID == dev {
				types = append(types, m.T)
			}
		case streamhub.RoomChanged:
			if ev.RID == dev {
				changes++
			}
		}
	}
	if !slices.Contains(types, "user-muted") || !slices.Contains(types, "user-unmuted") || changes < 2 {
		t.Fatalf("message types %v, room changes %d", types, changes)
	}
}

func TestRoomExtraRoutes(t *testing.T) {
	t.Parallel()
	h, _ := roomsChatAPI(t)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	ann := login(t, h, `{"user":"ann","password":"pw"}`)
	bob := login(t, h, `{"user":"bob","password":"pw"}`)
	cat := login(t, h, `{"user":"cat","password":"pw"}`)
	a, b, c, x := &ann, &bob, &cat, &boss
	dev := field(t, authedDo(t, h, ann, "POST", "/api/v1/channels.create", `{"name":"dev","members":["bob","cat"]}`).body, "channel", "_id")
	grp := field(t, authedDo(t, h, ann, "POST", "/api/v1/groups.create", `{"name":"grp","members":["bob"]}`).body, "group", "_id")
	if dev == "" || grp == "" {
		t.Fatal("rooms not created")
	}
	q := url.QueryEscape
	runCases(t, h, []routeCase{
		// Join codes and default channels.
		{b, "POST", "/api/v1/channels.setJoinCode", `{"roomId":"` + dev + `","joinCode":"abc"}`, 400, `error-action-not-allowed`},
		{a, "POST", "/api/v1/channels.setJoinCode", `{"roomId":"` + dev + `"}`, 400, `invalid-params`},
		{a, "POST", "/api/v1/channels.setJoinCode", `{"roomId":"` + grp + `","joinCode":"abc"}`, 400, `error-room-not-found`},
		{a, "POST", "/api/v1/channels.setJoinCode", `{"roomName":"dev","joinCode":"abc"}`, 200, `"joinCodeRequired":true`},
		{a, "POST", "/api/v1/channels.setDefault", `{"roomId":"` + dev + `","default":true}`, 400, `error-action-not-allowed`},
		{x, "POST", "/api/v1/channels.setDefault", `{"roomId":"` + dev + `"}`, 400, `invalid-params`},
		{x, "POST", "/api/v1/channels.setDefault", `{"roomId":"` + dev + `","default":"yes"}`, 400, `invalid-params`},
		{x, "POST", "/api/v1/channels.setDefault", `{"roomId":"` + dev + `","default":"true"}`, 200, `"default":true`},
		// Moderators.
		{a, "POST", "/api/v1/channels.addModerator", `{"roomId":"` + dev + `","userId":"` + bob.Data.UserID + `"}`, 200, `{"success":true}`},
		{c, "GET", "/api/v1/channels.moderators?roomId=" + dev, ``, 200, `{"moderators":[{"_id":"` + bob.Data.UserID + `","username":"bob"`},
		{c, "GET", "/api/v1/groups.moderators?roomId=" + grp, ``, 400, `error-room-not-found`},
		{b, "GET", "/api/v1/groups.moderators?roomId=" + grp, ``, 200, `{"moderators":[],"success":true}`},
		// Administration listings.
		{a, "GET", "/api/v1/groups.listAll", ``, 403, `error-unauthorized`},
		{x, "GET", "/api/v1/groups.listAll", ``, 200, `"total":1`},
		{x, "GET", "/api/v1/groups.listAll?query=" + q(`{"name":{"$regex":"^zz"}}`), ``, 200, `"total":0`},
		{a, "GET", "/api/v1/rooms.adminRooms", ``, 403, `error-not-authorized`},
		{x, "GET", "/api/v1/rooms.adminRooms?types[]=p&types[]=d", ``, 200, `"total":1`},
		{x, "GET", "/api/v1/rooms.adminRooms?filter=DE&count=1", ``, 200, `"total":1,"success":true}`},
		{x, "GET", "/api/v1/rooms.adminRooms?sort=" + q(`{"usersCount":-1}`), ``, 200, `"rooms":[{"_id":"GENERAL"`},
		{x, "GET", "/api/v1/rooms.adminRooms?sort=nope", ``, 400, `error-invalid-sort`},
		{x, "GET", "/api/v1/rooms.adminRooms?count=-1", ``, 400, `invalid-params`},
		{b, "GET", "/api/v1/rooms.autocomplete.adminRooms?selector=" + q(`{"name":"d"}`), ``, 403, `error-not-authorized`},
		{x, "GET", "/api/v1/rooms.autocomplete.adminRooms?selector=" + q(`{"name":"d"}`), ``, 200, `"items":[{"_id":"` + dev},
		{x, "GET", "/api/v1/rooms.autocomplete.adminRooms", ``, 400, `invalid-params`},
		// channels.list reads the name a query asks for.
		{a, "GET", "/api/v1/channels.list?query=" + q(`{"name":{"$regex":"dev","$options":"i"}}`), ``, 200, `"total":1`},
		{a, "GET", "/api/v1/channels.list?query=" + q(`{"name":"gen"}`), ``, 200, `"total":1`},
		{a, "GET", "/api/v1/channels.list?query=notjson", ``, 200, `"total":2`},
		// im.* and dm.* take a username.
		{a, "GET", "/api/v1/im.members?username=bob", ``, 200, `"total":2`},
		{a, "GET", "/api/v1/dm.counters?username=bob", ``, 200, `"joined":true`},
		{a, "GET", "/api/v1/im.members?roomId=bob", ``, 200, `"total":2`},
		{a, "GET", "/api/v1/im.members?username=ghost", ``, 400, `error-room-not-found`},
		{a, "GET", "/api/v1/im.members", ``, 400, `error-room-param-not-provided`},
		{a, "GET", "/api/v1/im.members?roomId=" + dev, ``, 400, `error-room-not-found`},
		{a, "POST", "/api/v1/im.close", `{"username":"bob"}`, 200, `{"success":true}`},
		{a, "POST", "/api/v1/dm.open", `{"username":"bob"}`, 200, `{"success":true}`},
		// Members filtered by status and text, with totals.
		{a, "GET", "/api/v1/channels.members?roomId=" + dev + "&status[]=online", ``, 200, `"members":[],"offset":0,"total":0`},
		{a, "GET", "/api/v1/channels.members?roomId=" + dev + "&status[]=offline&count=1", ``, 200, `"offset":0,"total":3`},
		{a, "GET", "/api/v1/channels.members?roomId=" + dev + "&filter=N%20C", ``, 200, `"username":"cat"`},
		// The directory's sort and workspace.
		{b, "GET", "/api/v1/directory?type=channels&sort=" + q(`{"usersCount":-1}`), ``, 200, `"result":[{"_id":"GENERAL"`},
		{b, "GET", "/api/v1/directory?type=channels&sort=" + q(`{"name":1}`), ``, 200, `"result":[{"_id":"` + dev},
		{b, "GET", "/api/v1/directory?type=users&sort=" + q(`{"username":1}`) + "&count=1", ``, 200, `"username":"ann"`},
		{b, "GET", "/api/v1/directory?type=users&text=cat@example&workspace=all", ``, 200, `"total":1`},
		{b, "GET", "/api/v1/directory?type=users&text=cat@example", ``, 200, `"total":0`},
		{b, "GET", "/api/v1/directory?type=users&sort=" + q(`{"username":1,"name":1}`), ``, 400, `This method support only one \"sort\" parameter`},
		{b, "GET", "/api/v1/directory?type=channels&sort=" + q(`{"password":1}`), ``, 400, `Please verify the parameters`},
		{b, "GET", "/api/v1/directory?sort=x", ``, 400, `error-invalid-sort`},
	})
}

// TestDeletedUserLeavesRooms: users.delete reaches the user's rooms through the hook.
func TestDeletedUserLeavesRooms(t *testing.T) {
	t.Parallel()
	h, _ := roomsChatAPI(t)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	ann := login(t, h, `{"user":"ann","password":"pw"}`)
	bob := login(t, h, `{"user":"bob","password":"pw"}`)
	dev := field(t, authedDo(t, h, ann, "POST", "/api/v1/channels.create", `{"name":"dev","members":["bob"]}`).body, "channel", "_id")
	dm := field(t, authedDo(t, h, ann, "POST", "/api/v1/im.create", `{"username":"bob"}`).body, "room", "rid")
	b := &bob
	runCases(t, h, []routeCase{
		{&boss, "POST", "/api/v1/users.delete", `{"userId":"` + ann.Data.UserID + `"}`, 200, `{"success":true}`},
		{b, "GET", "/api/v1/channels.roles?roomId=" + dev, ``, 200, `"username":"bob","name":"N bob"},"roles":["owner"]`},
		{b, "GET", "/api/v1/channels.counters?roomId=" + dev, ``, 200, `"members":1`},
		{b, "GET", "/api/v1/rooms.info?roomId=" + dm, ``, 400, `error-not-allowed`},
	})
	got := authedDo(t, h, bob, "GET", "/api/v1/subscriptions.get", ``)
	if strings.Contains(got.body, dm) {
		t.Fatalf("bob keeps the dm with a deleted user: %s", got.body)
	}
}
