package rest_test

import (
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/streamhub"
)

// TestRoomsCleanHistory: rooms.cleanHistory needs clean-channel-history and access to
// the room, answers {_id, count} and announces deleteMessageBulk.
func TestRoomsCleanHistory(t *testing.T) {
	t.Parallel()
	h, hub := roomsChatAPI(t)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	ann := login(t, h, `{"user":"ann","password":"pw"}`)
	a, b := &ann, &boss
	grp := field(t, authedDo(t, h, ann, "POST", "/api/v1/groups.create", `{"name":"grp"}`).body, "group", "_id")
	for _, text := range []string{"one", "two", "three"} {
		authedDo(t, h, boss, "POST", "/api/v1/chat.sendMessage", `{"message":{"rid":"GENERAL","msg":"`+text+`"}}`)
	}
	events := hub.Subscribe(256, streamhub.All)
	defer events.Close()
	body := func(rid, extra string) string {
		return `{"roomId":"` + rid + `","latest":"9999-12-31T23:59:59.000Z","oldest":"0001-01-01T00:00:00.000Z"` + extra + `}`
	}
	runCases(t, h, []routeCase{
		{nil, "POST", "/api/v1/rooms.cleanHistory", body("GENERAL", ""), 401, `You must be logged in`},
		{b, "POST", "/api/v1/rooms.cleanHistory", `{"roomId":`, 400, `"success":false`},
		{b, "POST", "/api/v1/rooms.cleanHistory", `{"roomId":"GENERAL","oldest":"2020-01-01"}`, 400, `must have required property 'latest'`},
		{b, "POST", "/api/v1/rooms.cleanHistory", `{"latest":"2020-01-01","oldest":"2020-01-01"}`, 400, `must have required property 'roomId'`},
		{b, "POST", "/api/v1/rooms.cleanHistory", `{"roomId":"GENERAL","latest":"soon","oldest":"2020-01-01"}`, 400, `error-invalid-date`},
		{b, "POST", "/api/v1/rooms.cleanHistory", `{"roomId":"GENERAL","latest":"2020-01-01","oldest":"2020-01-01","users":"ann"}`, 400, `"success":false`},
		{a, "POST", "/api/v1/rooms.cleanHistory", body("GENERAL", ""), 400, `[error-not-allowed]`},
		{b, "POST", "/api/v1/rooms.cleanHistory", body("nope", ""), 400, `[error-room-not-found]`},
		{b, "POST", "/api/v1/rooms.cleanHistory", body(grp, ""), 400, `[error-not-allowed]`},
		{b, "POST", "/api/v1/rooms.cleanHistory", body("GENERAL", `,"users":["ghost"]`), 200, `{"_id":"GENERAL","count":0,"success":true}`},
		{b, "POST", "/api/v1/rooms.cleanHistory", body("GENERAL", `,"users":["boss"],"limit":2,"excludePinned":"true"`), 200, `{"_id":"GENERAL","count":2,"success":true}`},
		{b, "POST", "/api/v1/rooms.cleanHistory", body("GENERAL", `,"users":["boss"]`), 200, `{"_id":"GENERAL","count":2,"success":true}`}, // the rest: a message and boss's join,
	})
	bulks := 0
	for len(events.C()) > 0 {
		if ev, ok := (<-events.C()).(streamhub.MessagesBulkDeleted); ok && ev.RID == "GENERAL" {
			bulks++
		}
	}
	if bulks != 2 {
		t.Errorf("deleteMessageBulk events: %d, want 2", bulks)
	}
	if got := authedDo(t, h, boss, "GET", "/api/v1/channels.history?roomId=GENERAL", ""); strings.Contains(got.body, `"msg":"one"`) {
		t.Errorf("history after clean: %s", got.body)
	}
}

