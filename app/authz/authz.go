// Package authz is Rocket.Chat's authorization model: roles (rocketchat_roles), the
// permissions that grant actions to roles (rocketchat_permissions), and the check every
// service makes before it acts, [Service.Can]. A user's roles are their global roles
// (users.roles, carried in the actor) plus, inside a room, the room roles of their
// subscription (owner, moderator, leader). Roles and permissions are cached in memory;
// each change is stored first and announced on the hub after it commits.
package authz

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// Role scopes: a Users role is held globally (users.roles), a Subscriptions role per
// room (the subscription's roles).
const (
	ScopeUsers         = "Users"
	ScopeSubscriptions = "Subscriptions"
)

// Role is a document of rocketchat_roles.
type Role struct {
	ID           string    `json:"_id"`
	Name         string    `json:"name"`
	Scope        string    `json:"scope"`
	Description  string    `json:"description"`
	Protected    bool      `json:"protected"`
	Mandatory2FA bool      `json:"mandatory2fa"`
	UpdatedAt    time.Time `json:"_updatedAt"`
}

// Permission is a document of rocketchat_permissions: the roles granted one action.
type Permission struct {
	ID        string    `json:"_id"`
	Roles     []string  `json:"roles"`
	Group     string    `json:"group,omitempty"`
	Section   string    `json:"section,omitempty"`
	Level     string    `json:"level,omitempty"`
	SettingID string    `json:"settingId,omitempty"`
	UpdatedAt time.Time `json:"_updatedAt"`
}

// RoleStore keeps rocketchat_roles.
type RoleStore interface {
	All(ctx context.Context) ([]Role, error)
	// Insert stores a new role; a taken _id gives an error wrapping model.ErrDuplicate.
	Insert(ctx context.Context, r Role) error
	// Update stores every field of r over the role with r's _id; model.ErrNotFound if none.
	Update(ctx context.Context, r Role) error
	// Delete removes the role; model.ErrNotFound if none.
	Delete(ctx context.Context, id string) error
}

// PermissionStore keeps rocketchat_permissions.
type PermissionStore interface {
	All(ctx context.Context) ([]Permission, error)
	// Insert stores a new permission; a taken _id gives an error wrapping model.ErrDuplicate.
	Insert(ctx context.Context, p Permission) error
	// SetRoles replaces a permission's roles; model.ErrNotFound if there is no such permission.
	SetRoles(ctx context.Context, id string, roles []string, at time.Time) error
}

// SubscriptionRoles reads and changes the room roles kept in subscriptions.
type SubscriptionRoles interface {
	// RolesInRoom returns the user's roles in the room; model.ErrNotFound when the user
	// has no subscription to it.
	RolesInRoom(ctx context.Context, rid, uid string) ([]string, error)
	// AddRoomRole adds role to the user's subscription to the room and returns its roles
	// after the change; model.ErrNotFound when there is no such subscription.
	AddRoomRole(ctx context.Context, rid, uid, role string, at time.Time) ([]string, error)
	// RemoveRoomRole is the reverse of AddRoomRole.
	RemoveRoomRole(ctx context.Context, rid, uid, role string, at time.Time) ([]string, error)
	RoomRoleFinder // holders of a room role, for the admin console (console.go)
}

// UserRoles reads and changes users' global roles, and finds users by role.
type UserRoles interface {
	// ByUsername finds a user by username, ignoring case; model.ErrNotFound if none.
	ByUsername(ctx context.Context, username string) (model.User, error)
	// AddRole adds a global role to the user and returns their roles after the change;
	// model.ErrNotFound if there is no such user.
	AddRole(ctx context.Context, uid, role string, at time.Time) ([]string, error)
	// RemoveRole is the reverse of AddRole.
	RemoveRole(ctx context.Context, uid, role string, at time.Time) ([]string, error)
	CountWithRole(ctx context.Context, role string) (int64, error)
	// UsersWithRole returns one page of the users holding a global role, sorted by
	// username, and how many there are in all; count 0 means no limit.
	UsersWithRole(ctx context.Context, role string, offset, count int) ([]model.User, int64, error)
	// UsersWithRoomRole is UsersWithRole for a room role: the users whose subscription to
	// rid holds it, or to any room when rid is empty.
	UsersWithRoomRole(ctx context.Context, role, rid string, offset, count int) ([]model.User, int64, error)
	// UsersWithAnyRole returns every user holding one of the global roles, sorted by username.
	UsersWithAnyRole(ctx context.Context, roles []string) ([]model.User, error)
}

// Service checks permissions and manages roles and permissions.
type Service struct {
	roles RoleStore
	perms PermissionStore
	users UserRoles
	subs  SubscriptionRoles
	tx    model.Transactor
	hub   *streamhub.Hub
	log   *slog.Logger
	now   func() time.Time

	wmu sync.Mutex // serializes writes, so the cache and the events follow commit order

	mu     sync.RWMutex
	byRole map[string]Role
	byPerm map[string]Permission
}

// New returns a service over the stores; call Seed (or Load) before use.
func New(roles RoleStore, perms PermissionStore, users UserRoles, subs SubscriptionRoles, tx model.Transactor, hub *streamhub.Hub, log *slog.Logger) *Service {
	return &Service{
		roles: roles, perms: perms, users: users, subs: subs, tx: tx, hub: hub, log: log, now: time.Now,
		byRole: map[string]Role{}, byPerm: map[string]Permission{},
	}
}

