package rooms

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// Join adds the actor to a room they may read (methods joinRoom, REST channels.join):
// a public channel, with its join code when one is required (join-without-join-code
// skips it). Joining a room twice does nothing. It returns the room.
func (s *Service) Join(ctx context.Context, actor model.Actor, rid, joinCode string) (model.Room, error) {
	me, err := s.me(ctx, actor)
	if err != nil {
		return model.Room{}, err
	}
	r, sub, err := s.Access(ctx, actor, rid)
	if err != nil {
		if e := model.AsError(err); e.Kind == model.KindNotFound {
			return model.Room{}, invalid("error-invalid-room", "Invalid room")
		}
		return model.Room{}, err
	}
	if sub != nil {
		return ClientRoom(r), nil
	}
	if r.JoinCodeRequired && joinCode != r.JoinCode && !s.authz.Can(ctx, actor, "join-without-join-code", "") {
		return model.Room{}, invalid("error-code-invalid", "Invalid Room Password")
	}
	err = s.write(ctx, func(ctx context.Context, b *batch) error {
		_, err := s.addMember(ctx, b, r, me, nil, false)
		if err != nil {
			return err
		}
		r, err = s.rooms.Room(ctx, r.ID)
		return err
	})
	return ClientRoom(r), err
}

// Leave removes the actor from the room (methods leaveRoom, REST channels.leave,
// groups.leave, rooms.leave): needs leave-c or leave-p (there is no leave-d: direct
// messages cannot be left), and the room's last owner must name another first.
func (s *Service) Leave(ctx context.Context, actor model.Actor, rid string) error {
	me, err := s.me(ctx, actor)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, b *batch) error {
		r, err := s.room(ctx, rid)
		if err != nil {
			return err
		}
		if !s.authz.Can(ctx, actor, "leave-"+r.T, "") {
			return notAllowed()
		}
		sub, err := s.subscription(ctx, rid, me.ID)
		if err != nil {
			return err
		}
		if sub == nil {
			return invalid("error-user-not-in-room", "You are not in this room")
		}
		if last, err := s.lastOwner(ctx, rid, sub); err != nil {
			return err
		} else if last {
			return invalid("error-you-are-last-owner", "You are the last owner. Please set new owner before leaving the room.")
		}
		return s.removeMember(ctx, b, r, me, nil)
	})
}

// canAdd applies addUsersToRoom's rule: add-user-to-any-c-room or -p-room, or, for a
// member, add-user-to-joined-room in the room.
func (s *Service) canAdd(ctx context.Context, actor model.Actor, r model.Room, member bool) bool {
	switch {
	case r.T == model.RoomPublic && s.authz.Can(ctx, actor, "add-user-to-any-c-room", ""):
		return true
	case r.T == model.RoomPrivate && s.authz.Can(ctx, actor, "add-user-to-any-p-room", ""):
		return true
	}
	return member && s.authz.Can(ctx, actor, "add-user-to-joined-room", r.ID)
}

// AddUsers adds users to the room (methods addUsersToRoom, REST channels.invite and
// groups.invite). Users are named by username or, with byID, by _id. Users already in
// the room are skipped. It returns the room after the change.
func (s *Service) AddUsers(ctx context.Context, actor model.Actor, rid string, users []string, byID bool) (model.Room, error) {
	me, err := s.me(ctx, actor)
	if err != nil {
		return model.Room{}, err
	}
	var out model.Room
	err = s.write(ctx, func(ctx context.Context, b *batch) error {
		r, err := s.room(ctx, rid)
		if err != nil {
			return err
		}
		sub, err := s.subscription(ctx, rid, me.ID)
		if err != nil {
			return err
		}
		if !s.canAdd(ctx, actor, r, sub != nil) {
			return notAllowed()
		}
		if r.T == model.RoomDirect {
			return invalid("error-cant-invite-for-direct-room", "Can't invite user to direct rooms")
		}
		if r.Archived {
			return invalid("error-room-archived", "The room is archived")
		}
		for _, ref := range users {
			var u model.User
			if byID {
				u, err = s.users.ByID(ctx, ref)
			} else {
				u, err = s.users.ByUsername(ctx, strings.TrimPrefix(strings.TrimSpace(ref), "@"))
			}
			if errors.Is(err, model.ErrNotFound) {
				if byID {
					return invalid("error-invalid-user", "Invalid user")
				}
				return invalid("error-invalid-username", "Invalid username")
			} else if err != nil {
				return err
			}
			if _, err := s.addMember(ctx, b, r, u, &me, false); err != nil {
				return err
			}
		}
		out, err = s.rooms.Room(ctx, rid)
		return err
	})
	return ClientRoom(out), err
}

