package docdb

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// The stores of app/authz. Its Role and Permission types live in app/authz, which docdb
// may not import, so the role and permission stores take the document type as a type
// parameter: cmd/outpost builds them as NewRolesStore[authz.Role] and
// NewPermissionsStore[authz.Permission]. The type must map _id like the app/model structs.

// RolesStore keeps rocketchat_roles, documents of type R.
type RolesStore[R any] struct{ c *Collection }

// NewRolesStore returns the roles store of db.
func NewRolesStore[R any](db *DB) *RolesStore[R] { return &RolesStore[R]{db.Collection(Roles)} }

// All returns every role, in _id order.
func (s *RolesStore[R]) All(ctx context.Context) ([]R, error) {
	var out []R
	err := s.c.Find(ctx, Query{Order: F("_id")}, &out)
	return out, err
}

// Insert stores a new role.
func (s *RolesStore[R]) Insert(ctx context.Context, r R) error { return s.c.Insert(ctx, r) }

// Update stores every field of r over the role with r's _id, keeping fields R does not
// name; model.ErrNotFound if there is none.
func (s *RolesStore[R]) Update(ctx context.Context, r R) error {
	id, u, err := setAll(r)
	if err != nil {
		return err
	}
	return s.c.UpdateOne(ctx, id, u, nil)
}

// Delete removes the role with the given _id; model.ErrNotFound if there is none.
func (s *RolesStore[R]) Delete(ctx context.Context, id string) error {
	n, err := s.c.Delete(ctx, ByID(id))
	if err == nil && n == 0 {
		err = model.ErrNotFound
	}
	return err
}

// PermissionsStore keeps rocketchat_permissions, documents of type P.
type PermissionsStore[P any] struct{ c *Collection }

// NewPermissionsStore returns the permissions store of db.
func NewPermissionsStore[P any](db *DB) *PermissionsStore[P] {
	return &PermissionsStore[P]{db.Collection(Permissions)}
}

// All returns every permission, in _id order.
func (s *PermissionsStore[P]) All(ctx context.Context) ([]P, error) {
	var out []P
	err := s.c.Find(ctx, Query{Order: F("_id")}, &out)
	return out, err
}

// Insert stores a new permission.
func (s *PermissionsStore[P]) Insert(ctx context.Context, p P) error { return s.c.Insert(ctx, p) }

// SetRoles replaces a permission's roles; model.ErrNotFound if there is none.
func (s *PermissionsStore[P]) SetRoles(ctx context.Context, id string, roles []string, at time.Time) error {
	if roles == nil {
		roles = []string{}
	}
	return s.c.UpdateOne(ctx, id, U().Set("roles", roles).Set("_updatedAt", at), nil)
}

// setAll builds an update that sets every field of v but _id, and returns v's _id.
func setAll(v any) (string, *Update, error) {
	d, err := toDoc(v)
	if err != nil {
		return "", nil, err
	}
	id, _ := d.Get("_id")
	sid, ok := id.(string)
	if !ok || sid == "" {
		return "", nil, errors.New("docdb: document has no string _id")
	}
	u := U()
	for _, f := range d {
		if f.Key != "_id" {
			u.Set(f.Key, f.Value)
		}
	}
	return sid, u, nil
}

// hasRole is the condition "the array at path holds the bound role". It scans the array
// with json_each: no index serves it, so callers first narrow the rows through an index
// (subscriptions_roles_rooms.go); users' roles have their side table (users_roles.go).
func hasRole(path string) string {
	return "EXISTS (SELECT 1 FROM json_each(" + docColumn + ", '$." + path + "') r WHERE r.value = ?)"
}

// UserRolesStore keeps users' global roles (users.roles) and finds users by their
// global or room roles.
type UserRolesStore struct {
	users     *Collection
	subsTable string
}

// NewUserRolesStore returns the user roles store of db.
func NewUserRolesStore(db *DB) *UserRolesStore {
	return &UserRolesStore{users: db.Collection(Users), subsTable: db.Collection(Subscriptions).table}
}

// ByUsername finds a user by username, ignoring case.
func (s *UserRolesStore) ByUsername(ctx context.Context, username string) (model.User, error) {
	var u model.User
	err := s.users.FindOne(ctx, Query{Where: "lower(" + F("username") + ") = lower(?)", Args: []any{username}}, &u)
	return u, err
}

// AddRole adds a global role to the user and returns their roles after the change.
func (s *UserRolesStore) AddRole(ctx context.Context, uid, role string, at time.Time) ([]string, error) {
	var u model.User
	err := s.users.UpdateOne(ctx, uid, U().AddToSet("roles", role).Set("_updatedAt", at), &u)
	return u.Roles, err
}

// RemoveRole removes a global role from the user and returns their roles after the change.
func (s *UserRolesStore) RemoveRole(ctx context.Context, uid, role string, at time.Time) ([]string, error) {
	var u model.User
	err := s.users.UpdateOne(ctx, uid, U().Pull("roles", role).Set("_updatedAt", at), &u)
	return u.Roles, err
}

