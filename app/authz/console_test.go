package authz_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
)

func perm(t *testing.T, e *env, id string) authz.Permission {
	t.Helper()
	all, _ := e.svc.ListPermissions(context.Background(), e.admin, time.Time{})
	for _, p := range all.Update {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no permission %s", id)
	return authz.Permission{}
}

func TestChangePermissions(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	// A settings-level permission, as Rocket.Chat derives them from settings.
	if err := docdb.NewPermissionsStore[authz.Permission](e.db).Insert(ctx, authz.Permission{ID: "change-setting-Site_Name",
		Roles: []string{"admin"}, Level: authz.LevelSettings, SettingID: "Site_Name", UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	sub := e.hub.Subscribe(16, streamhub.TopicPermissions)
	defer sub.Close()

	got, err := e.svc.ChangePermissions(ctx, e.admin, []authz.PermissionChange{
		{Permission: "view-logs", Role: "bot", Grant: true},
		{Permission: "view-logs", Role: "admin", Grant: false},
		{Permission: "create-c", Role: "user", Grant: true}, // already so: no change
	})
	if err != nil || len(got) != 1 || got[0].ID != "view-logs" || !slices.Equal(got[0].Roles, []string{"bot"}) {
		t.Fatalf("changes: %+v %v", got, err)
	}
	if ev := next[streamhub.PermissionChanged](t, sub); ev.ID != "view-logs" {
		t.Fatalf("event %+v", ev)
	}
	noEvent(t, sub)
	bot := model.Actor{UserID: "b", Username: "robo", Roles: []string{"bot"}}
	if !e.svc.Can(ctx, bot, "view-logs", "") || e.svc.Can(ctx, e.admin, "view-logs", "") {
		t.Fatal("the cache does not follow the change")
	}

	for _, c := range []struct {
		what    string
		actor   model.Actor
		changes []authz.PermissionChange
		kind    model.Kind
		code    string
	}{
		{"no access-permissions", e.bob, []authz.PermissionChange{{Permission: "view-logs", Role: "user", Grant: true}}, model.KindForbidden, "error-action-not-allowed"},
		{"unknown permission", e.admin, []authz.PermissionChange{{Permission: "nope", Role: "user", Grant: true}}, model.KindInvalid, "error-invalid-permission"},
		{"unknown role", e.admin, []authz.PermissionChange{{Permission: "view-logs", Role: "nope", Grant: true}}, model.KindInvalid, "error-invalid-role"},
		{"admin keeps access-permissions", e.admin, []authz.PermissionChange{{Permission: "view-logs", Role: "user", Grant: true},
			{Permission: "access-permissions", Role: "admin"}}, model.KindInvalid, "error-action-not-allowed"},
	} {
		_, err := e.svc.ChangePermissions(ctx, c.actor, c.changes)
		wantErr(t, c.what, err, c.kind, c.code)
	}
	if slices.Contains(perm(t, e, "view-logs").Roles, "user") {
		t.Fatal("a refused batch was partly applied")
	}

	// Settings-level permissions also need access-setting-permissions.
	if _, err := e.svc.UpdatePermissions(ctx, e.admin, []authz.PermissionUpdate{{ID: "access-permissions", Roles: []string{"admin", "user"}}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ChangePermissions(ctx, e.bob, []authz.PermissionChange{{Permission: "change-setting-Site_Name", Role: "user", Grant: true}})
	wantErr(t, "settings level", err, model.KindForbidden, "error-action-not-allowed")
	if _, err := e.svc.ChangePermissions(ctx, e.bob, []authz.PermissionChange{{Permission: "view-logs", Role: "user", Grant: true}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ChangePermissions(ctx, e.admin, []authz.PermissionChange{{Permission: "change-setting-Site_Name", Role: "user", Grant: true}}); err != nil {
		t.Fatal(err)
	}
	// Survives a reload from the store.
	if err := e.svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if p := perm(t, e, "change-setting-Site_Name"); !slices.Equal(p.Roles, []string{"admin", "user"}) {
		t.Fatalf("stored roles %v", p.Roles)
	}
}

func TestUpdateRole(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	custom, err := e.svc.CreateRole(ctx, e.admin, authz.NewRole{Name: "auditor", Description: "Auditor"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateRole(ctx, e.admin, authz.NewRole{Name: "other"}); err != nil {
		t.Fatal(err)
	}
	sub := e.hub.Subscribe(16, streamhub.TopicRoles)
	defer sub.Close()
	r, err := e.svc.UpdateRole(ctx, e.admin, authz.RoleUpdate{ID: custom.ID, Name: "auditors", Scope: authz.ScopeSubscriptions, Description: " Reads ", Mandatory2FA: true})
	if err != nil || r.Name != "auditors" || r.Scope != authz.ScopeSubscriptions || r.Description != "Reads" || !r.Mandatory2FA || r.Protected {
		t.Fatalf("update: %+v %v", r, err)
	}
	if ev := next[streamhub.RoleChanged](t, sub); ev.Action != "updated" || ev.Name != "auditors" {
		t.Fatalf("event %+v", ev)
	}
	// A protected role takes a description, not a new name or scope.
	if r, err := e.svc.UpdateRole(ctx, e.admin, authz.RoleUpdate{ID: "bot", Description: "Bots"}); err != nil || r.Description != "Bots" || r.Name != "bot" {
		t.Fatalf("protected description: %+v %v", r, err)
	}
	for _, c := range []struct {
		what  string
		actor model.Actor
		in    authz.RoleUpdate
		kind  model.Kind
		code  string
	}{
		{"not allowed", e.bob, authz.RoleUpdate{ID: custom.ID, Description: "x"}, model.KindForbidden, "error-action-not-allowed"},
		{"unknown", e.admin, authz.RoleUpdate{ID: "nope"}, model.KindNotFound, "error-invalid-roleId"},
		{"protected name", e.admin, authz.RoleUpdate{ID: "bot", Name: "robot"}, model.KindInvalid, "error-role-protected"},
		{"protected scope", e.admin, authz.RoleUpdate{ID: "bot", Scope: authz.ScopeSubscriptions}, model.KindInvalid, "error-role-protected"},
		{"taken name", e.admin, authz.RoleUpdate{ID: custom.ID, Name: "other"}, model.KindConflict, "error-duplicate-role-names-not-allowed"},
		{"taken by a default", e.admin, authz.RoleUpdate{ID: custom.ID, Name: "admin"}, model.KindConflict, "error-duplicate-role-names-not-allowed"},
		{"bad scope", e.admin, authz.RoleUpdate{ID: custom.ID, Scope: "Rooms"}, model.KindInvalid, "error-invalid-scope"},
	} {
		_, err := e.svc.UpdateRole(ctx, c.actor, c.in)
		wantErr(t, c.what, err, c.kind, c.code)
	}
	if err := e.svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	roles, _ := e.svc.ListRoles(ctx, e.admin)
	i := slices.IndexFunc(roles, func(r authz.Role) bool { return r.ID == custom.ID })
	if i < 0 || roles[i].Name != "auditors" || roles[i].Description != "Reads" {
		t.Fatalf("stored: %+v", roles)
	}
}

func TestRoomRoleHolders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := context.Background()
	ann := e.addUser(t, "ann", "user")
	e.subscribe(t, "beta", ann, "owner")
	e.subscribe(t, "alpha", ann)
	e.subscribe(t, "alpha", e.bob, "owner", "moderator")
	e.subscribe(t, "gamma", e.bob)

	list, total, err := e.svc.RoomRoleHolders(ctx, e.admin, "owner", "", 0, 0)
	if err != nil || total != 2 || len(list) != 2 || list[0].RoomID != "alpha" || list[0].Username != "bob" || list[1].Username != "ann" {
		t.Fatalf("owners: %+v %d %v", list, total, err)
	}
	list, total, _ = e.svc.RoomRoleHolders(ctx, e.admin, "owner", "beta", 0, 0)
	if total != 1 || list[0].Username != "ann" || list[0].RoomName != "beta" {
		t.Fatalf("owners of beta: %+v", list)
	}
	if _, total, _ := e.svc.RoomRoleHolders(ctx, e.admin, "owner", "nowhere", 0, 0); total != 0 {
		t.Fatalf("owners of nowhere: %d", total)
	}
	_, _, err = e.svc.RoomRoleHolders(ctx, e.bob, "owner", "", 0, 0)
	wantErr(t, "not allowed", err, model.KindForbidden, "error-unauthorized")
	_, _, err = e.svc.RoomRoleHolders(ctx, e.admin, "user", "", 0, 0)
	wantErr(t, "global role", err, model.KindInvalid, "error-invalid-scope")
	_, _, err = e.svc.RoomRoleHolders(ctx, e.admin, "nope", "", 0, 0)
	wantErr(t, "unknown role", err, model.KindNotFound, "error-invalid-roleId")

	// Adding by room name: the room is found among the user's subscriptions.
	if _, rid, err := e.svc.AddUserToRoomRole(ctx, e.admin, "moderator", "bob", "gamma"); err != nil || rid != "gamma" {
		t.Fatalf("add: %s %v", rid, err)
	}
	if roles, _ := docdb.NewSubscriptionRolesStore(e.db).RolesInRoom(ctx, "gamma", e.bob.UserID); !slices.Contains(roles, "moderator") {
		t.Fatalf("roles in gamma: %v", roles)
	}
	_, _, err = e.svc.AddUserToRoomRole(ctx, e.admin, "moderator", "bob", "beta")
	wantErr(t, "not a member", err, model.KindInvalid, "error-invalid-user")
	_, _, err = e.svc.AddUserToRoomRole(ctx, e.admin, "moderator", "nobody", "beta")
	wantErr(t, "no user", err, model.KindInvalid, "error-invalid-user")
	_, _, err = e.svc.AddUserToRoomRole(ctx, e.admin, "moderator", "bob", "")
	wantErr(t, "no room", err, model.KindInvalid, "error-invalid-arguments")
	_, _, err = e.svc.AddUserToRoomRole(ctx, e.bob, "moderator", "bob", "gamma")
	wantErr(t, "not allowed", err, model.KindForbidden, "error-action-not-allowed")
	_, _, err = e.svc.AddUserToRoomRole(ctx, e.admin, "moderator", "bob", "alpha")
	wantErr(t, "already", err, model.KindInvalid, "error-user-already-in-role")
}
