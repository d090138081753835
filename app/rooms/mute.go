package rooms

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// Target names the user an action is about: by _id, or by username when ID is empty
// (REST routes take userId or username; DDP methods a username).
type Target struct {
	ID       string
	Username string
	// Resolve looks the user up before anything else, as REST's getUserFromParams
	// does: an unknown user is error-invalid-user whatever else is wrong.
	Resolve bool
}

// SetMuted mutes or unmutes a member of a channel or private group (methods
// muteUserInRoom and unmuteUserInRoom, REST rooms.muteUser and rooms.unmuteUser), as
// Rocket.Chat's server/methods/muteUserInRoom.ts and unmuteUserInRoom.ts do: it needs
// mute-user in the room; direct messages and omnichannel rooms cannot mute
// (error-invalid-room-type); the user must be a member. The room keeps usernames:
// muting adds to muted and takes out of unmuted; in a read-only room muting only
// takes out of unmuted (the read-only rule already silences them) and unmuting also
// adds to unmuted, which lets them talk there. A "user-muted" or "user-unmuted"
// message (msg the username, u the actor) records it, and the room's members get the
// room again. Messaging refuses sends by muted users.
func (s *Service) SetMuted(ctx context.Context, actor model.Actor, rid string, who Target, mute bool) error {
	method := map[bool]string{true: "muteUserInRoom", false: "unmuteUserInRoom"}[mute]
	var target *model.User
	if who.ID != "" || who.Resolve {
		u, err := s.userByTarget(ctx, who)
		if errors.Is(err, model.ErrNotFound) {
			return invalid("error-invalid-user", `The required "userId" or "username" param provided does not match any users`)
		} else if err != nil {
			return model.Internal(err)
		}
		target, who.Username = &u, u.Username
	}
	who.Username = strings.TrimPrefix(strings.TrimSpace(who.Username), "@")
	if who.Username == "" {
		return invalid("error-invalid-user", "Invalid user")
	}
	if actor.IsAnonymous() || !s.authz.Can(ctx, actor, "mute-user", rid) {
		return withMethod(notAllowed(), method)
	}
	me, err := s.me(ctx, actor)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, b *batch) error {
		r, err := s.room(ctx, rid)
		if err != nil {
			return err
		}
		if r.T != model.RoomPublic && r.T != model.RoomPrivate {
			return &model.Error{Kind: model.KindInvalid, Code: "error-invalid-room-type", Message: fmt.Sprintf("%s is not a valid room type", r.T),
				Details: map[string]any{"method": method, "type": r.T}}
		}
		if target == nil {
			u, err := s.users.ByUsername(ctx, who.Username)
			switch {
			case errors.Is(err, model.ErrNotFound):
				// Rocket.Chat looks for the subscription by username first.
				return withMethod(invalid("error-user-not-in-room", "User is not in this room"), method)
			case err != nil:
				return err
			}
			target = &u
		}
		sub, err := s.subscription(ctx, rid, target.ID)
		if err != nil {
			return err
		}
		if sub == nil {
			return withMethod(invalid("error-user-not-in-room", "User is not in this room"), method)
		}
		name := target.Username
		add, pull := map[string]string{}, map[string]string{}
		switch {
		case mute && r.RO:
			pull["unmuted"] = name
		case mute:
			add["muted"], pull["unmuted"] = name, name
		case r.RO:
			pull["muted"], add["unmuted"] = name, name
		default:
			pull["muted"] = name
		}
		r, err = s.rooms.UpdateRoomSets(ctx, rid, add, pull, s.stamp())
		if err != nil {
			return err
		}
		msgType := map[bool]string{true: "user-muted", false: "user-unmuted"}[mute]
		if err := s.systemMessage(ctx, b, r, msgType, name, userRef(me), ""); err != nil {
			return err
		}
		if r, err = s.rooms.Room(ctx, rid); err != nil {
			return err
		}
		return s.roomChanged(ctx, b, "updated", r)
	})
}

// withMethod adds Rocket.Chat's details.method to an error.
func withMethod(e *model.Error, method string) *model.Error {
	e.Details = map[string]any{"method": method}
	return e
}

// userByTarget finds the user a Target names.
func (s *Service) userByTarget(ctx context.Context, who Target) (model.User, error) {
	if who.ID != "" {
		return s.users.ByID(ctx, who.ID)
	}
	name := strings.TrimPrefix(strings.TrimSpace(who.Username), "@")
	if name == "" {
		return model.User{}, model.ErrNotFound
	}
	return s.users.ByUsername(ctx, name)
}
