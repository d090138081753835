package rooms

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// Find resolves a room by id or, when rid is empty, by name, and checks that the actor
// may read it (see Access). A name may start with '#'.
func (s *Service) Find(ctx context.Context, actor model.Actor, rid, name string) (model.Room, *model.Subscription, error) {
	if rid == "" {
		name = strings.TrimPrefix(strings.TrimSpace(name), "#")
		if name == "" {
			return model.Room{}, nil, invalid("error-room-param-not-provided", `The parameter "roomId" or "roomName" is required`)
		}
		r, err := s.rooms.RoomByName(ctx, name)
		if errors.Is(err, model.ErrNotFound) {
			return model.Room{}, nil, errInvalidRoom()
		} else if err != nil {
			return model.Room{}, nil, model.Internal(err)
		}
		rid = r.ID
	}
	r, sub, err := s.Access(ctx, actor, rid)
	return ClientRoom(r), sub, err
}

// Page is one page of a listing and the total it is taken from.
type Page[T any] struct {
	Items []T
	Total int64
}

func page[T any](all []T, offset, count int) Page[T] {
	p := Page[T]{Total: int64(len(all)), Items: []T{}}
	if offset < len(all) {
		end := len(all)
		if count > 0 {
			end = min(end, offset+count)
		}
		p.Items = all[offset:end]
	}
	return p
}

// ListPublic pages the public channels whose name contains text (channels.list; needs
// view-c-room, else only the actor's channels are listed, as with view-joined-room).
func (s *Service) ListPublic(ctx context.Context, actor model.Actor, text string, offset, count int) (Page[model.Room], error) {
	if !s.authz.Can(ctx, actor, "view-c-room", "") {
		if !s.authz.Can(ctx, actor, "view-joined-room", "") {
			return Page[model.Room]{}, model.Forbidden("error-unauthorized")
		}
		return s.ListJoined(ctx, actor, []string{model.RoomPublic}, text, offset, count)
	}
	rooms, total, err := s.rooms.FindRooms(ctx, []string{model.RoomPublic}, text, offset, count)
	if err != nil {
		return Page[model.Room]{}, model.Internal(err)
	}
	for i := range rooms {
		rooms[i] = ClientRoom(rooms[i])
	}
	if rooms == nil {
		rooms = []model.Room{}
	}
	return Page[model.Room]{Items: rooms, Total: total}, nil
}

// ListJoined pages the rooms of the given types the actor is subscribed to, by name
// (channels.list.joined, groups.list, im.list).
func (s *Service) ListJoined(ctx context.Context, actor model.Actor, types []string, text string, offset, count int) (Page[model.Room], error) {
	ids, err := s.RoomIDsOf(ctx, actor.UserID)
	if err != nil {
		return Page[model.Room]{}, model.Internal(err)
	}
	rooms, err := s.rooms.RoomsByIDs(ctx, ids)
	if err != nil {
		return Page[model.Room]{}, model.Internal(err)
	}
	text = strings.ToLower(text)
	var keep []model.Room
	for _, r := range rooms {
		if slices.Contains(types, r.T) && (text == "" || strings.Contains(strings.ToLower(r.Name+" "+r.FName), text)) {
			keep = append(keep, ClientRoom(r))
		}
	}
	sort.Slice(keep, func(i, j int) bool {
		if keep[i].Name != keep[j].Name {
			return keep[i].Name < keep[j].Name
		}
		return keep[i].ID < keep[j].ID
	})
	return page(keep, offset, count), nil
}

// Member is a room member as channels.members and getUsersOfRoom list them.
type Member struct {
	ID         string    `json:"_id"`
	Username   string    `json:"username"`
	Name       string    `json:"name,omitempty"`
	Status     string    `json:"status,omitempty"`
	StatusText string    `json:"statusText,omitempty"`
	UTCOffset  float64   `json:"utcOffset"`
	AvatarETag string    `json:"avatarETag,omitempty"`
	Roles      []string  `json:"roles,omitempty"` // the member's room roles
	UpdatedAt  time.Time `json:"_updatedAt"`
}

// MemberFilter narrows a member listing.
type MemberFilter struct {
	Text     string   // in the username or name, ignoring case
	Status   []string // any of these statuses; empty for any
	OnlineOK bool     // getUsersOfRoom without showAll: only users not offline
}

