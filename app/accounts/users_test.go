package accounts_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

var (
	_ accounts.Permissions = (*authz.Service)(nil)
	_ accounts.Publisher   = (*streamhub.Hub)(nil)
)

// env is user management as cmd/outpost wires it (wiretest), with an admin (boss) and a
// plain user (joe).
type env struct {
	svc       *accounts.Service
	users     *docdb.UsersStore
	cfg       *settings.Service
	az        *authz.Service
	events    *streamhub.Subscription
	boss, joe model.Actor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	a := wiretest.Open(t)
	wiretest.Set(t, a, "API_Enable_Rate_Limiter", true) // as shipped: users.register is limited
	svc, hub := a.Accounts, a.Hub
	e := &env{svc: svc, users: docdb.NewUsersStore(a.Store.Docs), cfg: a.Settings, az: a.Authz}
	for _, nu := range []accounts.NewUser{
		{Username: "boss", Email: "boss@example.com", Password: "pw", Roles: []string{"admin"}},
		{Username: "joe", Email: "joe@example.com", Password: "pw", Name: "Joe"},
	} {
		u, err := svc.CreateUser(ctx, model.System, nu)
		if err != nil {
			t.Fatal(err)
		}
		if u.Username == "boss" {
			e.boss = accounts.ActorOf(u)
		} else {
			e.joe = accounts.ActorOf(u)
		}
	}
	e.events = hub.Subscribe(256, streamhub.TopicUsers, streamhub.TopicUserNames, streamhub.TopicUserTokens, streamhub.TopicUserRoles)
	t.Cleanup(e.events.Close)
	return e
}

// drain returns the events published so far.
func (e *env) drain() []streamhub.Event {
	var out []streamhub.Event
	for {
		select {
		case ev := <-e.events.C():
			out = append(out, ev)
		default:
			return out
		}
	}
}

func (e *env) login(t *testing.T, user, password string) accounts.Session {
	t.Helper()
	s, err := e.svc.LoginWithPassword(context.Background(), accounts.Credentials{User: user, Password: password})
	if err != nil {
		t.Fatalf("login %s: %v", user, err)
	}
	return s
}

func str(s string) *string { return &s }

// digestHex is the hex SHA-256 of a password, as clients send the current password.
func digestHex(p string) string {
	sum := sha256.Sum256([]byte(p))
	return hex.EncodeToString(sum[:])
}

func boolp(b bool) *bool { return &b }

// wantCode fails unless err is a domain error of the kind with the code.
func wantCode(t *testing.T, what string, err error, kind model.Kind, want string) {
	t.Helper()
	if got := code(err); got != want {
		t.Errorf("%s: code %q (%v), want %q", what, got, err, want)
		return
	}
	if e := model.AsError(err); e.Kind != kind {
		t.Errorf("%s: kind %v, want %v", what, e.Kind, kind)
	}
}

func noSecrets(t *testing.T, what string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	for _, s := range []string{"bcrypt", "hashedToken", "loginTokens", "services.password"} {
		if strings.Contains(string(b), s) {
			t.Errorf("%s leaks %s: %s", what, s, b)
		}
	}
}

func TestUserSettingsRegisterCleanly(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, st := range append(accounts.Settings(), accounts.UserSettings()...) {
		if seen[st.ID] {
			t.Errorf("setting %s twice", st.ID)
		}
		seen[st.ID] = true
	}
	e := newEnv(t)
	if v, ok := e.cfg.Get("UTF8_User_Names_Validation"); !ok || v.Value != "[0-9a-zA-Z-_.]+" {
		t.Errorf("UTF8_User_Names_Validation = %+v", v)
	}
}

func TestAddUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ok := accounts.UserCreate{Email: "Ann@Example.com", Name: "Ann", Password: "pw", Username: "ann", Roles: []string{"user", "bot"},
		Verified: true, RequirePasswordChange: true, Nickname: " annie ", CustomFields: map[string]any{"team": "red"}}
	d, err := e.svc.AddUser(ctx, e.boss, ok)
	if err != nil {
		t.Fatal(err)
	}
	emails := d["emails"].([]any)
	if d["username"] != "ann" || d["name"] != "Ann" || d["nickname"] != "annie" || !slices.Equal(d["roles"].([]string), []string{"user", "bot"}) ||
		emails[0].(map[string]any)["address"] != "ann@example.com" || emails[0].(map[string]any)["verified"] != true ||
		d["requirePasswordChange"] != true || d["active"] != true || d["customFields"].(map[string]any)["team"] != "red" {
		t.Errorf("created = %v", d)
	}
	noSecrets(t, "users.create answer", d)
	if evs := e.drain(); len(evs) != 1 || evs[0].(streamhub.UserChanged).Action != "inserted" || evs[0].(streamhub.UserChanged).Data["username"] != "ann" {
		t.Errorf("events = %+v", evs)
	}
	e.login(t, "ann", "pw")
	inactive := accounts.UserCreate{Email: "zed@example.com", Name: "Zed", Password: "pw", Username: "zed", Active: boolp(false)}
	if d, err := e.svc.AddUser(ctx, e.boss, inactive); err != nil || d["active"] != false {
		t.Errorf("inactive create = %v, %v", d, err)
	}
	for _, c := range []struct {
		name  string
		actor model.Actor
		in    accounts.UserCreate
		code  string
	}{
		{"not admin", e.joe, accounts.UserCreate{Email: "x@example.com", Name: "X", Password: "pw", Username: "x"}, "error-action-not-allowed"},
		{"bad username", e.boss, accounts.UserCreate{Email: "x@example.com", Name: "X", Password: "pw", Username: "x y"}, "error-input-is-not-a-valid-field"},
		{"bad email", e.boss, accounts.UserCreate{Email: "x@", Name: "X", Password: "pw", Username: "x"}, "error-invalid-email"},
		{"no name", e.boss, accounts.UserCreate{Email: "x@example.com", Password: "pw", Username: "x"}, "error-the-field-is-required"},
		{"no password", e.boss, accounts.UserCreate{Email: "x@example.com", Name: "X", Username: "x"}, "error-the-field-is-required"},
		{"username taken, other case", e.boss, accounts.UserCreate{Email: "x@example.com", Name: "X", Password: "pw", Username: "ANN"}, "error-field-unavailable"},
		{"email taken, other case", e.boss, accounts.UserCreate{Email: "JOE@example.COM", Name: "X", Password: "pw", Username: "x"}, "error-field-unavailable"},
		{"unknown role", e.boss, accounts.UserCreate{Email: "x@example.com", Name: "X", Password: "pw", Username: "x", Roles: []string{"wizard"}}, "error-action-not-allowed"},
		{"custom field", e.boss, accounts.UserCreate{Email: "x@example.com", Name: "X", Password: "pw", Username: "x", CustomFields: map[string]any{"a.b": "c"}}, "error-invalid-customfield"},
	} {
		_, err := e.svc.AddUser(ctx, c.actor, c.in)
		wantCode(t, c.name, err, model.KindInvalid, c.code)
	}
	if evs := e.drain(); len(evs) != 1 {
		t.Errorf("failed creations published %+v", evs)
	}
}

