package rest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/web/rest"
)

var _ rest.Messaging = (*messaging.Service)(nil)

// chatAPI serves the whole HTTP face as cmd/outpost wires it (wiretest): joe and ann
// (pw), both in #general (GENERAL), and a private group "grp" of joe only.
func chatAPI(t *testing.T) http.Handler {
	t.Helper()
	a := chatApp(t, "joe", "ann")
	return wiretest.Handler(t, a)
}

// chatApp wires the services with the users (boss an admin) in #general and a private
// group "grp" of the first user only, stored as is so that its id is known.
func chatApp(t *testing.T, names ...string) *wire.App {
	t.Helper()
	ctx := context.Background()
	a := wiretest.Open(t)
	var first model.User
	for i, n := range names {
		var roles []string
		if n == "boss" {
			roles = []string{"admin"}
		}
		u := wiretest.User(t, a, n, roles...)
		if i == 0 {
			first = u
		}
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	db := a.Store.Docs
	if err := db.Collection(docdb.Rooms).Insert(ctx, model.Room{ID: "grp", T: model.RoomPrivate, Name: "grp", Ts: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	sub := model.Subscription{ID: "grp" + first.ID, RID: "grp", U: model.UserRef{ID: first.ID, Username: first.Username}, Name: "grp", T: model.RoomPrivate, Ts: now, UpdatedAt: now}
	if err := db.Collection(docdb.Subscriptions).Insert(ctx, sub); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestChatRoutes(t *testing.T) {
	t.Parallel()
	h := chatAPI(t)
	joe := login(t, h, `{"user":"joe","password":"pw"}`)
	ann := login(t, h, `{"user":"ann","password":"pw"}`)
	j, a := &joe, &ann
	runCases(t, h, []routeCase{
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"_id":"m1aaaaaaaaaaaaaa","rid":"grp","msg":"hello world"}}`, 200, `"_id":"m1aaaaaaaaaaaaaa"`},
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"_id":"m1aaaaaaaaaaaaaa","rid":"grp","msg":"hello world"}}`, 200, `"msg":"hello world"`},
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"rid":"grp","msg":"reply","tmid":"m1aaaaaaaaaaaaaa"}}`, 200, `"tmid":"m1aaaaaaaaaaaaaa"`},
		{a, "POST", "/api/v1/chat.sendMessage", `{"message":{"rid":"grp","msg":"intruder"}}`, 403, `error-not-allowed`},
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"rid":"nope","msg":"x"}}`, 404, `Invalid room`},
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"rid":"grp","msg":5}}`, 400, `invalid-params`},
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":`, 400, `invalid-params`},
		{j, "POST", "/api/v1/chat.sendMessage", `{}`, 400, `must have required property 'message'`},
		{nil, "POST", "/api/v1/chat.sendMessage", `{"message":{"rid":"grp","msg":"x"}}`, 401, `You must be logged in`},
		{a, "POST", "/api/v1/chat.postMessage", `{"channel":"#general","text":"hi @joe"}`, 200, `"channel":"#general"`},
		{a, "POST", "/api/v1/chat.postMessage", `{"channel":"#grp","text":"x"}`, 403, `error-not-allowed`},
		{a, "POST", "/api/v1/chat.postMessage", `{"text":"x"}`, 400, `error-invalid-channel`},
		{j, "POST", "/api/v1/chat.update", `{"roomId":"grp","msgId":"m1aaaaaaaaaaaaaa","text":"edited"}`, 200, `"editedBy":{"_id"`},
		{j, "POST", "/api/v1/chat.update", `{"roomId":"grp","msgId":"nope","text":"x"}`, 400, `No message found with the id of \"nope\".`},
		{j, "POST", "/api/v1/chat.update", `{"roomId":"grp","msgId":"m1aaaaaaaaaaaaaa"}`, 400, `must have required property 'text'`},
		{j, "GET", "/api/v1/chat.getMessage?msgId=m1aaaaaaaaaaaaaa", ``, 200, `"msg":"edited"`},
		{a, "GET", "/api/v1/chat.getMessage?msgId=m1aaaaaaaaaaaaaa", ``, 400, `error-not-allowed`},
		{j, "GET", "/api/v1/groups.history?roomId=grp&count=50&showThreadMessages=false", ``, 200, `"msg":"edited"`},
		{a, "GET", "/api/v1/groups.history?roomId=grp", ``, 403, `error-not-allowed`},
		{j, "GET", "/api/v1/groups.history?roomId=grp&latest=yesterday", ``, 400, `error-invalid-date`},
		{j, "GET", "/api/v1/channels.history?roomId=GENERAL", ``, 200, `"mentions":[{"_id"`},
		{j, "GET", "/api/v1/groups.messages?roomId=grp", ``, 200, `"total":2`},
		{j, "GET", "/api/v1/chat.syncMessages?roomId=grp&lastUpdate=2020-01-01T00:00:00.000Z", ``, 200, `"deleted":[]`},
		{j, "GET", "/api/v1/chat.syncMessages?roomId=grp&type=UPDATED&next=0&count=1", ``, 200, `"cursor":{"next":"`},
		{j, "GET", "/api/v1/chat.syncMessages?roomId=grp", ``, 400, `error-param-required`},
		{j, "GET", "/api/v1/chat.getThreadMessages?tmid=m1aaaaaaaaaaaaaa", ``, 200, `"total":1`},
		{j, "GET", "/api/v1/chat.syncThreadMessages?tmid=m1aaaaaaaaaaaaaa&updatedSince=2020-01-01T00:00:00Z", ``, 200, `"update":[{`},
		{j, "GET", "/api/v1/chat.getThreadsList?rid=grp", ``, 200, `"threads":[{`},
		{a, "GET", "/api/v1/chat.getThreadsList?rid=grp", ``, 400, `Not Allowed`},
		{j, "GET", "/api/v1/chat.search?roomId=grp&searchText=edit", ``, 200, `"msg":"edited"`},
		{a, "GET", "/api/v1/chat.search?roomId=grp&searchText=edit", ``, 403, `error-not-allowed`},
		{j, "GET", "/api/v1/chat.search?roomId=grp", ``, 400, `error-searchText-param-not-provided`},
		{a, "POST", "/api/v1/chat.delete", `{"roomId":"grp","msgId":"m1aaaaaaaaaaaaaa"}`, 403, `error-not-allowed`},
		{j, "POST", "/api/v1/chat.delete", `{"roomId":"GENERAL","msgId":"m1aaaaaaaaaaaaaa"}`, 400, `does not match`},
		{j, "POST", "/api/v1/chat.delete", `{"roomId":"grp","msgId":"m1aaaaaaaaaaaaaa"}`, 200, `"message":{"_id":"m1aaaaaaaaaaaaaa","rid":"grp"`},
		{j, "GET", "/api/v1/chat.getDeletedMessages?roomId=grp&since=2020-01-01T00:00:00Z", ``, 200, `"total":0`},
	})
}