// Members pages the active members of a room the actor may read, sorted by username
// (channels.members, groups.members, im.members, getUsersOfRoom). The room's
// subscriptions give the member ids and room roles; the users are then read in one
// query by _id, filtered and paged by the store, so the total is that of the filter.
// Rocket.Chat's findUsersOfRoom lists active users only, and sorts online users first
// (statusConnection) when it can; Outpost sorts by username alone.
func (s *Service) Members(ctx context.Context, actor model.Actor, rid string, f MemberFilter, offset, count int) (Page[Member], error) {
	r, _, err := s.Access(ctx, actor, rid)
	if err != nil {
		return Page[Member]{}, err
	}
	if r.Broadcast && !s.authz.Can(ctx, actor, "view-broadcast-member-list", rid) {
		return Page[Member]{}, notAllowed()
	}
	subs, err := s.subs.SubscriptionsOfRoom(ctx, rid)
	if err != nil {
		return Page[Member]{}, model.Internal(err)
	}
	ids := make([]string, len(subs))
	roles := make(map[string][]string, len(subs))
	for i, sub := range subs {
		ids[i], roles[sub.U.ID] = sub.U.ID, sub.Roles
	}
	q := model.UserQuery{All: []model.UserCond{{Field: "active", Equals: true}}, Sort: []model.SortField{{Field: "username"}},
		Offset: max(offset, 0), Limit: max(count, 0)}
	if f.Text != "" {
		m := &model.TextMatch{Text: f.Text, Fold: true}
		q.Any = []model.UserCond{{Field: "username", Match: m}, {Field: "name", Match: m}}
	}
	statuses := f.Status
	if f.OnlineOK && len(statuses) == 0 {
		statuses = []string{"online", "away", "busy"} // getUsersOfRoom without showAll: not offline
	}
	users, total, err := s.users.ListUsersIn(ctx, ids, statuses, q)
	if err != nil {
		return Page[Member]{}, model.Internal(err)
	}
	out := make([]Member, 0, len(users))
	for _, u := range users {
		out = append(out, Member{ID: u.ID, Username: u.Username, Name: u.Name, Status: cmpOr(u.Status, "offline"), StatusText: u.StatusText,
			UTCOffset: u.UTCOffset, AvatarETag: u.AvatarETag, Roles: roles[u.ID], UpdatedAt: u.UpdatedAt})
	}
	return Page[Member]{Items: out, Total: total}, nil
}

// RoomRole is one member holding room roles, as channels.roles and getRoomRoles list them.
type RoomRole struct {
	ID    string        `json:"_id"`
	RID   string        `json:"rid"`
	U     model.UserRef `json:"u"`
	Roles []string      `json:"roles"`
}

// RoomRoles lists the members of a room the actor may read who hold room roles.
func (s *Service) RoomRoles(ctx context.Context, actor model.Actor, rid string) ([]RoomRole, error) {
	if _, _, err := s.Access(ctx, actor, rid); err != nil {
		return nil, err
	}
	subs, err := s.subs.SubscriptionsOfRoom(ctx, rid)
	if err != nil {
		return nil, model.Internal(err)
	}
	out := []RoomRole{}
	for _, sub := range subs {
		if len(sub.Roles) > 0 {
			out = append(out, RoomRole{ID: sub.ID, RID: rid, U: sub.U, Roles: sub.Roles})
		}
	}
	return out, nil
}

// Counters is the answer of channels.counters and its siblings.
type Counters struct {
	Joined       bool       `json:"joined"`
	Members      int64      `json:"members"`
	Unreads      *int64     `json:"unreads"`
	UnreadsFrom  *time.Time `json:"unreadsFrom"`
	Msgs         int64      `json:"msgs"`
	Latest       *time.Time `json:"latest"`
	UserMentions int64      `json:"userMentions"`
}

// Counters returns a room's counters for a user: the actor, or another user when the
// actor holds view-room-administration.
func (s *Service) Counters(ctx context.Context, actor model.Actor, rid, uid string) (Counters, error) {
	if uid != "" && uid != actor.UserID && !s.authz.Can(ctx, actor, "view-room-administration", "") {
		return Counters{}, model.Forbidden("error-unauthorized")
	}
	if uid == "" {
		uid = actor.UserID
	}
	r, _, err := s.Access(ctx, actor, rid)
	if err != nil {
		return Counters{}, err
	}
	sub, err := s.subscription(ctx, rid, uid)
	if err != nil {
		return Counters{}, model.Internal(err)
	}
	c := Counters{Members: r.UsersCount, Msgs: r.Msgs}
	if sub == nil {
		return c, nil
	}
	from := sub.Ts
	if sub.LS != nil {
		from = *sub.LS
	}
	n, err := s.rooms.CountMessagesSince(ctx, rid, from)
	if err != nil {
		return Counters{}, model.Internal(err)
	}
	latest := r.Ts
	if r.LM != nil {
		latest = *r.LM
	}
	c.Joined, c.Unreads, c.UnreadsFrom, c.Latest, c.UserMentions = true, &n, &from, &latest, sub.UserMentions
	return c, nil
}