// TestRoomFilesAndGaps: *.files lists a room's uploads for those who may read it;
// chat.postMessage to @user opens the direct message; previewUrls is accepted;
// im.setTopic needs access and edit-room.
func TestRoomFilesAndGaps(t *testing.T) {
	t.Parallel()
	h, _ := roomsChatAPI(t)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	ann := login(t, h, `{"user":"ann","password":"pw"}`)
	cat := login(t, h, `{"user":"cat","password":"pw"}`)
	a, b, c := &ann, &boss, &cat
	grp := field(t, authedDo(t, h, ann, "POST", "/api/v1/groups.create", `{"name":"grp"}`).body, "group", "_id")
	runCases(t, h, []routeCase{
		{nil, "GET", "/api/v1/groups.files?roomId=" + grp, ``, 401, `You must be logged in`},
		{a, "GET", "/api/v1/groups.files?roomId=" + grp, ``, 200, `{"count":0,"files":[],"offset":0,"total":0,"success":true}`},
		{a, "GET", "/api/v1/groups.files?roomName=grp&sort={\"name\":-1}", ``, 200, `"files":[]`},
		{a, "GET", "/api/v1/groups.files?roomId=" + grp + "&count=x", ``, 400, `invalid-params`},
		{a, "GET", "/api/v1/groups.files?roomId=" + grp + "&sort=nope", ``, 400, `error-invalid-sort`},
		{a, "GET", "/api/v1/groups.files", ``, 400, `error-room-param-not-provided`},
		{c, "GET", "/api/v1/groups.files?roomId=" + grp, ``, 400, `[error-room-not-found]`},
		{a, "GET", "/api/v1/channels.files?roomId=" + grp, ``, 400, `[error-room-not-found]`},
		{c, "GET", "/api/v1/channels.files?roomId=GENERAL", ``, 200, `"files":[]`},
		{a, "GET", "/api/v1/im.files?username=bob", ``, 200, `"files":[]`},
		{a, "GET", "/api/v1/dm.files?roomId=nope", ``, 400, `[error-room-not-found]`},
		// chat.postMessage to a user without a direct message yet creates it.
		{a, "POST", "/api/v1/chat.postMessage", `{"channel":"@cat","text":"hello cat"}`, 200, `"channel":"@cat"`},
		{a, "POST", "/api/v1/chat.postMessage", `{"channel":"@ghost","text":"hi"}`, 400, `[error-invalid-channel]`},
		{c, "GET", "/api/v1/im.list", ``, 200, `hello cat`},
		// previewUrls are accepted (and not fetched); a wrong type is a 400.
		{a, "POST", "/api/v1/chat.sendMessage", `{"message":{"rid":"` + grp + `","msg":"see http://example.com"},"previewUrls":["http://example.com"]}`, 200, `"msg":"see http://example.com"`},
		{a, "POST", "/api/v1/chat.sendMessage", `{"message":{"rid":"` + grp + `","msg":"x"},"previewUrls":"http://example.com"}`, 400, `"success":false`},
		// im.setTopic / dm.setTopic.
		{a, "POST", "/api/v1/im.setTopic", `{"topic":"t"}`, 400, `[error-room-param-not-provided]`},
		{a, "POST", "/api/v1/im.setTopic", `{"roomId":"nope","topic":"t"}`, 403, `error-unauthorized`},
		{a, "POST", "/api/v1/im.setTopic", `{"roomId":"` + grp + `","topic":"t"}`, 400, `[error-room-not-found]`},
		{a, "POST", "/api/v1/im.setTopic", `{"roomId":`, 400, `"success":false`},
	})
	dm := field(t, authedDo(t, h, ann, "POST", "/api/v1/im.create", `{"username":"boss"}`).body, "room", "_id")
	runCases(t, h, []routeCase{
		{c, "POST", "/api/v1/dm.setTopic", `{"roomId":"` + dm + `","topic":"t"}`, 403, `error-unauthorized`},
		{a, "POST", "/api/v1/dm.setTopic", `{"roomId":"` + dm + `","topic":"t"}`, 400, `error-action-not-allowed`},
		{b, "POST", "/api/v1/dm.setTopic", `{"roomId":"` + dm + `","topic":"ours"}`, 200, `{"topic":"ours","success":true}`},
	})
	if got := authedDo(t, h, ann, "GET", "/api/v1/rooms.info?roomId="+dm, ""); !strings.Contains(got.body, `"topic":"ours"`) {
		t.Errorf("dm topic: %s", got.body)
	}
}
