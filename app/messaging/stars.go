package messaging

import (
	"context"

	"github.com/outpostchat/outpost/app/model"
)

// StarInput is starMessage({_id, rid, starred}); RID, when set, must be the message's
// room.
type StarInput struct {
	ID      string
	RID     string
	Starred bool
}

// Star stars or unstars a message for the actor, as starMessage, chat.starMessage and
// chat.unStarMessage do (Rocket.Chat's starMessage): Message_AllowStarring must be on
// and the actor subscribed to the room. It reports false, changing nothing, when the
// actor is not subscribed or the message is not in that room; starred holds {_id: uid}
// of every user who starred the message.
func (s *Service) Star(ctx context.Context, actor model.Actor, in StarInput) (bool, error) {
	if actor.IsAnonymous() {
		return false, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	m, err := s.lookup(ctx, in.ID)
	if err != nil {
		return false, err
	}
	if !s.config.Bool("Message_AllowStarring") {
		return false, model.Invalid("error-action-not-allowed", "Message starring not allowed")
	}
	if in.RID == "" {
		in.RID = m.RID
	}
	if _, err := s.store.Subscription(ctx, in.RID, actor.UserID); isNotFound(err) {
		return false, nil
	} else if err != nil {
		return false, model.Internal(err)
	}
	if m.RID != in.RID {
		return false, nil
	}
	room, _, err := s.readable(ctx, actor, m.RID, notAuthorized)
	if err != nil {
		return false, err
	}
	now := s.stamp()
	ref := map[string]any{"_id": actor.UserID}
	add, pull := map[string]any{"starred": ref}, map[string]any(nil)
	if !in.Starred {
		add, pull = nil, add
	}
	var out changedMessage
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if out.msg, err = s.store.EditMessageArrays(ctx, m.ID, add, pull, now); err != nil {
			return err
		}
		out.room, err = s.updateLast(ctx, room, out.msg, now)
		return err
	})
	if isNotFound(err) {
		return false, errMessageNotFound()
	} else if err != nil {
		return false, model.AsError(err)
	}
	s.publishChanged(ctx, room, out)
	return true, nil
}

// Starred is chat.getStarredMessages: the room's messages the actor starred, newest
// first, Count (default 50) from Offset.
func (s *Service) Starred(ctx context.Context, actor model.Actor, rid string, offset, count int) (Page[model.Message], error) {
	if _, _, err := s.readable(ctx, actor, rid, notAllowed); err != nil {
		return Page[model.Message]{}, err
	}
	msgs, total, err := s.store.Starred(ctx, rid, actor.UserID, offset, page(count, 50))
	if err != nil {
		return Page[model.Message]{}, model.Internal(err)
	}
	return Page[model.Message]{Items: nonNil(msgs), Offset: offset, Total: total}, nil
}
