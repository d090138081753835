package messaging

import (
	"context"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// ExtraStore is what reactions, pins, stars, follows, the message lists and
// moderation keep (storage/docdb/messages_extra.go).
type ExtraStore interface {
	// Subscription finds uid's subscription to rid; model.ErrNotFound if none.
	Subscription(ctx context.Context, rid, uid string) (model.Subscription, error)
	// EditSubscription adds to (addToSet) and removes from (pull) array fields of uid's
	// subscription to rid, sets the set fields and _updatedAt = at, and returns the
	// subscription after the change; model.ErrNotFound if none.
	EditSubscription(ctx context.Context, rid, uid string, addToSet, pull map[string]string, set map[string]any, at time.Time) (model.Subscription, error)
	// EditMessageArrays adds to and pulls from a message's array fields (a document
	// value pulls the elements having its fields), sets _updatedAt = at and returns the
	// message after the change; model.ErrNotFound if none.
	EditMessageArrays(ctx context.Context, id string, addToSet, pull map[string]any, at time.Time) (model.Message, error)
	// Pinned lists a room's visible pinned messages, newest first, and counts them.
	Pinned(ctx context.Context, rid string, offset, limit int) ([]model.Message, int64, error)
	// Starred lists a room's visible messages starred by uid, newest first, and counts them.
	Starred(ctx context.Context, rid, uid string, offset, limit int) ([]model.Message, int64, error)
	// Mentioned lists a room's visible messages mentioning uid, newest first, and counts them.
	Mentioned(ctx context.Context, rid, uid string, offset, limit int) ([]model.Message, int64, error)
	// ThreadsChanged lists a room's thread parents changed after since.
	ThreadsChanged(ctx context.Context, rid string, since time.Time, limit int) ([]model.Message, error)
	// ThreadsDeleted lists the ids and deletion times of a room's thread parents
	// deleted after since.
	ThreadsDeleted(ctx context.Context, rid string, since time.Time, limit int) ([]string, []time.Time, error)
	// InsertReport stores a moderation report (a Report).
	InsertReport(ctx context.Context, report any) error
}

// errMessageNotFound is the REST routes' answer for an unknown message id on
// chat.react, chat.pinMessage, chat.unPinMessage, chat.starMessage and
// chat.unStarMessage (they look the message up before anything else). The DDP
// methods answer their own errors instead (web/ddp maps this code).
func errMessageNotFound() error {
	return model.Invalid("error-message-not-found", `The provided "messageId" does not match any existing message.`)
}

// notAuthorized is the error of pinMessage, starMessage and setReaction when the
// actor may not read the room.
func notAuthorized() error { return model.Invalid("not-authorized", "Not Authorized") }

// lookup finds a message, errMessageNotFound when there is none.
func (s *Service) lookup(ctx context.Context, id string) (model.Message, error) {
	if id == "" {
		return model.Message{}, errMessageNotFound()
	}
	m, err := s.store.Message(ctx, id)
	if isNotFound(err) {
		return model.Message{}, errMessageNotFound()
	} else if err != nil {
		return model.Message{}, model.Internal(err)
	}
	return m, nil
}

// me loads the acting user, error-invalid-user when there is none.
func (s *Service) me(ctx context.Context, actor model.Actor) (model.User, error) {
	if actor.IsAnonymous() {
		return model.User{}, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	u, err := s.store.User(ctx, actor.UserID)
	if isNotFound(err) || (err == nil && u.Username == "") {
		return model.User{}, model.Invalid("error-invalid-user", "Invalid user")
	} else if err != nil {
		return model.User{}, model.Internal(err)
	}
	return u, nil
}

// readable checks that the actor may read the room, mapping a refusal (or an unknown
// room) to refused.
func (s *Service) readable(ctx context.Context, actor model.Actor, rid string, refused func() error) (model.Room, *model.Subscription, error) {
	room, sub, err := s.access(ctx, actor, rid)
	if err != nil {
		if e := model.AsError(err); e.Kind == model.KindForbidden || e.Kind == model.KindNotFound {
			return model.Room{}, nil, refused()
		}
		return model.Room{}, nil, err
	}
	return room, sub, nil
}

// changedMessage is a message write and what it changed besides: the room, when the
// message is its lastMessage.
type changedMessage struct {
	msg  model.Message
	room *model.Room
}

// updateLast rewrites the room's lastMessage when m is it (Rocket.Chat's
// isTheLastMessage), inside the caller's transaction.
func (s *Service) updateLast(ctx context.Context, room model.Room, m model.Message, at time.Time) (*model.Room, error) {
	if !s.config.Bool("Store_Last_Message") || room.LastMessage == nil || room.LastMessage.ID != m.ID {
		return nil, nil
	}
	r, err := s.updateRoom(ctx, room.ID, RoomChange{SetLast: true, Last: &m, At: at})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// publishChanged announces a changed message (and its room, when it changed too).
func (s *Service) publishChanged(ctx context.Context, room model.Room, c changedMessage) {
	s.hub.Publish(streamhub.MessageSaved{RID: room.ID, RoomType: room.T, RoomName: room.Name, Message: c.msg})
	if c.room != nil {
		s.publishRoom(ctx, *c.room)
	}
}

// publishSub announces a changed subscription to its user.
func (s *Service) publishSub(sub model.Subscription) {
	s.hub.Publish(streamhub.SubscriptionChanged{Action: "updated", UserID: sub.U.ID, RID: sub.RID, Sub: sub})
}
