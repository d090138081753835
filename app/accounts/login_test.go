package accounts_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
)

func createUser(t *testing.T, svc *accounts.Service, name string) model.User {
	t.Helper()
	u, err := svc.CreateUser(context.Background(), model.System, accounts.NewUser{Username: name, Email: name + "@example.com", Password: "pw-" + name})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func code(err error) string {
	var me *model.Error
	if errors.As(err, &me) {
		return me.Code
	}
	return fmt.Sprintf("not a model error: %v", err)
}

func TestPasswordLoginAndResume(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, users := newService(t)
	alice := createUser(t, svc, "alice")
	sum := sha256.Sum256([]byte("pw-alice"))
	for _, c := range []accounts.Credentials{
		{User: "alice", Password: "pw-alice"},
		{User: "ALICE", Password: "pw-alice"},
		{User: "Alice@Example.com", Password: "pw-alice"},
		{User: "alice", Digest: hex.EncodeToString(sum[:])},
		{User: "alice", Digest: strings.ToUpper(hex.EncodeToString(sum[:]))},
	} {
		s, err := svc.LoginWithPassword(ctx, c)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if s.User.ID != alice.ID || len(s.Token) != 43 || s.Type != "password" {
			t.Fatalf("session = %+v", s)
		}
		if d := time.Until(s.Expires); d < 89*24*time.Hour || d > 91*24*time.Hour {
			t.Fatalf("expires in %v, want 90 days", d)
		}
		r, err := svc.Resume(ctx, s.Token)
		if err != nil || r.User.ID != alice.ID || r.Type != "resume" || !r.Expires.Equal(s.Expires) {
			t.Fatalf("resume = %+v, %v", r, err)
		}
		if _, err := svc.Authenticate(ctx, alice.ID, s.Token); err != nil {
			t.Fatalf("authenticate: %v", err)
		}
	}
	// Only the hash is stored.
	u, err := users.ByID(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(u.Services.Resume.LoginTokens); n != 5 || u.LastLogin == nil {
		t.Fatalf("%d tokens stored, lastLogin %v", n, u.LastLogin)
	}
	for _, lt := range u.Services.Resume.LoginTokens {
		if _, err := base64.StdEncoding.DecodeString(lt.HashedToken); err != nil || len(lt.HashedToken) != 44 {
			t.Fatalf("stored token %q is not a base64 SHA-256", lt.HashedToken)
		}
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _ := newService(t)
	createUser(t, svc, "bob")
	for _, c := range []accounts.Credentials{
		{User: "bob", Password: "wrong"},
		{User: "nobody", Password: "pw-bob"},
		{User: "nobody@example.com", Password: "x"},
		{User: "", Password: "x"},
		{User: strings.Repeat("b", 300), Password: "x"},
	} {
		_, err := svc.LoginWithPassword(ctx, c)
		var me *model.Error
		if !errors.As(err, &me) || me.Kind != model.KindUnauthorized || me.Code != "401" || me.Message != "User not found" {
			t.Errorf("%q: err = %v", c.User, err)
		}
	}
	if _, err := svc.LoginWithPassword(ctx, accounts.Credentials{User: "bob", Digest: "xyz"}); code(err) != "error-invalid-params" {
		t.Errorf("bad digest: %v", err)
	}
	for _, tok := range []string{"", "nope", strings.Repeat("x", 1000)} {
		if _, err := svc.Resume(ctx, tok); code(err) != "401" {
			t.Errorf("resume %q: %v", tok, err)
		}
	}
}

func TestExpiredAndRevokedTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, users := newService(t)
	carol := createUser(t, svc, "carol")
	// A token issued 91 days ago has expired (Accounts_LoginExpiration is 90 days).
	old := time.Now().Add(-91 * 24 * time.Hour).Truncate(time.Millisecond)
	sum := sha256.Sum256([]byte("old-token"))
	if err := users.AddLoginToken(ctx, carol.ID, model.LoginToken{When: old, HashedToken: base64.StdEncoding.EncodeToString(sum[:])}, old); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Resume(ctx, "old-token"); code(err) != "401" {
		t.Fatalf("expired resume: %v", err)
	}
	if _, err := svc.Authenticate(ctx, carol.ID, "old-token"); code(err) != "unauthorized" {
		t.Fatalf("expired authenticate: %v", err)
	}
	s1, _ := svc.LoginWithPassword(ctx, accounts.Credentials{User: "carol", Password: "pw-carol"})
	s2, _ := svc.LoginWithPassword(ctx, accounts.Credentials{User: "carol", Password: "pw-carol"})
	s3, _ := svc.LoginWithPassword(ctx, accounts.Credentials{User: "carol", Password: "pw-carol"})
	if err := svc.Logout(ctx, carol.ID, s1.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Resume(ctx, s1.Token); code(err) != "401" {
		t.Fatalf("resume after logout: %v", err)
	}
	if err := svc.LogoutOthers(ctx, carol.ID, s2.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Resume(ctx, s3.Token); code(err) != "401" {
		t.Fatalf("resume of a logged-out other client: %v", err)
	}
	if _, err := svc.Resume(ctx, s2.Token); err != nil {
		t.Fatalf("the kept token: %v", err)
	}
	if _, err := svc.Authenticate(ctx, "someone-else", s2.Token); code(err) != "unauthorized" {
		t.Fatalf("token of another user id: %v", err)
	}
}

// A thousand failed logins from one address: the address is blocked after the set
// number of failures (lowered from 50 to 5 here: each failure costs a bcrypt), the right
// password is refused while blocked, and other addresses still get in.
func TestFailedLoginBlocking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, cfg := newServiceWithSettings(t)
	admin := model.Actor{Roles: []string{"admin"}}
	if err := cfg.Set(ctx, admin, "Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip", 5); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Set(ctx, admin, "Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User", 3); err != nil {
		t.Fatal(err)
	}
	createUser(t, svc, "dave")
	createUser(t, svc, "erin")
	blockedIP := 0
	for i := range 1000 {
		_, err := svc.LoginWithPassword(ctx, accounts.Credentials{User: fmt.Sprintf("guess%d", i), Password: "x", IP: "10.0.0.9"})
		if code(err) == "error-login-blocked-for-ip" {
			blockedIP++
		}
	}
	if blockedIP != 995 {
		t.Fatalf("%d of 1000 attempts were blocked by address, want 995", blockedIP)
	}
	if _, err := svc.LoginWithPassword(ctx, accounts.Credentials{User: "erin", Password: "pw-erin", IP: "10.0.0.9"}); code(err) != "error-login-blocked-for-ip" {
		t.Fatalf("right password from a blocked address: %v", err)
	}
	// Three wrong passwords for dave from many addresses block dave, not erin.
	for i := range 3 {
		svc.LoginWithPassword(ctx, accounts.Credentials{User: "dave", Password: "wrong", IP: fmt.Sprintf("10.1.0.%d", i)})
	}
	if _, err := svc.LoginWithPassword(ctx, accounts.Credentials{User: "dave", Password: "pw-dave", IP: "10.2.0.1"}); code(err) != "error-login-blocked-for-user" {
		t.Fatalf("dave after 3 failures: %v", err)
	}
	if _, err := svc.LoginWithPassword(ctx, accounts.Credentials{User: "erin", Password: "pw-erin", IP: "10.2.0.1"}); err != nil {
		t.Fatalf("erin: %v", err)
	}
}
