package rest

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
)

// Authz is the roles and permissions service; authz.Service satisfies it.
type Authz interface {
	Can(ctx context.Context, actor model.Actor, permission, scope string) bool
	ListPermissions(ctx context.Context, actor model.Actor, updatedSince time.Time) (authz.PermissionSync, error)
	UpdatePermissions(ctx context.Context, actor model.Actor, updates []authz.PermissionUpdate) ([]authz.Permission, error)
	ListRoles(ctx context.Context, actor model.Actor) ([]authz.Role, error)
	CreateRole(ctx context.Context, actor model.Actor, in authz.NewRole) (authz.Role, error)
	AddUserToRole(ctx context.Context, actor model.Actor, roleID, username, scope string) (authz.Role, error)
	RemoveUserFromRole(ctx context.Context, actor model.Actor, roleID, username, scope string) (authz.Role, error)
	UsersInRole(ctx context.Context, actor model.Actor, roleID, scope string, offset, count int) ([]authz.UserInRole, int64, error)
	UsersInPublicRoles(ctx context.Context, actor model.Actor) ([]authz.PublicRoleUser, error)
}

// permissionsListAll serves GET /api/v1/permissions.listAll[?updatedSince=ISO].
func (a *api) permissionsListAll(w http.ResponseWriter, r *http.Request) error {
	var since time.Time
	if s := r.URL.Query().Get("updatedSince"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return model.Invalid("error-roomId-param-invalid", "The \"updatedSince\" query parameter must be a valid date.")
		}
		since = t
	}
	out, err := a.Authz.ListPermissions(r.Context(), actorOf(r), since)
	if err != nil {
		return err
	}
	return WriteSuccess(w, out)
}

// permissionsUpdate serves POST /api/v1/permissions.update {permissions:[{_id, roles}]}.
func (a *api) permissionsUpdate(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Permissions []authz.PermissionUpdate `json:"permissions"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	if len(body.Permissions) == 0 {
		return model.Invalid(codeInvalidParams, "must have required property 'permissions'")
	}
	out, err := a.Authz.UpdatePermissions(r.Context(), actorOf(r), body.Permissions)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"permissions": out})
}

// rolesList serves GET /api/v1/roles.list.
func (a *api) rolesList(w http.ResponseWriter, r *http.Request) error {
	roles, err := a.Authz.ListRoles(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"roles": roles})
}

// rolesCreate serves POST /api/v1/roles.create {name, scope?, description?, mandatory2fa?}.
func (a *api) rolesCreate(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name         string `json:"name"`
		Scope        string `json:"scope"`
		Description  string `json:"description"`
		Mandatory2FA bool   `json:"mandatory2fa"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	role, err := a.Authz.CreateRole(r.Context(), actorOf(r), authz.NewRole{Name: body.Name, Scope: body.Scope, Description: body.Description, Mandatory2FA: body.Mandatory2FA})
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"role": role})
}

type roleUserBody struct {
	RoleID   string `json:"roleId"`
	RoleName string `json:"roleName"` // older clients
	Username string `json:"username"`
	RoomID   string `json:"roomId"`
}

// rolesAddUser serves POST /api/v1/roles.addUserToRole.
func (a *api) rolesAddUser(w http.ResponseWriter, r *http.Request) error {
	var b roleUserBody
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	role, err := a.Authz.AddUserToRole(r.Context(), actorOf(r), firstOf(b.RoleID, b.RoleName), b.Username, b.RoomID)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"role": role})
}

// rolesRemoveUser serves POST /api/v1/roles.removeUserFromRole.
func (a *api) rolesRemoveUser(w http.ResponseWriter, r *http.Request) error {
	var b roleUserBody
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	role, err := a.Authz.RemoveUserFromRole(r.Context(), actorOf(r), firstOf(b.RoleID, b.RoleName), b.Username, b.RoomID)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"role": role})
}

// rolesUsersInRole serves GET /api/v1/roles.getUsersInRole?role=&roomId=&offset=&count=.
func (a *api) rolesUsersInRole(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, err1 := atoiOr(q.Get("offset"), 0)
	count, err2 := atoiOr(q.Get("count"), authz.DefaultPageSize)
	if err1 != nil || err2 != nil || offset < 0 || count < 0 {
		return model.Invalid(codeInvalidParams, "offset and count must be non-negative integers")
	}
	users, total, err := a.Authz.UsersInRole(r.Context(), actorOf(r), q.Get("role"), q.Get("roomId"), offset, count)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"users": users, "total": total})
}

// rolesUsersInPublicRoles serves GET /api/v1/roles.getUsersInPublicRoles.
func (a *api) rolesUsersInPublicRoles(w http.ResponseWriter, r *http.Request) error {
	users, err := a.Authz.UsersInPublicRoles(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"users": users})
}

func atoiOr(s string, def int) (int, error) {
	if s == "" {
		return def, nil
	}
	return strconv.Atoi(s)
}
