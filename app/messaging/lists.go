package messaging

import (
	"context"

	"github.com/outpostchat/outpost/app/model"
)

// notAllowed is the lists' answer when the actor may not read the room.
func notAllowed() error { return model.Invalid("error-not-allowed", "Not allowed") }

// Mentioned is chat.getMentionedMessages: the room's messages that mention the actor,
// newest first, Count (default 50) from Offset.
func (s *Service) Mentioned(ctx context.Context, actor model.Actor, rid string, offset, count int) (Page[model.Message], error) {
	if _, _, err := s.readable(ctx, actor, rid, notAllowed); err != nil {
		return Page[model.Message]{}, err
	}
	msgs, total, err := s.store.Mentioned(ctx, rid, actor.UserID, offset, page(count, 50))
	if err != nil {
		return Page[model.Message]{}, model.Internal(err)
	}
	return Page[model.Message]{Items: nonNil(msgs), Offset: offset, Total: total}, nil
}