// CountWithRole counts the users holding a global role.
func (s *UserRolesStore) CountWithRole(ctx context.Context, role string) (int64, error) {
	return roleHolders(ctx, s.users, role)
}

// UsersWithRole returns a page of the users holding a global role, sorted by username,
// and how many hold it; count 0 means no limit. The users.roles side table finds them
// (users_roles.go).
func (s *UserRolesStore) UsersWithRole(ctx context.Context, role string, offset, count int) ([]model.User, int64, error) {
	return usersWithRolePage(ctx, s.users, role, offset, count)
}

// UsersWithRoomRole returns a page of the users whose subscription to rid (to any room
// when rid is empty) holds role, sorted by username, and how many there are.
func (s *UserRolesStore) UsersWithRoomRole(ctx context.Context, role, rid string, offset, count int) ([]model.User, int64, error) {
	// The subquery reads the subscriptions table; its unqualified document column is the
	// subscription's, the nearer table.
	// Searched room by room through the (rid, roles) index (subscriptions_roles_rooms.go).
	sub := `SELECT ` + F("u._id") + ` FROM "` + s.subsTable + `" WHERE ` + roomRoleWhere(s.subsTable)
	args := []any{role}
	if rid != "" {
		sub = `SELECT ` + F("u._id") + ` FROM "` + s.subsTable + `" WHERE ` + F("rid") + " = ? AND " + anyRoomRole + " AND " + hasRole("roles")
		args = []any{rid, role}
	}
	return s.page(ctx, Query{Where: F("_id") + " IN (" + sub + ")", Args: args}, offset, count)
}

// UsersWithAnyRole returns every user holding one of the global roles, sorted by username.
func (s *UserRolesStore) UsersWithAnyRole(ctx context.Context, roles []string) ([]model.User, error) {
	if len(roles) == 0 {
		return nil, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(roles)), ",")
	args := make([]any, len(roles))
	for i, r := range roles {
		args[i] = r
	}
	var out []model.User
	err := s.users.Find(ctx, Query{
		Where: docColumn + `->'_id' IN (SELECT json_quote(id) FROM ` + usersRolesTable + ` WHERE key IN (` + marks + `))`,
		Args:  args,
		Order: F("username"),
	}, &out)
	return out, err
}

func (s *UserRolesStore) page(ctx context.Context, q Query, offset, count int) ([]model.User, int64, error) {
	total, err := s.users.Count(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	q.Order, q.Offset, q.Limit = F("username"), offset, count
	var out []model.User
	if err := s.users.Find(ctx, q, &out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// SubscriptionRolesStore keeps the room roles of rocketchat_subscription.
type SubscriptionRolesStore struct{ c *Collection }

// NewSubscriptionRolesStore returns the subscription roles store of db.
func NewSubscriptionRolesStore(db *DB) *SubscriptionRolesStore {
	return &SubscriptionRolesStore{db.Collection(Subscriptions)}
}

// subscriptionOf selects the subscription of uid to rid, through the rid index.
func subscriptionOf(rid, uid string) Query {
	return Query{Where: F("rid") + " = ? AND " + F("u._id") + " = ?", Args: []any{rid, uid}}
}

// RolesInRoom returns the user's roles in the room; model.ErrNotFound when the user is
// not subscribed to it.
func (s *SubscriptionRolesStore) RolesInRoom(ctx context.Context, rid, uid string) ([]string, error) {
	var sub struct {
		Roles []string `json:"roles"`
	}
	if err := s.c.FindOne(ctx, subscriptionOf(rid, uid), &sub); err != nil {
		return nil, err
	}
	return sub.Roles, nil
}

// AddRoomRole adds role to the user's subscription to the room and returns its roles.
func (s *SubscriptionRolesStore) AddRoomRole(ctx context.Context, rid, uid, role string, at time.Time) ([]string, error) {
	return s.change(ctx, rid, uid, U().AddToSet("roles", role).Set("_updatedAt", at))
}

// RemoveRoomRole removes role from the user's subscription to the room and returns its roles.
func (s *SubscriptionRolesStore) RemoveRoomRole(ctx context.Context, rid, uid, role string, at time.Time) ([]string, error) {
	return s.change(ctx, rid, uid, U().Pull("roles", role).Set("_updatedAt", at))
}

func (s *SubscriptionRolesStore) change(ctx context.Context, rid, uid string, u *Update) ([]string, error) {
	var roles []string
	err := s.c.db.InTx(ctx, func(ctx context.Context) error {
		n, err := s.c.Update(ctx, subscriptionOf(rid, uid), u)
		if err != nil {
			return err
		}
		if n == 0 {
			return model.ErrNotFound
		}
		roles, err = s.RolesInRoom(ctx, rid, uid)
		return err
	})
	return roles, err
}
