package rooms

import (
	"context"
	"errors"
	"slices"
	"sort"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// Removed is a deleted document as delta syncs list it.
type Removed struct {
	ID        string    `json:"_id"`
	DeletedAt time.Time `json:"_deletedAt"`
}

// SubscriptionSync is the answer of subscriptions.get (and DDP subscriptions/get with a
// date): the actor's subscriptions changed after the date, and those removed since.
type SubscriptionSync struct {
	Update []model.Subscription `json:"update"`
	Remove []Removed            `json:"remove"`
}

// RoomSync is the answer of rooms.get (and DDP rooms/get with a date).
type RoomSync struct {
	Update []model.Room `json:"update"`
	Remove []Removed    `json:"remove"`
}

func removedList(m map[string]time.Time) []Removed {
	out := make([]Removed, 0, len(m))
	for id, at := range m {
		out = append(out, Removed{ID: id, DeletedAt: at})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Subscriptions returns the actor's subscriptions, all of them when since is zero,
// else those updated after it and the ones removed since (from the trash).
func (s *Service) Subscriptions(ctx context.Context, actor model.Actor, since time.Time) (SubscriptionSync, error) {
	if actor.IsAnonymous() {
		return SubscriptionSync{}, &model.Error{Kind: model.KindUnauthorized, Code: "error-invalid-user", Message: "Invalid user"}
	}
	subs, err := s.subs.SubscriptionsOfUser(ctx, actor.UserID)
	if err != nil {
		return SubscriptionSync{}, model.Internal(err)
	}
	out := SubscriptionSync{Update: []model.Subscription{}, Remove: []Removed{}}
	for _, sub := range subs {
		if since.IsZero() || sub.UpdatedAt.After(since) {
			out.Update = append(out.Update, sub)
		}
	}
	if !since.IsZero() {
		rm, err := s.subs.SubscriptionsRemovedSince(ctx, actor.UserID, since)
		if err != nil {
			return SubscriptionSync{}, model.Internal(err)
		}
		out.Remove = removedList(rm)
	}
	return out, nil
}

// Rooms returns the rooms the actor is subscribed to, all of them when since is zero,
// else those updated after it and the rooms removed since.
func (s *Service) Rooms(ctx context.Context, actor model.Actor, since time.Time) (RoomSync, error) {
	ids, err := s.RoomIDsOf(ctx, actor.UserID)
	if err != nil {
		return RoomSync{}, model.Internal(err)
	}
	rooms, err := s.rooms.RoomsByIDs(ctx, ids)
	if err != nil {
		return RoomSync{}, model.Internal(err)
	}
	out := RoomSync{Update: []model.Room{}, Remove: []Removed{}}
	for _, r := range rooms {
		if since.IsZero() || r.UpdatedAt.After(since) {
			out.Update = append(out.Update, ClientRoom(r))
		}
	}
	sort.Slice(out.Update, func(i, j int) bool { return out.Update[i].ID < out.Update[j].ID })
	if !since.IsZero() {
		rm, err := s.rooms.RoomsRemovedSince(ctx, since)
		if err != nil {
			return RoomSync{}, model.Internal(err)
		}
		out.Remove = removedList(rm)
	}
	return out, nil
}

// Subscription returns the actor's subscription to the room, nil when none
// (subscriptions.getOne).
func (s *Service) Subscription(ctx context.Context, actor model.Actor, rid string) (*model.Subscription, error) {
	if rid == "" {
		return nil, invalid("error-invalid-params", "The 'roomId' param is required")
	}
	sub, err := s.subscription(ctx, rid, actor.UserID)
	if err != nil {
		return nil, model.Internal(err)
	}
	return sub, nil
}

// updateOwn changes the actor's subscription to rid and announces it;
// error-invalid-subscription when there is none.
func (s *Service) updateOwn(ctx context.Context, actor model.Actor, rid string, set map[string]any, unset []string, extra ...streamhub.Event) error {
	if rid == "" {
		return invalid("error-invalid-params", "The 'roomId' param is required")
	}
	return s.write(ctx, func(ctx context.Context, b *batch) error {
		set["_updatedAt"] = s.stamp()
		sub, err := s.subs.UpdateSubscription(ctx, rid, actor.UserID, set, unset)
		if errors.Is(err, model.ErrNotFound) {
			return invalid("error-invalid-subscription", "Invalid subscription")
		} else if err != nil {
			return err
		}
		b.add(subUpdated(sub))
		b.add(extra...)
		return nil
	})
}

// Read marks the room read for the actor (subscriptions.read, method readMessages):
// ls is now, the room is open, alert, unread and mention counters are cleared, and
// with readThreads the unread threads too; then messagesRead goes out to the room.
func (s *Service) Read(ctx context.Context, actor model.Actor, rid string, readThreads bool) error {
	now := s.stamp()
	set := map[string]any{"ls": now, "open": true, "alert": false, "unread": 0, "userMentions": 0, "groupMentions": 0}
	var unset []string
	if readThreads {
		unset = []string{"tunread", "tunreadUser", "tunreadGroup"}
	}
	return s.updateOwn(ctx, actor, rid, set, unset, streamhub.MessagesRead{RID: rid, Until: now})
}

// MarkUnread marks the room unread from a message on (subscriptions.unread): ls moves
// to just before that message, or, with no message, to before the room's last one.
func (s *Service) MarkUnread(ctx context.Context, actor model.Actor, rid, messageID string) error {
	ls := time.Time{}
	if messageID != "" {
		m, err := s.rooms.Message(ctx, messageID)
		if errors.Is(err, model.ErrNotFound) {
			return invalid("error-action-not-allowed", "Not allowed")
		} else if err != nil {
			return model.Internal(err)
		}
		rid, ls = m.RID, m.Ts.Add(-time.Millisecond)
	} else {
		r, err := s.room(ctx, rid)
		if err != nil {
			return err
		}
		if r.LM != nil {
			ls = r.LM.Add(-time.Millisecond)
		} else {
			ls = r.Ts
		}
	}
	return s.updateOwn(ctx, actor, rid, map[string]any{"open": true, "alert": true, "ls": ls}, nil)
}

// Open shows the room in the actor's list again (openRoom, channels.open…).
func (s *Service) Open(ctx context.Context, actor model.Actor, rid string) error {
	return s.updateOwn(ctx, actor, rid, map[string]any{"open": true}, nil)
}

// Hide hides the room from the actor's list (hideRoom, channels.close…).
func (s *Service) Hide(ctx context.Context, actor model.Actor, rid string) error {
	return s.updateOwn(ctx, actor, rid, map[string]any{"open": false}, nil)
}

// Favorite stars or unstars the room for the actor (toggleFavorite, rooms.favorite).
func (s *Service) Favorite(ctx context.Context, actor model.Actor, rid string, fav bool) error {
	return s.updateOwn(ctx, actor, rid, map[string]any{"f": fav}, nil)
}

// notificationPrefs are the keys rooms.saveNotification takes, and whether each is a
// boolean (else a string).
var notificationPrefs = map[string]bool{
	"disableNotifications": true, "muteGroupMentions": true, "hideUnreadStatus": true, "hideMentionStatus": true,
	"desktopNotifications": false, "mobilePushNotifications": false, "emailNotifications": false,
	"audioNotificationValue": false, "unreadAlert": false,
}

// SaveNotification stores the actor's notification preferences for the room
// (rooms.saveNotification). "default" (or an empty value) removes a string preference.
func (s *Service) SaveNotification(ctx context.Context, actor model.Actor, rid string, prefs map[string]any) error {
	if len(prefs) == 0 {
		return invalid("error-invalid-params", "The 'notifications' param is required")
	}
	set := map[string]any{}
	var unset []string
	for k, v := range prefs {
		isBool, ok := notificationPrefs[k]
		if !ok {
			return invalid("error-invalid-notification-setting", "Invalid notification setting: "+k)
		}
		switch x := v.(type) {
		case bool:
			if !isBool {
				return invalid("error-invalid-notification-setting", "Invalid value for "+k)
			}
			set[k] = x
		case string:
			if isBool {
				set[k] = x == "1" || x == "true"
			} else if x == "" || x == "default" {
				unset = append(unset, k)
			} else {
				set[k] = x
			}
		default:
			return invalid("error-invalid-notification-setting", "Invalid value for "+k)
		}
	}
	slices.Sort(unset)
	return s.updateOwn(ctx, actor, rid, set, unset)
}