// Kick removes a user from the room (methods removeUserFromRoom, REST channels.kick,
// groups.kick): needs remove-user in the room; the last owner cannot be removed.
func (s *Service) Kick(ctx context.Context, actor model.Actor, rid, uid string) (model.Room, error) {
	me, err := s.me(ctx, actor)
	if err != nil {
		return model.Room{}, err
	}
	var out model.Room
	err = s.write(ctx, func(ctx context.Context, b *batch) error {
		r, err := s.room(ctx, rid)
		if err != nil {
			return err
		}
		if !s.authz.Can(ctx, actor, "remove-user", rid) {
			return notAllowed()
		}
		if r.T == model.RoomDirect {
			return notAllowed()
		}
		u, err := s.users.ByID(ctx, uid)
		if errors.Is(err, model.ErrNotFound) {
			return invalid("error-invalid-user", "Invalid user")
		} else if err != nil {
			return err
		}
		sub, err := s.subscription(ctx, rid, u.ID)
		if err != nil {
			return err
		}
		if sub == nil {
			return invalid("error-user-not-in-room", "User is not in this room")
		}
		if last, err := s.lastOwner(ctx, rid, sub); err != nil {
			return err
		} else if last {
			return invalid("error-you-are-last-owner", "This is the last owner. Please set a new owner before removing this one.")
		}
		if err := s.removeMember(ctx, b, r, u, &me); err != nil {
			return err
		}
		out, err = s.rooms.Room(ctx, rid)
		return err
	})
	return ClientRoom(out), err
}

// The room roles and the permission that grants and takes each (addRoomOwner,
// addRoomModerator, addRoomLeader and their remove methods).
var roomRoles = map[string]struct{ perm, name string }{
	"owner":     {"set-owner", "an owner"},
	"moderator": {"set-moderator", "a moderator"},
	"leader":    {"set-leader", "a leader"},
}

// SetRoomRole gives (add) or takes a room role (owner, moderator, leader) from a member:
// the subscription's roles change, a "subscription-role-added" or "-removed" message
// names the user, and roles-change goes out. The last owner keeps the role.
func (s *Service) SetRoomRole(ctx context.Context, actor model.Actor, rid, uid, role string, add bool) error {
	spec, ok := roomRoles[role]
	if !ok {
		return invalid("error-invalid-role", "Invalid role")
	}
	me, err := s.me(ctx, actor)
	if err != nil {
		return err
	}
	if !s.authz.Can(ctx, actor, spec.perm, rid) {
		return notAllowed()
	}
	return s.write(ctx, func(ctx context.Context, b *batch) error {
		r, err := s.room(ctx, rid)
		if err != nil {
			return err
		}
		u, err := s.users.ByID(ctx, uid)
		if errors.Is(err, model.ErrNotFound) {
			return invalid("error-invalid-user", "Invalid user")
		} else if err != nil {
			return err
		}
		sub, err := s.subscription(ctx, rid, uid)
		if err != nil {
			return err
		}
		if sub == nil {
			return invalid("error-user-not-in-room", "User is not in this room")
		}
		has := slices.Contains(sub.Roles, role)
		switch {
		case add && has:
			return invalid("error-user-already-"+role, "User is already "+spec.name)
		case !add && !has:
			return invalid("error-user-not-"+role, "User is not "+spec.name)
		}
		if !add && role == "owner" {
			if last, err := s.lastOwner(ctx, rid, sub); err != nil {
				return err
			} else if last {
				return invalid("error-remove-last-owner", "This is the last owner. Please set a new owner before removing this one.")
			}
		}
		roles := slices.DeleteFunc(slices.Clone(sub.Roles), func(x string) bool { return x == role })
		typ, msgType := "removed", "subscription-role-removed"
		if add {
			roles, typ, msgType = append(roles, role), "added", "subscription-role-added"
		}
		upd, err := s.subs.UpdateSubscription(ctx, rid, uid, map[string]any{"roles": roles, "_updatedAt": s.stamp()}, nil)
		if err != nil {
			return err
		}
		b.add(subUpdated(upd))
		if err := s.systemMessage(ctx, b, r, msgType, u.Username, userRef(me), role); err != nil {
			return err
		}
		b.add(streamhub.UserRoleChanged{Type: typ, RoleID: role, UserID: u.ID, Username: u.Username, Name: u.Name, Scope: rid, Roles: roles})
		return nil
	})
}

// JoinDefaultRooms subscribes a new user to every room with default:true, as
// Rocket.Chat's addUserToDefaultChannels does, with a "uj" message each.
func (s *Service) JoinDefaultRooms(ctx context.Context, user model.User) error {
	return s.write(ctx, func(ctx context.Context, b *batch) error {
		rooms, err := s.rooms.DefaultRooms(ctx)
		if err != nil {
			return err
		}
		for _, r := range rooms {
			if r.T != model.RoomPublic && r.T != model.RoomPrivate {
				continue
			}
			if _, err := s.addMember(ctx, b, r, user, nil, false); err != nil {
				return err
			}
		}
		return nil
	})
}
