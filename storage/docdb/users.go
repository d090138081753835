package docdb

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
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
	return roleHolders(ctx, s.c, role)
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

// ListUsers returns one page of the users q selects, in q's order (then by _id), and how
// many it selects in all.
func (s *UsersStore) ListUsers(ctx context.Context, q model.UserQuery) ([]model.User, int64, error) {
	if role, ok := roleOnly(q); ok {
		return usersWithRolePage(ctx, s.c, role, q.Offset, q.Limit) // users_roles.go
	}
	where, args, walk, err := roleWalkWhere(ctx, s.c, q) // users_roles.go
	if err != nil {
		return nil, 0, err
	}
	if !walk {
		where, args, err = userWhere(q)
	}
	if err != nil {
		return nil, 0, err
	}
	order, err := userOrder(q.Sort)
	if err != nil {
		return nil, 0, err
	}
	total, err := s.c.Count(ctx, Query{Where: where, Args: args})
	if err != nil {
		return nil, 0, err
	}
	var out []model.User
	err = s.c.Find(ctx, Query{Where: where, Args: args, Order: order, Offset: q.Offset, Limit: q.Limit}, &out)
	return out, total, err
}

// ListUsersIn is ListUsers over the users whose _id is one of ids, found through the
// _id index in one query whatever their number (the members of a room), keeping only
// those whose status ("offline" when unset or empty) is one of statuses unless statuses is empty.
func (s *UsersStore) ListUsersIn(ctx context.Context, ids, statuses []string, q model.UserQuery) ([]model.User, int64, error) {
	if len(ids) == 0 {
		return nil, 0, nil
	}
	where, args, err := userWhere(q)
	if err != nil {
		return nil, 0, err
	}
	order, err := userOrder(q.Sort)
	if err != nil {
		return nil, 0, err
	}
	idList, err := json.Marshal(ids)
	if err != nil {
		return nil, 0, err
	}
	conds := []string{docColumn + "->'_id' IN (SELECT json_quote(value) FROM json_each(?))"}
	all := []any{string(idList)}
	if len(statuses) > 0 {
		list, err := json.Marshal(statuses)
		if err != nil {
			return nil, 0, err
		}
		conds = append(conds, "coalesce(nullif("+F("status")+", ''), 'offline') IN (SELECT value FROM json_each(?))")
		all = append(all, string(list))
	}
	if where != "" {
		conds = append(conds, where)
	}
	sel := Query{Where: strings.Join(conds, " AND "), Args: append(all, args...)}
	total, err := s.c.Count(ctx, sel)
	if err != nil {
		return nil, 0, err
	}
	sel.Order, sel.Offset, sel.Limit = order, q.Offset, q.Limit
	var out []model.User
	err = s.c.Find(ctx, sel, &out)
	return out, total, err
}

// UpdateFields sets and unsets fields of the user (dotted paths, as Mongo's $set and
// $unset take them) and returns the user after the change; model.ErrNotFound if none.
func (s *UsersStore) UpdateFields(ctx context.Context, uid string, set map[string]any, unset []string) (model.User, error) {
	u := U()
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		u.Set(k, set[k])
	}
	for _, k := range unset {
		u.Unset(k)
	}
	var out model.User
	err := s.c.UpdateOne(ctx, uid, u, &out)
	return out, err
}

// Delete removes the user; model.ErrNotFound if there is none.
func (s *UsersStore) Delete(ctx context.Context, uid string) error {
	n, err := s.c.Delete(ctx, ByID(uid))
	if err == nil && n == 0 {
		err = model.ErrNotFound
	}
	return err
}

// ClearLoginTokens removes every login token of the user, personal access tokens too.
func (s *UsersStore) ClearLoginTokens(ctx context.Context, uid string, at time.Time) error {
	return s.c.UpdateOne(ctx, uid, U().Set("services.resume.loginTokens", []model.LoginToken{}).Set("_updatedAt", at), nil)
}

// AddPersonalAccessToken stores a personal access token (lt.Type "personalAccessToken").
func (s *UsersStore) AddPersonalAccessToken(ctx context.Context, uid string, lt model.LoginToken) error {
	return s.c.UpdateOne(ctx, uid, U().Push("services.resume.loginTokens", lt), nil)
}

// RemovePersonalAccessToken removes the user's personal access token of that name.
func (s *UsersStore) RemovePersonalAccessToken(ctx context.Context, uid, name string) error {
	return s.c.UpdateOne(ctx, uid, U().Pull("services.resume.loginTokens",
		map[string]any{"type": "personalAccessToken", "name": name}), nil)
}

// CountActiveWithRole counts the active users holding a global role.
func (s *UsersStore) CountActiveWithRole(ctx context.Context, role string) (int64, error) {
	return s.c.Count(ctx, Query{Where: InMultiKey("outpost_users_roles") + " AND " + F("active") + " = 1", Args: []any{role}})
}

