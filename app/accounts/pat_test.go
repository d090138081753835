package accounts_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

func TestPersonalAccessTokenLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	token, err := e.svc.GenerateToken(ctx, e.joe, "ci", true)
	if err != nil || len(token) != 43 {
		t.Fatalf("generate = %q, %v", token, err)
	}
	// It signs REST calls and never expires, but never resumes a DDP session.
	if u, err := e.svc.Authenticate(ctx, e.joe.UserID, token); err != nil || u.ID != e.joe.UserID {
		t.Fatalf("authenticate with the token: %v", err)
	}
	if _, err := e.svc.Resume(ctx, token); code(err) != "401" {
		t.Errorf("resume with a personal access token: %v", err)
	}
	u, _ := e.users.ByID(ctx, e.joe.UserID)
	lt := u.Services.Resume.LoginTokens[0]
	if lt.Type != "personalAccessToken" || lt.Name != "ci" || lt.LastTokenPart != token[37:] || !lt.BypassTwoFactor ||
		lt.HashedToken != accounts.HashToken(token) || !lt.When.IsZero() || time.Since(lt.CreatedAt) > time.Minute {
		t.Errorf("stored token = %+v", lt)
	}
	_, err = e.svc.GenerateToken(ctx, e.joe, "ci", false)
	wantCode(t, "same name", err, model.KindInvalid, "error-token-already-exists")
	_, err = e.svc.GenerateToken(ctx, e.joe, "", false)
	wantCode(t, "no name", err, model.KindInvalid, "")
	if _, err := e.svc.GenerateToken(ctx, e.joe, "backup", false); err != nil {
		t.Fatal(err)
	}
	list, err := e.svc.PersonalTokens(ctx, e.joe)
	if err != nil || len(list) != 2 || list[0] != (accounts.PersonalToken{Name: "ci", CreatedAt: lt.CreatedAt.Format("2006-01-02T15:04:05.000Z"), LastTokenPart: token[37:], BypassTwoFactor: true}) {
		t.Errorf("list = %+v, %v", list, err)
	}
	e.drain()
	again, err := e.svc.RegenerateToken(ctx, e.joe, "ci")
	if err != nil || again == token {
		t.Fatalf("regenerate = %q, %v", again, err)
	}
	if _, err := e.svc.Authenticate(ctx, e.joe.UserID, token); code(err) != "unauthorized" {
		t.Errorf("the replaced token still works: %v", err)
	}
	if _, err := e.svc.Authenticate(ctx, e.joe.UserID, again); err != nil {
		t.Errorf("the new token: %v", err)
	}
	if list, _ := e.svc.PersonalTokens(ctx, e.joe); len(list) != 2 || !slices.ContainsFunc(list, func(p accounts.PersonalToken) bool { return p.Name == "ci" && p.BypassTwoFactor }) {
		t.Errorf("after regenerating: %+v", list)
	}
	_, err = e.svc.RegenerateToken(ctx, e.joe, "nope")
	wantCode(t, "regenerate unknown", err, model.KindInvalid, "error-token-does-not-exists")
	if err := e.svc.RemoveToken(ctx, e.joe, "ci"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, e.joe.UserID, again); code(err) != "unauthorized" {
		t.Errorf("a removed token still works: %v", err)
	}
	wantCode(t, "remove again", e.svc.RemoveToken(ctx, e.joe, "ci"), model.KindInvalid, "error-token-does-not-exists")
	var revoked [][]string
	for _, ev := range e.drain() {
		if ev, ok := ev.(streamhub.UserTokensRevoked); ok {
			revoked = append(revoked, ev.Hashed)
		}
	}
	if len(revoked) != 2 || revoked[0][0] != accounts.HashToken(token) || revoked[1][0] != accounts.HashToken(again) {
		t.Errorf("revoked %v", revoked)
	}
	// Without create-personal-access-tokens nothing works.
	if _, err := e.az.UpdatePermissions(ctx, e.boss, []authz.PermissionUpdate{{ID: "create-personal-access-tokens", Roles: []string{"admin"}}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.GenerateToken(ctx, e.joe, "x", false)
	wantCode(t, "generate", err, model.KindInvalid, "not-authorized")
	_, err = e.svc.RegenerateToken(ctx, e.joe, "backup")
	wantCode(t, "regenerate", err, model.KindInvalid, "not-authorized")
	wantCode(t, "remove", e.svc.RemoveToken(ctx, e.joe, "backup"), model.KindInvalid, "not-authorized")
	_, err = e.svc.PersonalTokens(ctx, e.joe)
	wantCode(t, "list", err, model.KindInvalid, "not-authorized")
}

func TestLogoutUserAndOtherClients(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a, b := e.login(t, "joe", "pw"), e.login(t, "joe", "pw")
	pat, err := e.svc.GenerateToken(ctx, e.joe, "ci", false)
	if err != nil {
		t.Fatal(err)
	}
	e.drain()
	expires, err := e.svc.LogoutOtherClients(ctx, e.joe, a.Token)
	if err != nil || !expires.Equal(a.Expires) {
		t.Fatalf("logoutOtherClients = %v, %v (want %v)", expires, err, a.Expires)
	}
	for tok, ok := range map[string]bool{a.Token: true, pat: true, b.Token: false} {
		if _, err := e.svc.Authenticate(ctx, e.joe.UserID, tok); (err == nil) != ok {
			t.Errorf("after logoutOtherClients: %v (want valid %v)", err, ok)
		}
	}
	if expires, err := e.svc.LogoutOtherClients(ctx, e.joe, pat); err != nil || !expires.IsZero() {
		t.Errorf("from a personal access token: %v, %v", expires, err)
	}
	if _, err := e.svc.Authenticate(ctx, e.joe.UserID, a.Token); err == nil {
		t.Error("logging out the others from a personal access token kept a's session")
	}
	if evs := e.drain(); len(evs) != 2 || !slices.Equal(evs[0].(streamhub.UserTokensRevoked).Hashed, []string{accounts.HashToken(b.Token)}) {
		t.Errorf("events %+v", evs)
	}
	boss := e.login(t, "boss", "pw")
	wantCode(t, "other without permission", e.svc.LogoutUser(ctx, e.joe, e.boss.UserID), model.KindForbidden, "error-unauthorized")
	wantCode(t, "unknown", e.svc.LogoutUser(ctx, e.boss, "nobody"), model.KindInvalid, "error-invalid-user-id")
	if err := e.svc.LogoutUser(ctx, e.boss, e.joe.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, e.joe.UserID, pat); err == nil {
		t.Error("users.logout kept the personal access token")
	}
	if err := e.svc.LogoutUser(ctx, e.boss, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, e.boss.UserID, boss.Token); err == nil {
		t.Error("users.logout of oneself kept the session")
	}
}
