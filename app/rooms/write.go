package rooms

import (
	"context"
	"errors"
	"slices"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// batch collects the events of one transaction, published once it commits.
type batch struct {
	evs []streamhub.Event
}

func (b *batch) add(ev ...streamhub.Event) { b.evs = append(b.evs, ev...) }

// write runs fn in one transaction and publishes its events after the commit.
func (s *Service) write(ctx context.Context, fn func(ctx context.Context, b *batch) error) error {
	var b batch
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		b.evs = b.evs[:0]
		return fn(ctx, &b)
	})
	if err != nil {
		return model.AsError(err)
	}
	for _, ev := range b.evs {
		s.hub.Publish(ev)
	}
	return nil
}

// subInserted is the event of a new subscription; the room goes along so the user's
// sessions learn about it (rooms-changed "inserted").
func subInserted(sub model.Subscription, r model.Room) streamhub.Event {
	return streamhub.SubscriptionChanged{Action: "inserted", UserID: sub.U.ID, RID: sub.RID, Sub: sub, Room: ClientRoom(r)}
}

func subUpdated(sub model.Subscription) streamhub.Event {
	return streamhub.SubscriptionChanged{Action: "updated", UserID: sub.U.ID, RID: sub.RID, Sub: sub}
}

// removedSub is what Rocket.Chat sends of a removed subscription.
type removedSub struct {
	ID  string        `json:"_id"`
	U   model.UserRef `json:"u"`
	RID string        `json:"rid"`
	T   string        `json:"t"`
}

func subRemoved(sub model.Subscription) streamhub.Event {
	return streamhub.SubscriptionChanged{Action: "removed", UserID: sub.U.ID, RID: sub.RID,
		Sub: removedSub{ID: sub.ID, U: sub.U, RID: sub.RID, T: sub.T}}
}

// roomChanged announces a room change to its members.
func (s *Service) roomChanged(ctx context.Context, b *batch, action string, r model.Room) error {
	members, err := s.MemberIDs(ctx, r.ID)
	if err != nil {
		return err
	}
	var room any = ClientRoom(r)
	if action == "removed" {
		room = map[string]string{"_id": r.ID}
	}
	b.add(streamhub.RoomChanged{Action: action, RID: r.ID, Room: room, Members: members})
	return nil
}

// systemMessage writes a system message of type t (Message.saveSystemMessage: msg is
// the username or the new value, u the user who acted, groupable false) and counts it
// in the room's msgs.
func (s *Service) systemMessage(ctx context.Context, b *batch, r model.Room, t, msg string, u model.UserRef, role string) error {
	no := false
	now := s.stamp()
	m := model.Message{ID: model.NewID(), RID: r.ID, Msg: msg, Ts: now, U: u, T: t, Groupable: &no, Role: role, UpdatedAt: now}
	if err := s.rooms.InsertSystemMessage(ctx, m); err != nil {
		return err
	}
	b.add(streamhub.MessageSaved{RID: r.ID, RoomType: r.T, RoomName: r.Name, Message: m, Inserted: true})
	return nil
}

// userRef is the {_id, username, name} of a user.
func userRef(u model.User) model.UserRef {
	return model.UserRef{ID: u.ID, Username: u.Username, Name: u.Name}
}

// me loads the acting user.
func (s *Service) me(ctx context.Context, actor model.Actor) (model.User, error) {
	if actor.IsAnonymous() {
		return model.User{}, &model.Error{Kind: model.KindUnauthorized, Code: "error-invalid-user", Message: "Invalid user"}
	}
	u, err := s.users.ByID(ctx, actor.UserID)
	if errors.Is(err, model.ErrNotFound) {
		return model.User{}, invalid("error-invalid-user", "Invalid user")
	}
	if err != nil {
		return model.User{}, model.Internal(err)
	}
	return u, nil
}