// userTextFields are the scalar text fields a UserQuery may test.
var userTextFields = map[string]bool{"username": true, "name": true, "nickname": true, "type": true, "status": true}

// userWhere turns a UserQuery's conditions into SQL.
func userWhere(q model.UserQuery) (string, []any, error) {
	var (
		parts []string
		args  []any
	)
	for _, c := range q.All {
		w, a, err := userCondSQL(c)
		if err != nil {
			return "", nil, err
		}
		parts = append(parts, w)
		args = append(args, a...)
	}
	if w, a, ok := userSearchSQL(q.Any); ok {
		parts = append(parts, w)
		args = append(args, a...)
	} else if len(q.Any) > 0 {
		var alts []string
		for _, c := range q.Any {
			w, a, err := userCondSQL(c)
			if err != nil {
				return "", nil, err
			}
			alts = append(alts, w)
			args = append(args, a...)
		}
		parts = append(parts, "("+strings.Join(alts, " OR ")+")")
	}
	for i, p := range parts {
		parts[i] = "(" + p + ")"
	}
	return strings.Join(parts, " AND "), args, nil
}

func userCondSQL(c model.UserCond) (string, []any, error) {
	switch {
	case userTextFields[c.Field]:
		if c.Match != nil {
			w, a := textMatchSQL(F(c.Field), *c.Match)
			return w, a, nil
		}
		s, ok := c.Equals.(string)
		if !ok {
			return "", nil, fmt.Errorf("docdb: users: %s must equal a string, not %T", c.Field, c.Equals)
		}
		return F(c.Field) + " = ?", []any{s}, nil
	case c.Field == "active":
		b, ok := c.Equals.(bool)
		if !ok || c.Match != nil {
			return "", nil, fmt.Errorf("docdb: users: active must equal a bool, not %T", c.Equals)
		}
		if b {
			return F("active") + " = 1", nil, nil
		}
		return "coalesce(" + F("active") + ", 0) = 0", nil, nil
	case c.Field == "roles", c.Field == "emails.address":
		table, fold := "outpost_users_roles", false
		if c.Field == "emails.address" {
			table, fold = "outpost_users_emails", true // the side table keeps addresses lower-cased
		}
		if c.Match != nil {
			m := *c.Match
			if fold {
				m.Fold, m.Text = false, lowerASCII(m.Text)
			}
			w, a := textMatchSQL("key", m)
			return inSideTable(table, w), a, nil
		}
		s, ok := c.Equals.(string)
		if !ok {
			return "", nil, fmt.Errorf("docdb: users: %s must equal a string, not %T", c.Field, c.Equals)
		}
		if fold {
			s = lowerASCII(s)
		}
		return inSideTable(table, "key = ?"), []any{s}, nil
	}
	return "", nil, fmt.Errorf("docdb: users: cannot select on %q", c.Field)
}

// inSideTable is the condition "some key of the document in the multikey side table
// passes cond".
func inSideTable(table, cond string) string {
	return docColumn + `->'_id' IN (SELECT json_quote(id) FROM ` + table + ` WHERE ` + cond + `)`
}

// textMatchSQL tests the text expression x against m. SQLite's lower() folds ASCII
// letters only, so Fold ignores ASCII case only.
func textMatchSQL(x string, m model.TextMatch) (string, []any) {
	t := m.Text
	if m.Fold {
		x, t = "lower("+x+")", lowerASCII(t)
	}
	switch {
	case t == "" && m.Start && m.End:
		return x + " = ''", nil
	case t == "":
		return x + " IS NOT NULL", nil
	case m.Start && m.End:
		return x + " = ?", []any{t}
	case m.Start:
		return "instr(" + x + ", ?) = 1", []any{t}
	case m.End:
		return "substr(" + x + ", -length(?)) = ?", []any{t, t}
	}
	return "instr(" + x + ", ?) > 0", []any{t}
}

// userSortFields maps the fields a listing may sort on to their SQL.
var userSortFields = map[string]string{
	"username":  F("username"),
	"name":      "lower(" + F("name") + ")",
	"status":    F("status"),
	"active":    F("active"),
	"type":      F("type"),
	"createdAt": F("createdAt"),
	"lastLogin": F("lastLogin"),
	"_id":       F("_id"),
}

func userOrder(sortBy []model.SortField) (string, error) {
	var parts []string
	for _, f := range sortBy {
		x, ok := userSortFields[f.Field]
		if !ok {
			return "", fmt.Errorf("docdb: users: cannot sort on %q", f.Field)
		}
		if f.Desc {
			x += " DESC"
		}
		parts = append(parts, x)
	}
	return strings.Join(append(parts, F("_id")), ", "), nil
}
