package rooms

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// UserDeleted is the room side of deleting a user; cmd/outpost runs it after accounts
// deletes the user (accounts.Service.SetOnUserDeleted). It follows Rocket.Chat's
// deleteUser with confirmRelinquish (app/lib/server/functions/deleteUser.ts,
// relinquishRoomOwnerships.ts, getRoomsWithSingleOwner.ts), in one transaction:
//
//   - in a room where the user was the only owner, the member who joined first and is
//     still active becomes owner; with no such member a channel stays ownerless and any
//     other room is deleted;
//   - a private group where the user was the only member is deleted;
//   - 1:1 direct messages with the user (and their notes to self) are deleted; from a
//     group direct message the user's id and username are taken out and the other
//     members' subscriptions renamed;
//   - every other subscription of the user is removed, and usersCount goes down by one
//     in channels and groups (Subscriptions.removeByUserId leaves direct messages'
//     counts alone).
//
// Members get the changes as subscriptions-changed and rooms-changed events. The
// user's messages are messaging's (Message_ErasureType) and stay as they are here.
func (s *Service) UserDeleted(ctx context.Context, u model.User) error {
	err := s.write(ctx, func(ctx context.Context, b *batch) error {
		subs, err := s.subs.SubscriptionsOfUser(ctx, u.ID)
		if err != nil {
			return err
		}
		var erase []string
		for _, sub := range subs {
			r, err := s.rooms.Room(ctx, sub.RID)
			if errors.Is(err, model.ErrNotFound) {
				if _, err := s.subs.DeleteSubscription(ctx, sub.RID, u.ID, s.stamp()); err != nil {
					return err
				}
				b.add(subRemoved(sub))
				continue
			} else if err != nil {
				return err
			}
			if r.T == model.RoomDirect {
				if len(r.UIDs) <= 2 {
					erase = append(erase, r.ID)
				} else if err := s.leaveGroupDirect(ctx, b, r, u); err != nil {
					return err
				}
				continue
			}
			remove, err := s.relinquish(ctx, b, r, sub, u)
			if err != nil {
				return err
			}
			if remove {
				erase = append(erase, r.ID)
				continue
			}
			now := s.stamp()
			if _, err := s.subs.DeleteSubscription(ctx, r.ID, u.ID, now); err != nil {
				return err
			}
			b.add(subRemoved(sub))
			if r, err = s.rooms.IncRoom(ctx, r.ID, "usersCount", -1, now); err != nil {
				return err
			}
			if err := s.roomChanged(ctx, b, "updated", r); err != nil {
				return err
			}
		}
		for _, rid := range erase {
			if err := s.eraseRoom(ctx, b, rid); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		s.log.Info("deleted user's rooms updated", "uid", u.ID, "username", u.Username)
	}
	return err
}

// relinquish hands the room's ownership on when u was its only owner, and reports
// whether the room must go instead (getSubscribedRoomsForUserWithDetails).
func (s *Service) relinquish(ctx context.Context, b *batch, r model.Room, sub model.Subscription, u model.User) (bool, error) {
	members, err := s.subs.SubscriptionsOfRoom(ctx, r.ID)
	if err != nil {
		return false, err
	}
	if !slices.Contains(sub.Roles, "owner") {
		return r.T != model.RoomPublic && len(members) == 1, nil
	}
	if slices.ContainsFunc(members, func(o model.Subscription) bool {
		return o.U.ID != u.ID && slices.Contains(o.Roles, "owner")
	}) {
		return false, nil
	}
	// The oldest subscription of an active member gets the role.
	slices.SortStableFunc(members, func(a, b model.Subscription) int { return cmp.Compare(a.Ts.UnixMilli(), b.Ts.UnixMilli()) })
	for _, o := range members {
		if o.U.ID == u.ID {
			continue
		}
		heir, err := s.users.ByID(ctx, o.U.ID)
		if errors.Is(err, model.ErrNotFound) {
			continue
		} else if err != nil {
			return false, err
		}
		if !heir.Active {
			continue
		}
		roles := append(slices.Clone(o.Roles), "owner")
		upd, err := s.subs.UpdateSubscription(ctx, r.ID, heir.ID, map[string]any{"roles": roles, "_updatedAt": s.stamp()}, nil)
		if err != nil {
			return false, err
		}
		b.add(subUpdated(upd), streamhub.UserRoleChanged{Type: "added", RoleID: "owner", UserID: heir.ID,
			Username: heir.Username, Name: heir.Name, Scope: r.ID, Roles: roles})
		return false, nil
	}
	return r.T != model.RoomPublic, nil
}

// leaveGroupDirect takes u out of a group direct message (updateGroupDMsRemovingUsernamesByUsername)
// and renames the others' subscriptions after the members left (updateGroupDMsName).
func (s *Service) leaveGroupDirect(ctx context.Context, b *batch, r model.Room, u model.User) error {
	now := s.stamp()
	sub, err := s.subs.DeleteSubscription(ctx, r.ID, u.ID, now)
	if err != nil {
		return err
	}
	b.add(subRemoved(sub))
	r, err = s.rooms.UpdateRoomSets(ctx, r.ID, nil, map[string]string{"uids": u.ID, "usernames": u.Username}, now)
	if err != nil {
		return err
	}
	var members []model.User
	for _, uid := range r.UIDs {
		m, err := s.users.ByID(ctx, uid)
		if errors.Is(err, model.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		members = append(members, m)
	}
	sorted := byDisplayName(members)
	for _, m := range members {
		others := slices.DeleteFunc(slices.Clone(sorted), func(o model.User) bool { return o.ID == m.ID })
		name, fname := directNames(others)
		upd, err := s.subs.UpdateSubscription(ctx, r.ID, m.ID, map[string]any{"name": name, "fname": fname, "_updatedAt": now}, nil)
		if errors.Is(err, model.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		b.add(subUpdated(upd))
	}
	return s.roomChanged(ctx, b, "updated", r)
}
