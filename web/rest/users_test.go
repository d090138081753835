package rest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/web/rest"
)

var _ rest.Users = (*accounts.Service)(nil)

// usersAPI serves the whole HTTP face as cmd/outpost wires it (wiretest): an admin
// (boss / pw) and a plain user (joe / pw).
func usersAPI(t *testing.T) http.Handler {
	t.Helper()
	a := wiretest.Open(t)
	wiretest.Set(t, a, "API_Enable_Rate_Limiter", true) // as shipped: users.register is limited
	wiretest.User(t, a, "boss", "admin")
	wiretest.User(t, a, "joe")
	return wiretest.Handler(t, a)
}

// digestOf is the hex SHA-256 of a password, as clients send the current password.
func digestOf(p string) string {
	sum := sha256.Sum256([]byte(p))
	return hex.EncodeToString(sum[:])
}

type routeCase struct {
	who            *loginAnswer // nil: no credentials
	method, target string
	body           string
	status         int
	contains       string
}

func runCases(t *testing.T, h http.Handler, cases []routeCase) {
	t.Helper()
	for _, c := range cases {
		var got response
		if c.who == nil {
			got = do(t, h, c.method, c.target, c.body)
		} else {
			got = authedDo(t, h, *c.who, c.method, c.target, c.body)
		}
		if got.status != c.status || !strings.Contains(got.body, c.contains) {
			t.Errorf("%s %s %s: %d %s\nwant %d containing %s", c.method, c.target, c.body, got.status, got.body, c.status, c.contains)
		}
		for _, secret := range []string{"bcrypt", "hashedToken", "loginTokens"} {
			if strings.Contains(got.body, secret) {
				t.Errorf("%s %s leaks %s: %s", c.method, c.target, secret, got.body)
			}
		}
	}
}

// Rocket.Chat's answers: a route's own permission check is a 403; a refusal inside a
// method is a 400 with its code as errorType.
const forbidden403 = `{"success":false,"error":"User does not have the permissions required for this action [error-unauthorized]"}`

