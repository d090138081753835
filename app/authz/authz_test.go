package authz_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/storage/storetest"
)

var (
	_ authz.RoleStore         = (*docdb.RolesStore[authz.Role])(nil)
	_ authz.PermissionStore   = (*docdb.PermissionsStore[authz.Permission])(nil)
	_ authz.UserRoles         = (*docdb.UserRolesStore)(nil)
	_ authz.SubscriptionRoles = (*docdb.SubscriptionRolesStore)(nil)
)

// env is a seeded service over a real store, with an admin ("boss") and a user ("bob").
type env struct {
	svc   *authz.Service
	db    *docdb.DB
	hub   *streamhub.Hub
	admin model.Actor
	bob   model.Actor
}

func newService(db *docdb.DB, hub *streamhub.Hub) *authz.Service {
	return authz.New(docdb.NewRolesStore[authz.Role](db), docdb.NewPermissionsStore[authz.Permission](db),
		docdb.NewUserRolesStore(db), docdb.NewSubscriptionRolesStore(db), db, hub, slog.New(slog.DiscardHandler))
}

func setup(t *testing.T) *env {
	t.Helper()
	s := storetest.Open(t)
	hub := streamhub.New(nil)
	t.Cleanup(hub.Close)
	e := &env{svc: newService(s.Docs, hub), db: s.Docs, hub: hub}
	if err := e.svc.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.admin = e.addUser(t, "boss", "admin")
	e.bob = e.addUser(t, "bob", "user")
	return e
}

