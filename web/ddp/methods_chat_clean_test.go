package ddp_test

import (
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/model"
)

// TestCleanRoomHistory: cleanRoomHistory answers the count, refuses non-admins and
// non-members, and a member subscribed to "<rid>/deleteMessageBulk" receives
// Rocket.Chat's selection; sendMessage takes previewUrls as its second param.
func TestCleanRoomHistory(t *testing.T) {
	t.Parallel()
	ts, _ := chatServer(t)
	var cs []*chatClient
	for _, n := range []string{"ann", "bob", "boss"} {
		c := &chatClient{client: ts.connected(t)}
		login(t, c.client, n)
		cs = append(cs, c)
	}
	ann, bob, boss := cs[0], cs[1], cs[2]
	const general = model.GeneralRoomID
	res := parseMap(t, ann.result(t, "g", "createPrivateGroup", `"ops"`, `[]`))
	r, _ := res["result"].(map[string]any)
	ops, _ := r["rid"].(string)

	sent(t, ann, "s1", general, "see http://example.com", "")
	// previewUrls (and RN's trailing param) are accepted and ignored.
	if got := ann.result(t, "s2", "sendMessage", `{"rid":"`+general+`","msg":"two"}`, `["http://example.com"]`); strings.Contains(got, `"error"`) {
		t.Errorf("sendMessage with previewUrls = %s", got)
	}
	bob.subscribe(t, "b", "stream-notify-room", `"`+general+`/deleteMessageBulk"`, `{"useCollection":false,"args":[]}`)

	dates := `"latest":{"$date":253402300799000},"oldest":{"$date":-62135596800000}`
	for _, c := range []struct {
		who    *chatClient
		params string
		want   string
	}{
		{ann, `{"roomId":"` + general + `",` + dates + `}`, `"error":"error-not-allowed"`},
		{boss, `{"roomId":"` + ops + `",` + dates + `}`, `"error":"error-not-allowed"`},
		{boss, `{"roomId":"nope",` + dates + `}`, `"error":"error-room-not-found"`},
		{boss, `{"roomId":"` + general + `"}`, `"error":"invalid-params"`},
		{boss, `{` + dates + `}`, `"error":"invalid-params"`},
		{boss, `"x"`, `"error"`},
	} {
		if got := c.who.result(t, "c", "cleanRoomHistory", c.params); !strings.Contains(got, c.want) {
			t.Errorf("cleanRoomHistory %s = %s, want %s", c.params, got, c.want)
		}
	}
	got := boss.result(t, "c", "cleanRoomHistory", `{"roomId":"`+general+`",`+dates+`,"fromUsers":["ann"],"limit":5}`)
	if !jsonEqual(t, got, `{"msg":"result","id":"c","result":3}`) { // ann's join and two messages
		t.Errorf("cleanRoomHistory = %s", got)
	}
	ev := bob.await(t, `"collection":"stream-notify-room"`, `"eventName":"`+general+`/deleteMessageBulk"`)
	for _, part := range []string{`"rid":"` + general + `"`, `"users":["ann"]`, `"$gte":{"$date":-62135596800000}`, `"$lte":{"$date":253402300799000}`, `"ids":[`, `"ignoreDiscussion":true`, `"excludePinned":false`} {
		if !strings.Contains(ev, part) {
			t.Errorf("deleteMessageBulk %s lacks %s", ev, part)
		}
	}
}