// TestUsernamesUniqueUnderRace: creating the same username (in other cases) and the
// same email at once, exactly one creation wins each time.
func TestUsernamesUniqueUnderRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "Racer"
			if i%2 == 0 {
				name = "rAcEr"
			}
			_, err := e.svc.AddUser(ctx, e.boss, accounts.UserCreate{Email: fmt.Sprintf("r%d@example.com", i), Name: "R", Password: "pw", Username: name})
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if code(err) != "error-field-unavailable" {
				t.Errorf("racer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d creations of one username succeeded", wins)
	}
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	joeSession := e.login(t, "joe", "pw")
	d, err := e.svc.UpdateUser(ctx, e.boss, accounts.UserUpdate{UserID: e.joe.UserID, Data: accounts.UserData{
		Name: str("Joseph"), Username: str("joseph"), Email: str("Joseph@Example.com"), Verified: boolp(true),
		Roles: &[]string{"user", "livechat-agent"}, Bio: str(" hi "), StatusText: str("busy"), Password: str("new-pw"),
		RequirePasswordChange: boolp(true), CustomFields: map[string]any{"team": "blue"},
		Settings: &struct {
			Preferences map[string]any `json:"preferences"`
		}{map[string]any{"hideRoles": true}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if d["name"] != "Joseph" || d["username"] != "joseph" || d["bio"] != "hi" || d["statusText"] != "busy" ||
		d["emails"].([]any)[0].(map[string]any)["address"] != "joseph@example.com" ||
		d["settings"].(map[string]any)["preferences"].(map[string]any)["hideRoles"] != true {
		t.Errorf("updated = %v", d)
	}
	noSecrets(t, "users.update answer", d)
	var changed streamhub.UserChanged
	var names, added, removed int
	for _, ev := range e.drain() {
		switch ev := ev.(type) {
		case streamhub.UserChanged:
			changed = ev
		case streamhub.UserNameChanged:
			if ev.Username == "joseph" && ev.Name == "Joseph" && ev.OldUsername == "joe" {
				names++
			}
		case streamhub.UserRoleChanged:
			if ev.Type == "added" && ev.RoleID == "livechat-agent" {
				added++
			} else {
				removed++
			}
		}
	}
	if changed.Action != "updated" || changed.Diff["username"] != "joseph" || changed.Diff["bio"] != "hi" || names != 1 || added != 1 || removed != 0 {
		t.Errorf("events: changed %+v, names %d, roles +%d -%d", changed, names, added, removed)
	}
	noSecrets(t, "update event", changed)
	e.login(t, "joseph", "new-pw") // the admin's password reset works
	if _, err := e.svc.Authenticate(ctx, e.joe.UserID, joeSession.Token); err != nil {
		t.Errorf("an admin's edit ended joe's session: %v", err)
	}
	// Clearing the bio unsets it.
	d, err = e.svc.UpdateUser(ctx, e.boss, accounts.UserUpdate{UserID: e.joe.UserID, Data: accounts.UserData{Bio: str("")}})
	if err != nil || d["bio"] != nil {
		t.Errorf("clear bio: %v, %v", d, err)
	}
	if evs := e.drain(); len(evs) != 1 || evs[0].(streamhub.UserChanged).Unset["bio"] != 1 {
		t.Errorf("clear bio events: %+v", evs)
	}
	joe := accounts.ActorOf(model.User{ID: e.joe.UserID, Username: "joseph", Roles: []string{"user"}})
	for _, c := range []struct {
		name  string
		actor model.Actor
		in    accounts.UserUpdate
		code  string
	}{
		{"other user, no permission", joe, accounts.UserUpdate{UserID: e.boss.UserID, Data: accounts.UserData{Name: str("x")}}, "error-action-not-allowed"},
		{"own verification", joe, accounts.UserUpdate{UserID: joe.UserID, Data: accounts.UserData{Verified: boolp(true)}}, "error-action-not-allowed"},
		{"own roles", joe, accounts.UserUpdate{UserID: joe.UserID, Data: accounts.UserData{Roles: &[]string{"admin"}}}, "error-action-not-allowed"},
		{"own active flag", joe, accounts.UserUpdate{UserID: joe.UserID, Data: accounts.UserData{Active: boolp(false)}}, "error-not-allowed"},
		{"unknown user", e.boss, accounts.UserUpdate{UserID: "nobody", Data: accounts.UserData{Name: str("x")}}, "error-invalid-user"},
		{"username taken", e.boss, accounts.UserUpdate{UserID: joe.UserID, Data: accounts.UserData{Username: str("BOSS")}}, "error-field-unavailable"},
		{"bad username", e.boss, accounts.UserUpdate{UserID: joe.UserID, Data: accounts.UserData{Username: str("a b")}}, "error-input-is-not-a-valid-field"},
		{"email taken", e.boss, accounts.UserUpdate{UserID: joe.UserID, Data: accounts.UserData{Email: str("BOSS@example.com")}}, "error-field-unavailable"},
		{"bad email", e.boss, accounts.UserUpdate{UserID: joe.UserID, Data: accounts.UserData{Email: str("nope")}}, "error-invalid-email"},
		{"last admin", e.boss, accounts.UserUpdate{UserID: e.boss.UserID, Data: accounts.UserData{Roles: &[]string{"user"}}}, "error-action-not-allowed"},
		{"last active admin", e.boss, accounts.UserUpdate{UserID: e.boss.UserID, Data: accounts.UserData{Active: boolp(false)}}, "error-action-not-allowed"},
		{"bad preference", e.boss, accounts.UserUpdate{UserID: joe.UserID, Data: accounts.UserData{Settings: &struct {
			Preferences map[string]any `json:"preferences"`
		}{map[string]any{"nope": 1}}}}, "invalid-params"},
	} {
		_, err := e.svc.UpdateUser(ctx, c.actor, c.in)
		wantCode(t, c.name, err, model.KindInvalid, c.code)
	}
	// A user may edit their own name, but not when the setting forbids it.
	if _, err := e.svc.UpdateUser(ctx, joe, accounts.UserUpdate{UserID: joe.UserID, Data: accounts.UserData{Name: str("Jo")}}); err != nil {
		t.Errorf("own name: %v", err)
	}
	if err := e.cfg.Set(ctx, model.System, "Accounts_AllowRealNameChange", false); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.UpdateUser(ctx, joe, accounts.UserUpdate{UserID: joe.UserID, Data: accounts.UserData{Name: str("J")}})
	wantCode(t, "name change off", err, model.KindInvalid, "error-action-not-allowed")
	if _, err := e.svc.UpdateUser(ctx, e.boss, accounts.UserUpdate{UserID: joe.UserID, Data: accounts.UserData{Name: str("J")}}); err != nil {
		t.Errorf("admins edit names whatever the setting: %v", err)
	}
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	s := e.login(t, "joe", "pw")
	pat, err := e.svc.GenerateToken(ctx, e.joe, "ci", false)
	if err != nil {
		t.Fatal(err)
	}
	e.drain()
	err = e.svc.DeleteUser(ctx, e.joe, accounts.UserRef{ID: e.boss.UserID})
	wantCode(t, "not permitted", err, model.KindForbidden, "error-unauthorized")
	wantCode(t, "no ref", e.svc.DeleteUser(ctx, e.boss, accounts.UserRef{}), model.KindInvalid, "error-user-param-not-provided")
	wantCode(t, "unknown", e.svc.DeleteUser(ctx, e.boss, accounts.UserRef{ID: "nobody"}), model.KindInvalid, "error-invalid-user")
	wantCode(t, "last admin", e.svc.DeleteUser(ctx, e.boss, accounts.UserRef{Username: "boss"}), model.KindInvalid, "error-action-not-allowed")
	if err := e.svc.DeleteUser(ctx, e.boss, accounts.UserRef{Username: "JOE"}); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{s.Token, pat} {
		if _, err := e.svc.Authenticate(ctx, e.joe.UserID, tok); code(err) != "unauthorized" {
			t.Errorf("a deleted user's token still works: %v", err)
		}
	}
	var revoked, removed bool
	for _, ev := range e.drain() {
		switch ev := ev.(type) {
		case streamhub.UserTokensRevoked:
			revoked = ev.All && ev.UserID == e.joe.UserID && slices.Contains(ev.Hashed, accounts.HashToken(s.Token))
		case streamhub.UserChanged:
			removed = ev.Action == "removed" && ev.ID == e.joe.UserID && ev.Username == "joe"
		}
	}
	if !revoked || !removed {
		t.Errorf("events: revoked %v, removed %v", revoked, removed)
	}
	if _, err := e.users.ByID(ctx, e.joe.UserID); err != model.ErrNotFound {
		t.Errorf("deleted user still stored: %v", err)
	}
}

func TestSetUserActive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	s := e.login(t, "joe", "pw")
	pat, err := e.svc.GenerateToken(ctx, e.joe, "ci", false)
	if err != nil {
		t.Fatal(err)
	}
	e.drain()
	_, err = e.svc.SetUserActive(ctx, e.joe, e.boss.UserID, false)
	wantCode(t, "not permitted", err, model.KindForbidden, "error-unauthorized")
	_, err = e.svc.SetUserActive(ctx, e.boss, "nobody", false)
	wantCode(t, "unknown", err, model.KindInvalid, "error-invalid-user")
	_, err = e.svc.SetUserActive(ctx, e.boss, e.boss.UserID, false)
	wantCode(t, "last active admin", err, model.KindInvalid, "error-action-not-allowed")
	d, err := e.svc.SetUserActive(ctx, e.boss, e.joe.UserID, false)
	if err != nil || d["active"] != false || d["_id"] != e.joe.UserID {
		t.Fatalf("deactivate: %v, %v", d, err)
	}
	for _, tok := range []string{s.Token, pat} {
		if _, err := e.svc.Authenticate(ctx, e.joe.UserID, tok); code(err) != "unauthorized" {
			t.Errorf("a deactivated user's token still works: %v", err)
		}
	}
	u, _ := e.users.ByID(ctx, e.joe.UserID)
	if len(u.Services.Resume.LoginTokens) != 0 {
		t.Errorf("tokens kept: %+v", u.Services.Resume.LoginTokens)
	}
	var revoked, changed bool
	for _, ev := range e.drain() {
		switch ev := ev.(type) {
		case streamhub.UserTokensRevoked:
			revoked = ev.All && len(ev.Hashed) == 2
		case streamhub.UserChanged:
			changed = ev.Diff["active"] == false
		}
	}
	if !revoked || !changed {
		t.Errorf("events: revoked %v, changed %v", revoked, changed)
	}
	if _, err := e.svc.LoginWithPassword(ctx, accounts.Credentials{User: "joe", Password: "pw"}); code(err) != "error-user-is-not-activated" {
		t.Errorf("login while inactive: %v", err)
	}
	if d, err := e.svc.SetUserActive(ctx, e.boss, e.joe.UserID, true); err != nil || d["active"] != true {
		t.Fatalf("reactivate: %v, %v", d, err)
	}
	e.login(t, "joe", "pw")
	// With a second active admin, the first may go.
	if _, err := e.svc.UpdateUser(ctx, e.boss, accounts.UserUpdate{UserID: e.joe.UserID, Data: accounts.UserData{Roles: &[]string{"admin"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetUserActive(ctx, e.boss, e.boss.UserID, false); err != nil {
		t.Errorf("deactivating one of two admins: %v", err)
	}
	if p, err := e.svc.ListUsers(ctx, e.joe, accounts.ListUsersInput{Query: map[string]any{"active": false}}); err != nil || p.Total != 1 || p.Users[0]["username"] != "boss" {
		t.Errorf("inactive users: %+v, %v", p, err)
	}
	joeAdmin := model.Actor{UserID: e.joe.UserID, Username: "joe", Roles: []string{"admin"}}
	_, err = e.svc.SetUserActive(ctx, joeAdmin, e.joe.UserID, false)
	wantCode(t, "the last active admin", err, model.KindInvalid, "error-action-not-allowed")
	if err := e.svc.DeleteUser(ctx, joeAdmin, accounts.UserRef{ID: e.boss.UserID}); err != nil {
		t.Errorf("deleting one of two admins: %v", err)
	}
}

func TestRegister(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	d, err := e.svc.Register(ctx, accounts.Registration{Username: "newbie", Email: "New@Example.com", Pass: "pw", Name: "New", IP: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if d["username"] != "newbie" || !slices.Equal(d["roles"].([]string), []string{"user"}) || d["active"] != true {
		t.Errorf("registered = %v", d)
	}
	noSecrets(t, "users.register answer", d)
	e.login(t, "new@example.com", "pw")
	// One registration a minute per address, failures included, as Rocket.Chat counts.
	_, err = e.svc.Register(ctx, accounts.Registration{Username: "second", Email: "s@example.com", Pass: "pw", Name: "S", IP: "10.0.0.1"})
	wantCode(t, "second from one address", err, model.KindTooMany, "error-too-many-requests")
	if err := e.cfg.Set(ctx, model.System, "Rate_Limiter_Limit_RegisterUser", int64(100)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		in   accounts.Registration
		code string
	}{
		{"username taken", accounts.Registration{Username: "JOE", Email: "j2@example.com", Pass: "pw", Name: "J"}, ""},
		{"email taken", accounts.Registration{Username: "j2", Email: "joe@EXAMPLE.com", Pass: "pw", Name: "J"}, "error-field-unavailable"},
		{"bad username", accounts.Registration{Username: "j 2", Email: "j2@example.com", Pass: "pw", Name: "J"}, "username-invalid"},
		{"bad email", accounts.Registration{Username: "j2", Email: "j2", Pass: "pw", Name: "J"}, "error-invalid-email"},
		{"no name", accounts.Registration{Username: "j2", Email: "j2@example.com", Pass: "pw"}, "error-the-field-is-required"},
	} {
		_, err := e.svc.Register(ctx, c.in)
		wantCode(t, c.name, err, model.KindInvalid, c.code)
	}
	if err := e.cfg.Set(ctx, model.System, "Accounts_RegistrationForm", "Disabled"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Register(ctx, accounts.Registration{Username: "late", Email: "late@example.com", Pass: "pw", Name: "L"})
	wantCode(t, "disabled", err, model.KindInvalid, "error-user-registration-disabled")
	if err := e.cfg.Set(ctx, model.System, "Accounts_RegistrationForm", "Secret URL"); err != nil {
		t.Fatal(err)
	}
	if err := e.cfg.Set(ctx, model.System, "Accounts_RegistrationForm_SecretURL", "s3cret"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Register(ctx, accounts.Registration{Username: "late", Email: "late@example.com", Pass: "pw", Name: "L", SecretURL: "guess"})
	wantCode(t, "wrong secret", err, model.KindInvalid, "error-user-registration-secret")
	if _, err := e.svc.Register(ctx, accounts.Registration{Username: "late", Email: "late@example.com", Pass: "pw", Name: "L", SecretURL: "s3cret"}); err != nil {
		t.Errorf("with the secret: %v", err)
	}
}

func TestUpdateOwnInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	mine := e.login(t, "joe", "pw")
	other := e.login(t, "joe", "pw")
	pat, err := e.svc.GenerateToken(ctx, e.joe, "ci", false)
	if err != nil {
		t.Fatal(err)
	}
	e.drain()
	d, err := e.svc.UpdateOwnInfo(ctx, e.joe, mine.Token, accounts.OwnInfo{Name: str("Joe Q"), Nickname: str("jq"), Bio: str("about me"), StatusText: str("here")}, map[string]any{"team": "red"})
	if err != nil {
		t.Fatal(err)
	}
	if d["name"] != "Joe Q" || d["nickname"] != "jq" || d["bio"] != "about me" || d["statusText"] != "here" || d["customFields"].(map[string]any)["team"] != "red" {
		t.Errorf("own info = %v", d)
	}
	var nameEv bool
	for _, ev := range e.drain() {
		if ev, ok := ev.(streamhub.UserNameChanged); ok {
			nameEv = ev.Name == "Joe Q" && ev.Username == "joe" && ev.OldUsername == ""
		}
	}
	if !nameEv {
		t.Error("no Users:NameChanged event")
	}
	digest := digestHex
	for _, c := range []struct {
		name string
		in   accounts.OwnInfo
		code string
	}{
		{"email without password", accounts.OwnInfo{Email: str("j@example.com")}, "totp-required"},
		{"email, wrong password", accounts.OwnInfo{Email: str("j@example.com"), CurrentPassword: digest("nope")}, "totp-invalid"},
		{"email, plaintext password", accounts.OwnInfo{Email: str("j@example.com"), CurrentPassword: "pw"}, "totp-invalid"},
		{"new password without current", accounts.OwnInfo{NewPassword: "pw2"}, "totp-required"},
		{"same password", accounts.OwnInfo{NewPassword: "pw", CurrentPassword: digest("pw")}, "error-password-same-as-current"},
		{"username taken", accounts.OwnInfo{Username: str("Boss")}, "error-field-unavailable"},
		{"username pattern", accounts.OwnInfo{Username: str("jo/e")}, "error-input-is-not-a-valid-field"},
		{"email taken", accounts.OwnInfo{Email: str("BOSS@example.com"), CurrentPassword: digest("pw")}, "error-field-unavailable"},
		{"bio too long", accounts.OwnInfo{Bio: str(strings.Repeat("b", 261))}, "error-bio-size-exceeded"},
		{"nickname too long", accounts.OwnInfo{Nickname: str(strings.Repeat("n", 121))}, "error-nickname-size-exceeded"},
	} {
		_, err := e.svc.UpdateOwnInfo(ctx, e.joe, mine.Token, c.in, nil)
		wantCode(t, c.name, err, model.KindInvalid, c.code)
	}
	if _, err := e.svc.UpdateOwnInfo(ctx, e.joe, mine.Token, accounts.OwnInfo{Email: str("J@Example.com"), CurrentPassword: strings.ToUpper(digest("pw"))}, nil); err != nil {
		t.Errorf("email change: %v", err)
	}
	e.drain()
	if _, err := e.svc.UpdateOwnInfo(ctx, e.joe, mine.Token, accounts.OwnInfo{NewPassword: "pw2", CurrentPassword: digest("pw")}, nil); err != nil {
		t.Fatalf("password change: %v", err)
	}
	e.login(t, "j@example.com", "pw2")
	for tok, want := range map[string]string{mine.Token: "", pat: "", other.Token: "unauthorized"} {
		_, err := e.svc.Authenticate(ctx, e.joe.UserID, tok)
		if got := code(err); err == nil && want != "" || err != nil && got != want {
			t.Errorf("after a password change, token: %v (want %q)", err, want)
		}
	}
	var revoked []string
	for _, ev := range e.drain() {
		if ev, ok := ev.(streamhub.UserTokensRevoked); ok {
			revoked = ev.Hashed
		}
	}
	if !slices.Equal(revoked, []string{accounts.HashToken(other.Token)}) {
		t.Errorf("revoked %v", revoked)
	}
	if err := e.cfg.Set(ctx, model.System, "Accounts_AllowUsernameChange", false); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.UpdateOwnInfo(ctx, e.joe, mine.Token, accounts.OwnInfo{Username: str("joey")}, nil)
	wantCode(t, "username change off", err, model.KindInvalid, "error-action-not-allowed")
	if err := e.cfg.Set(ctx, model.System, "Accounts_AllowUserProfileChange", false); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.UpdateOwnInfo(ctx, e.joe, mine.Token, accounts.OwnInfo{Bio: str("x")}, nil)
	wantCode(t, "profile change off", err, model.KindInvalid, "error-not-allowed")
}

func TestPreferences(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if p, err := e.svc.Preferences(ctx, e.joe); err != nil || len(p) != 0 {
		t.Errorf("fresh preferences = %v, %v", p, err)
	}
	d, err := e.svc.SetPreferences(ctx, e.joe, "", map[string]any{"hideRoles": true, "clockMode": float64(2), "language": "de",
		"highlights": []any{"urgent"}, "sendOnEnter": "normal", "unreadAlert": "false", "fontSize": nil})
	if err != nil {
		t.Fatal(err)
	}
	prefs := d["settings"].(map[string]any)["preferences"].(map[string]any)
	if d["_id"] != e.joe.UserID || prefs["hideRoles"] != true || prefs["language"] != "de" || prefs["unreadAlert"] != false || prefs["fontSize"] != nil {
		t.Errorf("set = %v", d)
	}
	p, err := e.svc.Preferences(ctx, e.joe)
	if err != nil || p["hideRoles"] != true || p["clockMode"] != int64(2) || p["language"] != "de" || fmt.Sprint(p["highlights"]) != "[urgent]" {
		t.Errorf("preferences = %#v, %v", p, err)
	}
	if evs := e.drain(); len(evs) != 1 || evs[0].(streamhub.UserChanged).Diff["settings.preferences.hideRoles"] != true || evs[0].(streamhub.UserChanged).Diff["language"] != "de" {
		t.Errorf("events = %+v", evs)
	}
	for _, c := range []struct {
		name  string
		actor model.Actor
		uid   string
		data  map[string]any
		code  string
	}{
		{"unknown key", e.joe, "", map[string]any{"favouriteColour": "red"}, "invalid-params"},
		{"wrong type", e.joe, "", map[string]any{"hideRoles": "yes"}, "invalid-params"},
		{"wrong enum", e.joe, "", map[string]any{"alsoSendThreadToChannel": "sometimes"}, "invalid-params"},
		{"other user", e.joe, e.boss.UserID, map[string]any{"hideRoles": true}, "error-action-not-allowed"},
		{"unknown user", e.boss, "nobody", map[string]any{"hideRoles": true}, "error-invalid-user"},
	} {
		_, err := e.svc.SetPreferences(ctx, c.actor, c.uid, c.data)
		wantCode(t, c.name, err, model.KindInvalid, c.code)
	}
	if _, err := e.svc.SetPreferences(ctx, e.boss, e.joe.UserID, map[string]any{"hideRoles": false}); err != nil {
		t.Errorf("an admin sets another's preferences: %v", err)
	}
}

func TestListAndInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for _, n := range []string{"alice", "Albert", "bob", "carol"} {
		if _, err := e.svc.AddUser(ctx, e.boss, accounts.UserCreate{Email: n + "@example.com", Name: strings.ToUpper(n[:1]) + n[1:] + " Smith", Password: "pw", Username: n}); err != nil {
			t.Fatal(err)
		}
	}
	names := func(p accounts.UserPage) string {
		var out []string
		for _, u := range p.Users {
			out = append(out, fmt.Sprint(u["username"]))
		}
		return strings.Join(out, ",")
	}
	for _, c := range []struct {
		name  string
		actor model.Actor
		in    accounts.ListUsersInput
		want  string
		total int64
	}{
		{"all", e.joe, accounts.ListUsersInput{}, "Albert,alice,bob,boss,carol,joe", 6},
		{"page", e.joe, accounts.ListUsersInput{Offset: 1, Count: 2}, "alice,bob", 6},
		{"sort desc", e.joe, accounts.ListUsersInput{Sort: []model.SortField{{Field: "username", Desc: true}}, Count: 2}, "joe,carol", 6},
		{"sort by name", e.joe, accounts.ListUsersInput{Sort: []model.SortField{{Field: "name"}}, Count: 2}, "Albert,alice", 6},
		{"equality", e.joe, accounts.ListUsersInput{Query: map[string]any{"username": "bob"}}, "bob", 1},
		{"regex, folded", e.joe, accounts.ListUsersInput{Query: map[string]any{"username": map[string]any{"$regex": "^al", "$options": "i"}}}, "Albert,alice", 2},
		{"regex, exact case", e.joe, accounts.ListUsersInput{Query: map[string]any{"username": map[string]any{"$regex": "^al"}}}, "alice", 1},
		{"regex, escaped, end", e.joe, accounts.ListUsersInput{Query: map[string]any{"name": map[string]any{"$regex": `\ Smith$`}}}, "Albert,alice,bob,carol", 4},
		{"or", e.joe, accounts.ListUsersInput{Query: map[string]any{"$or": []any{map[string]any{"username": "bob"}, map[string]any{"name": map[string]any{"$regex": "carol", "$options": "i"}}}}}, "bob,carol", 2},
		{"and active", e.joe, accounts.ListUsersInput{Query: map[string]any{"active": true, "roles": "admin"}}, "boss", 1},
		{"emails with permission", e.boss, accounts.ListUsersInput{Query: map[string]any{"emails.address": map[string]any{"$regex": "ALICE@", "$options": "i"}}}, "alice", 1},
	} {
		p, err := e.svc.ListUsers(ctx, c.actor, c.in)
		if err != nil || names(p) != c.want || p.Total != c.total || p.Count != len(p.Users) || p.Offset != c.in.Offset {
			t.Errorf("%s: %s (total %d, count %d), %v; want %s (%d)", c.name, names(p), p.Total, p.Count, err, c.want, c.total)
		}
	}
	p, _ := e.svc.ListUsers(ctx, e.joe, accounts.ListUsersInput{Query: map[string]any{"username": "bob"}, Fields: map[string]int{"nickname": 1, "type": 0}})
	if u := p.Users[0]; u["emails"] != nil || u["type"] != nil || u["roles"] == nil || u["_id"] == nil {
		t.Errorf("a user sees of another %v", u)
	}
	p, _ = e.svc.ListUsers(ctx, e.boss, accounts.ListUsersInput{Query: map[string]any{"username": "bob"}})
	if p.Users[0]["emails"] == nil {
		t.Errorf("an admin sees %v", p.Users[0])
	}
	noSecrets(t, "users.list", p)
	for _, c := range []struct {
		name  string
		actor model.Actor
		in    accounts.ListUsersInput
		code  string
	}{
		{"emails without permission", e.joe, accounts.ListUsersInput{Query: map[string]any{"emails.address": "bob@example.com"}}, "error-invalid-query"},
		{"services", e.boss, accounts.ListUsersInput{Query: map[string]any{"services.password.bcrypt": "x"}}, "error-invalid-query"},
		{"real regex", e.boss, accounts.ListUsersInput{Query: map[string]any{"username": map[string]any{"$regex": "a.*b"}}}, "error-invalid-query"},
		{"operator", e.boss, accounts.ListUsersInput{Query: map[string]any{"username": map[string]any{"$ne": "a"}}}, "error-invalid-query"},
		{"sort", e.boss, accounts.ListUsersInput{Sort: []model.SortField{{Field: "services"}}}, "error-invalid-sort"},
	} {
		_, err := e.svc.ListUsers(ctx, c.actor, c.in)
		wantCode(t, c.name, err, model.KindInvalid, c.code)
	}
	// users.info: others see the public fields, the user and admins the full ones.
	other, err := e.svc.UserInfo(ctx, e.joe, accounts.UserRef{Username: "BOB"})
	if err != nil || other["username"] != "bob" || other["emails"] != nil || other["roles"] != nil || other["canViewAllInfo"] != false {
		t.Errorf("info of another: %v, %v", other, err)
	}
	self, err := e.svc.UserInfo(ctx, e.joe, accounts.UserRef{ID: e.joe.UserID})
	if err != nil || self["emails"] == nil || self["canViewAllInfo"] != true || self["services"].(map[string]any)["password"] != true {
		t.Errorf("own info: %v, %v", self, err)
	}
	if admin, _ := e.svc.UserInfo(ctx, e.boss, accounts.UserRef{Username: "bob"}); admin["emails"] == nil {
		t.Errorf("admin's info: %v", admin)
	}
	noSecrets(t, "users.info", self)
	_, err = e.svc.UserInfo(ctx, e.joe, accounts.UserRef{ID: "nobody"})
	if e := model.AsError(err); e == nil || e.Kind != model.KindInvalid || e.Message != "User not found." {
		t.Errorf("unknown user: %v", err)
	}
}
