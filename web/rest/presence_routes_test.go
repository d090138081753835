package rest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/presence"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/web/rest"
)

var _ rest.Presence = (*presence.Service)(nil)

// presenceAPI serves the whole HTTP face as cmd/outpost wires it (wiretest), with an
// admin (boss / pw) and a user (joe / pw). It returns the presence service too, for the
// tests to connect users as the DDP server would.
func presenceAPI(t *testing.T) (http.Handler, *presence.Service, *settings.Service) {
	t.Helper()
	a := wiretest.Open(t)
	wiretest.NewUser(t, a, accounts.NewUser{Username: "boss", Name: "Boss", Roles: []string{"admin"}})
	wiretest.NewUser(t, a, accounts.NewUser{Username: "joe", Name: "Joe"})
	return wiretest.Handler(t, a), a.Presence, a.Settings
}

func TestPresenceRoutes(t *testing.T) {
	t.Parallel()
	h, pres, _ := presenceAPI(t)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	joe := login(t, h, `{"user":"joe","password":"pw"}`)
	bossID, joeID := boss.Data.UserID, joe.Data.UserID
	pres.Connect(context.Background(), joeID, "ddp-1") // joe has a DDP connection

	// Failures first, in Rocket.Chat's shapes.
	expect(t, do(t, h, "GET", "/api/v1/users.getStatus", ""), 401,
		`{"success":false,"status":"error","message":"You must be logged in to do this.","error":"You must be logged in to do this."}`)
	expect(t, do(t, h, "POST", "/api/v1/users.setStatus", `{"status":"busy"}`), 401,
		`{"success":false,"status":"error","message":"You must be logged in to do this.","error":"You must be logged in to do this."}`)
	expect(t, do(t, h, "GET", "/api/v1/users.presence", ""), 401,
		`{"success":false,"status":"error","message":"You must be logged in to do this.","error":"You must be logged in to do this."}`)
	expect(t, authedDo(t, h, joe, "POST", "/api/v1/users.setStatus", `{"status":"dancing"}`), 400,
		`{"success":false,"error":"Valid status types include online, away, offline, and busy. [error-invalid-status]","errorType":"error-invalid-status"}`)
	expect(t, authedDo(t, h, joe, "POST", "/api/v1/users.setStatus", `{}`), 400,
		`{"success":false,"error":"must have required property 'status' [invalid-params]","errorType":"invalid-params"}`)
	expect(t, authedDo(t, h, joe, "POST", "/api/v1/users.setStatus", `{"status":1}`), 400,
		`{"success":false,"error":"Invalid type for 'status': expected string, got number [invalid-params]","errorType":"invalid-params"}`)
	expect(t, authedDo(t, h, joe, "POST", "/api/v1/users.setStatus", `{"status":"busy","userId":"`+bossID+`"}`), 403,
		`{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}`)
	expect(t, authedDo(t, h, boss, "POST", "/api/v1/users.setStatus", `{"status":"busy","userId":"nobody"}`), 400,
		`{"success":false,"error":"The required \"userId\" or \"username\" param provided does not match any users [error-invalid-user]","errorType":"error-invalid-user"}`)
	expect(t, authedDo(t, h, joe, "GET", "/api/v1/users.getStatus?userId=nobody", ""), 400,
		`{"success":false,"error":"The required \"userId\" or \"username\" param provided does not match any users [error-invalid-user]","errorType":"error-invalid-user"}`)

	// Setting one's own status and text, then reading it back.
	expect(t, authedDo(t, h, joe, "POST", "/api/v1/users.setStatus", `{"status":"busy","message":"  On a call  "}`), 200, `{"success":true}`)
	expect(t, authedDo(t, h, joe, "GET", "/api/v1/users.getStatus", ""), 200,
		`{"_id":"`+joeID+`","status":"busy","message":"On a call","connectionStatus":"online","success":true}`)
	expect(t, authedDo(t, h, boss, "GET", "/api/v1/users.getStatus?userId="+joeID, ""), 200,
		`{"_id":"`+joeID+`","status":"busy","message":"On a call","success":true}`)
	// An admin sets someone else's; boss has no connection, so stays offline.
	expect(t, authedDo(t, h, boss, "POST", "/api/v1/users.setStatus", `{"message":"","userId":"`+joeID+`"}`), 200, `{"success":true}`)
	expect(t, authedDo(t, h, boss, "POST", "/api/v1/users.setStatus", `{"status":"away"}`), 200, `{"success":true}`)
	expect(t, authedDo(t, h, boss, "GET", "/api/v1/users.getStatus", ""), 200,
		`{"_id":"`+bossID+`","status":"offline","connectionStatus":"offline","success":true}`)

	// users.presence: by ids (the ones not offline), in full, and since a recent date.
	joeBusy := `{"_id":"` + joeID + `","username":"joe","name":"Joe","status":"busy"}`
	expect(t, authedDo(t, h, boss, "GET", "/api/v1/users.presence?ids="+joeID+","+bossID, ""), 200,
		`{"users":[`+joeBusy+`],"full":false,"success":true}`)
	expect(t, authedDo(t, h, boss, "GET", "/api/v1/users.presence?ids[]="+bossID+"&ids[]="+joeID, ""), 200,
		`{"users":[`+joeBusy+`],"full":false,"success":true}`)
	expect(t, authedDo(t, h, boss, "GET", "/api/v1/users.presence", ""), 200,
		`{"users":[`+joeBusy+`],"full":true,"success":true}`)
	since := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	expect(t, authedDo(t, h, joe, "GET", "/api/v1/users.presence?from="+since, ""), 200,
		`{"users":[{"_id":"`+bossID+`","username":"boss","name":"Boss","status":"offline"}],"full":false,"success":true}`)
	expect(t, authedDo(t, h, joe, "GET", "/api/v1/users.presence?from=yesterday", ""), 200,
		`{"users":[`+joeBusy+`],"full":true,"success":true}`)
}

func TestPresenceRoutesBroadcastDisabled(t *testing.T) {
	t.Parallel()
	h, pres, cfg := presenceAPI(t)
	joe := login(t, h, `{"user":"joe","password":"pw"}`)
	pres.Connect(context.Background(), joe.Data.UserID, "ddp-1")
	if err := cfg.Set(context.Background(), model.System, "Presence_broadcast_disabled", true); err != nil {
		t.Fatal(err)
	}
	expect(t, authedDo(t, h, joe, "GET", "/api/v1/users.presence?ids="+joe.Data.UserID, ""), 200,
		`{"users":[],"full":true,"success":true}`)
}
