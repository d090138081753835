package messaging

import (
	"context"
	"slices"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// ReactInput is chat.react and setReaction: Emoji as ":smile:" or "smile";
// ShouldReact nil toggles the actor's reaction, true adds it, false removes it.
type ReactInput struct {
	Emoji       string
	MessageID   string
	ShouldReact *bool
}

// maxEmojiName bounds an emoji's short name.
const maxEmojiName = 100

// emojiKey is the reactions key of an emoji (":name:"), or "" when the name is not a
// short code. Rocket.Chat strips every ':' and checks the name against its emoji list
// and the custom emoji; Outpost has no list, so it accepts the characters short codes
// are made of.
func emojiKey(emoji string) string {
	name := strings.ReplaceAll(emoji, ":", "")
	if name == "" || len(name) > maxEmojiName {
		return ""
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '+' || c == '-') {
			return ""
		}
	}
	return ":" + name + ":"
}

// React adds or removes the actor's reaction to a message (Rocket.Chat's
// executeSetReaction and setReaction). The reactions map is read and written whole in
// one transaction: its keys hold ':', so no dotted path can name them. A muted user
// also gets an ephemeral message saying so (the error carries details.rid).
func (s *Service) React(ctx context.Context, actor model.Actor, in ReactInput) error {
	if actor.IsAnonymous() {
		return model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	key := emojiKey(in.Emoji)
	if key == "" {
		return model.Invalid("error-not-allowed", "Invalid emoji provided.")
	}
	user, err := s.me(ctx, actor)
	if err != nil {
		return err
	}
	m, err := s.lookup(ctx, in.MessageID)
	if err != nil {
		return err
	}
	reacted := func(m model.Message) bool {
		r, ok := m.Reactions[key]
		return ok && slices.Contains(r.Usernames, user.Username)
	}
	should := !reacted(m)
	if in.ShouldReact != nil {
		should = *in.ShouldReact
	}
	if should == reacted(m) {
		return nil
	}
	room, sub, err := s.readable(ctx, actor, m.RID, notAuthorized)
	if err != nil {
		return err
	}
	if err := s.canReact(ctx, actor, room, sub); err != nil {
		return err
	}
	var out changedMessage
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		out = changedMessage{}
		cur, err := s.store.Message(ctx, m.ID) // again, inside the transaction
		if err != nil {
			return err
		}
		if should == reacted(cur) {
			out.msg = cur
			return nil
		}
		reactions, err := s.toggled(ctx, cur.Reactions, key, user, should)
		if err != nil {
			return err
		}
		now := s.stamp()
		set, unset := map[string]any{"_updatedAt": now}, []string(nil)
		if len(reactions) == 0 {
			unset = []string{"reactions"}
		} else {
			set["reactions"] = reactions
		}
		if out.msg, err = s.store.UpdateMessage(ctx, cur.ID, set, unset); err != nil {
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

// canReact is setReaction's room check: muted users and, in a read-only room that
// does not allow reactions, users who may not post there are refused; Outpost also
// refuses archived rooms, where nothing changes.
func (s *Service) canReact(ctx context.Context, actor model.Actor, room model.Room, sub *model.Subscription) error {
	if room.Archived || (sub != nil && sub.Archived) {
		return model.Invalid("error-room-archived", "Room is archived")
	}
	if slices.Contains(room.Muted, actor.Username) {
		const text = "You have been muted and cannot speak in this room"
		s.hub.Publish(streamhub.EphemeralMessage{UserID: actor.UserID, Message: s.ephemeral(room.ID, text)})
		return &model.Error{Kind: model.KindInvalid, Code: "error-not-allowed", Message: text, Details: map[string]any{"rid": room.ID}}
	}
	if room.RO && !room.ReactWhenReadOnly && !s.authz.Can(ctx, actor, "post-readonly", room.ID) && !slices.Contains(room.Unmuted, actor.Username) {
		return model.Invalid("error-not-allowed", "You can't send messages because the room is readonly.")
	}
	return nil
}

// toggled returns a copy of reactions with the user's username added under key (or
// removed, the key going when no username is left). With UI_Use_Real_Name every
// reaction's names follow its usernames; without it names are dropped.
func (s *Service) toggled(ctx context.Context, reactions map[string]model.Reaction, key string, user model.User, add bool) (map[string]model.Reaction, error) {
	out := make(map[string]model.Reaction, len(reactions)+1)
	for k, r := range reactions {
		out[k] = model.Reaction{Usernames: slices.Clone(r.Usernames), Names: slices.Clone(r.Names)}
	}
	r := out[key]
	if add {
		r.Usernames = append(r.Usernames, user.Username)
	} else {
		r.Usernames = slices.DeleteFunc(r.Usernames, func(u string) bool { return u == user.Username })
	}
	if len(r.Usernames) == 0 {
		delete(out, key)
	} else {
		out[key] = r
	}
	if !s.config.Bool("UI_Use_Real_Name") {
		for k, r := range out {
			r.Names = nil
			out[k] = r
		}
		return out, nil
	}
	var all []string
	for _, r := range out {
		all = append(all, r.Usernames...)
	}
	users, err := s.store.UsersByUsernames(ctx, dedupe(all))
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(users))
	for _, u := range users {
		names[u.Username] = or(u.Name, u.Username)
	}
	for k, r := range out {
		r.Names = make([]string, len(r.Usernames))
		for i, u := range r.Usernames {
			r.Names[i] = or(names[u], u)
		}
		out[k] = r
	}
	return out, nil
}