func TestUsersRoutes(t *testing.T) {
	t.Parallel()
	h := usersAPI(t)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	joe := login(t, h, `{"user":"joe","password":"pw"}`)
	b, j := &boss, &joe
	bossID, joeID := boss.Data.UserID, joe.Data.UserID
	runCases(t, h, []routeCase{
		// users.info
		{j, "GET", "/api/v1/users.info?username=boss", ``, 200, `"username":"boss"`},
		{j, "GET", "/api/v1/users.info?userId=" + joeID, ``, 200, `"emails":[{"address":"joe@example.com","verified":false}]`},
		{j, "GET", "/api/v1/users.info?userId=nobody", ``, 400, `{"success":false,"error":"User not found."}`},
		{j, "GET", "/api/v1/users.info", ``, 400, `must have required property 'userId' [invalid-params]`},
		{nil, "GET", "/api/v1/users.info?username=boss", ``, 401, `You must be logged in to do this.`},
		// users.create
		{b, "POST", "/api/v1/users.create", `{"email":"ann@example.com","name":"Ann","password":"pw","username":"ann","roles":["user"],"verified":true}`, 200, `"username":"ann"`},
		{j, "POST", "/api/v1/users.create", `{"email":"x@example.com","name":"X","password":"pw","username":"x"}`, 400, `"error":"Adding user is not allowed [error-action-not-allowed]","errorType":"error-action-not-allowed"`},
		{b, "POST", "/api/v1/users.create", `{"name":"X","password":"pw","username":"x"}`, 400, `must have required property 'email' [invalid-params]`},
		{b, "POST", "/api/v1/users.create", `{"email":"x@example.com","name":"X","password":"pw","username":"ANN"}`, 400, `"errorType":"error-field-unavailable"`},
		{b, "POST", "/api/v1/users.create", `{"email":"x@example.com","name":"X","password":"pw","username":["x"]}`, 400, `invalid-params`},
		{b, "POST", "/api/v1/users.create", `{"email":`, 400, `invalid-params`},
		// users.list
		{j, "GET", "/api/v1/users.list", ``, 200, `"count":3,"offset":0,"total":3`},
		{j, "GET", `/api/v1/users.list?query={"username":{"$regex":"^AN","$options":"i"}}&fields={"name":1}`, ``, 200, `"name":"Ann"`},
		{j, "GET", `/api/v1/users.list?sort={"username":-1}&count=1`, ``, 200, `"username":"joe"`},
		{j, "GET", `/api/v1/users.list?query={"username"`, ``, 400, `"errorType":"error-invalid-query"`},
		{j, "GET", `/api/v1/users.list?query={"services":"x"}`, ``, 400, `"errorType":"error-invalid-query"`},
		{j, "GET", `/api/v1/users.list?sort={"username":2}`, ``, 400, `"errorType":"error-invalid-sort"`},
		{j, "GET", `/api/v1/users.list?count=many`, ``, 400, `invalid-params`},
		// users.update
		{b, "POST", "/api/v1/users.update", `{"userId":"` + joeID + `","data":{"name":"Joseph","bio":"hi","roles":["user","livechat-agent"]}}`, 200, `"name":"Joseph"`},
		{j, "POST", "/api/v1/users.update", `{"userId":"` + bossID + `","data":{"name":"Bossy"}}`, 400, `"errorType":"error-action-not-allowed"`},
		{b, "POST", "/api/v1/users.update", `{"userId":"nobody","data":{"name":"X"}}`, 400, `"error":"Invalid user [error-invalid-user]"`},
		{b, "POST", "/api/v1/users.update", `{"userId":"` + joeID + `"}`, 400, `must have required property 'data'`},
		{b, "POST", "/api/v1/users.update", `{"userId":"` + joeID + `","data":{"username":"Boss"}}`, 400, `"errorType":"error-field-unavailable"`},
		// users.setActiveStatus
		{j, "POST", "/api/v1/users.setActiveStatus", `{"userId":"` + bossID + `","activeStatus":false}`, 403, forbidden403},
		{b, "POST", "/api/v1/users.setActiveStatus", `{"userId":"nobody","activeStatus":false}`, 400, `"errorType":"error-invalid-user"`},
		{b, "POST", "/api/v1/users.setActiveStatus", `{"userId":"` + joeID + `"}`, 400, `must have required property 'activeStatus'`},
		{b, "POST", "/api/v1/users.setActiveStatus", `{"userId":"` + bossID + `","activeStatus":false}`, 400, `Leaving the app without an active admin is not allowed`},
		// users.updateOwnBasicInfo
		{j, "POST", "/api/v1/users.updateOwnBasicInfo", `{"data":{"nickname":"jj","statusText":"around"}}`, 200, `"nickname":"jj"`},
		{j, "POST", "/api/v1/users.updateOwnBasicInfo", `{"data":{"email":"j@example.com"}}`, 400, `"errorType":"totp-required","details":{"codeGenerated":false,"method":"password"}`},
		{j, "POST", "/api/v1/users.updateOwnBasicInfo", `{"data":{"username":"a b"}}`, 400, `"errorType":"error-input-is-not-a-valid-field"`},
		{j, "POST", "/api/v1/users.updateOwnBasicInfo", `{}`, 400, `must have required property 'data'`},
		// users.getPreferences / users.setPreferences
		{j, "POST", "/api/v1/users.setPreferences", `{"data":{"hideRoles":true,"language":"de"}}`, 200, `"settings":{"preferences":{"hideRoles":true,"language":"de"}}`},
		{j, "GET", "/api/v1/users.getPreferences", ``, 200, `{"preferences":{"hideRoles":true,"language":"de"},"success":true}`},
		{j, "POST", "/api/v1/users.setPreferences", `{"data":{"colour":"red"}}`, 400, `"errorType":"invalid-params"`},
		{j, "POST", "/api/v1/users.setPreferences", `{"userId":"` + bossID + `","data":{"hideRoles":true}}`, 400, `"errorType":"error-action-not-allowed"`},
		{b, "POST", "/api/v1/users.setPreferences", `{"userId":"nobody","data":{"hideRoles":true}}`, 400, `"errorType":"error-invalid-user"`},
		{j, "POST", "/api/v1/users.setPreferences", `{}`, 400, `must have required property 'data'`},
		// users.register
		{nil, "POST", "/api/v1/users.register", `{"username":"newbie","email":"new@example.com","pass":"pw","name":"New"}`, 200, `"username":"newbie"`},
		{nil, "POST", "/api/v1/users.register", `{"username":"newbie2","email":"new2@example.com","pass":"pw","name":"New"}`, 429, `[error-too-many-requests]`},
		{nil, "POST", "/api/v1/users.register", `{"username":"x","email":"x@example.com"}`, 400, `must have required property 'pass'`},
		{j, "POST", "/api/v1/users.register", `{"username":"x","email":"x@example.com","pass":"pw","name":"X"}`, 400, `{"success":false,"error":"Logged in users can not register again."}`},
		// users.logout
		{j, "POST", "/api/v1/users.logout", `{"userId":"` + bossID + `"}`, 403, forbidden403},
		{b, "POST", "/api/v1/users.logout", `{"userId":"nobody"}`, 400, `"errorType":"error-invalid-user-id"`},
		// personal access tokens: bad input
		{j, "POST", "/api/v1/users.generatePersonalAccessToken", `{}`, 400, `{"success":false,"error":"The 'tokenName' param is required"}`},
		{j, "POST", "/api/v1/users.removePersonalAccessToken", `{"tokenName":"nope"}`, 400, `"errorType":"error-token-does-not-exists"`},
		{j, "POST", "/api/v1/users.regeneratePersonalAccessToken", `{"tokenName":"nope"}`, 400, `"errorType":"error-token-does-not-exists"`},
		// users.delete
		{j, "POST", "/api/v1/users.delete", `{"username":"ann"}`, 403, forbidden403},
		{b, "POST", "/api/v1/users.delete", `{}`, 400, `"errorType":"error-user-param-not-provided"`},
		{b, "POST", "/api/v1/users.delete", `{"userId":"nobody"}`, 400, `"errorType":"error-invalid-user"`},
		{b, "POST", "/api/v1/users.delete", `{"username":"boss"}`, 400, `Leaving the app without admins is not allowed`},
		{b, "POST", "/api/v1/users.delete", `{"username":"ann"}`, 200, `{"success":true}`},
		{j, "GET", "/api/v1/users.info?username=ann", ``, 400, `User not found.`},
	})
	// Anonymous calls to every authenticated route are 401s.
	for _, target := range []string{"GET /api/v1/users.list", "POST /api/v1/users.create", "POST /api/v1/users.update", "POST /api/v1/users.delete",
		"POST /api/v1/users.setActiveStatus", "POST /api/v1/users.updateOwnBasicInfo", "GET /api/v1/users.getPreferences",
		"POST /api/v1/users.setPreferences", "POST /api/v1/users.generatePersonalAccessToken", "POST /api/v1/users.regeneratePersonalAccessToken",
		"POST /api/v1/users.removePersonalAccessToken", "GET /api/v1/users.getPersonalAccessTokens", "POST /api/v1/users.logout",
		"POST /api/v1/users.logoutOtherClients"} {
		method, path, _ := strings.Cut(target, " ")
		if got := do(t, h, method, path, "{}"); got.status != 401 {
			t.Errorf("anonymous %s: %d %s", target, got.status, got.body)
		}
	}
	// Without view-d-room users.list is a 403.
	runCases(t, h, []routeCase{
		{b, "POST", "/api/v1/permissions.update", `{"permissions":[{"_id":"view-d-room","roles":["admin"]}]}`, 200, `"_id":"view-d-room"`},
		{j, "GET", "/api/v1/users.list", ``, 403, forbidden403},
		{b, "GET", "/api/v1/users.list", ``, 200, `"emails"`},
	})
}

