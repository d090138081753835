package rest_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/storage/storetest"
	"github.com/outpostchat/outpost/web/rest"
)

var _ rest.Messaging = (*messaging.Service)(nil)

// chatRooms stands in for rooms.Service until the lead wires the two together: it
// reads the real store; public channels are open to every user, other rooms to members.
type chatRooms struct{ db *docdb.DB }

// DirectWith finds no direct message: the stand-in creates none.
func (r chatRooms) DirectWith(context.Context, model.Actor, string) (model.Room, *model.Subscription, error) {
	return model.Room{}, nil, model.Invalid("error-room-not-found", "no direct message")
}

func (r chatRooms) Access(ctx context.Context, actor model.Actor, rid string) (model.Room, *model.Subscription, error) {
	var room model.Room
	if err := r.db.Collection(docdb.Rooms).FindOne(ctx, docdb.ByID(rid), &room); err != nil {
		return model.Room{}, nil, model.NotFound("error-invalid-room", "Invalid room")
	}
	var sub model.Subscription
	q := docdb.Query{Where: docdb.F("rid") + " = ? AND " + docdb.F("u._id") + " = ?", Args: []any{rid, actor.UserID}}
	if err := r.db.Collection(docdb.Subscriptions).FindOne(ctx, q, &sub); err != nil {
		if room.T == model.RoomPublic {
			return room, nil, nil
		}
		return model.Room{}, nil, model.Forbidden("error-not-allowed")
	}
	return room, &sub, nil
}

// chatAPI serves the REST API with messaging over a real store: joe and ann (pw), a
// private group "grp" of joe only and a channel "general" of both.
func chatAPI(t *testing.T) http.Handler {
	t.Helper()
	ctx := context.Background()
	s := storetest.Open(t)
	hub := streamhub.New(nil)
	t.Cleanup(hub.Close)
	log := slog.New(slog.DiscardHandler)
	cfg := settings.New(docdb.NewSettingsStore(s.Docs), hub, log)
	if err := cfg.Register(ctx, append(append(settings.Core("U"), accounts.Settings()...), messaging.Settings()...)...); err != nil {
		t.Fatal(err)
	}
	az := authz.New(docdb.NewRolesStore[authz.Role](s.Docs), docdb.NewPermissionsStore[authz.Permission](s.Docs),
		docdb.NewUserRolesStore(s.Docs), docdb.NewSubscriptionRolesStore(s.Docs), s.Docs, hub, log)
	if err := az.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	acc := accounts.New(docdb.NewUsersStore(s.Docs), s.Docs, cfg, log)
	acc.SetBcryptCost(bcrypt.MinCost)
	now := time.Now().UTC().Truncate(time.Millisecond)
	var users []model.User
	for _, n := range []string{"joe", "ann"} {
		u, err := acc.CreateUser(ctx, model.System, accounts.NewUser{Username: n, Email: n + "@example.com", Password: "pw"})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	for _, r := range []struct {
		id, t   string
		members []model.User
	}{{"grp", model.RoomPrivate, users[:1]}, {"general", model.RoomPublic, users}} {
		if err := s.Docs.Collection(docdb.Rooms).Insert(ctx, model.Room{ID: r.id, T: r.t, Name: r.id, Ts: now, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		for _, u := range r.members {
			sub := model.Subscription{ID: r.id + u.ID, RID: r.id, U: model.UserRef{ID: u.ID, Username: u.Username}, Name: r.id, T: r.t, Ts: now, UpdatedAt: now}
			if err := s.Docs.Collection(docdb.Subscriptions).Insert(ctx, sub); err != nil {
				t.Fatal(err)
			}
		}
	}
	svc := messaging.New(chatRooms{s.Docs}, docdb.NewMessagesStore(s.Docs), s.Docs, az, cfg, hub, log)
	return rest.New(rest.Deps{Settings: cfg, Accounts: acc, Authz: az, Messaging: svc})
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
		{j, "GET", "/api/v1/channels.history?roomId=general", ``, 200, `"mentions":[{"_id"`},
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
		{j, "POST", "/api/v1/chat.delete", `{"roomId":"general","msgId":"m1aaaaaaaaaaaaaa"}`, 400, `does not match`},
		{j, "POST", "/api/v1/chat.delete", `{"roomId":"grp","msgId":"m1aaaaaaaaaaaaaa"}`, 200, `"message":{"_id":"m1aaaaaaaaaaaaaa","rid":"grp"`},
		{j, "GET", "/api/v1/chat.getDeletedMessages?roomId=grp&since=2020-01-01T00:00:00Z", ``, 200, `"total":0`},
	})
}
