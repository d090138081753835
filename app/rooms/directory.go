package rooms

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// DirectoryQuery is what the directory lists (REST directory; Rocket.Chat's
// browseChannels method).
type DirectoryQuery struct {
	Type string // "channels" (the default) or "users"
	Text string
	// Workspace is "local" (the default), "all" (users: also matches e-mail addresses)
	// or "external" (federated users, of which Outpost has none).
	Workspace string
	SortBy    string // channels: name, createdAt, usersCount, lastMessage, usernames; users: name, createdAt, username, email, bio, usersCount
	Desc      bool
	Offset    int
	Count     int // 0: no limit
}

// errVerifyParams is browseChannels' answer to parameters it does not take, which
// Rocket.Chat's directory route turns into a plain failure.
func errVerifyParams() *model.Error {
	return &model.Error{Kind: model.KindInvalid, Message: "Please verify the parameters"}
}

// Directory pages public channels or users for the directory, as browseChannels does:
// channels are sorted featured first, then by SortBy (name by default); users need
// view-outside-room and view-d-room. A sort field browseChannels does not know, a
// type other than channels or users and a missing permission are all "Please verify
// the parameters".
func (s *Service) Directory(ctx context.Context, actor model.Actor, q DirectoryQuery) (Page[any], error) {
	if actor.IsAnonymous() {
		return Page[any]{}, model.Forbidden("error-unauthorized")
	}
	typ := cmpOr(q.Type, "channels")
	sortBy := cmpOr(q.SortBy, "name")
	switch {
	case typ == "channels" && slices.Contains([]string{"name", "createdAt", "usersCount", "usernames", "lastMessage"}, sortBy):
		return s.directoryRooms(ctx, actor, q, sortBy)
	case typ == "users" && slices.Contains([]string{"name", "createdAt", "usersCount", "username", "email", "bio"}, sortBy):
		return s.directoryUsers(ctx, actor, q, sortBy)
	}
	return Page[any]{}, errVerifyParams()
}

func (s *Service) directoryRooms(ctx context.Context, actor model.Actor, q DirectoryQuery, sortBy string) (Page[any], error) {
	all, err := s.SearchRooms(ctx, actor, strings.TrimSpace(q.Text), false, 0, 0)
	if err != nil {
		return Page[any]{}, err
	}
	key := map[string]func(a, b RoomItem) int{
		"createdAt":  func(a, b RoomItem) int { return a.Ts.Compare(b.Ts) },
		"usersCount": func(a, b RoomItem) int { return cmp.Compare(a.UsersCount, b.UsersCount) },
		"lastMessage": func(a, b RoomItem) int {
			return cmp.Compare(lmOf(a), lmOf(b))
		},
	}[sortBy]
	if key == nil {
		key = func(a, b RoomItem) int { return cmp.Compare(a.Name, b.Name) }
	}
	items := slices.Clone(all.Items)
	slices.SortStableFunc(items, func(a, b RoomItem) int {
		if c := cmpBool(b.Featured, a.Featured); c != 0 {
			return c
		}
		c := key(a, b)
		if q.Desc {
			c = -c
		}
		return c
	})
	p := page(items, max(q.Offset, 0), max(q.Count, 0))
	out := make([]any, len(p.Items))
	for i, it := range p.Items {
		out[i] = it
	}
	return Page[any]{Items: out, Total: p.Total}, nil
}

func lmOf(r RoomItem) int64 {
	if r.LM == nil {
		return 0
	}
	return r.LM.UnixMilli()
}

func (s *Service) directoryUsers(ctx context.Context, actor model.Actor, q DirectoryQuery, sortBy string) (Page[any], error) {
	if !s.authz.Can(ctx, actor, "view-outside-room", "") || !s.authz.Can(ctx, actor, "view-d-room", "") {
		return Page[any]{}, errVerifyParams()
	}
	if q.Workspace == "external" {
		return Page[any]{Items: []any{}}, nil
	}
	field := map[string]string{"name": "name", "createdAt": "createdAt"}[sortBy]
	if field == "" {
		field = "username" // username, and the fields the store cannot sort on (email, bio, usersCount)
	}
	uq := model.UserQuery{All: []model.UserCond{{Field: "active", Equals: true}},
		Sort: []model.SortField{{Field: field, Desc: q.Desc}}, Offset: max(q.Offset, 0), Limit: max(q.Count, 0)}
	if field != "username" {
		uq.Sort = append(uq.Sort, model.SortField{Field: "username", Desc: q.Desc})
	}
	if text := strings.TrimSpace(q.Text); text != "" {
		m := &model.TextMatch{Text: text, Fold: true}
		// Accounts_SearchFields for the local workspace; username, name and e-mail for all.
		fields := []string{"username", "name", "nickname"}
		if q.Workspace == "all" {
			fields = []string{"username", "name", "emails.address"}
		}
		for _, f := range fields {
			uq.Any = append(uq.Any, model.UserCond{Field: f, Match: m})
		}
	}
	users, total, err := s.users.ListUsers(ctx, uq)
	if err != nil {
		return Page[any]{}, model.Internal(err)
	}
	out := make([]any, 0, len(users))
	for _, u := range users {
		out = append(out, UserItem{ID: u.ID, Username: u.Username, Name: u.Name, Status: cmpOr(u.Status, "offline"),
			StatusText: u.StatusText, AvatarETag: u.AvatarETag, Nickname: u.Nickname, CreatedAt: u.CreatedAt})
	}
	return Page[any]{Items: out, Total: total}, nil
}
