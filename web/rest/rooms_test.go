package rest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/web/rest"
)

var _ rest.Rooms = (*rooms.Service)(nil)

// roomsAPI serves the whole HTTP face as cmd/outpost wires it (wiretest): an admin
// (boss) and users ann, bob and cat, all in #general.
func roomsAPI(t *testing.T) http.Handler {
	t.Helper()
	a := wiretest.Open(t)
	wiretest.User(t, a, "boss", "admin")
	for _, name := range []string{"ann", "bob", "cat"} {
		wiretest.User(t, a, name)
	}
	return wiretest.Handler(t, a)
}

// field decodes the answer and returns the string at a path of keys.
func field(t *testing.T, body string, path ...string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

func TestRoomRoutes(t *testing.T) {
	t.Parallel()
	h := roomsAPI(t)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	ann := login(t, h, `{"user":"ann","password":"pw"}`)
	bob := login(t, h, `{"user":"bob","password":"pw"}`)
	cat := login(t, h, `{"user":"cat","password":"pw"}`)
	a, b, c, x := &ann, &bob, &cat, &boss
	bobID, catID := bob.Data.UserID, cat.Data.UserID

	got := authedDo(t, h, ann, "POST", "/api/v1/channels.create", `{"name":"dev","members":["bob"]}`)
	if got.status != 200 {
		t.Fatalf("channels.create: %d %s", got.status, got.body)
	}
	dev := field(t, got.body, "channel", "_id")
	got = authedDo(t, h, ann, "POST", "/api/v1/groups.create", `{"name":"secret","members":["bob"]}`)
	secret := field(t, got.body, "group", "_id")
	if secret == "" {
		t.Fatalf("groups.create: %s", got.body)
	}
	got = authedDo(t, h, ann, "POST", "/api/v1/im.create", `{"username":"bob"}`)
	dm := field(t, got.body, "room", "rid")
	if dm == "" || field(t, got.body, "room", "t") != "d" {
		t.Fatalf("im.create: %s", got.body)
	}
	notFoundGroup := `The required \"roomId\" or \"roomName\" param provided does not match any group [error-room-not-found]`
	runCases(t, h, []routeCase{
		{nil, "GET", "/api/v1/channels.info?roomId=" + dev, ``, 401, `You must be logged in`},
		{c, "GET", "/api/v1/channels.info?roomName=dev", ``, 200, `"name":"dev"`},
		{c, "GET", "/api/v1/channels.info?roomId=nope", ``, 400, `error-room-not-found`},
		{c, "GET", "/api/v1/channels.info", ``, 400, `error-room-param-not-provided`},
		{a, "GET", "/api/v1/channels.info?roomId=" + secret, ``, 400, `error-room-not-found`},
		{c, "GET", "/api/v1/groups.info?roomId=" + secret, ``, 400, notFoundGroup},
		{b, "GET", "/api/v1/groups.info?roomId=" + secret, ``, 200, `"group":{"_id":"` + secret},
		{c, "GET", "/api/v1/groups.members?roomId=" + secret, ``, 400, `error-room-not-found`},
		{c, "GET", "/api/v1/groups.roles?roomId=" + secret, ``, 400, `error-room-not-found`},
		{c, "GET", "/api/v1/im.members?roomId=" + dm, ``, 400, `error-room-not-found`},
		{c, "GET", "/api/v1/rooms.info?roomId=" + secret, ``, 400, `error-not-allowed`},
		{b, "GET", "/api/v1/rooms.info?roomId=" + dm, ``, 200, `"room":{"_id":"` + dm},
		{a, "GET", "/api/v1/channels.members?roomId=" + dev, ``, 200, `"offset":0,"total":2`},
		{a, "GET", "/api/v1/channels.members?roomId=" + dev + "&filter=bo", ``, 200, `"total":1`},
		{a, "GET", "/api/v1/channels.members?roomId=" + dev + "&count=x", ``, 400, `invalid-params`},
		{a, "GET", "/api/v1/channels.roles?roomId=" + dev, ``, 200, `"roles":["owner"]`},
		{a, "GET", "/api/v1/channels.counters?roomId=" + dev, ``, 200, `"joined":true,"members":2`},
		{c, "GET", "/api/v1/channels.counters?roomId=" + dev, ``, 200, `"joined":false`},
		{c, "GET", "/api/v1/channels.counters?roomId=" + dev + "&userId=" + bobID, ``, 403, `error-unauthorized`},
		{a, "GET", "/api/v1/channels.list", ``, 200, `"total":2`},
		{a, "GET", "/api/v1/channels.list.joined", ``, 200, `"total":2`},
		{c, "GET", "/api/v1/groups.list", ``, 200, `"groups":[],"offset":0,"total":0`},
		{b, "GET", "/api/v1/groups.list", ``, 200, `"total":1`},
		{b, "GET", "/api/v1/im.list", ``, 200, `"ims":[{"_id":"` + dm},
		{b, "GET", "/api/v1/dm.list", ``, 200, `"total":1`},
		// Bad bodies are 400s.
		{a, "POST", "/api/v1/channels.create", `{"name":`, 400, `invalid-params`},
		{a, "POST", "/api/v1/channels.create", `{"name":["x"]}`, 400, `invalid-params`},
		{a, "POST", "/api/v1/channels.create", `{}`, 400, `invalid-params`},
		{a, "POST", "/api/v1/channels.create", `{"name":"DEV"}`, 400, `error-duplicate-channel-name`},
		{a, "POST", "/api/v1/channels.create", `{"name":"a b"}`, 400, `error-invalid-room-name`},
		{a, "POST", "/api/v1/im.create", `{}`, 400, `invalid-params`},
		{a, "POST", "/api/v1/im.create", `{"username":"ghost"}`, 400, `error-invalid-user`},
		// Membership.
		{c, "POST", "/api/v1/channels.join", `{"roomId":"` + dev + `"}`, 200, `"usersCount":3`},
		{c, "POST", "/api/v1/channels.join", `{"roomId":"` + secret + `"}`, 400, `error-room-not-found`},
		{c, "POST", "/api/v1/channels.leave", `{"roomId":"` + dev + `"}`, 200, `{"success":true}`},
		{a, "POST", "/api/v1/channels.leave", `{"roomId":"` + dev + `"}`, 400, `error-you-are-last-owner`},
		{b, "POST", "/api/v1/groups.invite", `{"roomId":"` + secret + `","userId":"` + catID + `"}`, 403, `error-not-allowed`},
		{a, "POST", "/api/v1/groups.invite", `{"roomId":"` + secret + `","userId":"` + catID + `"}`, 200, `"usersCount":3`},
		{a, "POST", "/api/v1/groups.invite", `{"roomId":"` + secret + `","userId":"nobody"}`, 400, `error-invalid-user`},
		{b, "POST", "/api/v1/groups.kick", `{"roomId":"` + secret + `","userId":"` + catID + `"}`, 403, `error-not-allowed`},
		{a, "POST", "/api/v1/groups.addModerator", `{"roomId":"` + secret + `","userId":"` + bobID + `"}`, 200, `{"success":true}`},
		{a, "POST", "/api/v1/groups.addModerator", `{"roomId":"` + secret + `","userId":"` + bobID + `"}`, 400, `error-user-already-moderator`},
		{b, "POST", "/api/v1/groups.kick", `{"roomId":"` + secret + `","userId":"` + catID + `"}`, 200, `"usersCount":2`},
		{b, "POST", "/api/v1/groups.addOwner", `{"roomId":"` + secret + `","userId":"` + bobID + `"}`, 403, `error-not-allowed`},
		{a, "POST", "/api/v1/groups.removeOwner", `{"roomId":"` + secret + `","userId":"` + ann.Data.UserID + `"}`, 400, `error-remove-last-owner`},
		{a, "POST", "/api/v1/groups.addLeader", `{"roomId":"` + secret + `"}`, 400, `invalid-params`},
		// Settings.
		{b, "POST", "/api/v1/channels.setTopic", `{"roomId":"` + dev + `","topic":"t"}`, 400, `error-action-not-allowed`},
		{a, "POST", "/api/v1/channels.setTopic", `{"roomId":"` + dev + `","topic":"t"}`, 200, `{"topic":"t","success":true}`},
		{a, "POST", "/api/v1/channels.setDescription", `{"roomId":"` + dev + `","description":"d"}`, 200, `"description":"d"`},
		{a, "POST", "/api/v1/channels.setAnnouncement", `{"roomId":"` + dev + `"}`, 400, `invalid-params`},
		{a, "POST", "/api/v1/channels.rename", `{"roomId":"` + dev + `","name":"dev2"}`, 200, `"name":"dev2"`},
		{a, "POST", "/api/v1/channels.setReadOnly", `{"roomId":"` + dev + `","readOnly":true}`, 200, `"ro":true`},
		{a, "POST", "/api/v1/rooms.saveRoomSettings", `{"rid":"` + dev + `","roomAnnouncement":"hi","default":true}`, 400, `error-action-not-allowed`},
		{a, "POST", "/api/v1/rooms.saveRoomSettings", `{"rid":"` + dev + `","roomAnnouncement":"hi"}`, 200, `"rid":"` + dev},
		{a, "POST", "/api/v1/rooms.saveRoomSettings", `{"rid":"` + dev + `","nope":1}`, 400, `error-invalid-settings`},
		{a, "POST", "/api/v1/rooms.saveRoomSettings", `{"rid":"` + dev + `","readOnly":"yes"}`, 400, `error-invalid-room-setting`},
		{b, "POST", "/api/v1/channels.archive", `{"roomId":"` + dev + `"}`, 403, `error-not-allowed`},
		{a, "POST", "/api/v1/channels.archive", `{"roomId":"` + dev + `"}`, 200, `{"success":true}`},
		{a, "POST", "/api/v1/channels.archive", `{"roomId":"` + dev + `"}`, 400, `error-room-archived`},
		{a, "POST", "/api/v1/channels.unarchive", `{"roomId":"` + dev + `"}`, 403, `error-not-allowed`},
		{x, "POST", "/api/v1/channels.unarchive", `{"roomId":"` + dev + `"}`, 200, `{"success":true}`},
		// Subscriptions.
		{b, "GET", "/api/v1/subscriptions.getOne?roomId=" + dev, ``, 200, `"subscription":{`},
		{c, "GET", "/api/v1/subscriptions.getOne?roomId=" + secret, ``, 200, `{"subscription":null,"success":true}`},
		{b, "POST", "/api/v1/subscriptions.read", `{"rid":"` + dev + `","readThreads":true}`, 200, `{"success":true}`},
		{c, "POST", "/api/v1/subscriptions.read", `{"rid":"` + secret + `"}`, 400, `error-invalid-subscription`},
		{b, "POST", "/api/v1/subscriptions.read", `{}`, 400, `invalid-params`},
		{b, "POST", "/api/v1/subscriptions.unread", `{"roomId":"` + dev + `"}`, 200, `{"success":true}`},
		{b, "POST", "/api/v1/rooms.favorite", `{"roomId":"` + dev + `","favorite":true}`, 200, `{"success":true}`},
		{c, "POST", "/api/v1/rooms.favorite", `{"roomId":"` + secret + `","favorite":true}`, 400, `error-not-allowed`},
		{b, "POST", "/api/v1/rooms.saveNotification", `{"roomId":"` + dev + `","notifications":{"desktopNotifications":"mentions","disableNotifications":"1"}}`, 200, `{"success":true}`},
		{b, "POST", "/api/v1/rooms.saveNotification", `{"roomId":"` + dev + `","notifications":{"bogus":"1"}}`, 400, `error-invalid-notification-setting`},
		{b, "GET", "/api/v1/subscriptions.get", ``, 200, `"desktopNotifications":"mentions"`},
		{b, "GET", "/api/v1/subscriptions.get?updatedSince=yesterday", ``, 400, `error-updatedSince-param-invalid`},
		{b, "GET", "/api/v1/subscriptions.get?updatedSince=2000-01-01T00:00:00.000Z", ``, 200, `"remove":[]`},
		{b, "GET", "/api/v1/rooms.get", ``, 200, `"update":[`},
		{b, "POST", "/api/v1/im.close", `{"roomId":"` + dm + `"}`, 200, `{"success":true}`},
		{b, "POST", "/api/v1/rooms.leave", `{"roomId":"` + dm + `"}`, 403, `error-not-allowed`},
		// Search.
		{b, "GET", "/api/v1/directory?type=channels&text=dev", ``, 200, `"total":1`},
		{b, "GET", "/api/v1/directory?type=users&text=ca", ``, 200, `"username":"cat"`},
		{b, "GET", "/api/v1/directory?type=teams", ``, 400, `error-invalid-type`},
		{c, "GET", "/api/v1/spotlight?query=%23sec", ``, 200, `"rooms":[]`},
		{b, "GET", "/api/v1/spotlight?query=%23sec", ``, 200, `"name":"secret"`},
		{b, "GET", `/api/v1/rooms.autocomplete.channelAndPrivate?selector={"name":"se"}`, ``, 200, `"items":[{`},
		{b, "GET", `/api/v1/rooms.autocomplete.channelAndPrivate`, ``, 400, `invalid-params`},
		// Deleting.
		{b, "POST", "/api/v1/groups.delete", `{"roomId":"` + secret + `"}`, 403, `error-not-allowed`},
		{a, "POST", "/api/v1/groups.delete", `{"roomId":"` + secret + `"}`, 200, `{"success":true}`},
		{a, "GET", "/api/v1/groups.info?roomId=" + secret, ``, 400, `error-room-not-found`},
		{b, "GET", "/api/v1/rooms.get?updatedSince=2000-01-01T00:00:00.000Z", ``, 200, `"remove":[{"_id":"` + secret},
	})
}
