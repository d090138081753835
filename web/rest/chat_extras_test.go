package rest_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
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

var _ rest.ChatExtras = (*messaging.Service)(nil)

// extrasAPI serves the REST API with messaging over a real store: joe, ann and boss
// (an admin), all with password pw; a private group "grp" of joe only and a channel
// "general" of all three. The events the services publish arrive on the returned
// subscription.
func extrasAPI(t *testing.T) (http.Handler, *streamhub.Subscription) {
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
	for _, n := range []string{"joe", "ann", "boss"} {
		roles := []string{"user"}
		if n == "boss" {
			roles = []string{"admin"}
		}
		u, err := acc.CreateUser(ctx, model.System, accounts.NewUser{Username: n, Email: n + "@example.com", Password: "pw", Roles: roles})
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
	return rest.New(rest.Deps{Settings: cfg, Accounts: acc, Authz: az, Messaging: svc}), hub.Subscribe(1000, streamhub.All)
}

// drain returns the events published so far.
func drain(sub *streamhub.Subscription) []streamhub.Event {
	var out []streamhub.Event
	for {
		select {
		case ev := <-sub.C():
			out = append(out, ev)
		default:
			return out
		}
	}
}

func TestChatExtrasRoutes(t *testing.T) {
	t.Parallel()
	h, events := extrasAPI(t)
	joe := login(t, h, `{"user":"joe","password":"pw"}`)
	ann := login(t, h, `{"user":"ann","password":"pw"}`)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	j, a, b := &joe, &ann, &boss
	runCases(t, h, []routeCase{
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"_id":"pub1","rid":"general","msg":"hello everyone"}}`, 200, `"_id":"pub1"`},
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"_id":"sec1","rid":"grp","msg":"secret"}}`, 200, `"_id":"sec1"`},
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"_id":"men1","rid":"general","msg":"hi @ann"}}`, 200, `"_id":"men1"`},
	})
	drain(events)

	// chat.react
	runCases(t, h, []routeCase{
		{j, "POST", "/api/v1/chat.react", `{"emoji":"smile","messageId":"pub1"}`, 200, `{"success":true}`},
		{a, "POST", "/api/v1/chat.react", `{"reaction":":smile:","messageId":"pub1","shouldReact":true}`, 200, `{"success":true}`},
		{j, "GET", "/api/v1/chat.getMessage?msgId=pub1", ``, 200, `"reactions":{":smile:":{"usernames":["joe","ann"]}}`},
	})
	if evs := drain(events); len(evs) != 2 {
		t.Errorf("react events: %v", evs)
	} else if s, ok := evs[0].(streamhub.MessageSaved); !ok || s.RID != "general" {
		t.Errorf("react event: %+v", evs[0])
	}
	runCases(t, h, []routeCase{
		{j, "POST", "/api/v1/chat.react", `{"emoji":"smile","messageId":"pub1"}`, 200, `{"success":true}`},
		{j, "GET", "/api/v1/chat.getMessage?msgId=pub1", ``, 200, `"reactions":{":smile:":{"usernames":["ann"]}}`},
		{j, "POST", "/api/v1/chat.react", `{"emoji":"smile"}`, 400, `must have required property 'messageId'`},
		{j, "POST", "/api/v1/chat.react", `{"messageId":"pub1"}`, 400, `"errorType":"error-emoji-param-not-provided"`},
		{j, "POST", "/api/v1/chat.react", `{"emoji":"<b>","messageId":"pub1"}`, 400, `Invalid emoji provided. [error-not-allowed]`},
		{j, "POST", "/api/v1/chat.react", `{"emoji":"smile","messageId":"nope"}`, 400, `"errorType":"error-message-not-found"`},
		{a, "POST", "/api/v1/chat.react", `{"emoji":"smile","messageId":"sec1"}`, 400, `"errorType":"not-authorized"`},
		{j, "POST", "/api/v1/chat.react", `{"emoji":5,"messageId":"pub1"}`, 400, `invalid-params`},
		{j, "POST", "/api/v1/chat.react", `{"emoji":`, 400, `invalid-params`},
		{nil, "POST", "/api/v1/chat.react", `{"emoji":"smile","messageId":"pub1"}`, 401, `You must be logged in`},
	})

	// Pins
	runCases(t, h, []routeCase{
		{j, "POST", "/api/v1/chat.pinMessage", `{"messageId":"pub1"}`, 400, `"errorType":"not-authorized"`},
		{b, "POST", "/api/v1/chat.pinMessage", `{"messageId":"sec1"}`, 400, `"errorType":"not-authorized"`},
		{b, "POST", "/api/v1/chat.pinMessage", `{"messageId":"nope"}`, 400, `"errorType":"error-message-not-found"`},
		{b, "POST", "/api/v1/chat.pinMessage", `{}`, 400, `must have required property 'messageId'`},
	})
	drain(events)
	runCases(t, h, []routeCase{
		{b, "POST", "/api/v1/chat.pinMessage", `{"messageId":"pub1"}`, 200, `"t":"message_pinned"`},
	})
	if evs := drain(events); len(evs) < 2 {
		t.Errorf("pin events: %v", evs)
	}
	runCases(t, h, []routeCase{
		{a, "GET", "/api/v1/chat.getPinnedMessages?roomId=general", ``, 200, `"count":1,"offset":0,"total":1`},
		{a, "GET", "/api/v1/chat.getPinnedMessages?roomId=general", ``, 200, `"pinnedBy":{"_id"`},
		{a, "GET", "/api/v1/chat.getPinnedMessages?roomId=grp", ``, 400, `"errorType":"error-not-allowed"`},
		{a, "GET", "/api/v1/chat.getPinnedMessages", ``, 400, `must have required property 'roomId'`},
		{a, "GET", "/api/v1/chat.getPinnedMessages?roomId=general&count=x", ``, 400, `invalid-params`},
		{b, "POST", "/api/v1/chat.unPinMessage", `{"messageId":"nope"}`, 400, `"errorType":"error-message-not-found"`},
		{a, "POST", "/api/v1/chat.unPinMessage", `{"messageId":"pub1"}`, 400, `"errorType":"not-authorized"`},
		{b, "POST", "/api/v1/chat.unPinMessage", `{"messageId":"pub1"}`, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.getPinnedMessages?roomId=general", ``, 200, `"messages":[],"count":0,"offset":0,"total":0`},
	})

	// Stars
	runCases(t, h, []routeCase{
		{a, "POST", "/api/v1/chat.starMessage", `{"messageId":"pub1"}`, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.getStarredMessages?roomId=general", ``, 200, `"total":1`},
		{a, "GET", "/api/v1/chat.getStarredMessages?roomId=general", ``, 200, `"starred":[{"_id":"` + ann.Data.UserID + `"}]`},
		{j, "GET", "/api/v1/chat.getStarredMessages?roomId=general", ``, 200, `"total":0`},
		{a, "GET", "/api/v1/chat.getStarredMessages?roomId=grp", ``, 400, `"errorType":"error-not-allowed"`},
		{a, "POST", "/api/v1/chat.starMessage", `{"messageId":"sec1"}`, 400, `"errorType":"error-not-allowed"`},
		{a, "POST", "/api/v1/chat.starMessage", `{"messageId":"nope"}`, 400, `"errorType":"error-message-not-found"`},
		{a, "POST", "/api/v1/chat.unStarMessage", `{"messageId":"pub1"}`, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.getStarredMessages?roomId=general", ``, 200, `"total":0`},
	})

	// Follow and threads
	runCases(t, h, []routeCase{
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"_id":"rep1","rid":"general","msg":"a reply","tmid":"pub1"}}`, 200, `"tmid":"pub1"`},
		{a, "POST", "/api/v1/chat.followMessage", `{"mid":"rep1"}`, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.getThreadsList?rid=general&type=following", ``, 200, `"total":1`},
		{a, "POST", "/api/v1/chat.followMessage", `{}`, 400, `must have required property 'mid'`},
		{a, "POST", "/api/v1/chat.followMessage", `{"mid":"sec1"}`, 400, `"errorType":"error-not-allowed"`},
		{a, "POST", "/api/v1/chat.followMessage", `{"mid":"nope"}`, 400, `"errorType":"error-invalid-message"`},
		{a, "POST", "/api/v1/chat.unfollowMessage", `{"mid":"pub1"}`, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.getThreadsList?rid=general&type=following", ``, 200, `"total":0`},
		{a, "GET", "/api/v1/chat.syncThreadsList?rid=general&updatedSince=2020-01-01T00:00:00.000Z", ``, 200, `"threads":{"update":[{"_id":"pub1"`},
		{a, "GET", "/api/v1/chat.syncThreadsList?rid=general&updatedSince=2020-01-01T00:00:00.000Z", ``, 200, `"remove":[]`},
		{a, "GET", "/api/v1/chat.syncThreadsList?rid=general", ``, 400, `must have required property 'updatedSince'`},
		{a, "GET", "/api/v1/chat.syncThreadsList?rid=general&updatedSince=soon", ``, 400, `"errorType":"error-updatedSince-param-invalid"`},
		{a, "GET", "/api/v1/chat.syncThreadsList?rid=grp&updatedSince=2020-01-01T00:00:00Z", ``, 400, `Not Allowed [error-not-allowed]`},
	})

	// Mentions
	runCases(t, h, []routeCase{
		{a, "GET", "/api/v1/chat.getMentionedMessages?roomId=general", ``, 200, `"msg":"hi @ann"`},
		{a, "GET", "/api/v1/chat.getMentionedMessages?roomId=general", ``, 200, `"count":1,"offset":0,"total":1`},
		{j, "GET", "/api/v1/chat.getMentionedMessages?roomId=general", ``, 200, `"total":0`},
		{a, "GET", "/api/v1/chat.getMentionedMessages?roomId=grp", ``, 400, `"errorType":"error-not-allowed"`},
	})

	// Moderation
	runCases(t, h, []routeCase{
		{a, "GET", "/api/v1/chat.ignoreUser?rid=general&userId=" + joe.Data.UserID + "&ignore=true", ``, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.ignoreUser?rid=general&userId=" + joe.Data.UserID + "&ignore=false", ``, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.ignoreUser?rid=general&userId=" + joe.Data.UserID, ``, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.ignoreUser?userId=" + joe.Data.UserID, ``, 400, `"errorType":"error-room-id-param-not-provided"`},
		{a, "GET", "/api/v1/chat.ignoreUser?rid=general", ``, 400, `"errorType":"error-user-id-param-not-provided"`},
		{a, "GET", "/api/v1/chat.ignoreUser?rid=grp&userId=" + joe.Data.UserID, ``, 400, `"errorType":"error-invalid-subscription"`},
		{a, "POST", "/api/v1/chat.reportMessage", `{"messageId":"pub1","description":"spam"}`, 200, `{"success":true}`},
		{a, "POST", "/api/v1/chat.reportMessage", `{"messageId":"pub1"}`, 400, `must have required property 'description'`},
		{a, "POST", "/api/v1/chat.reportMessage", `{"messageId":"pub1","description":"   "}`, 400, `{"success":false,"error":"error-invalid-description"}`},
		{a, "POST", "/api/v1/chat.reportMessage", `{"messageId":"sec1","description":"spam"}`, 400, `{"success":false,"error":"error-invalid-message_id"}`},
	})

	// Attachments are checked on the way in.
	runCases(t, h, []routeCase{
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"rid":"general","msg":"x","attachments":[{"title":"t","title_link":"javascript:alert(1)"}]}}`, 400, `"error":"Invalid href value provided"`},
		{j, "POST", "/api/v1/chat.postMessage", `{"roomId":"general","text":"x","attachments":[{"image_url":"data:text/html,x"}]}`, 400, `Invalid href value provided`},
		{j, "POST", "/api/v1/chat.postMessage", `{"roomId":"general","text":"x","attachments":[{"fields":[{"title":"a"}]}]}`, 400, `Invalid attachment field, title and value is required`},
		{j, "POST", "/api/v1/chat.postMessage", `{"roomId":"general","text":"x","attachments":[{"title":"ok","title_link":"https://example.com"}]}`, 200, `"title_link":"https://example.com"`},
	})
}

// TestChatExtrasAnswerShapes: the bodies of the list and no-payload routes, exactly.
func TestChatExtrasAnswerShapes(t *testing.T) {
	t.Parallel()
	h, _ := extrasAPI(t)
	joe := login(t, h, `{"user":"joe","password":"pw"}`)
	got := authedDo(t, h, joe, "GET", "/api/v1/chat.getStarredMessages?roomId=general", "")
	expect(t, got, 200, `{"messages":[],"count":0,"offset":0,"total":0,"success":true}`)
	got = authedDo(t, h, joe, "GET", "/api/v1/chat.syncThreadsList?rid=general&updatedSince=2020-01-01T00:00:00Z", "")
	expect(t, got, 200, `{"threads":{"update":[],"remove":[]},"success":true}`)
	got = authedDo(t, h, joe, "POST", "/api/v1/chat.react", `{"emoji":"smile","messageId":"nope"}`)
	expect(t, got, 400, `{"success":false,"error":"The provided \"messageId\" does not match any existing message. [error-message-not-found]","errorType":"error-message-not-found"}`)
	if !strings.Contains(got.body, "error-message-not-found") {
		t.Error(got.body)
	}
}
