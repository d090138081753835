package accounts

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// UserRef names a user by _id or, when ID is empty, by username (ignoring case).
type UserRef struct {
	ID       string
	Username string
}

func (s *Service) userByRef(ctx context.Context, ref UserRef) (model.User, error) {
	if ref.ID != "" {
		return s.users.ByID(ctx, ref.ID)
	}
	return s.users.ByUsername(ctx, ref.Username)
}

// UserInfo is users.info: the user as the actor may see them. Everyone signed in sees
// the public fields; the user themself and holders of view-full-other-user-info also
// see emails, roles, dates and custom fields.
func (s *Service) UserInfo(ctx context.Context, actor model.Actor, ref UserRef) (map[string]any, error) {
	if ref.ID == "" && ref.Username == "" {
		return nil, model.Invalid("", "Invalid search query.")
	}
	u, err := s.userByRef(ctx, ref)
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.Invalid("", "User not found.")
	}
	if err != nil {
		return nil, model.Internal(err)
	}
	self := u.ID == actor.UserID
	full := self || s.can(ctx, actor, "view-full-other-user-info")
	level := viewPublic
	if full {
		level = viewFull
	}
	d := userDoc(u, level)
	d["canViewAllInfo"] = full
	if self && u.Services.Password != nil {
		d["services"] = map[string]any{"password": true}
	}
	return d, nil
}

// ListUsersInput is users.list's parameters, decoded: Rocket.Chat's legacy query
// (simple conditions only), the fields projection (1 include, 0 exclude), the sort and
// the page (Count 0: no limit).
type ListUsersInput struct {
	Query  map[string]any
	Fields map[string]int
	Sort   []model.SortField
	Offset int
	Count  int
}

// UserPage is one page of a user listing.
type UserPage struct {
	Users  []map[string]any `json:"users"`
	Count  int              `json:"count"`
	Offset int              `json:"offset"`
	Total  int64            `json:"total"`
}

// listFields are the fields users.list shows unless asked otherwise.
var listFields = []string{"name", "username", "emails", "roles", "status", "active", "avatarETag", "lastLogin", "type"}

// ListUsers is users.list (needs view-d-room). Unlike Rocket.Chat, emails are shown and
// searchable only with view-full-other-user-info.
func (s *Service) ListUsers(ctx context.Context, actor model.Actor, in ListUsersInput) (UserPage, error) {
	if !s.can(ctx, actor, "view-d-room") {
		return UserPage{}, model.Forbidden("error-unauthorized")
	}
	full := s.can(ctx, actor, "view-full-other-user-info")
	q, err := parseUserQuery(in.Query, full)
	if err != nil {
		return UserPage{}, err
	}
	q.Sort, q.Offset, q.Limit = in.Sort, in.Offset, in.Count
	if len(q.Sort) == 0 {
		q.Sort = []model.SortField{{Field: "username"}}
	}
	for _, f := range q.Sort {
		if !slices.Contains([]string{"username", "name", "status", "active", "type", "createdAt", "lastLogin"}, f.Field) {
			return UserPage{}, model.Invalid("error-invalid-sort", "Cannot sort users by "+f.Field)
		}
	}
	users, total, err := s.users.ListUsers(ctx, q)
	if err != nil {
		return UserPage{}, model.Internal(err)
	}
	show := map[string]bool{"_id": true}
	for _, f := range listFields {
		show[f] = true
	}
	for f, v := range in.Fields {
		show[f] = v == 1
	}
	page := UserPage{Users: make([]map[string]any, 0, len(users)), Count: len(users), Offset: in.Offset, Total: total}
	for _, u := range users {
		d := userDoc(u, viewFull)
		if !full && u.ID != actor.UserID {
			delete(d, "emails")
			delete(d, "customFields")
		}
		for k := range d {
			if !show[k] {
				delete(d, k)
			}
		}
		page.Users = append(page.Users, d)
	}
	return page, nil
}

// invalidQuery is users.list's answer to a query it does not take.
func invalidQuery(msg string) *model.Error { return model.Invalid("error-invalid-query", msg) }

// parseUserQuery reads the subset of a Mongo query users.list takes: equality and
// $regex (a literal text, optionally anchored) on username, name, nickname, type and
// roles (and emails.address with full), equality on active, and $or / $and of those.
func parseUserQuery(query map[string]any, full bool) (model.UserQuery, error) {
	var q model.UserQuery
	for key, v := range query {
		switch key {
		case "$or", "$and":
			list, ok := v.([]any)
			if !ok {
				return q, invalidQuery(key + " must be an array")
			}
			for _, el := range list {
				m, ok := el.(map[string]any)
				if !ok || len(m) != 1 {
					return q, invalidQuery(key + " takes objects of one condition each")
				}
				for k, x := range m {
					c, err := parseUserCond(k, x, full)
					if err != nil {
						return q, err
					}
					if key == "$or" {
						q.Any = append(q.Any, c)
					} else {
						q.All = append(q.All, c)
					}
				}
			}
		default:
			c, err := parseUserCond(key, v, full)
			if err != nil {
				return q, err
			}
			q.All = append(q.All, c)
		}
	}
	return q, nil
}

func parseUserCond(field string, v any, full bool) (model.UserCond, error) {
	c := model.UserCond{Field: field}
	switch field {
	case "username", "name", "nickname", "type", "roles":
	case "emails.address":
		if !full {
			return c, invalidQuery("Invalid query: emails.address")
		}
	case "active":
		b, ok := v.(bool)
		if !ok {
			return c, invalidQuery("active must be true or false")
		}
		c.Equals = b
		return c, nil
	default:
		return c, invalidQuery("Invalid query: " + field)
	}
	switch x := v.(type) {
	case string:
		c.Equals = x
		return c, nil
	case map[string]any:
		pattern, ok := x["$regex"].(string)
		options, _ := x["$options"].(string)
		if eq, isEq := x["$eq"].(string); isEq && len(x) == 1 {
			c.Equals = eq
			return c, nil
		}
		if !ok || len(x) > 2 || (len(x) == 2 && x["$options"] == nil) {
			return c, invalidQuery("Invalid query: " + field + " takes a string or {$regex, $options}")
		}
		m, err := parseRegex(pattern, options)
		if err != nil {
			return c, err
		}
		c.Match = &m
		return c, nil
	}
	return c, invalidQuery("Invalid query: " + field + " takes a string or {$regex, $options}")
}

// parseRegex accepts a regular expression that is a literal text (metacharacters
// escaped, as clients' escapeRegExp leaves it), optionally anchored with ^ and $.
func parseRegex(pattern, options string) (model.TextMatch, error) {
	var m model.TextMatch
	switch options {
	case "":
	case "i":
		m.Fold = true
	default:
		return m, invalidQuery("Unsupported $options " + options)
	}
	if rest, ok := strings.CutPrefix(pattern, "^"); ok {
		m.Start, pattern = true, rest
	}
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern) && !isAlnum(pattern[i+1]):
			i++
			b.WriteByte(pattern[i])
		case c == '$' && i == len(pattern)-1:
			m.End = true
		case strings.IndexByte(`\.*+?()[]{}|^$`, c) >= 0:
			return m, invalidQuery("Only literal $regex texts are supported")
		default:
			b.WriteByte(c)
		}
	}
	m.Text = b.String()
	return m, nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
