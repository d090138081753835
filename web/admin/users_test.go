package admin_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

func TestUsersPage(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	wiretest.NewUser(t, a, accounts.NewUser{Username: "ann", Name: "Ann Lee"})
	wiretest.User(t, a, "robo", "bot")
	b.signIn("boss")
	for _, c := range []struct {
		query      string
		status     int
		has, hasnt []string
	}{
		{"", 200, []string{"ann@example.com", "robo", "boss"}, nil},
		{"?q=LEE", 200, []string{"ann@example.com"}, []string{"robo@example.com"}},
		{"?role=bot", 200, []string{"robo@example.com"}, []string{"ann@example.com"}},
		{"?active=no", 200, []string{"None"}, []string{"ann@example.com"}},
		{"?status=offline&active=yes", 200, []string{"ann@example.com"}, nil},
		{"?status=asleep", 400, []string{"Unknown status"}, nil},
		{"?page=abc", 200, []string{"ann@example.com"}, nil},
		{"?page=99", 200, []string{"None"}, nil},
		{"?q=" + strings.Repeat("x", 200), 400, []string{"too long"}, nil},
	} {
		p := b.get("/admin/users" + c.query)
		want(t, p, c.status, c.has...)
		for _, s := range c.hasnt {
			if strings.Contains(p.body, s) {
				t.Errorf("%s shows %s", c.query, s)
			}
		}
	}
}

func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	b.signIn("boss")
	want(t, b.get("/admin/users/new"), 200, "Create user")

	// Invalid forms come back with a message, never a 500.
	for _, c := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"username": {"kim"}, "email": {"kim@example.com"}}, "required"},
		{url.Values{"username": {"kim"}, "email": {"kim@example.com"}, "password": {"pw"}}, "Name is required"},
		{url.Values{"name": {"K"}, "username": {"kim"}, "email": {"not-an-email"}, "password": {"pw"}}, "Invalid email"},
		{url.Values{"name": {"K"}, "username": {"bad name!"}, "email": {"kim@example.com"}, "password": {"pw"}}, "not a valid username"},
		{url.Values{"name": {"K"}, "username": {"boss"}, "email": {"kim@example.com"}, "password": {"pw"}}, "already in use"},
		{url.Values{"name": {"K"}, "username": {"kim"}, "email": {"kim@example.com"}, "password": {"pw"}, "roles": {"nosuchrole"}}, "invalid role"},
	} {
		b.get("/admin/users/new")
		p := b.post("/admin/users/new", c.form)
		want(t, p, 400, c.msg)
		if strings.Contains(p.body, `value="pw"`) {
			t.Fatal("the password came back in the form")
		}
	}

	// Create.
	b.get("/admin/users/new")
	p := b.post("/admin/users/new", url.Values{"name": {"Kim Park"}, "username": {"kim"}, "email": {"kim@example.com"}, "password": {"s3cret"},
		"roles": {"user"}, "active": {"on"}, "verified": {"on"}, "joinDefault": {"on"}})
	want(t, p, 200, "User created.", "Kim Park", "Reset password", "Delete user", "Their messages are deleted, with the files they sent (setting Message_ErasureType: Delete).")
	kim, err := a.Accounts.LoginWithPassword(bg, accounts.Credentials{User: "kim", Password: "s3cret"})
	if err != nil {
		t.Fatalf("the new user cannot log in: %v", err)
	}
	userPath := strings.SplitN(p.url, "?", 2)[0]
	if userPath != "/admin/users/"+kim.User.ID {
		t.Fatalf("after create at %s", p.url)
	}

	// Edit: nothing changed, a change, a bad one.
	form := url.Values{"name": {"Kim Park"}, "username": {"kim"}, "email": {"kim@example.com"}, "roles": {"user"}, "active": {"on"}, "verified": {"on"}}
	want(t, b.post(userPath, form), 200, "Nothing to save")
	form.Set("name", "Kim P.")
	form.Add("roles", "bot")
	want(t, b.post(userPath, form), 200, "Changes saved.", `value="Kim P."`)
	u, _ := a.Accounts.AdminUser(bg, model.System, kim.User.ID)
	if u.Name != "Kim P." || len(u.Roles) != 2 {
		t.Fatalf("after edit: %+v", u.User)
	}
	form.Set("username", "no way!")
	want(t, b.post(userPath, form), 400, "not a valid username", `value="no way!"`)
	form.Set("username", "")
	want(t, b.post(userPath, form), 400, "cannot be empty")

	// Reset the password.
	want(t, b.post(userPath+"/password", url.Values{"password": {"a"}, "confirm": {"b"}}), 400, "differ")
	want(t, b.post(userPath+"/password", url.Values{"password": {""}, "confirm": {""}}), 400, "Enter the new password")
	want(t, b.post(userPath+"/password", url.Values{"password": {"n3w"}, "confirm": {"n3w"}, "requirePasswordChange": {"on"}, "logout": {"on"}}), 200, "Password changed.")
	if _, err := a.Accounts.Authenticate(bg, kim.User.ID, kim.Token); err == nil {
		t.Fatal("the reset with logout left the session")
	}
	s2, err := a.Accounts.LoginWithPassword(bg, accounts.Credentials{User: "kim", Password: "n3w"})
	if err != nil || !s2.User.RequirePasswordChange {
		t.Fatalf("new password: %v, require change %v", err, s2.User.RequirePasswordChange)
	}

	// Log out everywhere.
	want(t, b.post(userPath+"/logout", nil), 200, "logged out everywhere")
	if _, err := a.Accounts.Authenticate(bg, kim.User.ID, s2.Token); err == nil {
		t.Fatal("logout everywhere left a session")
	}

	// Delete, after typing the username.
	want(t, b.post(userPath+"/delete", url.Values{"confirm": {"kimm"}}), 400, "Type the username")
	p = b.post(userPath+"/delete", url.Values{"confirm": {"kim"}})
	want(t, p, 200, "User deleted.")
	if _, err := a.Accounts.AdminUser(bg, model.System, kim.User.ID); model.AsError(err).Kind != model.KindNotFound {
		t.Fatalf("kim is still there: %v", err)
	}
	want(t, b.get(userPath), 404)

	// The last admin cannot be deleted, nor lose the role.
	boss, _, _ := a.Accounts.AdminUsers(bg, model.System, accounts.AdminUserQuery{Text: "boss"})
	bossPath := "/admin/users/" + boss[0].ID
	b.get(bossPath)
	want(t, b.post(bossPath+"/delete", url.Values{"confirm": {"boss"}}), 400, "without admins")

	// Every change is in the audit log, with who and from where.
	p = b.get("/admin/audit")
	want(t, p, 200, "user.create", "user.update", "user.password", "user.logout", "user.delete", "admin.signin", "127.0.0.1", "name=Kim P.")
	if strings.Contains(p.body, "s3cret") || strings.Contains(p.body, "n3w") {
		t.Fatal("a password reached the audit log")
	}
}

func TestAuditPaging(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	boss := wiretest.Actor(t, a, "boss", "admin")
	for range 60 {
		if err := a.Audit.Record(bg, boss, auditRecord("test.entry")); err != nil {
			t.Fatal(err)
		}
	}
	b.signIn("boss")
	p := b.get("/admin/audit")
	want(t, p, 200, "1–50 of 61", `rel="next"`)
	p = b.get("/admin/audit?page=2")
	want(t, p, 200, "51–61 of 61", `rel="prev"`)
}
