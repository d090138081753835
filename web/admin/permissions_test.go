package admin_test

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/web/admin"
)

var (
	_ admin.Permissions = (*authz.Service)(nil)

	checkedBox = regexp.MustCompile(`name="(p:[^"]+)" value="([^"]+)" aria-label="[^"]*" checked`)
	wasField   = regexp.MustCompile(`type="hidden" name="(w:[^"]+)" value="([^"]+)"`)
)

// rolesOf returns the roles granted a permission.
func rolesOf(t *testing.T, a *wire.App, perm string) []string {
	t.Helper()
	all, err := a.Authz.ListPermissions(bg, model.System, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all.Update {
		if p.ID == perm {
			return p.Roles
		}
	}
	t.Fatalf("no permission %s", perm)
	return nil
}

// matrixForm is the matrix form as a browser would submit it after the page at path:
// every enabled box as drawn, then the changes.
func matrixForm(t *testing.T, body string) url.Values {
	t.Helper()
	f := url.Values{}
	for _, m := range checkedBox.FindAllStringSubmatch(body, -1) {
		f.Add(m[1], m[2])
	}
	for _, m := range wasField.FindAllStringSubmatch(body, -1) {
		f.Add(m[1], m[2])
	}
	return f
}

func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	b.signIn("boss")

	p := b.get("/admin/permissions")
	want(t, p, 200, "Save permissions", `name="p:view-logs"`, `aria-label="view-logs: bot"`, "Setting permissions", "Roles")
	// The admin role's access-permissions box cannot be unticked.
	if !strings.Contains(p.body, `aria-label="access-permissions: admin" checked disabled`) {
		t.Fatal("the admin's access-permissions box is editable")
	}
	p = b.get("/admin/permissions?q=LOGS")
	want(t, p, 200, `name="p:view-logs"`)
	if strings.Contains(p.body, `name="p:create-c"`) {
		t.Fatal("the search did not filter")
	}
	want(t, b.get("/admin/permissions?q=nothing-like-this"), 200, "No permission matches")
	want(t, b.get("/admin/permissions?q="+strings.Repeat("x", 101)), 400, "too long")

	// Grant view-logs to bot and revoke it from admin: only those boxes change.
	p = b.get("/admin/permissions?q=view-logs")
	f := matrixForm(t, p.body)
	f.Add("p:view-logs", "bot")
	f["p:view-logs"] = slices.DeleteFunc(f["p:view-logs"], func(r string) bool { return r == "admin" })
	f.Set("q", "view-logs")
	p = b.post("/admin/permissions", f)
	want(t, p, 200, "Permissions saved.")
	if p.url != "/admin/permissions?done=perms&q=view-logs" {
		t.Fatalf("after save at %s", p.url)
	}
	if got := rolesOf(t, a, "view-logs"); !slices.Equal(got, []string{"bot"}) {
		t.Fatalf("view-logs roles %v", got)
	}
	// The same form again changes nothing.
	want(t, b.post("/admin/permissions", matrixForm(t, b.get("/admin/permissions?q=view-logs").body)), 200, "Nothing to save")

	// A forged revoke of the admin's access-permissions, an unknown permission or role:
	// the page again with the message, nothing changed.
	for _, c := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"w:access-permissions": {"admin"}, "p:view-logs": {"user"}}, "cannot lose access-permissions"},
		{url.Values{"p:no-such-permission": {"admin"}}, "Permission does not exist"},
		{url.Values{"p:view-logs": {"no-such-role"}}, "Invalid role"},
	} {
		b.get("/admin/permissions")
		want(t, b.post("/admin/permissions", c.form), 400, c.msg, "Nothing was changed")
	}
	if got := rolesOf(t, a, "view-logs"); !slices.Equal(got, []string{"bot"}) {
		t.Fatalf("view-logs roles after refused saves %v", got)
	}
	if !slices.Contains(rolesOf(t, a, "access-permissions"), "admin") {
		t.Fatal("admin lost access-permissions")
	}

	// Bad CSRF.
	want(t, b.post("/admin/permissions", url.Values{"csrf": {"forged"}, "p:view-logs": {"user"}}), 403, "stale")

	// The audit log has each change (boss took view-logs from admin: give it back).
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{{ID: "view-logs", Roles: []string{"admin"}}}); err != nil {
		t.Fatal(err)
	}
	want(t, b.get("/admin/audit"), 200, "permission.grant", "permission.revoke", "role=bot", "role=admin")
}