func TestPersonalAccessTokensOverREST(t *testing.T) {
	t.Parallel()
	h := usersAPI(t)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	joe := login(t, h, `{"user":"joe","password":"pw"}`)
	got := authedDo(t, h, joe, "POST", "/api/v1/users.generatePersonalAccessToken", `{"tokenName":"ci","bypassTwoFactor":true}`)
	var gen struct {
		Token   string `json:"token"`
		Success bool   `json:"success"`
	}
	if got.status != 200 || json.Unmarshal([]byte(got.body), &gen) != nil || len(gen.Token) != 43 {
		t.Fatalf("generate: %d %s", got.status, got.body)
	}
	pat := joe
	pat.Data.AuthToken = gen.Token
	runCases(t, h, []routeCase{
		{&pat, "GET", "/api/v1/me", ``, 200, `"username":"joe"`},
		{&joe, "POST", "/api/v1/users.generatePersonalAccessToken", `{"tokenName":"ci"}`, 400, `"errorType":"error-token-already-exists"`},
		{&pat, "GET", "/api/v1/users.getPersonalAccessTokens", ``, 200, `"name":"ci","createdAt":"`},
		{&pat, "GET", "/api/v1/users.getPersonalAccessTokens", ``, 200, `"lastTokenPart":"` + gen.Token[37:] + `","bypassTwoFactor":true}]`},
		{&joe, "POST", "/api/v1/users.removePersonalAccessToken", `{"tokenName":"ci"}`, 200, `{"success":true}`},
		{&pat, "GET", "/api/v1/me", ``, 401, `You must be logged in to do this.`},
		{&joe, "GET", "/api/v1/users.getPersonalAccessTokens", ``, 200, `{"tokens":[],"success":true}`},
	})
	// Regenerating replaces the token.
	got = authedDo(t, h, joe, "POST", "/api/v1/users.generatePersonalAccessToken", `{"tokenName":"bot"}`)
	_ = json.Unmarshal([]byte(got.body), &gen)
	old := gen.Token
	got = authedDo(t, h, joe, "POST", "/api/v1/users.regeneratePersonalAccessToken", `{"tokenName":"bot"}`)
	if got.status != 200 || json.Unmarshal([]byte(got.body), &gen) != nil || gen.Token == old {
		t.Fatalf("regenerate: %d %s", got.status, got.body)
	}
	if got := withAuth(t, h, "GET", "/api/v1/me", joe.Data.UserID, old); got.status != 401 {
		t.Errorf("the replaced token: %d", got.status)
	}
	if got := withAuth(t, h, "GET", "/api/v1/me", joe.Data.UserID, gen.Token); got.status != 200 {
		t.Errorf("the new token: %d", got.status)
	}
	// Without create-personal-access-tokens Rocket.Chat's methods answer not-authorized.
	runCases(t, h, []routeCase{
		{&boss, "POST", "/api/v1/permissions.update", `{"permissions":[{"_id":"create-personal-access-tokens","roles":["admin"]}]}`, 200, `"_id":"create-personal-access-tokens"`},
		{&joe, "POST", "/api/v1/users.generatePersonalAccessToken", `{"tokenName":"x"}`, 400, `"error":"Not Authorized [not-authorized]","errorType":"not-authorized"`},
		{&joe, "POST", "/api/v1/users.regeneratePersonalAccessToken", `{"tokenName":"bot"}`, 400, `"errorType":"not-authorized"`},
		{&joe, "POST", "/api/v1/users.removePersonalAccessToken", `{"tokenName":"bot"}`, 400, `"errorType":"not-authorized"`},
		{&joe, "GET", "/api/v1/users.getPersonalAccessTokens", ``, 400, `"errorType":"not-authorized"`},
	})
}

