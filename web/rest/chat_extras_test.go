package rest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/web/rest"
)

var _ rest.ChatExtras = (*messaging.Service)(nil)

// extrasAPI serves the whole HTTP face as cmd/outpost wires it (wiretest): joe, ann and
// boss (an admin), all with password pw and in #general (GENERAL), and a private group
// "grp" of joe only. The events the services publish arrive on the returned
// subscription.
func extrasAPI(t *testing.T) (http.Handler, *streamhub.Subscription) {
	t.Helper()
	a := chatApp(t, "joe", "ann", "boss")
	return wiretest.Handler(t, a), a.Hub.Subscribe(1000, streamhub.All)
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
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"_id":"pub1","rid":"GENERAL","msg":"hello everyone"}}`, 200, `"_id":"pub1"`},
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"_id":"sec1","rid":"grp","msg":"secret"}}`, 200, `"_id":"sec1"`},
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"_id":"men1","rid":"GENERAL","msg":"hi @ann"}}`, 200, `"_id":"men1"`},
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
	} else if s, ok := evs[0].(streamhub.MessageSaved); !ok || s.RID != "GENERAL" {
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
		{a, "GET", "/api/v1/chat.getPinnedMessages?roomId=GENERAL", ``, 200, `"count":1,"offset":0,"total":1`},
		{a, "GET", "/api/v1/chat.getPinnedMessages?roomId=GENERAL", ``, 200, `"pinnedBy":{"_id"`},
		{a, "GET", "/api/v1/chat.getPinnedMessages?roomId=grp", ``, 400, `"errorType":"error-not-allowed"`},
		{a, "GET", "/api/v1/chat.getPinnedMessages", ``, 400, `must have required property 'roomId'`},
		{a, "GET", "/api/v1/chat.getPinnedMessages?roomId=GENERAL&count=x", ``, 400, `invalid-params`},
		{b, "POST", "/api/v1/chat.unPinMessage", `{"messageId":"nope"}`, 400, `"errorType":"error-message-not-found"`},
		{a, "POST", "/api/v1/chat.unPinMessage", `{"messageId":"pub1"}`, 400, `"errorType":"not-authorized"`},
		{b, "POST", "/api/v1/chat.unPinMessage", `{"messageId":"pub1"}`, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.getPinnedMessages?roomId=GENERAL", ``, 200, `"messages":[],"count":0,"offset":0,"total":0`},
	})

	// Stars
	runCases(t, h, []routeCase{
		{a, "POST", "/api/v1/chat.starMessage", `{"messageId":"pub1"}`, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.getStarredMessages?roomId=GENERAL", ``, 200, `"total":1`},
		{a, "GET", "/api/v1/chat.getStarredMessages?roomId=GENERAL", ``, 200, `"starred":[{"_id":"` + ann.Data.UserID + `"}]`},
		{j, "GET", "/api/v1/chat.getStarredMessages?roomId=GENERAL", ``, 200, `"total":0`},
		{a, "GET", "/api/v1/chat.getStarredMessages?roomId=grp", ``, 400, `"errorType":"error-not-allowed"`},
		{a, "POST", "/api/v1/chat.starMessage", `{"messageId":"sec1"}`, 400, `"errorType":"error-not-allowed"`},
		{a, "POST", "/api/v1/chat.starMessage", `{"messageId":"nope"}`, 400, `"errorType":"error-message-not-found"`},
		{a, "POST", "/api/v1/chat.unStarMessage", `{"messageId":"pub1"}`, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.getStarredMessages?roomId=GENERAL", ``, 200, `"total":0`},
	})

	// Follow and threads
	runCases(t, h, []routeCase{
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"_id":"rep1","rid":"GENERAL","msg":"a reply","tmid":"pub1"}}`, 200, `"tmid":"pub1"`},
		{a, "POST", "/api/v1/chat.followMessage", `{"mid":"rep1"}`, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.getThreadsList?rid=GENERAL&type=following", ``, 200, `"total":1`},
		{a, "POST", "/api/v1/chat.followMessage", `{}`, 400, `must have required property 'mid'`},
		{a, "POST", "/api/v1/chat.followMessage", `{"mid":"sec1"}`, 400, `"errorType":"error-not-allowed"`},
		{a, "POST", "/api/v1/chat.followMessage", `{"mid":"nope"}`, 400, `"errorType":"error-invalid-message"`},
		{a, "POST", "/api/v1/chat.unfollowMessage", `{"mid":"pub1"}`, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.getThreadsList?rid=GENERAL&type=following", ``, 200, `"total":0`},
		{a, "GET", "/api/v1/chat.syncThreadsList?rid=GENERAL&updatedSince=2020-01-01T00:00:00.000Z", ``, 200, `"threads":{"update":[{"_id":"pub1"`},
		{a, "GET", "/api/v1/chat.syncThreadsList?rid=GENERAL&updatedSince=2020-01-01T00:00:00.000Z", ``, 200, `"remove":[]`},
		{a, "GET", "/api/v1/chat.syncThreadsList?rid=GENERAL", ``, 400, `must have required property 'updatedSince'`},
		{a, "GET", "/api/v1/chat.syncThreadsList?rid=GENERAL&updatedSince=soon", ``, 400, `"errorType":"error-updatedSince-param-invalid"`},
		{a, "GET", "/api/v1/chat.syncThreadsList?rid=grp&updatedSince=2020-01-01T00:00:00Z", ``, 400, `Not Allowed [error-not-allowed]`},
	})

	// Mentions
	runCases(t, h, []routeCase{
		{a, "GET", "/api/v1/chat.getMentionedMessages?roomId=GENERAL", ``, 200, `"msg":"hi @ann"`},
		{a, "GET", "/api/v1/chat.getMentionedMessages?roomId=GENERAL", ``, 200, `"count":1,"offset":0,"total":1`},
		{j, "GET", "/api/v1/chat.getMentionedMessages?roomId=GENERAL", ``, 200, `"total":0`},
		{a, "GET", "/api/v1/chat.getMentionedMessages?roomId=grp", ``, 400, `"errorType":"error-not-allowed"`},
	})

	// Moderation
	runCases(t, h, []routeCase{
		{a, "GET", "/api/v1/chat.ignoreUser?rid=GENERAL&userId=" + joe.Data.UserID + "&ignore=true", ``, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.ignoreUser?rid=GENERAL&userId=" + joe.Data.UserID + "&ignore=false", ``, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.ignoreUser?rid=GENERAL&userId=" + joe.Data.UserID, ``, 200, `{"success":true}`},
		{a, "GET", "/api/v1/chat.ignoreUser?userId=" + joe.Data.UserID, ``, 400, `"errorType":"error-room-id-param-not-provided"`},
		{a, "GET", "/api/v1/chat.ignoreUser?rid=GENERAL", ``, 400, `"errorType":"error-user-id-param-not-provided"`},
		{a, "GET", "/api/v1/chat.ignoreUser?rid=grp&userId=" + joe.Data.UserID, ``, 400, `"errorType":"error-invalid-subscription"`},
		{a, "POST", "/api/v1/chat.reportMessage", `{"messageId":"pub1","description":"spam"}`, 200, `{"success":true}`},
		{a, "POST", "/api/v1/chat.reportMessage", `{"messageId":"pub1"}`, 400, `must have required property 'description'`},
		{a, "POST", "/api/v1/chat.reportMessage", `{"messageId":"pub1","description":"   "}`, 400, `{"success":false,"error":"error-invalid-description"}`},
		{a, "POST", "/api/v1/chat.reportMessage", `{"messageId":"sec1","description":"spam"}`, 400, `{"success":false,"error":"error-invalid-message_id"}`},
	})

	// Attachments are checked on the way in.
	runCases(t, h, []routeCase{
		{j, "POST", "/api/v1/chat.sendMessage", `{"message":{"rid":"GENERAL","msg":"x","attachments":[{"title":"t","title_link":"javascript:alert(1)"}]}}`, 400, `"error":"Invalid href value provided"`},
		{j, "POST", "/api/v1/chat.postMessage", `{"roomId":"GENERAL","text":"x","attachments":[{"image_url":"data:text/html,x"}]}`, 400, `Invalid href value provided`},
		{j, "POST", "/api/v1/chat.postMessage", `{"roomId":"GENERAL","text":"x","attachments":[{"fields":[{"title":"a"}]}]}`, 400, `Invalid attachment field, title and value is required`},
		{j, "POST", "/api/v1/chat.postMessage", `{"roomId":"GENERAL","text":"x","attachments":[{"title":"ok","title_link":"https://example.com"}]}`, 200, `"title_link":"https://example.com"`},
	})
}

// TestChatExtrasAnswerShapes: the bodies of the list and no-payload routes, exactly.
func TestChatExtrasAnswerShapes(t *testing.T) {
	t.Parallel()
	h, _ := extrasAPI(t)
	joe := login(t, h, `{"user":"joe","password":"pw"}`)
	got := authedDo(t, h, joe, "GET", "/api/v1/chat.getStarredMessages?roomId=GENERAL", "")
	expect(t, got, 200, `{"messages":[],"count":0,"offset":0,"total":0,"success":true}`)
	got = authedDo(t, h, joe, "GET", "/api/v1/chat.syncThreadsList?rid=GENERAL&updatedSince=2020-01-01T00:00:00Z", "")
	expect(t, got, 200, `{"threads":{"update":[],"remove":[]},"success":true}`)
	got = authedDo(t, h, joe, "POST", "/api/v1/chat.react", `{"emoji":"smile","messageId":"nope"}`)
	expect(t, got, 400, `{"success":false,"error":"The provided \"messageId\" does not match any existing message. [error-message-not-found]","errorType":"error-message-not-found"}`)
	if !strings.Contains(got.body, "error-message-not-found") {
		t.Error(got.body)
	}
}
