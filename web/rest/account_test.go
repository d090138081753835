package rest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/web/rest"
)

var _ rest.Accounts = (*accounts.Service)(nil)

// accountAPI serves the whole HTTP face as cmd/outpost wires it (wiretest) with one
// user, alice / pw.
func accountAPI(t *testing.T) http.Handler {
	t.Helper()
	a := wiretest.Open(t)
	wiretest.NewUser(t, a, accounts.NewUser{Username: "alice", Verified: true})
	return wiretest.Handler(t, a)
}

type loginAnswer struct {
	Status string `json:"status"`
	Data   struct {
		UserID    string         `json:"userId"`
		AuthToken string         `json:"authToken"`
		Me        map[string]any `json:"me"`
	} `json:"data"`
	Success bool `json:"success"`
}

func login(t *testing.T, h http.Handler, body string) loginAnswer {
	t.Helper()
	got := do(t, h, "POST", "/api/v1/login", body)
	if got.status != 200 {
		t.Fatalf("login %s: %d %s", body, got.status, got.body)
	}
	var a loginAnswer
	if err := json.Unmarshal([]byte(got.body), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

func withAuth(t *testing.T, h http.Handler, method, target, uid, token string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.Header.Set("X-User-Id", uid)
	req.Header.Set("X-Auth-Token", token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

func TestLoginShapes(t *testing.T) {
	t.Parallel()
	h := accountAPI(t)
	sum := sha256.Sum256([]byte("pw"))
	digest := hex.EncodeToString(sum[:])
	first := login(t, h, `{"user":"alice","password":"pw"}`)
	for _, body := range []string{
		`{"username":"alice","password":"pw"}`,
		`{"user":"alice@example.com","password":"pw"}`,
		`{"email":"ALICE@example.com","password":"pw"}`,
		`{"user":"alice","password":{"digest":"` + digest + `","algorithm":"sha-256"}}`,
		`{"resume":"` + first.Data.AuthToken + `"}`,
	} {
		a := login(t, h, body)
		if a.Status != "success" || !a.Success || a.Data.UserID != first.Data.UserID || a.Data.AuthToken == "" {
			t.Errorf("%s: %+v", body, a)
		}
		me := a.Data.Me
		if me["username"] != "alice" || me["email"] != "alice@example.com" || me["services"] == nil {
			t.Errorf("%s: me = %v", body, me)
		}
		if strings.Contains(mustJSON(t, me), "bcrypt") || strings.Contains(mustJSON(t, me), "loginTokens") {
			t.Errorf("me leaks secrets: %v", me)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoginFailures(t *testing.T) {
	t.Parallel()
	h := accountAPI(t)
	const unauthorized = `{"success":false,"status":"error","message":"Unauthorized","error":"Unauthorized"}`
	expect(t, do(t, h, "POST", "/api/v1/login", `{"user":"alice","password":"wrong"}`), 401, unauthorized)
	expect(t, do(t, h, "POST", "/api/v1/login", `{"user":"nobody","password":"pw"}`), 401, unauthorized)
	expect(t, do(t, h, "POST", "/api/v1/login", `{"resume":"not-a-token"}`), 401, unauthorized)
	for _, body := range []string{`{"user":"alice"}`, `{"user":"alice","password":12}`, `{"user":"alice","password":{"digest":"x"}}`, `{"user":`, `[1,2]`} {
		got := do(t, h, "POST", "/api/v1/login", body)
		if got.status != 400 || !strings.Contains(got.body, `"success":false`) {
			t.Errorf("%s: %d %s", body, got.status, got.body)
		}
	}
}

func TestMeAndLogout(t *testing.T) {
	t.Parallel()
	h := accountAPI(t)
	a := login(t, h, `{"user":"alice","password":"pw"}`)
	got := withAuth(t, h, "GET", "/api/v1/me", a.Data.UserID, a.Data.AuthToken)
	if got.status != 200 || !strings.Contains(got.body, `"username":"alice"`) || !strings.HasSuffix(got.body, `"success":true}`) {
		t.Fatalf("me: %d %s", got.status, got.body)
	}
	const mustLogIn = `{"success":false,"status":"error","message":"You must be logged in to do this.","error":"You must be logged in to do this."}`
	expect(t, withAuth(t, h, "GET", "/api/v1/me", a.Data.UserID, "wrong"), 401, mustLogIn)
	expect(t, withAuth(t, h, "GET", "/api/v1/me", "", ""), 401, mustLogIn)
	expect(t, withAuth(t, h, "POST", "/api/v1/logout", a.Data.UserID, a.Data.AuthToken), 200,
		`{"data":{"message":"You've been logged out!"},"status":"success","success":true}`)
	expect(t, withAuth(t, h, "GET", "/api/v1/me", a.Data.UserID, a.Data.AuthToken), 401, mustLogIn)
}