// Load fills the cache from the store.
func (s *Service) Load(ctx context.Context) error {
	roles, err := s.roles.All(ctx)
	if err != nil {
		return fmt.Errorf("authz: load roles: %w", err)
	}
	perms, err := s.perms.All(ctx)
	if err != nil {
		return fmt.Errorf("authz: load permissions: %w", err)
	}
	byRole := make(map[string]Role, len(roles))
	for _, r := range roles {
		byRole[r.ID] = r
	}
	byPerm := make(map[string]Permission, len(perms))
	for _, p := range perms {
		byPerm[p.ID] = p
	}
	s.mu.Lock()
	s.byRole, s.byPerm = byRole, byPerm
	s.mu.Unlock()
	return nil
}

// Seed makes sure Rocket.Chat's default roles and permissions exist, then loads the
// cache; run it at every start. As Rocket.Chat does, it inserts missing permissions but
// never changes the roles of one that exists, so an admin's grants survive upgrades; a
// missing default role is created again, protected, and an existing one takes the
// default's name, scope and (when the default has one) description.
func (s *Service) Seed(ctx context.Context) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	now := s.now().UTC().Truncate(time.Millisecond) // what the store keeps
	var events []streamhub.Event
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		events = events[:0]
		roles, err := s.roles.All(ctx)
		if err != nil {
			return err
		}
		have := make(map[string]Role, len(roles))
		for _, r := range roles {
			have[r.ID] = r
		}
		for _, def := range DefaultRoles() {
			cur, ok := have[def.ID]
			if !ok {
				def.UpdatedAt = now
				if err := s.roles.Insert(ctx, def); err != nil {
					return fmt.Errorf("role %s: %w", def.ID, err)
				}
				events = append(events, roleEvent("inserted", def))
				continue
			}
			next := cur
			next.Name, next.Scope = def.Name, def.Scope
			if def.Description != "" {
				next.Description = def.Description
			}
			if next == cur {
				continue
			}
			next.UpdatedAt = now
			if err := s.roles.Update(ctx, next); err != nil {
				return fmt.Errorf("role %s: %w", def.ID, err)
			}
			events = append(events, roleEvent("updated", next))
		}
		perms, err := s.perms.All(ctx)
		if err != nil {
			return err
		}
		known := make(map[string]bool, len(perms))
		for _, p := range perms {
			known[p.ID] = true
		}
		for _, def := range DefaultPermissions() {
			if known[def.ID] {
				continue
			}
			def.UpdatedAt = now
			if err := s.perms.Insert(ctx, def); err != nil {
				return fmt.Errorf("permission %s: %w", def.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("authz: seed: %w", err)
	}
	if err := s.Load(ctx); err != nil {
		return err
	}
	for _, ev := range events {
		s.hub.Publish(ev)
	}
	return nil
}

// Can reports whether the actor holds permission: through a global role, or, when
// scope is a room id, through a role in that room. An unknown permission is granted to
// nobody.
func (s *Service) Can(ctx context.Context, actor model.Actor, permission, scope string) bool {
	return s.CanAny(ctx, actor, []string{permission}, scope)
}

// CanAny reports whether the actor holds at least one of the permissions (see Can).
func (s *Service) CanAny(ctx context.Context, actor model.Actor, permissions []string, scope string) bool {
	roles := s.rolesOf(ctx, actor, scope)
	if len(roles) == 0 {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, id := range permissions {
		p, ok := s.byPerm[id]
		if !ok {
			s.log.Warn("permission check for an unknown permission", "permission", id)
			continue
		}
		for _, r := range roles {
			if slices.Contains(p.Roles, r) {
				return true
			}
		}
	}
	return false
}

// Require is Can as an error: nil when allowed, else a forbidden error with
// Rocket.Chat's code error-not-allowed.
func (s *Service) Require(ctx context.Context, actor model.Actor, permission, scope string) error {
	if s.Can(ctx, actor, permission, scope) {
		return nil
	}
	return model.Forbidden("error-not-allowed")
}

// rolesOf returns the actor's global roles plus their roles in the room scope.
func (s *Service) rolesOf(ctx context.Context, actor model.Actor, scope string) []string {
	if actor.IsAnonymous() {
		return actor.Roles
	}
	if scope == "" {
		return actor.Roles
	}
	inRoom, err := s.subs.RolesInRoom(ctx, scope, actor.UserID)
	if err != nil {
		if !errors.Is(err, model.ErrNotFound) {
			s.log.Error("reading room roles", "rid", scope, "uid", actor.UserID, "err", err)
		}
		return actor.Roles
	}
	return append(slices.Clip(actor.Roles), inRoom...)
}

// role returns the cached role with the given id, or else with the given name.
func (s *Service) role(idOrName string) (Role, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r, ok := s.byRole[idOrName]; ok {
		return r, true
	}
	for _, r := range s.byRole {
		if r.Name == idOrName {
			return r, true
		}
	}
	return Role{}, false
}

func roleEvent(action string, r Role) streamhub.RoleChanged {
	return streamhub.RoleChanged{
		Action: action, ID: r.ID, Name: r.Name, Scope: r.Scope, Description: r.Description,
		Protected: r.Protected, Mandatory2FA: r.Mandatory2FA, UpdatedAt: r.UpdatedAt,
	}
}

func permissionEvent(action string, p Permission) streamhub.PermissionChanged {
	return streamhub.PermissionChanged{
		Action: action, ID: p.ID, Roles: slices.Clone(p.Roles), Group: p.Group, Section: p.Section,
		Level: p.Level, SettingID: p.SettingID, UpdatedAt: p.UpdatedAt,
	}
}

func byID[T any](id func(T) string) func(a, b T) int {
	return func(a, b T) int { return strings.Compare(id(a), id(b)) }
}