func TestSessionsEndOverREST(t *testing.T) {
	t.Parallel()
	h := usersAPI(t)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	joe := login(t, h, `{"user":"joe","password":"pw"}`)
	joe2 := login(t, h, `{"user":"joe","password":"pw"}`)
	joeID := joe.Data.UserID

	// users.logoutOtherClients keeps the caller's session and answers its token.
	got := authedDo(t, h, joe, "POST", "/api/v1/users.logoutOtherClients", ``)
	var out struct {
		Token        string `json:"token"`
		TokenExpires string `json:"tokenExpires"`
	}
	if got.status != 200 || json.Unmarshal([]byte(got.body), &out) != nil || out.Token != joe.Data.AuthToken || len(out.TokenExpires) != len("2006-01-02T15:04:05.000Z") {
		t.Fatalf("logoutOtherClients: %d %s", got.status, got.body)
	}
	runCases(t, h, []routeCase{
		{&joe2, "GET", "/api/v1/me", ``, 401, `You must be logged in to do this.`},
		{&joe, "GET", "/api/v1/me", ``, 200, `"username":"joe"`},
		// Deactivating ends every session; reactivating lets the user sign in again.
		{&boss, "POST", "/api/v1/users.setActiveStatus", `{"userId":"` + joeID + `","activeStatus":false}`, 200, `"user":{"_id":"` + joeID + `","active":false}`},
		{&joe, "GET", "/api/v1/me", ``, 401, `You must be logged in to do this.`},
		{nil, "POST", "/api/v1/login", `{"user":"joe","password":"pw"}`, 401, `error-user-is-not-activated`},
		{&boss, "POST", "/api/v1/users.setActiveStatus", `{"userId":"` + joeID + `","activeStatus":true}`, 200, `"active":true`},
	})
	joe = login(t, h, `{"user":"joe","password":"pw"}`)
	runCases(t, h, []routeCase{
		// users.logout of another user, by an admin.
		{&boss, "POST", "/api/v1/users.logout", `{"userId":"` + joeID + `"}`, 200, `{"message":"User ` + joeID + ` has been logged out!","success":true}`},
		{&joe, "GET", "/api/v1/me", ``, 401, `You must be logged in to do this.`},
		// users.logout of oneself.
		{&boss, "POST", "/api/v1/users.logout", `{}`, 200, `has been logged out!`},
		{&boss, "GET", "/api/v1/me", ``, 401, `You must be logged in to do this.`},
	})
	joe = login(t, h, `{"user":"joe","password":"pw"}`)
	boss = login(t, h, `{"user":"boss","password":"pw"}`)
	// A new password ends the other sessions and needs the current one.
	other := login(t, h, `{"user":"joe","password":"pw"}`)
	runCases(t, h, []routeCase{
		{&joe, "POST", "/api/v1/users.updateOwnBasicInfo", `{"data":{"newPassword":"pw2","currentPassword":"` + digestOf("nope") + `"}}`, 400, `"errorType":"totp-invalid"`},
		{&joe, "POST", "/api/v1/users.updateOwnBasicInfo", `{"data":{"newPassword":"pw2","currentPassword":"` + digestOf("pw") + `"}}`, 200, `"username":"joe"`},
		{&other, "GET", "/api/v1/me", ``, 401, `You must be logged in to do this.`},
		{&joe, "GET", "/api/v1/me", ``, 200, `"username":"joe"`},
		{nil, "POST", "/api/v1/login", `{"user":"joe","password":"pw2"}`, 200, `"status":"success"`},
		// An admin's password reset through users.update.
		{&boss, "POST", "/api/v1/users.update", `{"userId":"` + joeID + `","data":{"password":"reset"}}`, 200, `"username":"joe"`},
		{nil, "POST", "/api/v1/login", `{"user":"joe","password":"reset"}`, 200, `"status":"success"`},
		// Deleting the user ends their sessions too.
		{&boss, "POST", "/api/v1/users.delete", `{"userId":"` + joeID + `"}`, 200, `{"success":true}`},
		{&joe, "GET", "/api/v1/me", ``, 401, `You must be logged in to do this.`},
	})
}