func TestPermissionsAccess(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "joe", "user")
	wiretest.User(t, a, "robo", "bot")
	// robo may look (access-setting-permissions) but not change (no access-permissions).
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{{ID: "access-setting-permissions", Roles: []string{"admin", "bot"}}}); err != nil {
		t.Fatal(err)
	}

	// Not signed in: to the sign-in page.
	if p := b.get("/admin/permissions/roles/admin"); !strings.HasPrefix(p.url, "/admin/login") {
		t.Fatalf("signed out: %s", p.url)
	}

	// No administration permission at all.
	nb := newBrowser(t, b.base)
	nb.get("/admin/login")
	want(t, nb.post("/admin/login", url.Values{"user": {"joe"}, "password": {wiretest.Password}}), 403)

	b.signIn("robo")
	p := b.get("/admin/permissions")
	want(t, p, 200, "You may look but not change", "disabled")
	if strings.Contains(p.body, `name="p:`) || strings.Contains(p.body, "Save permissions") {
		t.Fatal("a read-only viewer got editable boxes")
	}
	want(t, b.get("/admin/permissions?tab=settings"), 200, "Setting permissions")
	want(t, b.get("/admin/permissions/roles"), 200, "admin", "livechat-agent")
	p = b.get("/admin/permissions/roles/admin")
	want(t, p, 200, "Role admin")
	if strings.Contains(p.body, "Add to role") {
		t.Fatal("a read-only viewer may add users")
	}
	for _, path := range []string{"/admin/permissions/roles/new"} {
		want(t, b.get(path), 403, "Not allowed")
	}
	b.get("/admin/permissions")
	for _, path := range []string{"/admin/permissions", "/admin/permissions/roles/new", "/admin/permissions/roles/bot",
		"/admin/permissions/roles/bot/delete", "/admin/permissions/roles/bot/users", "/admin/permissions/roles/admin/users/remove"} {
		want(t, b.post(path, url.Values{"p:view-logs": {"bot"}, "name": {"x"}, "username": {"robo"}}), 403, "Not allowed")
	}
	if slices.Contains(rolesOf(t, a, "view-logs"), "bot") {
		t.Fatal("a viewer changed a permission")
	}

	// Without access-setting-permissions the settings tab is closed.
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{
		{ID: "access-setting-permissions", Roles: []string{"admin"}}, {ID: "access-permissions", Roles: []string{"admin", "bot"}}}); err != nil {
		t.Fatal(err)
	}
	want(t, b.get("/admin/permissions?tab=settings"), 403, "access-setting-permissions")
	if p := b.get("/admin/permissions"); strings.Contains(p.body, "tab=settings") {
		t.Fatal("the settings tab is offered")
	}
}

