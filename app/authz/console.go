package authz

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// The methods the admin console's Permissions page needs beyond the REST API's:
// toggling one role on one permission (Rocket.Chat's authorization:addPermissionToRole
// and authorization:removeRoleFromPermission), editing a role (roles.update, in
// Rocket.Chat's Enterprise API, ee/server/lib/roles/updateRole.ts), and the holders of a
// room role room by room.

// Permission levels and ids the rules below name.
const (
	// LevelSettings is the level of setting-based permissions ("change-setting-<id>"),
	// Rocket.Chat's CONSTANTS.SETTINGS_LEVEL; changing them also needs
	// access-setting-permissions.
	LevelSettings = "settings"

	permAccessSettingPermissions = "access-setting-permissions"
)

// RoomRoleFinder finds the holders of room roles in subscriptions.
type RoomRoleFinder interface {
	// WithRoomRole returns one page of the subscriptions whose roles hold role, in the
	// room with the given id or name when room is not empty, sorted by room name then
	// username, and how many there are in all; count 0 means no limit.
	WithRoomRole(ctx context.Context, role, room string, offset, count int) ([]model.Subscription, int64, error)
	// RoomOfUser returns the user's subscription to the room with the given id or name;
	// model.ErrNotFound when there is none.
	RoomOfUser(ctx context.Context, uid, room string) (model.Subscription, error)
}

// PermissionChange grants (Grant true) or revokes one role on one permission.
type PermissionChange struct {
	Permission string
	Role       string
	Grant      bool
}

// ChangePermissions applies the changes, all or none, and returns the permissions they
// changed (a change that is already so changes nothing). The rules are Rocket.Chat's
// addPermissionToRole and removeRoleFromPermission: the actor needs access-permissions,
// and also access-setting-permissions for a permission of the settings level; the
// permission and the role must exist. Outpost adds one rule: the admin role never loses
// access-permissions, so the workspace cannot lock itself out of this page (Rocket.Chat's
// client only asks for confirmation before removing the last role of
// access-permissions, its confirmationRequiredPermissions).
func (s *Service) ChangePermissions(ctx context.Context, actor model.Actor, changes []PermissionChange) ([]Permission, error) {
	if !s.Can(ctx, actor, permAccessPermissions, "") {
		return nil, notAllowed("Changing permissions is not allowed")
	}
	settingsOK := s.Can(ctx, actor, permAccessSettingPermissions, "")
	s.wmu.Lock()
	defer s.wmu.Unlock()
	now := s.now().UTC().Truncate(time.Millisecond)
	next := map[string]Permission{}
	var order []string
	s.mu.RLock()
	for _, c := range changes {
		p, ok := next[c.Permission]
		if !ok {
			if p, ok = s.byPerm[c.Permission]; !ok {
				s.mu.RUnlock()
				return nil, model.Invalid("error-invalid-permission", "Permission does not exist: "+c.Permission)
			}
			p.Roles = slices.Clone(p.Roles)
		}
		if _, ok := s.byRole[c.Role]; !ok {
			s.mu.RUnlock()
			return nil, model.Invalid("error-invalid-role", "Invalid role: "+c.Role)
		}
		if p.Level == LevelSettings && !settingsOK {
			s.mu.RUnlock()
			return nil, notAllowed("Changing setting permissions is not allowed")
		}
		has := slices.Contains(p.Roles, c.Role)
		switch {
		case c.Grant && !has:
			p.Roles = append(p.Roles, c.Role)
		case !c.Grant && has:
			if p.ID == permAccessPermissions && c.Role == RoleAdmin {
				s.mu.RUnlock()
				return nil, model.Invalid("error-action-not-allowed", "The admin role cannot lose access-permissions")
			}
			p.Roles = slices.DeleteFunc(p.Roles, func(r string) bool { return r == c.Role })
		default:
			continue
		}
		if _, seen := next[p.ID]; !seen {
			order = append(order, p.ID)
		}
		p.UpdatedAt = now
		next[p.ID] = p
	}
	s.mu.RUnlock()
	changed := make([]Permission, 0, len(order))
	for _, id := range order {
		changed = append(changed, next[id])
	}
	if len(changed) == 0 {
		return changed, nil
	}
	if err := s.savePermissions(ctx, actor, changed, now); err != nil {
		return nil, err
	}
	return changed, nil
}

// RoleUpdate is what editing a role takes.
type RoleUpdate struct {
	ID           string
	Name         string // empty keeps the name
	Scope        string // empty keeps the scope
	Description  string
	Mandatory2FA bool
}

