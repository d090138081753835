package ddp_test

import (
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/web/ddp"
)

var _ ddp.TwoFactor = (*accounts.Service)(nil)

// totpCode is the authenticator app's code for secret, d from now.
func totpCode(t *testing.T, secret string, d time.Duration) string {
	t.Helper()
	c, err := accounts.TOTPCode(secret, time.Now().Add(d))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// notACode is a 6-digit code no step near now has.
func notACode(t *testing.T, secret string) string {
	t.Helper()
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		valid := false
		for d := -2; d <= 3; d++ {
			valid = valid || c == totpCode(t, secret, time.Duration(d)*30*time.Second)
		}
		if !valid {
			return c
		}
	}
	t.Fatal("no wrong code found")
	return ""
}

func TestTwoFactorDDP(t *testing.T) {
	t.Parallel()
	ts, _, uid := accountServer(t)
	const password = `{"user":{"username":"alice"},"password":"pw"}`
	c := ts.connected(t)
	c.call("1", "login", password)
	other := parseMap(t, ts.connected(t).call("1", "login", password))["result"].(map[string]any)["token"].(string)

	anon := ts.connected(t)
	if got := anon.call("a", "2fa:enable"); !jsonEqual(t, got,
		`{"msg":"result","id":"a","error":{"isClientSafe":true,"error":"not-authorized","message":"[not-authorized]","errorType":"Meteor.Error"}}`) {
		t.Fatalf("anonymous 2fa:enable = %s", got)
	}

	res := parseMap(t, c.call("2", "2fa:enable"))["result"].(map[string]any)
	secret, _ := res["secret"].(string)
	if len(secret) != 32 || res["url"] != "otpauth://totp/Outpost:alice?secret="+secret+"&issuer=Outpost" {
		t.Fatalf("2fa:enable = %v", res)
	}
	const invalidTOTP = `{"isClientSafe":true,"error":"invalid-totp","message":"[invalid-totp]","errorType":"Meteor.Error"}`
	if got := c.call("3", "2fa:validateTempToken", `"`+notACode(t, secret)+`"`, `""`); !jsonEqual(t, got, `{"msg":"result","id":"3","error":`+invalidTOTP+`}`) {
		t.Fatalf("wrong code = %s", got)
	}
	res = parseMap(t, c.call("4", "2fa:validateTempToken", `"`+totpCode(t, secret, 0)+`"`))["result"].(map[string]any)
	codes, _ := res["codes"].([]any)
	if len(codes) != 12 {
		t.Fatalf("2fa:validateTempToken = %v", res)
	}
	backup := func(i int) string { return codes[i].(string) }
	if got := c.call("5", "2fa:checkCodesRemaining"); !jsonEqual(t, got, `{"msg":"result","id":"5","result":{"remaining":12}}`) {
		t.Fatalf("2fa:checkCodesRemaining = %s", got)
	}
	// The other session's token no longer resumes; this connection's still does.
	if got := ts.connected(t).call("r", "login", `{"resume":"`+other+`"}`); !jsonEqual(t, got,
		`{"msg":"result","id":"r","error":{"isClientSafe":true,"error":401,"reason":"User not found","message":"User not found [401]","errorType":"Meteor.Error"}}`) {
		t.Fatalf("resume of another session = %s", got)
	}

	// Logins: totp-required, totp-invalid, then the {totp:{login, code}} wrapper.
	l := ts.connected(t)
	details := `"details":{"availableMethods":["totp"],"codeGenerated":false,"method":"totp"}`
	if got := l.call("l1", "login", password); !jsonEqual(t, got,
		`{"msg":"result","id":"l1","error":{"isClientSafe":true,"error":"totp-required","reason":"TOTP Required",`+details+`,"message":"TOTP Required [totp-required]","errorType":"Meteor.Error"}}`) {
		t.Fatalf("login without a code = %s", got)
	}
	wrap := func(code string) string { return `{"totp":{"login":` + password + `,"code":"` + code + `"}}` }
	totpInvalid := `{"isClientSafe":true,"error":"totp-invalid","reason":"TOTP Invalid",` + details + `,"message":"TOTP Invalid [totp-invalid]","errorType":"Meteor.Error"}`
	if got := l.call("l2", "login", wrap(notACode(t, secret))); !jsonEqual(t, got, `{"msg":"result","id":"l2","error":`+totpInvalid+`}`) {
		t.Fatalf("login with a wrong code = %s", got)
	}
	if got := parseMap(t, l.call("l3", "login", `{"totp":{"login":`+password+`}}`)); got["error"].(map[string]any)["reason"] != "Unrecognized options for login request" {
		t.Fatalf("wrapper without a code = %v", got)
	}
	next := totpCode(t, secret, 30*time.Second)
	r := parseMap(t, l.call("l4", "login", wrap(next)))
	if res, _ := r["result"].(map[string]any); res["id"] != uid || res["type"] != "password" {
		t.Fatalf("login with a valid code = %v", r)
	}
	if got := ts.connected(t).call("l5", "login", wrap(next)); !jsonEqual(t, got, `{"msg":"result","id":"l5","error":`+totpInvalid+`}`) {
		t.Fatalf("replayed code = %s", got)
	}
	if r := parseMap(t, ts.connected(t).call("l6", "login", wrap(backup(0)), `""`)); r["result"] == nil {
		t.Fatalf("login with a backup code = %v", r)
	}
	if got := ts.connected(t).call("l7", "login", wrap(backup(0))); !jsonEqual(t, got, `{"msg":"result","id":"l7","error":`+totpInvalid+`}`) {
		t.Fatalf("reused backup code = %s", got)
	}
	// Resume is not asked for a code, wrapped or not.
	token := r["result"].(map[string]any)["token"].(string)
	if r := parseMap(t, ts.connected(t).call("l8", "login", `{"resume":"`+token+`"}`)); r["result"] == nil {
		t.Fatalf("resume = %v", r)
	}

	// regenerateCodes answers nothing for a wrong code; disable answers false.
	if got := c.call("6", "2fa:regenerateCodes", `"`+backup(0)+`"`); !jsonEqual(t, got, `{"msg":"result","id":"6"}`) {
		t.Fatalf("2fa:regenerateCodes with a used code = %s", got)
	}
	res = parseMap(t, c.call("7", "2fa:regenerateCodes", `"`+backup(1)+`"`))["result"].(map[string]any)
	fresh, _ := res["codes"].([]any)
	if len(fresh) != 12 {
		t.Fatalf("2fa:regenerateCodes = %v", res)
	}
	if got := c.call("8", "2fa:disable", `"`+backup(2)+`"`); !jsonEqual(t, got, `{"msg":"result","id":"8","result":false}`) {
		t.Fatalf("2fa:disable with a voided code = %s", got)
	}
	if got := c.call("9", "2fa:disable", `"`+fresh[0].(string)+`"`); !jsonEqual(t, got, `{"msg":"result","id":"9","result":true}`) {
		t.Fatalf("2fa:disable = %s", got)
	}
	if r := parseMap(t, ts.connected(t).call("l9", "login", password)); r["result"] == nil {
		t.Fatalf("login after disabling = %v", r)
	}
	if got := c.call("10", "2fa:checkCodesRemaining"); !jsonEqual(t, got, `{"msg":"result","id":"10","error":`+invalidTOTP+`}`) {
		t.Fatalf("2fa:checkCodesRemaining when off = %s", got)
	}
}
