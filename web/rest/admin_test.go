package rest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/web/rest"
)

var (
	_ rest.Authz         = (*authz.Service)(nil)
	_ rest.SettingsAdmin = (*settings.Service)(nil)
)

// adminAPI serves the whole HTTP face as cmd/outpost wires it (wiretest): an admin
// (boss / pw) and a plain user (joe / pw).
func adminAPI(t *testing.T) http.Handler {
	t.Helper()
	a := wiretest.Open(t)
	wiretest.User(t, a, "boss", "admin")
	wiretest.User(t, a, "joe")
	return wiretest.Handler(t, a)
}

func authedDo(t *testing.T, h http.Handler, who loginAnswer, method, target, body string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("X-User-Id", who.Data.UserID)
	req.Header.Set("X-Auth-Token", who.Data.AuthToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

func TestAdminRoutes(t *testing.T) {
	t.Parallel()
	h := adminAPI(t)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	joe := login(t, h, `{"user":"joe","password":"pw"}`)
	const forbidden = `{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}`
	for _, c := range []struct {
		who            loginAnswer
		method, target string
		body           string
		status         int
		contains       string
	}{
		{boss, "POST", "/api/v1/settings/Site_Name", `{"value":"Camp"}`, 200, `{"success":true}`},
		{boss, "GET", "/api/v1/settings/Site_Name", ``, 200, `{"_id":"Site_Name","value":"Camp","success":true}`},
		{boss, "POST", "/api/v1/settings/Site_Name", `{"value":7}`, 400, `invalid-setting-value`},
		{boss, "POST", "/api/v1/settings/Site_Name", `{}`, 400, `invalid-params`},
		{boss, "POST", "/api/v1/settings/No_Such", `{"value":"x"}`, 404, `Setting not found`},
		{joe, "POST", "/api/v1/settings/Site_Name", `{"value":"Mine"}`, 403, forbidden},
		{joe, "GET", "/api/v1/settings/Site_Name", ``, 403, forbidden},
		{joe, "GET", "/api/v1/permissions.listAll", ``, 200, `"_id":"view-user-administration","roles":["admin"]`},
		{joe, "GET", "/api/v1/permissions.listAll?updatedSince=yesterday", ``, 400, `error-roomId-param-invalid`},
		{joe, "POST", "/api/v1/permissions.update", `{"permissions":[{"_id":"view-user-administration","roles":["admin","user"]}]}`, 403, forbidden},
		{boss, "POST", "/api/v1/permissions.update", `{"permissions":[{"_id":"view-user-administration","roles":["admin","user"]}]}`, 200, `"_id":"view-user-administration","roles":["admin","user"]`},
		{boss, "POST", "/api/v1/permissions.update", `{"permissions":[{"_id":"no-such-permission","roles":["admin"]}]}`, 400, `error-invalid-permission`},
		{joe, "GET", "/api/v1/roles.list", ``, 200, `"_id":"livechat-agent"`},
		{boss, "POST", "/api/v1/roles.addUserToRole", `{"roleId":"livechat-agent","username":"joe"}`, 200, `"_id":"livechat-agent"`},
		{joe, "GET", "/api/v1/roles.getUsersInPublicRoles", ``, 200, `"username":"joe","roles":["livechat-agent"]`},
		{boss, "GET", "/api/v1/roles.getUsersInRole?role=livechat-agent", ``, 200, `"total":1`},
		{boss, "GET", "/api/v1/roles.getUsersInRole?role=livechat-agent&count=x", ``, 400, `invalid-params`},
		{boss, "POST", "/api/v1/roles.removeUserFromRole", `{"roleId":"livechat-agent","username":"joe"}`, 200, `"_id":"livechat-agent"`},
		{joe, "POST", "/api/v1/roles.create", `{"name":"scout"}`, 403, `error-action-not-allowed`},
		{boss, "POST", "/api/v1/roles.create", `{"name":"scout","description":"Field scouts"}`, 200, `"name":"scout"`},
		{boss, "POST", "/api/v1/roles.create", `{"name":"scout"}`, 400, `error-duplicate-role-names-not-allowed`},
	} {
		got := authedDo(t, h, c.who, c.method, c.target, c.body)
		if got.status != c.status || !strings.Contains(got.body, c.contains) {
			t.Errorf("%s %s %s: %d %s\nwant %d containing %s", c.method, c.target, c.body, got.status, got.body, c.status, c.contains)
		}
	}
	// Without credentials every admin route is a 401.
	for _, target := range []string{"/api/v1/settings/Site_Name", "/api/v1/permissions.listAll", "/api/v1/roles.list"} {
		if got := do(t, h, "GET", target, ""); got.status != 401 {
			t.Errorf("anonymous %s: %d", target, got.status)
		}
	}
}

func TestOAuthAndLicense(t *testing.T) {
	t.Parallel()
	h := adminAPI(t)
	expect(t, do(t, h, "GET", "/api/v1/settings.oauth", ""), 200, `{"services":[],"success":true}`)
	if got := do(t, h, "GET", "/api/v1/licenses.info", ""); got.status != 401 {
		t.Errorf("anonymous licenses.info: %d", got.status)
	}
	joe := login(t, h, `{"user":"joe","password":"pw"}`)
	got := authedDo(t, h, joe, "GET", "/api/v1/licenses.info", "")
	if got.status != 200 || !strings.Contains(got.body, `"activeModules":["livechat-enterprise","omnichannel-mobile-enterprise"]`) {
		t.Errorf("licenses.info: %d %s", got.status, got.body)
	}
}

// An admin-pasted signed list of supported versions is relayed by /api/info; without
// one, /api/info has no supportedVersions.
func TestInfoRelaysSupportedVersions(t *testing.T) {
	t.Parallel()
	h := adminAPI(t)
	expect(t, do(t, h, "GET", "/api/info", ""), 200, `{"version":"8.0","minimumClientVersions":{"desktop":"3.9.6","mobile":"4.39.0"},"success":true}`)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	if got := authedDo(t, h, boss, "POST", "/api/v1/settings/"+rest.SupportedVersionsSetting, `{"value":"eyJhbGciOiJSUzI1NiJ9.e30.sig"}`); got.status != 200 {
		t.Fatalf("setting the token: %d %s", got.status, got.body)
	}
	expect(t, do(t, h, "GET", "/api/info", ""), 200,
		`{"version":"8.0","minimumClientVersions":{"desktop":"3.9.6","mobile":"4.39.0"},"supportedVersions":{"signed":"eyJhbGciOiJSUzI1NiJ9.e30.sig"},"success":true}`)
}