// UpdateRole edits a role (roles.update; needs access-permissions). As in Rocket.Chat's
// updateRole, a protected role keeps its name and scope; a new name must not be another
// role's; the scope is Users or Subscriptions.
func (s *Service) UpdateRole(ctx context.Context, actor model.Actor, in RoleUpdate) (Role, error) {
	if !s.Can(ctx, actor, permAccessPermissions, "") {
		return Role{}, notAllowed("Accessing permissions is not allowed")
	}
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.mu.RLock()
	r, ok := s.byRole[in.ID]
	s.mu.RUnlock()
	if !ok {
		return Role{}, model.NotFound("error-invalid-roleId", "This role does not exist")
	}
	if r.Protected && ((in.Name != "" && in.Name != r.Name) || (in.Scope != "" && in.Scope != r.Scope)) {
		return Role{}, model.Invalid("error-role-protected", "Role is protected")
	}
	if in.Name != "" && in.Name != r.Name {
		if other, taken := s.role(in.Name); taken && other.ID != r.ID {
			return Role{}, &model.Error{Kind: model.KindConflict, Code: "error-duplicate-role-names-not-allowed", Message: "Role name already exists"}
		}
		r.Name = in.Name
	}
	if in.Scope != "" {
		if in.Scope != ScopeUsers && in.Scope != ScopeSubscriptions {
			return Role{}, model.Invalid("error-invalid-scope", "Invalid scope")
		}
		r.Scope = in.Scope
	}
	r.Description, r.Mandatory2FA = in.Description, in.Mandatory2FA
	r.UpdatedAt = s.now().UTC().Truncate(time.Millisecond)
	if err := s.roles.Update(ctx, r); err != nil {
		return Role{}, model.Internal(err)
	}
	s.mu.Lock()
	s.byRole[r.ID] = r
	s.mu.Unlock()
	s.hub.Publish(roleEvent("updated", r))
	s.log.Info("role updated", "role", r.ID, "name", r.Name, "by", actor.Username)
	return r, nil
}

// RoomRoleHolder is a user holding a room role in one room.
type RoomRoleHolder struct {
	UserID   string
	Username string
	RoomID   string
	RoomName string // the room's name (fname when it has one)
	RoomType string // c, p, d, l
}

// RoomRoleHolders returns one page of the holders of a Subscriptions role, room by room,
// in the room with the given id or name when room is not empty (needs
// access-permissions and, as roles.getUsersInRole with a room, view-other-user-channels).
// A count of 0 means DefaultPageSize.
func (s *Service) RoomRoleHolders(ctx context.Context, actor model.Actor, roleID, room string, offset, count int) ([]RoomRoleHolder, int64, error) {
	if !s.Can(ctx, actor, permAccessPermissions, "") {
		return nil, 0, model.Forbidden("error-unauthorized")
	}
	if !s.Can(ctx, actor, permViewOtherChannels, "") {
		return nil, 0, &model.Error{Kind: model.KindForbidden, Code: "error-not-allowed", Message: "Not allowed"}
	}
	r, ok := s.role(roleID)
	if !ok {
		return nil, 0, model.NotFound("error-invalid-roleId", "This role does not exist")
	}
	if r.Scope != ScopeSubscriptions {
		return nil, 0, model.Invalid("error-invalid-scope", "The role is not a room role")
	}
	if offset < 0 || count < 0 {
		return nil, 0, model.Invalid("error-invalid-params", "offset and count must not be negative")
	}
	if count == 0 {
		count = DefaultPageSize
	}
	subs, total, err := s.subs.WithRoomRole(ctx, r.ID, strings.TrimSpace(room), offset, count)
	if err != nil {
		return nil, 0, model.Internal(err)
	}
	out := make([]RoomRoleHolder, len(subs))
	for i, sub := range subs {
		name := sub.FName
		if name == "" {
			name = sub.Name
		}
		out[i] = RoomRoleHolder{UserID: sub.U.ID, Username: sub.U.Username, RoomID: sub.RID, RoomName: name, RoomType: sub.T}
	}
	return out, total, nil
}

// AddUserToRoomRole is AddUserToRole for a Subscriptions role in a room named by its id
// or its name among the user's rooms.
func (s *Service) AddUserToRoomRole(ctx context.Context, actor model.Actor, roleID, username, room string) (Role, string, error) {
	if !s.Can(ctx, actor, permAccessPermissions, "") {
		return Role{}, "", notAllowed("Accessing permissions is not allowed")
	}
	room = strings.TrimSpace(room)
	if room == "" || username == "" {
		return Role{}, "", model.Invalid("error-invalid-arguments", "A user and a room are required for a room role")
	}
	u, err := s.users.ByUsername(ctx, username)
	if errors.Is(err, model.ErrNotFound) {
		return Role{}, "", model.Invalid("error-invalid-user", "There is no user with this username")
	} else if err != nil {
		return Role{}, "", model.Internal(err)
	}
	sub, err := s.subs.RoomOfUser(ctx, u.ID, room)
	if errors.Is(err, model.ErrNotFound) {
		return Role{}, "", model.Invalid("error-invalid-user", "User is not part of given room")
	} else if err != nil {
		return Role{}, "", model.Internal(err)
	}
	r, err := s.AddUserToRole(ctx, actor, roleID, u.Username, sub.RID)
	return r, sub.RID, err
}