func (e *env) addUser(t *testing.T, username string, roles ...string) model.Actor {
	t.Helper()
	u := model.User{ID: model.NewID(), Username: username, Name: "Name of " + username, Type: "user", Active: true, Roles: roles,
		Emails: []model.Email{{Address: username + "@example.org"}}, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := docdb.NewUsersStore(e.db).Insert(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return model.Actor{UserID: u.ID, Username: u.Username, Roles: roles}
}

func (e *env) subscribe(t *testing.T, rid string, user model.Actor, roles ...string) {
	t.Helper()
	if roles == nil {
		roles = []string{}
	}
	err := e.db.Collection(docdb.Subscriptions).Insert(context.Background(), map[string]any{
		"_id": model.NewID(), "rid": rid, "u": map[string]any{"_id": user.UserID, "username": user.Username},
		"t": "c", "name": rid, "open": true, "roles": roles,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr fails unless err is a domain error of the kind and code.
func wantErr(t *testing.T, what string, err error, kind model.Kind, code string) {
	t.Helper()
	var me *model.Error
	if !errors.As(err, &me) || me.Kind != kind || me.Code != code {
		t.Errorf("%s: got %v, want %v [%s]", what, err, kind, code)
	}
}

func next[T streamhub.Event](t *testing.T, sub *streamhub.Subscription) T {
	t.Helper()
	select {
	case ev := <-sub.C():
		got, ok := ev.(T)
		if !ok {
			t.Fatalf("event %T, want %T", ev, got)
		}
		return got
	case <-time.After(5 * time.Second):
		var zero T
		t.Fatalf("no %T event", zero)
		return zero
	}
}

func noEvent(t *testing.T, sub *streamhub.Subscription) {
	t.Helper()
	select {
	case ev := <-sub.C():
		t.Fatalf("unexpected event %#v", ev)
	default:
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	perms := authz.DefaultPermissions()
	if len(perms) <= 150 {
		t.Fatalf("%d default permissions, want Rocket.Chat's ~176", len(perms))
	}
	roles := map[string]authz.Role{}
	for _, r := range authz.DefaultRoles() {
		roles[r.ID] = r
	}
	for _, id := range []string{"admin", "user", "bot", "guest", "owner", "moderator", "leader", "anonymous",
		"livechat-agent", "livechat-manager", "livechat-monitor", "app"} {
		r, ok := roles[id]
		if !ok || !r.Protected || r.Name != id {
			t.Errorf("default role %s = %+v", id, r)
		}
	}
	if len(roles) != 12 {
		t.Errorf("%d default roles, want 12", len(roles))
	}
	for _, id := range []string{"owner", "moderator", "leader"} {
		if roles[id].Scope != authz.ScopeSubscriptions {
			t.Errorf("%s scope = %s", id, roles[id].Scope)
		}
	}
	seen := map[string]bool{}
	for _, p := range perms {
		if seen[p.ID] {
			t.Errorf("permission %s listed twice", p.ID)
		}
		seen[p.ID] = true
		for _, r := range p.Roles {
			if _, ok := roles[r]; !ok {
				t.Errorf("permission %s grants unknown role %s", p.ID, r)
			}
		}
	}
}

func TestSeedIsIdempotentAndKeepsAdminChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := setup(t)
	if err := e.svc.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	nPerms, err := e.db.Collection(docdb.Permissions).Count(ctx, docdb.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if nPerms != int64(len(authz.DefaultPermissions())) || nPerms <= 150 {
		t.Fatalf("stored %d permissions, want %d", nPerms, len(authz.DefaultPermissions()))
	}
	roles, _ := e.svc.ListRoles(ctx, e.bob)
	if len(roles) != 12 {
		t.Fatalf("%d roles after two seeds, want 12", len(roles))
	}

	// An admin changes a permission; someone deletes a protected role and blanks the
	// admin role's description behind Outpost's back; a new start seeds again.
	if _, err := e.svc.UpdatePermissions(ctx, e.admin, []authz.PermissionUpdate{{ID: "create-c", Roles: []string{"admin"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Collection(docdb.Roles).Delete(ctx, docdb.ByID("leader")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Collection(docdb.Roles).Update(ctx, docdb.ByID("admin"), docdb.U().Set("description", "")); err != nil {
		t.Fatal(err)
	}
	restarted := newService(e.db, e.hub)
	sub := e.hub.Subscribe(16, streamhub.TopicRoles)
	defer sub.Close()
	if err := restarted.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]authz.Role{}
	evs := map[string]string{}
	for range 2 {
		ev := next[streamhub.RoleChanged](t, sub)
		evs[ev.ID] = ev.Action
	}
	noEvent(t, sub)
	if evs["leader"] != "inserted" || evs["admin"] != "updated" {
		t.Errorf("seed events = %v", evs)
	}
	roles, _ = restarted.ListRoles(ctx, e.bob)
	for _, r := range roles {
		got[r.ID] = r
	}
	if r := got["leader"]; !r.Protected || r.Scope != authz.ScopeSubscriptions {
		t.Errorf("leader not recreated: %+v", r)
	}
	if got["admin"].Description != "Admin" {
		t.Errorf("admin description = %q", got["admin"].Description)
	}
	if restarted.Can(ctx, e.bob, "create-c", "") {
		t.Error("seeding gave create-c back to user: the admin's change was overwritten")
	}
}

func TestCan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := setup(t)
	for _, p := range authz.DefaultPermissions() {
		want := slices.Contains(p.Roles, "admin")
		if got := e.svc.Can(ctx, e.admin, p.ID, ""); got != want {
			t.Errorf("admin Can(%s) = %v, want %v", p.ID, got, want)
		}
	}
	cases := []struct {
		actor model.Actor
		perm  string
		want  bool
	}{
		{e.bob, "view-user-administration", false},
		{e.bob, "access-permissions", false},
		{e.bob, "create-c", true},
		{e.bob, "edit-room", false},
		{model.Anonymous, "view-c-room", false},
		{model.Actor{UserID: "b1", Username: "hubot", Roles: []string{"bot"}}, "message-impersonate", true},
		{e.admin, "no-such-permission", false},
		{model.System, "view-statistics", true},
	}
	for _, c := range cases {
		if got := e.svc.Can(ctx, c.actor, c.perm, ""); got != c.want {
			t.Errorf("%s Can(%s) = %v, want %v", c.actor.Username, c.perm, got, c.want)
		}
	}
	if !e.svc.CanAny(ctx, e.bob, []string{"view-user-administration", "create-d"}, "") {
		t.Error("CanAny missed create-d")
	}
	if e.svc.CanAny(ctx, e.bob, nil, "") {
		t.Error("CanAny of nothing")
	}
	wantErr(t, "Require", e.svc.Require(ctx, e.bob, "view-user-administration", ""), model.KindForbidden, "error-not-allowed")
	if err := e.svc.Require(ctx, e.admin, "view-user-administration", ""); err != nil {
		t.Errorf("Require(admin) = %v", err)
	}
}

func TestRoomRoles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := setup(t)
	e.subscribe(t, "R1", e.bob, "owner")
	e.subscribe(t, "R2", e.bob)
	for _, c := range []struct {
		perm, rid string
		want      bool
	}{
		{"edit-room", "R1", true},
		{"delete-c", "R1", true},
		{"edit-room", "R2", false},
		{"edit-room", "R3", false}, // not a member
		{"edit-room", "", false},
		{"create-c", "R2", true}, // global roles still count in a room
	} {
		if got := e.svc.Can(ctx, e.bob, c.perm, c.rid); got != c.want {
			t.Errorf("bob Can(%s, %q) = %v, want %v", c.perm, c.rid, got, c.want)
		}
	}
	if e.svc.Can(ctx, e.admin, "set-owner", "R1") != true {
		t.Error("admin cannot set-owner in a room")
	}
}

func TestUpdatePermissions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := setup(t)
	sub := e.hub.Subscribe(16, streamhub.TopicPermissions)
	defer sub.Close()
	before := time.Now().Add(-time.Millisecond)

	_, err := e.svc.UpdatePermissions(ctx, e.bob, []authz.PermissionUpdate{{ID: "edit-room", Roles: []string{"user"}}})
	wantErr(t, "as a user", err, model.KindForbidden, "error-unauthorized")
	_, err = e.svc.UpdatePermissions(ctx, e.admin, []authz.PermissionUpdate{{ID: "edit-room", Roles: []string{"user"}}, {ID: "no-such", Roles: nil}})
	wantErr(t, "unknown permission", err, model.KindInvalid, "error-invalid-permission")
	_, err = e.svc.UpdatePermissions(ctx, e.admin, []authz.PermissionUpdate{{ID: "edit-room", Roles: []string{"user", "no-such-role"}}})
	wantErr(t, "unknown role", err, model.KindInvalid, "error-invalid-role")
	noEvent(t, sub)
	if e.svc.Can(ctx, e.bob, "edit-room", "") {
		t.Fatal("a rejected update changed edit-room")
	}

	all, err := e.svc.UpdatePermissions(ctx, e.admin, []authz.PermissionUpdate{{ID: "edit-room", Roles: []string{"admin", "user", "user"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(authz.DefaultPermissions()) {
		t.Errorf("update returned %d permissions, want all", len(all))
	}
	ev := next[streamhub.PermissionChanged](t, sub)
	if ev.ID != "edit-room" || ev.Action != "updated" || !slices.Equal(ev.Roles, []string{"admin", "user"}) || ev.UpdatedAt.Before(before) {
		t.Errorf("event = %+v", ev)
	}
	if !e.svc.Can(ctx, e.bob, "edit-room", "") {
		t.Error("bob cannot edit-room after the update")
	}

	reloaded := newService(e.db, e.hub)
	if err := reloaded.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if !reloaded.Can(ctx, e.bob, "edit-room", "") {
		t.Error("the update did not persist")
	}
	changed, err := reloaded.ListPermissions(ctx, e.bob, before)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed.Update) != 1 || changed.Update[0].ID != "edit-room" || changed.Remove == nil || len(changed.Remove) != 0 {
		t.Errorf("listAll since = %+v", changed)
	}
	full, _ := reloaded.ListPermissions(ctx, e.bob, time.Time{})
	if len(full.Update) != len(authz.DefaultPermissions()) {
		t.Errorf("listAll = %d permissions", len(full.Update))
	}
}

func TestCreateAndDeleteRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := setup(t)
	sub := e.hub.Subscribe(16, streamhub.TopicRoles)
	defer sub.Close()

	_, err := e.svc.CreateRole(ctx, e.bob, authz.NewRole{Name: "auditor"})
	wantErr(t, "create as user", err, model.KindForbidden, "error-action-not-allowed")
	_, err = e.svc.CreateRole(ctx, e.admin, authz.NewRole{Name: "  "})
	wantErr(t, "create without name", err, model.KindInvalid, "error-invalid-role-properties")
	_, err = e.svc.CreateRole(ctx, e.admin, authz.NewRole{Name: "auditor", Scope: "Rooms"})
	wantErr(t, "create with bad scope", err, model.KindInvalid, "error-invalid-scope")
	_, err = e.svc.CreateRole(ctx, e.admin, authz.NewRole{Name: "moderator"})
	wantErr(t, "create duplicate", err, model.KindConflict, "error-duplicate-role-names-not-allowed")

	r, err := e.svc.CreateRole(ctx, e.admin, authz.NewRole{Name: "auditor", Description: "Audits"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ID) != model.IDLength || r.Protected || r.Scope != authz.ScopeUsers {
		t.Errorf("created %+v", r)
	}
	if ev := next[streamhub.RoleChanged](t, sub); ev.Action != "inserted" || ev.ID != r.ID || ev.Name != "auditor" {
		t.Errorf("event = %+v", ev)
	}

	wantErr(t, "delete as user", e.svc.DeleteRole(ctx, e.bob, r.ID), model.KindForbidden, "error-unauthorized")
	wantErr(t, "delete protected", e.svc.DeleteRole(ctx, e.admin, "admin"), model.KindInvalid, "error-role-protected")
	wantErr(t, "delete unknown", e.svc.DeleteRole(ctx, e.admin, "nope"), model.KindInvalid, "error-invalid-roleId")
	if _, err := e.svc.AddUserToRole(ctx, e.admin, "auditor", "bob", ""); err != nil { // by name
		t.Fatal(err)
	}
	wantErr(t, "delete in use", e.svc.DeleteRole(ctx, e.admin, r.ID), model.KindInvalid, "error-role-in-use")
	if _, err := e.svc.RemoveUserFromRole(ctx, e.admin, r.ID, "bob", ""); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.DeleteRole(ctx, e.admin, "auditor"); err != nil {
		t.Fatal(err)
	}
	if ev := next[streamhub.RoleChanged](t, sub); ev.Action != "removed" || ev.ID != r.ID {
		t.Errorf("event = %+v", ev)
	}
	reloaded := newService(e.db, e.hub)
	if err := reloaded.Load(ctx); err != nil {
		t.Fatal(err)
	}
	roles, _ := reloaded.ListRoles(ctx, e.admin)
	if len(roles) != 12 {
		t.Errorf("%d roles after delete, want 12", len(roles))
	}
}

func userRoles(t *testing.T, e *env, username string) []string {
	t.Helper()
	u, err := docdb.NewUsersStore(e.db).ByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.Roles
}

func TestUserRoles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := setup(t)
	e.subscribe(t, "R1", e.bob)
	sub := e.hub.Subscribe(16, streamhub.TopicUserRoles)
	defer sub.Close()

	// Global.
	r, err := e.svc.AddUserToRole(ctx, e.admin, "livechat-agent", "BOB", "R1")
	if err != nil || r.ID != "livechat-agent" {
		t.Fatalf("AddUserToRole = %+v, %v", r, err)
	}
	ev := next[streamhub.UserRoleChanged](t, sub)
	if ev.Type != "added" || ev.RoleID != "livechat-agent" || ev.UserID != e.bob.UserID || ev.Username != "bob" || ev.Scope != "" ||
		!slices.Equal(ev.Roles, []string{"user", "livechat-agent"}) {
		t.Errorf("event = %+v", ev)
	}
	if got := userRoles(t, e, "bob"); !slices.Equal(got, []string{"user", "livechat-agent"}) {
		t.Errorf("bob's roles = %v", got)
	}
	_, err = e.svc.AddUserToRole(ctx, e.admin, "livechat-agent", "bob", "")
	wantErr(t, "add twice", err, model.KindInvalid, "error-user-already-in-role")
	if _, err := e.svc.RemoveUserFromRole(ctx, e.admin, "livechat-agent", "bob", ""); err != nil {
		t.Fatal(err)
	}
	if ev := next[streamhub.UserRoleChanged](t, sub); ev.Type != "removed" || !slices.Equal(ev.Roles, []string{"user"}) {
		t.Errorf("event = %+v", ev)
	}
	_, err = e.svc.RemoveUserFromRole(ctx, e.admin, "livechat-agent", "bob", "")
	wantErr(t, "remove twice", err, model.KindInvalid, "error-user-not-in-role")

	// Scoped.
	if _, err := e.svc.AddUserToRole(ctx, e.admin, "moderator", "bob", "R1"); err != nil {
		t.Fatal(err)
	}
	if ev := next[streamhub.UserRoleChanged](t, sub); ev.Scope != "R1" || ev.RoleID != "moderator" || !slices.Equal(ev.Roles, []string{"moderator"}) {
		t.Errorf("event = %+v", ev)
	}
	bob := model.Actor{UserID: e.bob.UserID, Username: "bob", Roles: []string{"user"}}
	if !e.svc.Can(ctx, bob, "delete-message", "R1") || e.svc.Can(ctx, bob, "delete-message", "R2") {
		t.Error("moderator in R1 should delete messages there and only there")
	}
	if got := userRoles(t, e, "bob"); !slices.Equal(got, []string{"user"}) {
		t.Errorf("a room role leaked into users.roles: %v", got)
	}
	_, err = e.svc.AddUserToRole(ctx, e.admin, "moderator", "bob", "R2")
	wantErr(t, "room without subscription", err, model.KindInvalid, "error-invalid-user")
	_, err = e.svc.AddUserToRole(ctx, e.admin, "moderator", "bob", "")
	wantErr(t, "room role without room", err, model.KindInvalid, "error-invalid-arguments")
	if _, err := e.svc.RemoveUserFromRole(ctx, e.admin, "moderator", "bob", "R1"); err != nil {
		t.Fatal(err)
	}
	next[streamhub.UserRoleChanged](t, sub)
	if e.svc.Can(ctx, bob, "delete-message", "R1") {
		t.Error("bob still moderates R1")
	}

	// Bad input and missing rights.
	for _, c := range []struct {
		what           string
		actor          model.Actor
		role, username string
		kind           model.Kind
		code           string
	}{
		{"user adds", e.bob, "livechat-agent", "bob", model.KindForbidden, "error-action-not-allowed"},
		{"no role", e.admin, "", "bob", model.KindInvalid, "error-invalid-arguments"},
		{"no username", e.admin, "user", "", model.KindInvalid, "error-invalid-arguments"},
		{"unknown role", e.admin, "wizard", "bob", model.KindInvalid, "error-role-not-found"},
		{"unknown user", e.admin, "livechat-agent", "nobody", model.KindInvalid, "error-invalid-user"},
	} {
		_, err := e.svc.AddUserToRole(ctx, c.actor, c.role, c.username, "")
		wantErr(t, c.what, err, c.kind, c.code)
	}
	_, err = e.svc.RemoveUserFromRole(ctx, e.bob, "user", "bob", "")
	wantErr(t, "user removes", err, model.KindForbidden, "error-unauthorized")
	_, err = e.svc.RemoveUserFromRole(ctx, e.admin, "wizard", "bob", "")
	wantErr(t, "remove unknown role", err, model.KindInvalid, "error-invalid-roleId")
	_, err = e.svc.RemoveUserFromRole(ctx, e.admin, "admin", "boss", "")
	wantErr(t, "remove the last admin", err, model.KindInvalid, "error-admin-required")
	noEvent(t, sub)

	// Granting admin needs assign-admin-role on top of access-permissions.
	role, err := e.svc.CreateRole(ctx, e.admin, authz.NewRole{Name: "gatekeeper"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.UpdatePermissions(ctx, e.admin, []authz.PermissionUpdate{{ID: "access-permissions", Roles: []string{"admin", role.ID}}}); err != nil {
		t.Fatal(err)
	}
	keeper := e.addUser(t, "keeper", "user", role.ID)
	if _, err := e.svc.AddUserToRole(ctx, keeper, "livechat-agent", "bob", ""); err != nil {
		t.Errorf("gatekeeper adds an agent: %v", err)
	}
	_, err = e.svc.AddUserToRole(ctx, keeper, "admin", "bob", "")
	wantErr(t, "gatekeeper adds an admin", err, model.KindForbidden, "error-action-not-allowed")
}

func TestUsersInRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := setup(t)
	for i := range 6 {
		u := e.addUser(t, fmt.Sprintf("u%d", 6-i), "user")
		e.subscribe(t, "R1", u, "owner")
	}
	e.subscribe(t, "R2", e.bob, "owner")
	e.addUser(t, "agent", "user", "livechat-agent")

	users, total, err := e.svc.UsersInRole(ctx, e.admin, "user", "", 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if total != 8 || len(users) != 3 || users[0].Username != "agent" || users[1].Username != "bob" || users[2].Username != "u1" {
		t.Errorf("page 1 = %+v, total %d", users, total)
	}
	if users[0].Emails[0].Address != "agent@example.org" || users[0].Name != "Name of agent" || users[0].CreatedAt.IsZero() {
		t.Errorf("user fields = %+v", users[0])
	}
	users, _, _ = e.svc.UsersInRole(ctx, e.admin, "user", "", 6, 3)
	if len(users) != 2 || users[0].Username != "u5" || users[1].Username != "u6" {
		t.Errorf("last page = %+v", users)
	}
	users, total, _ = e.svc.UsersInRole(ctx, e.admin, "user", "", 0, 0)
	if len(users) != 8 || total != 8 {
		t.Errorf("default page = %d users", len(users))
	}
	users, total, err = e.svc.UsersInRole(ctx, e.admin, "owner", "R1", 1, 2)
	if err != nil || total != 6 || len(users) != 2 || users[0].Username != "u2" {
		t.Errorf("owners of R1 = %+v, %d, %v", users, total, err)
	}
	if _, total, _ := e.svc.UsersInRole(ctx, e.admin, "owner", "", 0, 0); total != 7 {
		t.Errorf("owners anywhere = %d, want 7", total)
	}

	_, _, err = e.svc.UsersInRole(ctx, e.bob, "user", "", 0, 0)
	wantErr(t, "as a user", err, model.KindForbidden, "error-unauthorized")
	_, _, err = e.svc.UsersInRole(ctx, e.admin, "", "", 0, 0)
	wantErr(t, "no role", err, model.KindInvalid, "error-param-not-provided")
	_, _, err = e.svc.UsersInRole(ctx, e.admin, "wizard", "", 0, 0)
	wantErr(t, "unknown role", err, model.KindInvalid, "error-invalid-roleId")
	_, _, err = e.svc.UsersInRole(ctx, e.admin, "user", "", -1, 0)
	wantErr(t, "negative offset", err, model.KindInvalid, "error-invalid-params")

	public, err := e.svc.UsersInPublicRoles(ctx, e.bob)
	if err != nil {
		t.Fatal(err)
	}
	want := []authz.PublicRoleUser{{ID: public[0].ID, Username: "agent", Roles: []string{"livechat-agent"}}, {ID: e.admin.UserID, Username: "boss", Roles: []string{"admin"}}}
	if len(public) != 2 || public[0].Username != want[0].Username || !slices.Equal(public[0].Roles, want[0].Roles) ||
		public[1].ID != want[1].ID || !slices.Equal(public[1].Roles, want[1].Roles) {
		t.Errorf("public roles = %+v", public)
	}
	_, err = e.svc.UsersInPublicRoles(ctx, model.Anonymous)
	wantErr(t, "anonymous", err, model.KindUnauthorized, "error-invalid-user")
}