// room loads a room, error-invalid-room when there is none.
func (s *Service) room(ctx context.Context, rid string) (model.Room, error) {
	if rid == "" {
		return model.Room{}, invalid("error-invalid-room", "Invalid room")
	}
	r, err := s.rooms.Room(ctx, rid)
	if errors.Is(err, model.ErrNotFound) {
		return model.Room{}, invalid("error-invalid-room", "Invalid room")
	}
	return r, err
}

// subscription returns uid's subscription to rid, nil when none.
func (s *Service) subscription(ctx context.Context, rid, uid string) (*model.Subscription, error) {
	sub, err := s.subs.Subscription(ctx, rid, uid)
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &sub, nil
}

// newSubscription is a subscription of u to r with Rocket.Chat's defaults
// (Subscriptions.createWithRoomAndUser).
func (s *Service) newSubscription(r model.Room, u model.User) model.Subscription {
	now := s.stamp()
	return model.Subscription{
		ID: model.NewID(), RID: r.ID, U: userRef(u), Name: r.Name, FName: r.FName, T: r.T, Ts: now,
		Open: true, Archived: r.Archived, Prid: r.Prid, TeamID: r.TeamID, TeamMain: r.TeamMain, UpdatedAt: now,
	}
}

// addMember subscribes u to r, counts them in usersCount and writes the system message
// (Rocket.Chat's addUserToRoom: "au" with the inviter as u when someone added them,
// else "uj"). It reports false, changing nothing, when u is already a member.
func (s *Service) addMember(ctx context.Context, b *batch, r model.Room, u model.User, inviter *model.User, silent bool) (bool, error) {
	if cur, err := s.subscription(ctx, r.ID, u.ID); err != nil || cur != nil {
		return false, err
	}
	sub := s.newSubscription(r, u)
	// addUserToRoom: the new member sees the room as unread, with one mention.
	sub.Alert, sub.Unread, sub.UserMentions = true, 1, 1
	if err := s.subs.InsertSubscription(ctx, sub); err != nil {
		return false, err
	}
	r, err := s.rooms.IncRoom(ctx, r.ID, "usersCount", 1, sub.Ts)
	if err != nil {
		return false, err
	}
	b.add(subInserted(sub, r))
	if !silent {
		switch {
		case inviter != nil:
			err = s.systemMessage(ctx, b, r, "au", u.Username, userRef(*inviter), "")
		default:
			err = s.systemMessage(ctx, b, r, "uj", u.Username, userRef(u), "")
		}
		if err != nil {
			return false, err
		}
	}
	return true, s.roomChanged(ctx, b, "updated", r)
}

// removeMember unsubscribes uid from r (removeUserFromRoom: "ru" with the remover as u
// when someone removed them, else "ul").
func (s *Service) removeMember(ctx context.Context, b *batch, r model.Room, u model.User, by *model.User) error {
	now := s.stamp()
	if by != nil {
		if err := s.systemMessage(ctx, b, r, "ru", u.Username, userRef(*by), ""); err != nil {
			return err
		}
	} else if err := s.systemMessage(ctx, b, r, "ul", u.Username, userRef(u), ""); err != nil {
		return err
	}
	sub, err := s.subs.DeleteSubscription(ctx, r.ID, u.ID, now)
	if err != nil {
		return err
	}
	r, err = s.rooms.IncRoom(ctx, r.ID, "usersCount", -1, now)
	if err != nil {
		return err
	}
	b.add(subRemoved(sub))
	return s.roomChanged(ctx, b, "updated", r)
}

// lastOwner reports whether uid is the room's only owner.
func (s *Service) lastOwner(ctx context.Context, rid string, sub *model.Subscription) (bool, error) {
	if sub == nil || !slices.Contains(sub.Roles, "owner") {
		return false, nil
	}
	subs, err := s.subs.SubscriptionsOfRoom(ctx, rid)
	if err != nil {
		return false, err
	}
	n := 0
	for _, o := range subs {
		if slices.Contains(o.Roles, "owner") {
			n++
		}
	}
	return n <= 1, nil
}
