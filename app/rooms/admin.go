package rooms

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// AdminQuery is what rooms.adminRooms lists: rooms whose name, fname or (direct
// messages) member usernames contain Filter, of the Types ("c", "p", "d", "l", and
// the flags "discussions" and "teams"; all rooms when empty), in Sort's order.
type AdminQuery struct {
	Filter string
	Types  []string
	Sort   []model.SortField // default: default rooms first, then by name
	Offset int
	Count  int // 0: no limit
}

// roomSortKeys are the room fields an admin listing may sort on.
var roomSortKeys = map[string]func(a, b model.Room) int{
	"name":       func(a, b model.Room) int { return cmp.Compare(a.Name, b.Name) },
	"fname":      func(a, b model.Room) int { return cmp.Compare(a.FName, b.FName) },
	"t":          func(a, b model.Room) int { return cmp.Compare(a.T, b.T) },
	"usersCount": func(a, b model.Room) int { return cmp.Compare(a.UsersCount, b.UsersCount) },
	"msgs":       func(a, b model.Room) int { return cmp.Compare(a.Msgs, b.Msgs) },
	"ts":         func(a, b model.Room) int { return a.Ts.Compare(b.Ts) },
	"default":    func(a, b model.Room) int { return cmpBool(a.Default, b.Default) },
	"featured":   func(a, b model.Room) int { return cmpBool(a.Featured, b.Featured) },
	"lm":         func(a, b model.Room) int { return cmpTime(a, b) },
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func cmpTime(a, b model.Room) int {
	at, bt := a.Ts, b.Ts
	if a.LM != nil {
		at = *a.LM
	}
	if b.LM != nil {
		bt = *b.LM
	}
	return at.Compare(bt)
}

// AdminRooms pages every room for administrators (rooms.adminRooms; needs
// view-room-administration), as Rocket.Chat's findAdminRooms does: the default sort is
// {default: -1, name: 1} (then _id). Without a text, in the default order, the store
// pages the rooms through its indexes; a text search narrows the rooms through the
// store's search index and filters and sorts those in memory, as any other sort does
// with every room.
func (s *Service) AdminRooms(ctx context.Context, actor model.Actor, q AdminQuery) (Page[model.Room], error) {
	if !s.authz.Can(ctx, actor, "view-room-administration", "") {
		return Page[model.Room]{}, model.Forbidden("error-not-authorized")
	}
	sortBy := q.Sort
	if len(sortBy) == 0 {
		sortBy = []model.SortField{{Field: "default", Desc: true}, {Field: "name"}}
	}
	for _, f := range sortBy {
		if roomSortKeys[f.Field] == nil {
			return Page[model.Room]{}, invalid("error-invalid-sort", "Invalid sort parameter provided: "+f.Field)
		}
	}
	discussions, teams := slices.Contains(q.Types, "discussions"), slices.Contains(q.Types, "teams")
	types := slices.DeleteFunc(slices.Clone(q.Types), func(t string) bool { return t == "discussions" || t == "teams" })
	text := strings.ToLower(strings.TrimSpace(q.Filter))
	if text == "" && len(q.Sort) == 0 {
		rooms, total, err := s.rooms.AdminRoomsPage(ctx, types, discussions, teams, max(q.Offset, 0), max(q.Count, 0))
		if err != nil {
			return Page[model.Room]{}, model.Internal(err)
		}
		p := Page[model.Room]{Total: total, Items: make([]model.Room, len(rooms))}
		for i, r := range rooms {
			p.Items[i] = ClientRoom(r)
		}
		return p, nil
	}
	var all []model.Room
	var err error
	if text != "" {
		all, err = s.rooms.RoomsMatching(ctx, strings.TrimSpace(q.Filter))
	} else {
		all, _, err = s.rooms.FindRooms(ctx, nil, "", 0, 0)
	}
	if err != nil {
		return Page[model.Room]{}, model.Internal(err)
	}
	var keep []model.Room
	for _, r := range all {
		if len(q.Types) > 0 && !slices.Contains(types, r.T) && !(discussions && r.Prid != "") && !(teams && r.TeamMain) {
			continue
		}
		if text != "" && !roomMatches(r, text) {
			continue
		}
		keep = append(keep, ClientRoom(r))
	}
	slices.SortStableFunc(keep, func(a, b model.Room) int {
		for _, f := range sortBy {
			c := roomSortKeys[f.Field](a, b)
			if f.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return page(keep, max(q.Offset, 0), max(q.Count, 0)), nil
}

// roomMatches reports whether a room's name, fname or member usernames contain text
// (lower case).
func roomMatches(r model.Room, text string) bool {
	if strings.Contains(strings.ToLower(r.Name), text) || strings.Contains(strings.ToLower(r.FName), text) {
		return true
	}
	return slices.ContainsFunc(r.Usernames, func(u string) bool { return strings.Contains(strings.ToLower(u), text) })
}

// AdminAutocomplete lists up to 10 rooms whose name or fname starts with name, ignoring
// case, by name (rooms.autocomplete.adminRooms; needs view-room-administration or
// can-audit).
func (s *Service) AdminAutocomplete(ctx context.Context, actor model.Actor, name string) ([]RoomItem, error) {
	if !s.authz.Can(ctx, actor, "view-room-administration", "") && !s.authz.Can(ctx, actor, "can-audit", "") {
		return nil, model.Forbidden("error-not-authorized")
	}
	rooms, _, err := s.rooms.FindRooms(ctx, nil, name, 0, 0)
	if err != nil {
		return nil, model.Internal(err)
	}
	prefix := strings.ToLower(name)
	out := []RoomItem{}
	for _, r := range rooms {
		if strings.HasPrefix(strings.ToLower(r.Name), prefix) || strings.HasPrefix(strings.ToLower(r.FName), prefix) {
			out = append(out, roomItem(r))
		}
	}
	slices.SortStableFunc(out, func(a, b RoomItem) int { return cmp.Compare(a.Name, b.Name) })
	return out[:min(len(out), 10)], nil
}

// DirectWith finds the direct message between the actor and a user named by _id or
// username, creating it when there is none, as the im.* routes do with a username
// (getRoomByNameOrIdWithOptionToJoin with type "d"); a name that is no user is tried
// as a room id. It returns the room and the actor's subscription, or
// error-room-not-found.
func (s *Service) DirectWith(ctx context.Context, actor model.Actor, nameOrID string) (model.Room, *model.Subscription, error) {
	me, err := s.me(ctx, actor)
	if err != nil {
		return model.Room{}, nil, err
	}
	nameOrID = strings.TrimPrefix(strings.TrimSpace(nameOrID), "@")
	notFound := invalid("error-room-not-found", `The required "roomId" param provided does not match any direct message`)
	if nameOrID == "" {
		return model.Room{}, nil, notFound
	}
	u, err := s.users.ByID(ctx, nameOrID)
	if errors.Is(err, model.ErrNotFound) {
		u, err = s.users.ByUsername(ctx, nameOrID)
	}
	if errors.Is(err, model.ErrNotFound) {
		r, sub, err := s.Access(ctx, actor, nameOrID)
		if err != nil || r.T != model.RoomDirect {
			return model.Room{}, nil, notFound
		}
		return ClientRoom(r), sub, nil
	} else if err != nil {
		return model.Room{}, nil, model.Internal(err)
	}
	uids := []string{me.ID}
	if u.ID != me.ID {
		uids = append(uids, u.ID)
	}
	slices.Sort(uids)
	r, err := s.directRoom(ctx, uids)
	if err != nil {
		return model.Room{}, nil, model.Internal(err)
	}
	rid := ""
	if r != nil {
		rid = r.ID
	} else {
		created, err := s.CreateDirect(ctx, actor, []string{u.Username}, false)
		if err != nil {
			return model.Room{}, nil, err
		}
		rid = created.ID
	}
	room, sub, err := s.Access(ctx, actor, rid)
	if err != nil {
		return model.Room{}, nil, notFound
	}
	return ClientRoom(room), sub, nil
}