func TestRegisterFollowsTheSetting(t *testing.T) {
	t.Parallel()
	h := usersAPI(t)
	boss := login(t, h, `{"user":"boss","password":"pw"}`)
	runCases(t, h, []routeCase{
		{&boss, "POST", "/api/v1/settings/Accounts_RegistrationForm", `{"value":"Disabled"}`, 200, `{"success":true}`},
		{nil, "POST", "/api/v1/users.register", `{"username":"newbie","email":"new@example.com","pass":"pw","name":"New"}`, 400,
			`{"success":false,"error":"User registration is disabled [error-user-registration-disabled]","errorType":"error-user-registration-disabled","details":{"method":"registerUser"}}`},
		{&boss, "POST", "/api/v1/settings/Accounts_RegistrationForm", `{"value":"Public"}`, 200, `{"success":true}`},
		{&boss, "POST", "/api/v1/settings/Rate_Limiter_Limit_RegisterUser", `{"value":10}`, 200, `{"success":true}`},
		{nil, "POST", "/api/v1/users.register", `{"username":"JOE","email":"j2@example.com","pass":"pw","name":"J"}`, 400, `{"success":false,"error":"Username is already in use"}`},
		{nil, "POST", "/api/v1/users.register", `{"username":"newbie","email":"new@example.com","pass":"pw","name":"New"}`, 200, `"roles":["user"]`},
		{nil, "POST", "/api/v1/login", `{"user":"newbie","password":"pw"}`, 200, `"status":"success"`},
	})
}
