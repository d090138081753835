package accounts

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// The admin console's user listing: Rocket.Chat's Administration › Users page, which
// its sidebar shows to holders of view-user-administration
// (apps/meteor/client/views/admin/sidebarItems.ts) and which lists users through
// users.listByStatus (search term in name, username and email; status active or
// deactivated; roles).

// PermViewUsers is the permission the admin user listing needs.
const PermViewUsers = "view-user-administration"

// AdminUserQuery selects users for the console: Text occurs (ignoring ASCII case) in the
// username, the name or an email address; Status is a presence status (online, away,
// busy, offline) or empty; Active, when set, is the active flag; Role a global role
// id or empty. Count is the page size (1..100, default 25).
type AdminUserQuery struct {
	Text   string
	Status string
	Active *bool
	Role   string
	Offset int
	Count  int
}

// ManagedUser is a user as the console shows it: the document without credentials,
// and what the credentials say.
type ManagedUser struct {
	model.User
	TwoFactor bool // TOTP enabled
	Sessions  int  // resume tokens (logins)
	Tokens    int  // personal access tokens
}

func managed(u model.User) ManagedUser {
	m := ManagedUser{TwoFactor: u.Services.TOTP != nil && u.Services.TOTP.Enabled}
	if u.Services.Resume != nil {
		for _, lt := range u.Services.Resume.LoginTokens {
			if lt.Type == "" {
				m.Sessions++
			} else {
				m.Tokens++
			}
		}
	}
	u.Services = model.UserServices{}
	m.User = u
	return m
}

// userStatuses are the presence statuses AdminUserQuery.Status may name.
var userStatuses = []string{"online", "away", "busy", "offline"}

// AdminUsers returns one page of users for the console, sorted by username, and how
// many the query selects (needs view-user-administration).
func (s *Service) AdminUsers(ctx context.Context, actor model.Actor, in AdminUserQuery) ([]ManagedUser, int64, error) {
	if !s.can(ctx, actor, PermViewUsers) {
		return nil, 0, model.Forbidden("error-not-allowed")
	}
	q := model.UserQuery{Sort: []model.SortField{{Field: "username"}}, Offset: max(in.Offset, 0), Limit: in.Count}
	if q.Limit <= 0 {
		q.Limit = 25
	}
	q.Limit = min(q.Limit, 100)
	if text := strings.TrimSpace(in.Text); text != "" {
		if len(text) > 100 {
			return nil, 0, model.Invalid("error-invalid-params", "The search text is too long")
		}
		m := &model.TextMatch{Text: text, Fold: true}
		q.Any = []model.UserCond{{Field: "username", Match: m}, {Field: "name", Match: m}, {Field: "emails.address", Match: m}}
	}
	if in.Status != "" {
		if !slices.Contains(userStatuses, in.Status) {
			return nil, 0, model.Invalid("error-invalid-params", "Unknown status "+in.Status)
		}
		q.All = append(q.All, model.UserCond{Field: "status", Equals: in.Status})
	}
	if in.Active != nil {
		q.All = append(q.All, model.UserCond{Field: "active", Equals: *in.Active})
	}
	if in.Role != "" {
		q.All = append(q.All, model.UserCond{Field: "roles", Equals: in.Role})
	}
	users, total, err := s.users.ListUsers(ctx, q)
	if err != nil {
		return nil, 0, model.Internal(err)
	}
	out := make([]ManagedUser, len(users))
	for i, u := range users {
		out[i] = managed(u)
	}
	return out, total, nil
}

// AdminUser returns one user for the console (needs view-user-administration).
func (s *Service) AdminUser(ctx context.Context, actor model.Actor, uid string) (ManagedUser, error) {
	if !s.can(ctx, actor, PermViewUsers) {
		return ManagedUser{}, model.Forbidden("error-not-allowed")
	}
	u, err := s.users.ByID(ctx, uid)
	if errors.Is(err, model.ErrNotFound) {
		return ManagedUser{}, model.NotFound("error-invalid-user", "No such user")
	}
	if err != nil {
		return ManagedUser{}, model.Internal(err)
	}
	return managed(u), nil
}