// RoomItem is a room as autocompletion, directory and spotlight list them.
type RoomItem struct {
	ID          string     `json:"_id"`
	Name        string     `json:"name,omitempty"`
	FName       string     `json:"fname,omitempty"`
	T           string     `json:"t"`
	Ts          time.Time  `json:"ts"`
	Topic       string     `json:"topic,omitempty"`
	UsersCount  int64      `json:"usersCount"`
	Default     bool       `json:"default"`
	Featured    bool       `json:"featured,omitempty"`
	AvatarETag  string     `json:"avatarETag,omitempty"`
	LM          *time.Time `json:"lm,omitempty"`
	Description string     `json:"description,omitempty"`
}

func roomItem(r model.Room) RoomItem {
	return RoomItem{ID: r.ID, Name: r.Name, FName: r.FName, T: r.T, Ts: r.Ts, Topic: r.Topic, UsersCount: r.UsersCount,
		Default: r.Default, Featured: r.Featured, AvatarETag: r.AvatarETag, LM: r.LM, Description: r.Description}
}

// UserItem is a user as the directory and spotlight list them.
type UserItem struct {
	ID         string    `json:"_id"`
	Username   string    `json:"username"`
	Name       string    `json:"name,omitempty"`
	Status     string    `json:"status,omitempty"`
	StatusText string    `json:"statusText,omitempty"`
	AvatarETag string    `json:"avatarETag,omitempty"`
	Nickname   string    `json:"nickname,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
}

// SearchRooms pages the rooms the actor may find by name: public channels, and the
// private groups they belong to when withJoined (directory type=channels,
// rooms.autocomplete.channelAndPrivate, spotlight).
func (s *Service) SearchRooms(ctx context.Context, actor model.Actor, text string, withJoined bool, offset, count int) (Page[RoomItem], error) {
	var items []RoomItem
	seen := map[string]bool{}
	if s.authz.Can(ctx, actor, "view-c-room", "") {
		pub, _, err := s.rooms.FindRooms(ctx, []string{model.RoomPublic}, text, 0, 0)
		if err != nil {
			return Page[RoomItem]{}, model.Internal(err)
		}
		for _, r := range pub {
			seen[r.ID] = true
			items = append(items, roomItem(r))
		}
	}
	if withJoined && !actor.IsAnonymous() {
		joined, err := s.ListJoined(ctx, actor, []string{model.RoomPublic, model.RoomPrivate}, text, 0, 0)
		if err != nil {
			return Page[RoomItem]{}, err
		}
		for _, r := range joined.Items {
			if !seen[r.ID] {
				items = append(items, roomItem(r))
			}
		}
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	return page(items, offset, count), nil
}

// SearchUsers pages the active users whose username or name contains text, by
// username (directory type=users, spotlight).
func (s *Service) SearchUsers(ctx context.Context, actor model.Actor, text string, exclude []string, offset, count int) (Page[UserItem], error) {
	if actor.IsAnonymous() {
		return Page[UserItem]{}, model.Forbidden("error-unauthorized")
	}
	q := model.UserQuery{All: []model.UserCond{{Field: "active", Equals: true}}, Sort: []model.SortField{{Field: "username"}}}
	if text != "" {
		m := &model.TextMatch{Text: text, Fold: true}
		q.Any = []model.UserCond{{Field: "username", Match: m}, {Field: "name", Match: m}}
	}
	users, _, err := s.users.ListUsers(ctx, q)
	if err != nil {
		return Page[UserItem]{}, model.Internal(err)
	}
	var out []UserItem
	for _, u := range users {
		if u.Username == "" || slices.Contains(exclude, u.Username) {
			continue
		}
		out = append(out, UserItem{ID: u.ID, Username: u.Username, Name: u.Name, Status: cmpOr(u.Status, "offline"),
			StatusText: u.StatusText, AvatarETag: u.AvatarETag, Nickname: u.Nickname, CreatedAt: u.CreatedAt})
	}
	return page(out, offset, count), nil
}
