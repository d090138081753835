package ddp_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/web/ddp"
)

var _ ddp.Accounts = (*accounts.Service)(nil)

// accountServer is a DDP server wired as cmd/outpost wires it (wiretest, appServer),
// holding one user, alice / pw.
func accountServer(t *testing.T) (*testServer, *settings.Service, string) {
	t.Helper()
	a := wiretest.Open(t)
	u := wiretest.User(t, a, "alice")
	return appServer(t, a), a.Settings, u.ID
}

func TestDDPLogin(t *testing.T) {
	t.Parallel()
	ts, _, uid := accountServer(t)
	sum := sha256.Sum256([]byte("pw"))
	c := ts.connected(t)
	res := parseMap(t, c.call("1", "login", `{"user":{"username":"alice"},"password":{"digest":"`+hex.EncodeToString(sum[:])+`","algorithm":"sha-256"}}`))
	r, _ := res["result"].(map[string]any)
	token, _ := r["token"].(string)
	exp, _ := r["tokenExpires"].(map[string]any)
	if r["id"] != uid || len(token) != 43 || r["type"] != "password" || exp["$date"] == nil {
		t.Fatalf("login result = %v", res)
	}
	// The mobile app's sequence: a new connection resumes with the token.
	c2 := ts.connected(t)
	res = parseMap(t, c2.call("2", "login", `{"resume":"`+token+`"}`))
	if r, _ := res["result"].(map[string]any); r["id"] != uid || r["type"] != "resume" {
		t.Fatalf("resume result = %v", res)
	}
	// Plaintext password and email work too.
	c3 := ts.connected(t)
	res = parseMap(t, c3.call("3", "login", `{"user":{"email":"alice@example.com"},"password":"pw"}`, `""`))
	if r, _ := res["result"].(map[string]any); r["id"] != uid {
		t.Fatalf("plaintext login = %v", res)
	}
}

func TestDDPLoginErrors(t *testing.T) {
	t.Parallel()
	ts, _, _ := accountServer(t)
	c := ts.connected(t)
	for i, p := range []string{
		`{"user":{"username":"alice"},"password":"wrong"}`,
		`{"user":{"username":"nobody"},"password":"pw"}`,
		`{"resume":"expired-or-unknown"}`,
	} {
		got := c.call(string(rune('a'+i)), "login", p)
		if !strings.Contains(got, `"error":401`) || !strings.Contains(got, `"reason":"User not found"`) {
			t.Errorf("%s: %s", p, got)
		}
	}
	for i, p := range []string{`{}`, `"alice"`, `{"user":{"username":"alice"},"password":{"digest":"x"}}`} {
		got := parseMap(t, c.call(string(rune('x'+i)), "login", p))
		if got["error"] == nil || got["result"] != nil {
			t.Errorf("%s: %v", p, got)
		}
	}
	if got := c.call("m", "license:getModules"); !strings.Contains(got, `"livechat-enterprise"`) {
		t.Errorf("license:getModules = %s", got)
	}
}

func TestCoreStreamsAndLogout(t *testing.T) {
	t.Parallel()
	ts, cfg, uid := accountServer(t)
	anon := ts.connected(t)
	if got := anon.sub("s1", "stream-notify-logged", `"permissions-changed"`, `false`); !strings.Contains(got, "nosub") {
		t.Fatalf("anonymous notify-logged = %s", got)
	}
	if got := anon.sub("s2", "stream-notify-all", `"public-settings-changed"`, `{"useCollection":false,"args":[]}`); !strings.Contains(got, "ready") {
		t.Fatalf("anonymous notify-all = %s", got)
	}
	c := ts.connected(t)
	c.call("1", "login", `{"user":{"username":"alice"},"password":"pw"}`)
	if got := c.sub("s3", "stream-notify-user", `"`+uid+`/userData"`, `{"useCollection":false,"args":[false]}`); !strings.Contains(got, "ready") {
		t.Fatalf("own notify-user = %s", got)
	}
	if got := c.sub("s4", "stream-notify-user", `"someoneelse/userData"`, `false`); !strings.Contains(got, "not-allowed") {
		t.Fatalf("other user's notify-user = %s", got)
	}
	if got := c.sub("s5", "stream-notify-logged", `"permissions-changed"`, `false`); !strings.Contains(got, "ready") {
		t.Fatalf("notify-logged = %s", got)
	}
	// A public setting change reaches every subscriber of public-settings-changed.
	if err := cfg.Set(context.Background(), model.System, "Site_Name", "Camp"); err != nil {
		t.Fatal(err)
	}
	want := `{"msg":"changed","collection":"stream-notify-all","id":"id","fields":{"eventName":"public-settings-changed","args":["updated",{"_id":"Site_Name","value":"Camp"}]}}`
	if got := anon.next(); !jsonEqual(t, got, want) {
		t.Fatalf("event = %s\nwant %s", got, want)
	}
	// logout forgets the token and closes the socket with 1002.
	c.call("2", "logout")
	c.expectClose(websocket.StatusProtocolError)
}

func parseMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return m
}
