package rest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/web/rest"
)

var _ rest.TwoFactor = (*accounts.Service)(nil)

// send sends one request with a body and headers (name, value, name, value…).
func send(t *testing.T, h http.Handler, method, target, body string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

// decode unmarshals a 200 answer.
func decode(t *testing.T, got response, v any) {
	t.Helper()
	if got.status != 200 {
		t.Fatalf("status %d: %s", got.status, got.body)
	}
	if err := json.Unmarshal([]byte(got.body), v); err != nil {
		t.Fatal(err)
	}
}

// codeAt is the authenticator app's code for secret, d from now.
func codeAt(t *testing.T, secret string, d time.Duration) string {
	t.Helper()
	c, err := accounts.TOTPCode(secret, time.Now().Add(d))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wrongCode is a 6-digit code no step near now has.
func wrongCode(t *testing.T, secret string) string {
	t.Helper()
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		valid := false
		for d := -2; d <= 3; d++ {
			valid = valid || c == codeAt(t, secret, time.Duration(d)*30*time.Second)
		}
		if !valid {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

func TestTwoFactorREST(t *testing.T) {
	t.Parallel()
	h := accountAPI(t)
	a := login(t, h, `{"user":"alice","password":"pw"}`)
	other := login(t, h, `{"user":"alice","password":"pw"}`)
	auth := []string{"X-User-Id", a.Data.UserID, "X-Auth-Token", a.Data.AuthToken}
	post := func(route, body string) response {
		return send(t, h, "POST", "/api/v1/"+route, body, auth...)
	}

	var setup struct {
		Secret  string `json:"secret"`
		URL     string `json:"url"`
		Success bool   `json:"success"`
	}
	decode(t, post("users.totp.enable", ``), &setup)
	if len(setup.Secret) != 32 || setup.URL != "otpauth://totp/Outpost:alice?secret="+setup.Secret+"&issuer=Outpost" || !setup.Success {
		t.Fatalf("enable = %+v", setup)
	}
	const invalidTOTP = `{"success":false,"error":"[invalid-totp]","errorType":"invalid-totp"}`
	expect(t, post("users.totp.validate", `{"code":"`+wrongCode(t, setup.Secret)+`"}`), 400, invalidTOTP)
	expect(t, post("users.totp.validate", `{}`), 400,
		`{"success":false,"error":"must have required property 'code' [invalid-params]","errorType":"invalid-params"}`)
	var validated struct {
		Codes []string `json:"codes"`
	}
	decode(t, post("users.totp.validate", `{"code":"`+codeAt(t, setup.Secret, 0)+`"}`), &validated)
	if len(validated.Codes) != 12 {
		t.Fatalf("backup codes = %v", validated.Codes)
	}
	backup := validated.Codes
	// Enabling ended the other session and kept this one.
	const mustLogIn = `{"success":false,"status":"error","message":"You must be logged in to do this.","error":"You must be logged in to do this."}`
	expect(t, withAuth(t, h, "GET", "/api/v1/me", other.Data.UserID, other.Data.AuthToken), 401, mustLogIn)
	me := withAuth(t, h, "GET", "/api/v1/me", a.Data.UserID, a.Data.AuthToken)
	if !strings.Contains(me.body, `"services":{"totp":{"enabled":true},"password":{"exists":true}}`) {
		t.Fatalf("me = %s", me.body)
	}
	expect(t, post("users.totp.enable", ``), 400, `{"success":false,"error":"[error-2fa-already-enabled]","errorType":"error-2fa-already-enabled"}`)

	// Password logins now need the code: Rocket.Chat's exact 401 bodies.
	expect(t, do(t, h, "POST", "/api/v1/login", `{"user":"alice","password":"pw"}`), 401,
		`{"success":false,"status":"error","message":"TOTP Required","error":"totp-required","details":{"availableMethods":["totp"],"codeGenerated":false,"method":"totp"}}`)
	const totpInvalid = `{"success":false,"status":"error","message":"TOTP Invalid","error":"totp-invalid","details":{"availableMethods":["totp"],"codeGenerated":false,"method":"totp"}}`
	expect(t, do(t, h, "POST", "/api/v1/login", `{"user":"alice","password":"pw","code":"`+wrongCode(t, setup.Secret)+`"}`), 401, totpInvalid)
	// The enabling code is spent; the next step's code works once.
	next := codeAt(t, setup.Secret, 30*time.Second)
	login(t, h, `{"user":"alice","password":"pw","code":"`+next+`"}`)
	expect(t, do(t, h, "POST", "/api/v1/login", `{"user":"alice","password":"pw","code":"`+next+`"}`), 401, totpInvalid)
	// A wrong password says nothing about the code.
	expect(t, do(t, h, "POST", "/api/v1/login", `{"user":"alice","password":"nope","code":"`+backup[0]+`"}`), 401,
		`{"success":false,"status":"error","message":"Unauthorized","error":"Unauthorized"}`)
	// The code may come in the x-2fa-code header; a backup code works once.
	if got := send(t, h, "POST", "/api/v1/login", `{"user":"alice","password":"pw"}`, "X-2fa-Code", backup[0], "X-2fa-Method", "totp"); got.status != 200 {
		t.Fatalf("login with a backup code in x-2fa-code: %d %s", got.status, got.body)
	}
	expect(t, send(t, h, "POST", "/api/v1/login", `{"user":"alice","password":"pw"}`, "x-2fa-code", backup[0]), 401, totpInvalid)
	// Resume logins are not asked.
	login(t, h, `{"resume":"`+a.Data.AuthToken+`"}`)

	expect(t, send(t, h, "GET", "/api/v1/users.totp.codesRemaining", ``, auth...), 200, `{"remaining":11,"success":true}`)
	expect(t, post("users.totp.regenerateCodes", `{"code":"`+backup[0]+`"}`), 400, invalidTOTP)
	var fresh struct {
		Codes []string `json:"codes"`
	}
	decode(t, post("users.totp.regenerateCodes", `{"code":"`+backup[1]+`"}`), &fresh)
	if len(fresh.Codes) != 12 {
		t.Fatalf("regenerated = %v", fresh.Codes)
	}
	expect(t, send(t, h, "GET", "/api/v1/users.totp.codesRemaining", ``, auth...), 200, `{"remaining":12,"success":true}`)

	// Disabling needs a valid code.
	expect(t, post("users.totp.disable", `{"code":"`+backup[2]+`"}`), 200, `{"disabled":false,"success":true}`)
	expect(t, post("users.totp.disable", `{"code":"`+fresh.Codes[0]+`"}`), 200, `{"disabled":true,"success":true}`)
	login(t, h, `{"user":"alice","password":"pw"}`)
	expect(t, send(t, h, "GET", "/api/v1/users.totp.codesRemaining", ``, auth...), 400, invalidTOTP)
	expect(t, send(t, h, "POST", "/api/v1/users.totp.enable", ``), 401, mustLogIn)
}

func TestTwoFactorEmailNotSupported(t *testing.T) {
	t.Parallel()
	h := accountAPI(t)
	a := login(t, h, `{"user":"alice","password":"pw"}`)
	const notSupported = `{"success":false,"error":"E-mail two-factor authentication is not supported: this server has no SMTP server to send codes [error-not-supported]","errorType":"error-not-supported"}`
	for _, route := range []string{"users.2fa.enableEmail", "users.2fa.disableEmail"} {
		expect(t, withAuth(t, h, "POST", "/api/v1/"+route, a.Data.UserID, a.Data.AuthToken), 400, notSupported)
		if got := do(t, h, "POST", "/api/v1/"+route, ``); got.status != 401 {
			t.Errorf("%s without sign-in: %d", route, got.status)
		}
	}
	expect(t, do(t, h, "POST", "/api/v1/users.2fa.sendEmailCode", `{}`), 400,
		`{"success":false,"error":"emailOrUsername is required [error-parameter-required]","errorType":"error-parameter-required"}`)
	expect(t, do(t, h, "POST", "/api/v1/users.2fa.sendEmailCode", `{"emailOrUsername":"alice"}`), 400, notSupported)
}
