package ddp

import (
	"context"
	"encoding/json"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
)

// ChatExtras is what the reaction, pin, star, follow and ignore methods need;
// messaging.Service satisfies it. RegisterChatMethods adds them when its Chat does.
type ChatExtras interface {
	React(ctx context.Context, actor model.Actor, in messaging.ReactInput) error
	Pin(ctx context.Context, actor model.Actor, id string) (model.Message, error)
	Unpin(ctx context.Context, actor model.Actor, id string) error
	Star(ctx context.Context, actor model.Actor, in messaging.StarInput) (bool, error)
	Follow(ctx context.Context, actor model.Actor, mid string) error
	Unfollow(ctx context.Context, actor model.Actor, mid string) error
	ReadThread(ctx context.Context, actor model.Actor, tmid string) error
	IgnoreUser(ctx context.Context, actor model.Actor, in messaging.IgnoreInput) error
}

// codeMessageNotFound is the service's code for an unknown message id, the REST
// routes' answer; each method answers Rocket.Chat's own error (or false) instead.
const codeMessageNotFound = "error-message-not-found"

func isCode(err error, code string) bool {
	e := model.AsError(err)
	return e != nil && e.Code == code
}

// registerChatExtras adds setReaction, pinMessage, unpinMessage, starMessage,
// followMessage, unfollowMessage, readThreads and ignoreUser (PROTOCOL.md §3.1).
func registerChatExtras(s *Server, m Chat) {
	x, ok := m.(ChatExtras)
	if !ok {
		return
	}
	// setReaction(emoji, messageId, shouldReact?) → nothing, or false when the room
	// refused the muted user (who got an ephemeral message saying so).
	s.Method("setReaction", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var emoji, id string
		var should *bool
		if err := Param(params, 0, &emoji); err != nil {
			return nil, err
		}
		if err := Param(params, 1, &id); err != nil {
			return nil, err
		}
		// The mobile app appends '' to every call; like Rocket.Chat, anything but a
		// boolean toggles.
		if len(params) > 2 {
			var b bool
			if json.Unmarshal(params[2], &b) == nil && string(params[2]) != "null" {
				should = &b
			}
		}
		err := x.React(ctx, call.Actor(), messaging.ReactInput{Emoji: emoji, MessageID: id, ShouldReact: should})
		switch {
		case isCode(err, codeMessageNotFound):
			return nil, model.Invalid("error-not-allowed", "Not allowed")
		case isCode(err, "error-not-allowed") && model.AsError(err).Details["rid"] != nil:
			return false, nil
		}
		return nil, err
	})
	// pinMessage(message) → the "message_pinned" system message.
	s.Method("pinMessage", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		id, err := messageIDParam(params)
		if err != nil {
			return nil, err
		}
		pinned, err := x.Pin(ctx, call.Actor(), id)
		if isCode(err, codeMessageNotFound) {
			return nil, model.Invalid("error-invalid-message", "Message you are pinning was not found")
		}
		if err != nil {
			return nil, err
		}
		return pinned, nil
	})
	// unpinMessage(message) → true.
	s.Method("unpinMessage", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		id, err := messageIDParam(params)
		if err != nil {
			return nil, err
		}
		err = x.Unpin(ctx, call.Actor(), id)
		if isCode(err, codeMessageNotFound) {
			return nil, model.Invalid("error-invalid-message", "Message you are unpinning was not found")
		}
		if err != nil {
			return nil, err
		}
		return true, nil
	})
	// starMessage({_id, rid, starred}) → whether it changed anything.
	s.Method("starMessage", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var in struct {
			ID      string `json:"_id"`
			RID     string `json:"rid"`
			Starred bool   `json:"starred"`
		}
		if err := Param(params, 0, &in); err != nil {
			return nil, err
		}
		if in.ID == "" {
			return nil, model.Invalid(codeInvalidParams, "Match error: Missing key '_id'")
		}
		ok, err := x.Star(ctx, call.Actor(), messaging.StarInput{ID: in.ID, RID: in.RID, Starred: in.Starred})
		if isCode(err, codeMessageNotFound) {
			return false, nil
		}
		if err != nil {
			return nil, err
		}
		return ok, nil
	})
	// followMessage({mid}) and unfollowMessage({mid}) → nothing.
	for name, fn := range map[string]func(context.Context, model.Actor, string) error{"followMessage": x.Follow, "unfollowMessage": x.Unfollow} {
		s.Method(name, func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
			var in struct {
				MID string `json:"mid"`
			}
			if err := Param(params, 0, &in); err != nil {
				return nil, err
			}
			if in.MID == "" {
				return nil, model.Invalid(codeInvalidParams, "Match error: Missing key 'mid'")
			}
			return nil, fn(ctx, call.Actor(), in.MID)
		})
	}
	// readThreads(tmid) → nothing.
	s.Method("readThreads", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var tmid string
		if err := Param(params, 0, &tmid); err != nil {
			return nil, err
		}
		return nil, x.ReadThread(ctx, call.Actor(), tmid)
	})
	// ignoreUser({rid, userId, ignore = true}) → true.
	s.Method("ignoreUser", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var in struct {
			RID    string `json:"rid"`
			UserID string `json:"userId"`
			Ignore *bool  `json:"ignore"`
		}
		if err := Param(params, 0, &in); err != nil {
			return nil, err
		}
		ignore := in.Ignore == nil || *in.Ignore
		if err := x.IgnoreUser(ctx, call.Actor(), messaging.IgnoreInput{RID: in.RID, UserID: in.UserID, Ignore: ignore}); err != nil {
			return nil, err
		}
		return true, nil
	})
}

// messageIDParam reads the {_id} message object of pinMessage and unpinMessage.
func messageIDParam(params []json.RawMessage) (string, error) {
	var msg struct {
		ID string `json:"_id"`
	}
	if err := Param(params, 0, &msg); err != nil {
		return "", err
	}
	if msg.ID == "" {
		return "", model.Invalid(codeInvalidParams, "Match error: Expected string, got undefined in field _id")
	}
	return msg.ID, nil
}
