package messaging

import (
	"context"
	"net/url"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// quoteChainLimit is Message_QuoteChainLimit's default: how deep quotes nest in the
// "message_pinned" message's attachment.
const quoteChainLimit = 2

// Pin pins a message, as pinMessage and chat.pinMessage do (Rocket.Chat's
// pinMessage): Message_AllowPinning must be on and the actor must hold pin-message in
// the room and read it. The message gets pinned, pinnedAt and pinnedBy, and a system
// message "message_pinned" quoting it goes to the room; Pin returns that system
// message, or the message itself when it was pinned already.
func (s *Service) Pin(ctx context.Context, actor model.Actor, id string) (model.Message, error) {
	if actor.IsAnonymous() {
		return model.Message{}, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	m, err := s.lookup(ctx, id)
	if err != nil {
		return model.Message{}, err
	}
	if !s.config.Bool("Message_AllowPinning") {
		return model.Message{}, model.Invalid("error-action-not-allowed", "Message pinning not allowed")
	}
	if !s.authz.Can(ctx, actor, "pin-message", m.RID) {
		return model.Message{}, notAuthorized()
	}
	room, _, err := s.readable(ctx, actor, m.RID, notAuthorized)
	if err != nil {
		return model.Message{}, err
	}
	if m.Pinned {
		return m, nil
	}
	me, err := s.me(ctx, actor)
	if err != nil {
		return model.Message{}, err
	}
	now := s.stamp()
	by := model.UserRef{ID: me.ID, Username: me.Username}
	var out changedMessage
	var note model.Message
	var newRoom model.Room
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		out = changedMessage{}
		var err error
		if out.msg, err = s.store.UpdateMessage(ctx, m.ID, map[string]any{"pinned": true, "pinnedAt": now, "pinnedBy": by, "_updatedAt": now}, nil); err != nil {
			return err
		}
		note = s.pinNote(out.msg, me, now)
		if err := s.store.InsertMessage(ctx, note); err != nil {
			return err
		}
		// The system message counts in msgs (as the room service's system messages do);
		// the pinned message may be the room's lastMessage.
		if newRoom, err = s.updateRoom(ctx, room.ID, RoomChange{IncMsgs: 1, At: now}); err != nil {
			return err
		}
		if r, err := s.updateLast(ctx, room, out.msg, now); err != nil {
			return err
		} else if r != nil {
			newRoom = *r
		}
		out.room = &newRoom
		return nil
	})
	if isNotFound(err) {
		return model.Message{}, errMessageNotFound()
	} else if err != nil {
		return model.Message{}, model.AsError(err)
	}
	s.publishChanged(ctx, room, out)
	s.hub.Publish(streamhub.MessageSaved{RID: room.ID, RoomType: room.T, RoomName: room.Name, Message: note, Inserted: true})
	return note, nil
}

// pinNote is the "message_pinned" system message (message_pinned_e2e for an encrypted
// message): empty msg, the pinner as u, and one attachment quoting the message (its
// text, author, avatar, ts and its own attachments, quotes nested at most
// quoteChainLimit deep), as Rocket.Chat writes it.
func (s *Service) pinNote(m model.Message, me model.User, now time.Time) model.Message {
	t := "message_pinned"
	if m.T == "e2e" {
		t = "message_pinned_e2e"
	}
	quote := map[string]any{
		"text":        m.Msg,
		"author_name": m.U.Username,
		"author_icon": "/avatar/" + url.PathEscape(m.U.Username),
		"ts":          m.Ts,
		"attachments": quotedAttachments(m.Attachments),
	}
	no := false
	return model.Message{
		ID: model.NewID(), RID: m.RID, Msg: "", Ts: now, T: t, Groupable: &no,
		U:           model.UserRef{ID: me.ID, Username: me.Username, Name: me.Name},
		Attachments: []map[string]any{quote}, UpdatedAt: now,
	}
}

// quotedAttachments are a pinned message's attachments as its pin quotes them: quote
// attachments (those with a message_link) once per link, their nested quotes cut
// past quoteChainLimit.
func quotedAttachments(atts []map[string]any) []any {
	out := []any{}
	seen := map[string]bool{}
	for _, a := range atts {
		link, isQuote := a["message_link"].(string)
		if !isQuote {
			out = append(out, a)
			continue
		}
		if seen[link] {
			continue
		}
		seen[link] = true
		out = append(out, cutQuotes(a, 1))
	}
	return out
}

// cutQuotes copies a quote attachment, dropping its nested attachments past
// quoteChainLimit and nested attachments that are not quotes.
func cutQuotes(a map[string]any, depth int) map[string]any {
	c := make(map[string]any, len(a))
	for k, v := range a {
		c[k] = v
	}
	if depth > quoteChainLimit {
		delete(c, "attachments")
		return c
	}
	nested, ok := a["attachments"].([]any)
	if !ok {
		return c
	}
	kept := []any{}
	for _, n := range nested {
		if q, ok := n.(map[string]any); ok {
			if _, isQuote := q["message_link"].(string); isQuote {
				kept = append(kept, cutQuotes(q, depth+1))
			}
		}
	}
	c["attachments"] = kept
	return c
}

// Unpin unpins a message, as unpinMessage and chat.unPinMessage do (Rocket.Chat's
// unpinMessage): the actor must be subscribed to its room (else the message is "not
// found") and hold pin-message there. pinned becomes false and pinnedBy the actor.
func (s *Service) Unpin(ctx context.Context, actor model.Actor, id string) error {
	if actor.IsAnonymous() {
		return model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	if !s.config.Bool("Message_AllowPinning") {
		return model.Invalid("error-action-not-allowed", "Message pinning not allowed")
	}
	m, err := s.lookup(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.store.Subscription(ctx, m.RID, actor.UserID); isNotFound(err) {
		return model.Invalid("error-invalid-message", "Message you are unpinning was not found")
	} else if err != nil {
		return model.Internal(err)
	}
	if !s.authz.Can(ctx, actor, "pin-message", m.RID) {
		return notAuthorized()
	}
	me, err := s.me(ctx, actor)
	if err != nil {
		return err
	}
	room, _, err := s.readable(ctx, actor, m.RID, notAuthorized)
	if err != nil {
		return err
	}
	now := s.stamp()
	var out changedMessage
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		by := model.UserRef{ID: me.ID, Username: me.Username}
		if out.msg, err = s.store.UpdateMessage(ctx, m.ID, map[string]any{"pinned": false, "pinnedAt": now, "pinnedBy": by, "_updatedAt": now}, nil); err != nil {
			return err
		}
		out.room, err = s.updateLast(ctx, room, out.msg, now)
		return err
	})
	if isNotFound(err) {
		return errMessageNotFound()
	} else if err != nil {
		return model.AsError(err)
	}
	s.publishChanged(ctx, room, out)
	return nil
}

// Pinned is chat.getPinnedMessages: a room's pinned messages, newest first, Count
// (default 50) from Offset.
func (s *Service) Pinned(ctx context.Context, actor model.Actor, rid string, offset, count int) (Page[model.Message], error) {
	if _, _, err := s.readable(ctx, actor, rid, notAllowed); err != nil {
		return Page[model.Message]{}, err
	}
	msgs, total, err := s.store.Pinned(ctx, rid, offset, page(count, 50))
	if err != nil {
		return Page[model.Message]{}, model.Internal(err)
	}
	return Page[model.Message]{Items: nonNil(msgs), Offset: offset, Total: total}, nil
}
