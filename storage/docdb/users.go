package docdb

import (
	"context"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// UsersStore keeps the users collection.
type UsersStore struct{ c *Collection }

// NewUsersStore returns the users store of db.
func NewUsersStore(db *DB) *UsersStore { return &UsersStore{db.Collection(Users)} }

// Insert stores a new user.
func (s *UsersStore) Insert(ctx context.Context, u model.User) error { return s.c.Insert(ctx, u) }

// ByID finds a user by _id.
func (s *UsersStore) ByID(ctx context.Context, id string) (model.User, error) {
	var u model.User
	err := s.c.FindOne(ctx, ByID(id), &u)
	return u, err
}

// ByUsername finds a user by username, ignoring case.
func (s *UsersStore) ByUsername(ctx context.Context, username string) (model.User, error) {
	var u model.User
	err := s.c.FindOne(ctx, Query{Where: "lower(" + F("username") + ") = lower(?)", Args: []any{username}}, &u)
	return u, err
}

// ByEmail finds a user by one of their email addresses, ignoring case.
func (s *UsersStore) ByEmail(ctx context.Context, address string) (model.User, error) {
	var u model.User
	err := s.c.FindOne(ctx, Query{Where: InMultiKey("outpost_users_emails"), Args: []any{lowerASCII(address)}}, &u)
	return u, err
}

// ByLoginToken finds the user holding a hashed login token.
func (s *UsersStore) ByLoginToken(ctx context.Context, hashed string) (model.User, error) {
	var u model.User
	err := s.c.FindOne(ctx, Query{Where: InMultiKey("outpost_users_login_tokens"), Args: []any{hashed}}, &u)
	return u, err
}

// CountWithRole counts the users holding a global role.
func (s *UsersStore) CountWithRole(ctx context.Context, role string) (int64, error) {
	return s.c.Count(ctx, Query{Where: InMultiKey("outpost_users_roles"), Args: []any{role}})
}

// AddLoginToken records a new login token and the login time.
func (s *UsersStore) AddLoginToken(ctx context.Context, uid string, lt model.LoginToken, at time.Time) error {
	return s.c.UpdateOne(ctx, uid, U().Push("services.resume.loginTokens", lt).Set("lastLogin", at).Set("_updatedAt", at), nil)
}

// RemoveLoginToken removes one hashed login token.
func (s *UsersStore) RemoveLoginToken(ctx context.Context, uid, hashed string) error {
	return s.c.UpdateOne(ctx, uid, U().Pull("services.resume.loginTokens", map[string]any{"hashedToken": hashed}), nil)
}

// KeepOnlyLoginToken removes every resume token of the user except hashed; personal
// access tokens stay.
func (s *UsersStore) KeepOnlyLoginToken(ctx context.Context, uid, hashed string) error {
	return s.c.db.InTx(ctx, func(ctx context.Context) error {
		u, err := s.ByID(ctx, uid)
		if err != nil {
			return err
		}
		keep := []model.LoginToken{}
		if u.Services.Resume != nil {
			for _, lt := range u.Services.Resume.LoginTokens {
				if lt.HashedToken == hashed || lt.Type != "" {
					keep = append(keep, lt)
				}
			}
		}
		return s.c.UpdateOne(ctx, uid, U().Set("services.resume.loginTokens", keep), nil)
	})
}

// lowerASCII matches SQLite's lower(), which folds only ASCII letters.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