func TestRoleLifecycle(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	boss := wiretest.Actor(t, a, "boss", "admin")
	wiretest.User(t, a, "ann", "user")
	b.signIn("boss")

	want(t, b.get("/admin/permissions/roles"), 200, "New role", "livechat-agent", "Rooms")
	want(t, b.get("/admin/permissions/roles/nope"), 404, "no such role")
	want(t, b.get("/admin/permissions/roles/new"), 200, "Create role")

	// Invalid creates.
	for _, c := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"name": {" "}}, "needs a name"},
		{url.Values{"name": {strings.Repeat("n", 65)}}, "at most 64"},
		{url.Values{"name": {"admin"}}, "Role name already exists"},
		{url.Values{"name": {"x"}, "scope": {"Planets"}}, "Invalid scope"},
	} {
		b.get("/admin/permissions/roles/new")
		want(t, b.post("/admin/permissions/roles/new", c.form), 400, c.msg)
	}

	// Create a global role, edit it, give it to ann.
	b.get("/admin/permissions/roles/new")
	p := b.post("/admin/permissions/roles/new", url.Values{"name": {"auditor"}, "description": {"Auditor"}, "scope": {"Users"}})
	want(t, p, 200, "Role created.", "Role auditor", "Delete role", "Add to role")
	rolePath := strings.SplitN(p.url, "?", 2)[0]
	want(t, b.post(rolePath, url.Values{"name": {"auditors"}, "description": {"Reads logs"}, "scope": {"Users"}, "mandatory2fa": {"on"}}), 200, "Role saved.", `value="Reads logs"`)
	want(t, b.post(rolePath, url.Values{"name": {""}, "scope": {"Users"}}), 400, "needs a name")
	want(t, b.post(rolePath, url.Values{"name": {"user"}, "scope": {"Users"}}), 400, "already exists")
	want(t, b.post(rolePath+"/users", url.Values{"username": {"nobody"}}), 400, "no user with this username", `value="nobody"`)
	want(t, b.post(rolePath+"/users", url.Values{"username": {""}}), 400, "Enter a username")
	want(t, b.post(rolePath+"/users", url.Values{"username": {"@ann"}}), 200, "User added to the role.", `href="/admin/users/`)
	want(t, b.post(rolePath+"/users", url.Values{"username": {"ann"}}), 400, "already in role")

	// In use: not deleted (Rocket.Chat's error-role-in-use).
	want(t, b.post(rolePath+"/delete", nil), 400, "in use")
	want(t, b.post(rolePath+"/users/remove", url.Values{"username": {"ann"}}), 200, "User removed from the role.")
	want(t, b.post(rolePath+"/users/remove", url.Values{"username": {"ann"}}), 400, "not in this role")
	p = b.post(rolePath+"/delete", nil)
	want(t, p, 200, "Role deleted.")
	want(t, b.get(rolePath), 404)

	// A protected role: description only; no delete; its name and scope stay.
	p = b.get("/admin/permissions/roles/bot")
	want(t, p, 200, "Yes: a Rocket.Chat role")
	if strings.Contains(p.body, "Delete role") {
		t.Fatal("a protected role offers delete")
	}
	want(t, b.post("/admin/permissions/roles/bot", url.Values{"description": {"Bots"}}), 200, "Role saved.", `value="Bots"`)
	want(t, b.post("/admin/permissions/roles/bot", url.Values{"name": {"robots"}, "description": {"Bots"}}), 400, "Role is protected")
	want(t, b.post("/admin/permissions/roles/bot/delete", nil), 400, "protected")

	// The last admin keeps the role.
	want(t, b.post("/admin/permissions/roles/admin/users/remove", url.Values{"username": {"boss"}}), 400, "at least one admin")

	// A room role: owners listed room by room; add and remove by room name.
	room, err := a.Rooms.Create(bg, boss, rooms.NewRoom{Type: model.RoomPublic, Name: "ops", Members: []string{"ann"}})
	if err != nil {
		t.Fatal(err)
	}
	p = b.get("/admin/permissions/roles/owner")
	want(t, p, 200, "<td>ops</td>", "Room (name or id")
	want(t, b.post("/admin/permissions/roles/moderator/users", url.Values{"username": {"ann"}}), 400, "held in a room")
	want(t, b.post("/admin/permissions/roles/moderator/users", url.Values{"username": {"ann"}, "room": {"elsewhere"}}), 400, "not part of given room")
	want(t, b.post("/admin/permissions/roles/moderator/users", url.Values{"username": {"ann"}, "room": {"#ops"}}), 200, "User added", "<td>ops</td>")
	want(t, b.get("/admin/permissions/roles/moderator?room=ops"), 200, ">ann</a>")
	if p := b.get("/admin/permissions/roles/moderator?room=general"); strings.Contains(p.body, ">ann</a>") {
		t.Fatal("the room filter did not filter")
	}
	want(t, b.post("/admin/permissions/roles/moderator/users/remove", url.Values{"username": {"ann"}, "rid": {room.ID}}), 200, "User removed")

	want(t, b.get("/admin/audit"), 200, "role.create", "role.update", "role.delete", "role.user.add", "role.user.remove", "mandatory2fa=yes")
}
