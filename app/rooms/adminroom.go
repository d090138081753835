package rooms

import (
	"context"
	"errors"

	"github.com/outpostchat/outpost/app/model"
)

// The admin console's reads of one room (web/admin's rooms page). Rocket.Chat's
// administration reads a room with GET rooms.adminRooms.getRoom (view-room-administration)
// and its members with the room members list in adminView; an administrator needs no
// subscription to the room for either.

// AdminRoom returns a room for administrators (rooms.adminRooms.getRoom; needs
// view-room-administration), without its join code; NotFound("error-invalid-room")
// when there is none.
func (s *Service) AdminRoom(ctx context.Context, actor model.Actor, rid string) (model.Room, error) {
	if !s.authz.Can(ctx, actor, "view-room-administration", "") {
		return model.Room{}, model.Forbidden("error-not-authorized")
	}
	if rid == "" {
		return model.Room{}, errInvalidRoom()
	}
	r, err := s.rooms.Room(ctx, rid)
	if errors.Is(err, model.ErrNotFound) {
		return model.Room{}, errInvalidRoom()
	} else if err != nil {
		return model.Room{}, model.Internal(err)
	}
	return ClientRoom(r), nil
}

// AdminMembers pages a room's members for administrators (needs
// view-room-administration), by username, whose username contains text, deactivated
// users included (Member.Status "deactivated" says so). The page comes from the
// (rid, u.username) subscription index and only its users are read, so a room of
// thousands costs little.
func (s *Service) AdminMembers(ctx context.Context, actor model.Actor, rid, text string, offset, count int) (Page[Member], error) {
	if _, err := s.AdminRoom(ctx, actor, rid); err != nil {
		return Page[Member]{}, err
	}
	subs, total, err := s.subs.MembersPage(ctx, rid, text, offset, count)
	if err != nil {
		return Page[Member]{}, model.Internal(err)
	}
	ids := make([]string, len(subs))
	for i, sub := range subs {
		ids[i] = sub.U.ID
	}
	users, _, err := s.users.ListUsersIn(ctx, ids, nil, model.UserQuery{})
	if err != nil {
		return Page[Member]{}, model.Internal(err)
	}
	byID := make(map[string]model.User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	out := make([]Member, 0, len(subs))
	for _, sub := range subs {
		m := Member{ID: sub.U.ID, Username: sub.U.Username, Name: sub.U.Name, Status: "offline", Roles: sub.Roles}
		if u, ok := byID[sub.U.ID]; ok {
			m.Username, m.Name, m.Status, m.StatusText = u.Username, u.Name, cmpOr(u.Status, "offline"), u.StatusText
			m.UTCOffset, m.AvatarETag, m.UpdatedAt = u.UTCOffset, u.AvatarETag, u.UpdatedAt
			if !u.Active {
				m.Status = "deactivated"
			}
		}
		out = append(out, m)
	}
	return Page[Member]{Items: out, Total: total}, nil
}

// AdminRoleHolders lists the members of a room holding room roles (owner, moderator,
// leader), by username, for administrators (needs view-room-administration).
func (s *Service) AdminRoleHolders(ctx context.Context, actor model.Actor, rid string) ([]RoomRole, error) {
	if _, err := s.AdminRoom(ctx, actor, rid); err != nil {
		return nil, err
	}
	subs, err := s.subs.RoleHolders(ctx, rid)
	if err != nil {
		return nil, model.Internal(err)
	}
	out := make([]RoomRole, 0, len(subs))
	for _, sub := range subs {
		out = append(out, RoomRole{ID: sub.ID, RID: rid, U: sub.U, Roles: sub.Roles})
	}
	return out, nil
}
