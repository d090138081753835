package docdb

import (
	"context"

	"github.com/outpostchat/outpost/app/model"
)

// UsersStore keeps the users collection.
type UsersStore struct{ c *Collection }

// NewUsersStore returns the users store of db.
func NewUsersStore(db *DB) *UsersStore { return &UsersStore{db.Collection(Users)} }

// Insert stores a new user.
func (s *UsersStore) Insert(ctx context.Context, u model.User) error { return s.c.Insert(ctx, u) }

// ByUsername finds a user by username, ignoring case.
func (s *UsersStore) ByUsername(ctx context.Context, username string) (model.User, error) {
	var u model.User
	err := s.c.FindOne(ctx, Query{Where: "lower(" + F("username") + ") = lower(?)", Args: []any{username}}, &u)
	return u, err
}

// ByEmail finds a user by one of their email addresses, ignoring case.
func (s *UsersStore) ByEmail(ctx context.Context, address string) (model.User, error) {
	var u model.User
	err := s.c.FindOne(ctx, Query{
		Where: "EXISTS (SELECT 1 FROM json_each(" + docColumn + ", '$.emails') e WHERE lower(e.value->>'address') = lower(?))",
		Args:  []any{address},
	}, &u)
	return u, err
}

// CountWithRole counts the users holding a global role.
func (s *UsersStore) CountWithRole(ctx context.Context, role string) (int64, error) {
	return s.c.Count(ctx, Query{
		Where: "EXISTS (SELECT 1 FROM json_each(" + docColumn + ", '$.roles') r WHERE r.value = ?)",
		Args:  []any{role},
	})
}
