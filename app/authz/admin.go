package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// The permissions the admin APIs need, as Rocket.Chat's REST routes and methods check them.
const (
	permAccessPermissions = "access-permissions"
	permAssignAdmin       = "assign-admin-role"
	permViewOtherChannels = "view-other-user-channels"
)

// notAllowed is the error Rocket.Chat's role methods throw when access-permissions is missing.
func notAllowed(msg string) *model.Error {
	return &model.Error{Kind: model.KindForbidden, Code: "error-action-not-allowed", Message: msg}
}

// PermissionSync is the answer of permissions.listAll.
type PermissionSync struct {
	Update []Permission `json:"update"`
	Remove []Permission `json:"remove"`
}

// ListPermissions returns every permission, or, when updatedSince is not zero, those
// changed after it (permissions.listAll, DDP permissions/get). Any actor may ask.
// Outpost never deletes permissions, so Remove is always empty.
func (s *Service) ListPermissions(ctx context.Context, actor model.Actor, updatedSince time.Time) (PermissionSync, error) {
	s.mu.RLock()
	out := PermissionSync{Update: make([]Permission, 0, len(s.byPerm)), Remove: []Permission{}}
	for _, p := range s.byPerm {
		if updatedSince.IsZero() || p.UpdatedAt.After(updatedSince) {
			p.Roles = slices.Clone(p.Roles)
			out.Update = append(out.Update, p)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out.Update, byID(func(p Permission) string { return p.ID }))
	return out, nil
}

// PermissionUpdate gives a permission a new list of roles.
type PermissionUpdate struct {
	ID    string   `json:"_id"`
	Roles []string `json:"roles"`
}

// UpdatePermissions replaces the roles of the given permissions, all or none
// (permissions.update; needs access-permissions), and returns every permission.
func (s *Service) UpdatePermissions(ctx context.Context, actor model.Actor, updates []PermissionUpdate) ([]Permission, error) {
	if !s.Can(ctx, actor, permAccessPermissions, "") {
		return nil, model.Forbidden("error-unauthorized")
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	now := s.now().UTC().Truncate(time.Millisecond)
	changed := make([]Permission, 0, len(updates))
	s.mu.RLock()
	for _, u := range updates {
		p, ok := s.byPerm[u.ID]
		if !ok {
			s.mu.RUnlock()
			return nil, model.Invalid("error-invalid-permission", "Invalid permission")
		}
		roles := make([]string, 0, len(u.Roles))
		for _, r := range u.Roles {
			if _, ok := s.byRole[r]; !ok {
				s.mu.RUnlock()
				return nil, model.Invalid("error-invalid-role", "Invalid role")
			}
			if !slices.Contains(roles, r) {
				roles = append(roles, r)
			}
		}
		p.Roles, p.UpdatedAt = roles, now
		changed = append(changed, p)
	}
	s.mu.RUnlock()
	if err := s.savePermissions(ctx, actor, changed, now); err != nil {
		return nil, err
	}
	all, _ := s.ListPermissions(ctx, actor, time.Time{})
	return all.Update, nil
}

// ListRoles returns every role, sorted by _id (roles.list). Any actor may ask.
func (s *Service) ListRoles(ctx context.Context, actor model.Actor) ([]Role, error) {
	s.mu.RLock()
	out := make([]Role, 0, len(s.byRole))
	for _, r := range s.byRole {
		out = append(out, r)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, byID(func(r Role) string { return r.ID }))
	return out, nil
}

// NewRole is what creating a role takes.
type NewRole struct {
	Name         string
	Scope        string // ScopeUsers (the default) or ScopeSubscriptions
	Description  string
	Mandatory2FA bool
}

// CreateRole creates a custom, unprotected role with a random id (roles.create; needs
// access-permissions; Rocket.Chat also needs its Enterprise custom-roles module, which
// Outpost does not ask for).
func (s *Service) CreateRole(ctx context.Context, actor model.Actor, in NewRole) (Role, error) {
	if !s.Can(ctx, actor, permAccessPermissions, "") {
		return Role{}, notAllowed("Accessing permissions is not allowed")
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		return Role{}, model.Invalid("error-invalid-role-properties", "The role properties are invalid.")
	}
	if in.Scope == "" {
		in.Scope = ScopeUsers
	}
	if in.Scope != ScopeUsers && in.Scope != ScopeSubscriptions {
		return Role{}, model.Invalid("error-invalid-scope", "Invalid scope")
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, taken := s.role(in.Name); taken {
		return Role{}, &model.Error{Kind: model.KindConflict, Code: "error-duplicate-role-names-not-allowed", Message: "Role name already exists"}
	}
	r := Role{
		ID: model.NewID(), Name: in.Name, Scope: in.Scope, Description: in.Description,
		Mandatory2FA: in.Mandatory2FA, UpdatedAt: s.now().UTC().Truncate(time.Millisecond),
	}
	if err := s.roles.Insert(ctx, r); err != nil {
		return Role{}, model.Internal(err)
	}
	s.mu.Lock()
	s.byRole[r.ID] = r
	s.mu.Unlock()
	s.hub.Publish(roleEvent("inserted", r))
	s.log.Info("role created", "role", r.ID, "name", r.Name, "by", actor.Username)
	return r, nil
}

// DeleteRole deletes a custom role that nobody holds (roles.delete; needs
// access-permissions). roleID may also be the role's name.
func (s *Service) DeleteRole(ctx context.Context, actor model.Actor, roleID string) error {
	if !s.Can(ctx, actor, permAccessPermissions, "") {
		return model.Forbidden("error-unauthorized")
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	r, ok := s.role(roleID)
	if !ok {
		return model.Invalid("error-invalid-roleId", "This role does not exist")
	}
	if r.Protected {
		return model.Invalid("error-role-protected", "Cannot delete a protected role")
	}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		n, err := s.countHolders(ctx, r)
		if err != nil {
			return err
		}
		if n > 0 {
			return model.Invalid("error-role-in-use", "Cannot delete role because it's in use")
		}
		return s.roles.Delete(ctx, r.ID)
	})
	if err != nil {
		return model.AsError(err)
	}
	s.mu.Lock()
	delete(s.byRole, r.ID)
	s.mu.Unlock()
	s.hub.Publish(roleEvent("removed", r))
	s.log.Info("role deleted", "role", r.ID, "name", r.Name, "by", actor.Username)
	return nil
}

func (s *Service) countHolders(ctx context.Context, r Role) (int64, error) {
	if r.Scope == ScopeSubscriptions {
		_, n, err := s.users.UsersWithRoomRole(ctx, r.ID, "", 0, 1)
		return n, err
	}
	return s.users.CountWithRole(ctx, r.ID)
}

// AddUserToRole gives the user a role: globally for a Users role, in the room scope for
// a Subscriptions role (roles.addUserToRole, authorization:addUserToRole; needs
// access-permissions, and assign-admin-role for admin). roleID may also be the role's
// name. It returns the role.
func (s *Service) AddUserToRole(ctx context.Context, actor model.Actor, roleID, username, scope string) (Role, error) {
	return s.changeUserRole(ctx, actor, "added", roleID, username, scope)
}

// RemoveUserFromRole takes a role from the user, globally or in the room scope
// (roles.removeUserFromRole; needs access-permissions). The last admin keeps the role.
func (s *Service) RemoveUserFromRole(ctx context.Context, actor model.Actor, roleID, username, scope string) (Role, error) {
	return s.changeUserRole(ctx, actor, "removed", roleID, username, scope)
}

func (s *Service) changeUserRole(ctx context.Context, actor model.Actor, typ, roleID, username, scope string) (Role, error) {
	add := typ == "added"
	if !s.Can(ctx, actor, permAccessPermissions, "") {
		if add {
			return Role{}, notAllowed("Accessing permissions is not allowed")
		}
		return Role{}, model.Forbidden("error-unauthorized")
	}
	if roleID == "" || username == "" {
		return Role{}, model.Invalid("error-invalid-arguments", "Invalid arguments")
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	r, ok := s.role(roleID)
	if !ok {
		if add {
			return Role{}, model.Invalid("error-role-not-found", "Role not found")
		}
		return Role{}, model.Invalid("error-invalid-roleId", "This role does not exist")
	}
	if add && r.ID == RoleAdmin && !s.Can(ctx, actor, permAssignAdmin, "") {
		return Role{}, notAllowed("Assigning admin is not allowed")
	}
	if r.Scope != ScopeSubscriptions {
		scope = "" // Rocket.Chat keeps a Users role in users.roles whatever the scope
	} else if scope == "" {
		return Role{}, model.Invalid("error-invalid-arguments", "A room is required for a room role")
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	ev := streamhub.UserRoleChanged{Type: typ, RoleID: r.ID, Scope: scope}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.users.ByUsername(ctx, username)
		if errors.Is(err, model.ErrNotFound) {
			return model.Invalid("error-invalid-user", "There is no user with this username")
		} else if err != nil {
			return err
		}
		ev.UserID, ev.Username, ev.Name = u.ID, u.Username, u.Name
		has := u.Roles
		if scope != "" {
			has, err = s.subs.RolesInRoom(ctx, scope, u.ID)
			if errors.Is(err, model.ErrNotFound) {
				return model.Invalid("error-invalid-user", "User is not part of given room")
			} else if err != nil {
				return err
			}
		}
		switch held := slices.Contains(has, r.ID); {
		case add && held:
			return model.Invalid("error-user-already-in-role", "User already in role")
		case !add && !held:
			return model.Invalid("error-user-not-in-role", "User is not in this role")
		}
		if !add && r.ID == RoleAdmin {
			n, err := s.users.CountWithRole(ctx, RoleAdmin)
			if err != nil {
				return err
			}
			if n <= 1 {
				return model.Invalid("error-admin-required", "You need to have at least one admin")
			}
		}
		switch {
		case scope == "" && add:
			ev.Roles, err = s.users.AddRole(ctx, u.ID, r.ID, now)
		case scope == "":
			ev.Roles, err = s.users.RemoveRole(ctx, u.ID, r.ID, now)
		case add:
			ev.Roles, err = s.subs.AddRoomRole(ctx, scope, u.ID, r.ID, now)
		default:
			ev.Roles, err = s.subs.RemoveRoomRole(ctx, scope, u.ID, r.ID, now)
		}
		return err
	})
	if err != nil {
		return Role{}, model.AsError(err)
	}
	s.hub.Publish(ev)
	s.log.Info("user role "+typ, "role", r.ID, "user", ev.Username, "scope", scope, "by", actor.Username)
	return r, nil
}

// UserInRole is a user as roles.getUsersInRole lists them.
type UserInRole struct {
	ID        string        `json:"_id"`
	Username  string        `json:"username"`
	Name      string        `json:"name,omitempty"`
	Emails    []model.Email `json:"emails,omitempty"`
	CreatedAt time.Time     `json:"createdAt"`
	UpdatedAt time.Time     `json:"_updatedAt"`
}

// DefaultPageSize is the page size of UsersInRole when none is given.
const DefaultPageSize = 50

// UsersInRole returns one page of the users holding a role, sorted by username, and
// their total (roles.getUsersInRole; needs access-permissions, and
// view-other-user-channels with a room scope). A Subscriptions role is looked up in the
// room scope, or in every room when scope is empty; a count of 0 means DefaultPageSize.
func (s *Service) UsersInRole(ctx context.Context, actor model.Actor, roleID, scope string, offset, count int) ([]UserInRole, int64, error) {
	if !s.Can(ctx, actor, permAccessPermissions, "") {
		return nil, 0, model.Forbidden("error-unauthorized")
	}
	if roleID == "" {
		return nil, 0, model.Invalid("error-param-not-provided", `Query param "role" is required`)
	}
	if scope != "" && !s.Can(ctx, actor, permViewOtherChannels, "") {
		return nil, 0, &model.Error{Kind: model.KindForbidden, Code: "error-not-allowed", Message: "Not allowed"}
	}
	r, ok := s.role(roleID)
	if !ok {
		return nil, 0, model.Invalid("error-invalid-roleId", "This role does not exist")
	}
	if offset < 0 || count < 0 {
		return nil, 0, model.Invalid("error-invalid-params", "offset and count must not be negative")
	}
	if count == 0 {
		count = DefaultPageSize
	}
	var (
		users []model.User
		total int64
		err   error
	)
	if r.Scope == ScopeSubscriptions {
		users, total, err = s.users.UsersWithRoomRole(ctx, r.ID, scope, offset, count)
	} else {
		users, total, err = s.users.UsersWithRole(ctx, r.ID, offset, count)
	}
	if err != nil {
		return nil, 0, model.Internal(err)
	}
	out := make([]UserInRole, len(users))
	for i, u := range users {
		out[i] = UserInRole{ID: u.ID, Username: u.Username, Name: u.Name, Emails: u.Emails, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	}
	return out, total, nil
}

// PublicRoleUser is a user as roles.getUsersInPublicRoles lists them: Roles holds only
// their public roles.
type PublicRoleUser struct {
	ID       string   `json:"_id"`
	Username string   `json:"username"`
	Roles    []string `json:"roles"`
}

// UsersInPublicRoles returns every user holding a public role, sorted by username
// (roles.getUsersInPublicRoles, method getUserRoles; any logged-in user). Public roles
// are, as in Rocket.Chat, the Users roles with a description: by default admin,
// livechat-agent and livechat-manager. Clients show them as badges next to names.
func (s *Service) UsersInPublicRoles(ctx context.Context, actor model.Actor) ([]PublicRoleUser, error) {
	if actor.IsAnonymous() {
		return nil, &model.Error{Kind: model.KindUnauthorized, Code: "error-invalid-user", Message: "Invalid user"}
	}
	var public []string
	s.mu.RLock()
	for _, r := range s.byRole {
		if r.Scope == ScopeUsers && r.Description != "" {
			public = append(public, r.ID)
		}
	}
	s.mu.RUnlock()
	slices.Sort(public)
	out := []PublicRoleUser{}
	if len(public) == 0 {
		return out, nil
	}
	users, err := s.users.UsersWithAnyRole(ctx, public)
	if err != nil {
		return nil, model.Internal(err)
	}
	for _, u := range users {
		p := PublicRoleUser{ID: u.ID, Username: u.Username, Roles: []string{}}
		for _, r := range u.Roles {
			if slices.Contains(public, r) {
				p.Roles = append(p.Roles, r)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// savePermissions stores the permissions' new roles in one transaction, then updates
// the cache and announces each change (permissions-changed).
func (s *Service) savePermissions(ctx context.Context, actor model.Actor, changed []Permission, now time.Time) error {
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		for _, p := range changed {
			if err := s.perms.SetRoles(ctx, p.ID, p.Roles, now); err != nil {
				return fmt.Errorf("permission %s: %w", p.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return model.Internal(err)
	}
	s.mu.Lock()
	for _, p := range changed {
		s.byPerm[p.ID] = p
	}
	s.mu.Unlock()
	for _, p := range changed {
		s.hub.Publish(permissionEvent("updated", p))
	}
	s.log.Info("permissions changed", "count", len(changed), "by", actor.Username)
	return nil
}
