package messaging

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// SendInput is a message to send. ID, when set, is the client's id for the message
// (an idempotency key); Ts, when set, is the client's clock (DDP only): Rocket.Chat
// refuses one more than a minute off and replaces one more than 10 seconds off.
type SendInput struct {
	ID          string
	RID         string
	Msg         string
	TMID        string
	TShow       bool
	Alias       string
	Emoji       string
	Avatar      string
	Attachments []map[string]any
	Ts          *time.Time
}

// Unread_Count values (Rocket.Chat's notifyUsersOnMessage).
const (
	unreadAll          = "all_messages"
	unreadUserMentions = "user_mentions_only"
	unreadGroupMention = "group_mentions_only"
	unreadBoth         = "user_and_group_mentions_only"
)

// SendRate is how many messages a user without send-many-messages may send a second
// (Rocket.Chat's RateLimiter.limitMethod('sendMessage', 5, 1000)).
const SendRate = 5

// Send stores a new message from the actor, as sendMessage and chat.sendMessage do:
// the message, the room's msgs/lm/lastMessage and the members' subscriptions are
// written in one transaction, then the changes are published.
func (s *Service) Send(ctx context.Context, actor model.Actor, in SendInput) (model.Message, error) {
	return s.send(ctx, actor, in, nil)
}

// send is Send, with the file parts of a file message when fp is not nil (sendfile.go).
func (s *Service) send(ctx context.Context, actor model.Actor, in SendInput, fp *FileParts) (model.Message, error) {
	if actor.IsAnonymous() {
		return model.Message{}, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	if in.TShow && in.TMID == "" {
		return model.Message{}, model.Invalid("invalid-params", "tshow provided but missing tmid")
	}
	if in.TMID != "" && !s.config.Bool("Threads_enabled") {
		return model.Message{}, model.Invalid("error-not-allowed", "not-allowed")
	}
	if jsLength(in.Msg) > int(s.config.Int("Message_MaxAllowedSize")) {
		return model.Message{}, model.Invalid("error-message-size-exceeded", "Message size exceeds Message_MaxAllowedSize")
	}
	if err := validateAttachments(in.Attachments, int(s.config.Int("Message_MaxAllowedSize"))); err != nil {
		return model.Message{}, err
	}
	if in.Avatar != "" && !validAvatar(in.Avatar) {
		return model.Message{}, &model.Error{Kind: model.KindInvalid, Message: "Invalid href value provided", Details: map[string]any{"field": "avatar"}}
	}
	if in.ID != "" && (len(in.ID) > 64 || !validID(in.ID)) {
		return model.Message{}, model.Invalid("error-invalid-message-id", "Invalid message id")
	}
	now := s.stamp()
	ts := now
	if in.Ts != nil {
		diff := in.Ts.Sub(now).Abs()
		if diff > time.Minute {
			return model.Message{}, model.Invalid("error-message-ts-out-of-sync", "Message timestamp is out of sync")
		}
		if diff <= 10*time.Second {
			ts = in.Ts.UTC().Truncate(time.Millisecond)
		}
	}
	user, err := s.store.User(ctx, actor.UserID)
	if err != nil || user.Username == "" {
		return model.Message{}, model.Invalid("error-invalid-user", "Invalid user")
	}
	var parent *model.Message
	if in.TMID != "" {
		p, err := s.message(ctx, in.TMID, "error-invalid-message", "Invalid thread message")
		if err != nil {
			return model.Message{}, err
		}
		if p.TMID != "" { // no nested threads: reply in the root thread
			if p, err = s.message(ctx, p.TMID, "error-invalid-message", "Invalid thread message"); err != nil {
				return model.Message{}, err
			}
		}
		if in.RID == "" {
			in.RID = p.RID
		}
		if p.RID != in.RID {
			return model.Message{}, model.Invalid("error-invalid-message", "The thread is in another room")
		}
		parent = &p
	}
	room, sub, err := s.access(ctx, actor, in.RID)
	if err != nil {
		return model.Message{}, err
	}
	if err := s.canPost(ctx, actor, room, sub); err != nil {
		s.hub.Publish(streamhub.EphemeralMessage{UserID: actor.UserID, Message: s.ephemeral(room.ID, model.AsError(err).Message)})
		return model.Message{}, err
	}
	if (in.Alias != "" || in.Avatar != "") && !s.authz.Can(ctx, actor, "message-impersonate", room.ID) {
		return model.Message{}, model.Invalid("error-not-allowed", "Not enough permission")
	}
	if in.ID != "" {
		if m, err := s.store.Message(ctx, in.ID); err == nil {
			return s.resent(m, actor, room.ID)
		}
	} else {
		in.ID = model.NewID()
	}
	m := model.Message{
		ID: in.ID, RID: room.ID, Msg: in.Msg, Ts: ts,
		U:     model.UserRef{ID: user.ID, Username: user.Username, Name: user.Name},
		Alias: in.Alias, Emoji: in.Emoji, Avatar: in.Avatar, Attachments: in.Attachments,
		UpdatedAt: now,
	}
	if parent != nil {
		m.TMID, m.TShow = parent.ID, in.TShow
	}
	var also func(context.Context) error
	if fp != nil {
		fp.apply(&m)
		also = fp.InTx
	}
	toAll, toHere, err := s.enrich(ctx, &m)
	if err != nil {
		return model.Message{}, model.Internal(err)
	}
	out, err := s.write(ctx, &m, room, parent, toAll, toHere, also)
	if err != nil {
		if isDuplicate(err) {
			if old, err := s.store.Message(ctx, m.ID); err == nil {
				return s.resent(old, actor, room.ID)
			}
		}
		return model.Message{}, model.AsError(err)
	}
	out.toAll, out.toHere = toAll, toHere
	s.publishSent(ctx, m, room, out)
	return m, nil
}

// resent answers a message sent again with an _id that exists: the same author in the
// same room gets the stored message back (a client retrying after a lost answer);
// anyone else an error. Rocket.Chat silently stores nothing in both cases.
func (s *Service) resent(m model.Message, actor model.Actor, rid string) (model.Message, error) {
	if m.U.ID == actor.UserID && m.RID == rid {
		return m, nil
	}
	return model.Message{}, model.Invalid("error-duplicate-id", "A message with this _id already exists")
}

// validID accepts the ids clients generate: letters, digits, '-' and '_'.
func validID(id string) bool {
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// canPost applies Rocket.Chat's canSendMessage rules after the access check: blocked
// direct messages, archived rooms, read-only rooms and muted users. The texts are
// Rocket.Chat's.
func (s *Service) canPost(ctx context.Context, actor model.Actor, room model.Room, sub *model.Subscription) error {
	if room.T == model.RoomDirect && sub != nil && (sub.Blocked || sub.Blocker) {
		return model.Invalid("room_is_blocked", "room_is_blocked")
	}
	if room.Archived || (sub != nil && sub.Archived) {
		return model.Invalid("error-room-archived", "Room is archived")
	}
	if room.RO && !s.authz.Can(ctx, actor, "post-readonly", room.ID) && !slices.Contains(room.Unmuted, actor.Username) {
		return &model.Error{Kind: model.KindInvalid, Message: "You can't send messages because the room is readonly."}
	}
	if slices.Contains(room.Muted, actor.Username) {
		return &model.Error{Kind: model.KindInvalid, Code: "error-user-muted", Message: "You_have_been_muted"}
	}
	return nil
}

// ephemeral is the message a user alone sees when their message was refused.
func (s *Service) ephemeral(rid, text string) map[string]any {
	now := s.now().UTC()
	return map[string]any{
		"_id": model.NewID(), "rid": rid, "ts": now, "msg": text, "groupable": false,
		"u": map[string]any{"_id": "rocket.cat", "username": "rocket.cat"}, "_updatedAt": now,
	}
}

// enrich parses the text into md, mentions, channels and urls. It reports whether
// the message mentions @all or @here.
func (s *Service) enrich(ctx context.Context, m *model.Message) (toAll, toHere bool, err error) {
	m.MD, m.Mentions, m.Channels, m.URLs = nil, nil, nil, nil
	if m.Msg == "" {
		return false, false, nil
	}
	ast := s.parse(m.Msg)
	if m.MD, err = json.Marshal(ast); err != nil {
		return false, false, err
	}
	tok := s.extract(ast, m.Msg)
	var names []string
	for _, n := range tok.Mentions {
		switch n {
		case "all":
			toAll = true
			m.Mentions = append(m.Mentions, model.Mention{ID: "all", Username: "all"})
		case "here":
			toHere = true
			m.Mentions = append(m.Mentions, model.Mention{ID: "here", Username: "here"})
		default:
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		users, err := s.store.UsersByUsernames(ctx, names)
		if err != nil {
			return false, false, err
		}
		for _, n := range names { // in the text's order
			for _, u := range users {
				if u.Username == n {
					m.Mentions = append(m.Mentions, model.Mention{ID: u.ID, Username: u.Username, Name: u.Name, Type: "user"})
				}
			}
		}
	}
	if len(tok.Channels) > 0 {
		rooms, err := s.store.RoomsByNames(ctx, tok.Channels)
		if err != nil {
			return false, false, err
		}
		for _, n := range tok.Channels {
			for _, r := range rooms {
				if r.Name == n && r.T == model.RoomPublic { // never reveal a private room's id
					m.Channels = append(m.Channels, model.ChannelRef{ID: r.ID, Name: r.Name})
				}
			}
		}
	}
	for _, u := range tok.URLs {
		m.URLs = append(m.URLs, model.MessageURL{URL: u})
	}
	return toAll, toHere, nil
}

// sent is what a send changed besides the message.
type sent struct {
	room          model.Room
	parent        *model.Message
	subs          []model.Subscription
	toAll, toHere bool // the message mentions @all or @here
}

// write stores the message and its consequences in one transaction; also, when not
// nil, runs in that transaction too.
func (s *Service) write(ctx context.Context, m *model.Message, room model.Room, parent *model.Message, toAll, toHere bool, also func(context.Context) error) (sent, error) {
	var out sent
	sender := m.U.ID
	threadOnly := m.TMID != "" && !m.TShow
	mentioned := userMentions(m, sender)
	rule := s.unreadRule(room.T)
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		out = sent{}
		changed := map[string]model.Subscription{}
		var order []string
		apply := func(ch SubscriptionChange) error {
			ch.RID, ch.At = room.ID, m.UpdatedAt
			subs, err := s.updateSubs(ctx, ch)
			for _, sub := range subs {
				if _, ok := changed[sub.ID]; !ok {
					order = append(order, sub.ID)
				}
				changed[sub.ID] = sub
			}
			return err
		}
		if err := s.store.InsertMessage(ctx, *m); err != nil {
			return err
		}
		if also != nil {
			if err := also(ctx); err != nil {
				return err
			}
		}
		rc := RoomChange{IncMsgs: 1, At: m.UpdatedAt}
		if !threadOnly {
			rc.SetLM = &m.Ts
			if s.config.Bool("Store_Last_Message") {
				rc.SetLast, rc.Last = true, m
			}
		}
		r, err := s.updateRoom(ctx, room.ID, rc)
		if err != nil {
			return err
		}
		out.room = r
		alertOpen := map[string]any{"alert": true, "open": true}
		if !threadOnly {
			direct := room.T == model.RoomDirect || room.T == model.RoomLive
			switch {
			case len(mentioned) > 0: // user mentions win over group mentions
				unread := b2i(direct || rule == unreadAll || rule == unreadUserMentions || rule == unreadBoth)
				err = apply(SubscriptionChange{Only: mentioned, Except: []string{sender}, Set: alertOpen, Inc: map[string]int{"userMentions": 1, "unread": unread}})
			case toAll || toHere:
				unread := b2i(direct || rule == unreadAll || rule == unreadGroupMention || rule == unreadBoth)
				err = apply(SubscriptionChange{Except: []string{sender}, Set: alertOpen, Inc: map[string]int{"groupMentions": 1, "unread": unread}})
			}
			if err != nil {
				return err
			}
			if !toAll && !toHere && rule == unreadAll {
				if err := apply(SubscriptionChange{Except: append([]string{sender}, mentioned...), Set: alertOpen, Inc: map[string]int{"unread": 1}}); err != nil {
					return err
				}
			}
			if err := apply(SubscriptionChange{Except: []string{sender}, Set: alertOpen, SkipUnchanged: true}); err != nil {
				return err
			}
			if err := apply(SubscriptionChange{Only: []string{sender}, Set: map[string]any{"ls": m.Ts, "alert": false, "unread": 0, "open": true}}); err != nil {
				return err
			}
		}
		if parent != nil {
			p, err := s.threadReply(ctx, m, parent, mentioned, toAll || toHere, apply)
			if err != nil {
				return err
			}
			out.parent = &p
		}
		for _, id := range order {
			out.subs = append(out.subs, changed[id])
		}
		return nil
	})
	return out, err
}

// threadReply counts the reply in its thread and marks the thread unread for its
// followers and the mentioned (Rocket.Chat's threads reply()).
func (s *Service) threadReply(ctx context.Context, m *model.Message, parent *model.Message, mentioned []string, group bool, apply func(SubscriptionChange) error) (model.Message, error) {
	sender := m.U.ID
	add := append([]string{}, mentioned...)
	if len(parent.Replies) == 0 {
		add = append(add, parent.U.ID)
	}
	add = append(add, sender)
	p, err := s.store.AddThreadReply(ctx, parent.ID, dedupe(add), m.Ts)
	if err != nil {
		return model.Message{}, err
	}
	var followers []string
	for _, uid := range p.Replies {
		if uid != sender && !slices.Contains(mentioned, uid) {
			followers = append(followers, uid)
		}
	}
	if len(followers) > 0 {
		ch := SubscriptionChange{Only: followers, Set: map[string]any{"alert": true, "open": true}, AddToSet: map[string]string{"tunread": p.ID}}
		if group {
			ch.AddToSet["tunreadGroup"] = p.ID
		}
		if err := apply(ch); err != nil {
			return model.Message{}, err
		}
	}
	if len(mentioned) > 0 {
		if err := apply(SubscriptionChange{Only: mentioned, Except: []string{sender}, Set: map[string]any{"alert": true, "open": true},
			AddToSet: map[string]string{"tunread": p.ID, "tunreadUser": p.ID}}); err != nil {
			return model.Message{}, err
		}
	}
	if group && !m.TShow { // a shown reply already counted the group mention in the room
		if err := apply(SubscriptionChange{Except: append([]string{sender}, followers...), Set: map[string]any{"alert": true, "open": true},
			AddToSet: map[string]string{"tunread": p.ID, "tunreadGroup": p.ID}}); err != nil {
			return model.Message{}, err
		}
	}
	if err := apply(SubscriptionChange{Only: []string{sender}, Set: map[string]any{"lr": m.Ts, "open": true}}); err != nil {
		return model.Message{}, err
	}
	return p, nil
}

// unreadRule is the Unread_Count setting that applies to a room type.
func (s *Service) unreadRule(t string) string {
	switch t {
	case model.RoomDirect:
		return or(s.config.String("Unread_Count_DM"), unreadAll)
	case model.RoomLive:
		return unreadAll
	}
	return or(s.config.String("Unread_Count"), unreadBoth)
}

// userMentions returns the ids of the users a message mentions, the sender left out.
func userMentions(m *model.Message, sender string) []string {
	var out []string
	for _, mn := range m.Mentions {
		if (mn.Type == "" || mn.Type == "user") && mn.ID != sender && mn.ID != "all" && mn.ID != "here" {
			out = append(out, mn.ID)
		}
	}
	return dedupe(out)
}

// publishSent announces a stored message and what it changed.
func (s *Service) publishSent(ctx context.Context, m model.Message, room model.Room, out sent) {
	s.hub.Publish(streamhub.MessageSaved{RID: room.ID, RoomType: room.T, RoomName: room.Name, Message: m, Inserted: true})
	if out.parent != nil {
		s.hub.Publish(streamhub.MessageSaved{RID: room.ID, RoomType: room.T, RoomName: room.Name, Message: *out.parent})
	}
	for _, sub := range out.subs {
		s.hub.Publish(streamhub.SubscriptionChanged{Action: "updated", UserID: sub.U.ID, RID: sub.RID, Sub: sub})
	}
	if m.TMID == "" || m.TShow {
		if members, err := s.store.MemberIDs(ctx, room.ID); err != nil {
			s.log.Error("listing room members for rooms-changed", "rid", room.ID, "err", err)
		} else {
			s.hub.Publish(streamhub.RoomChanged{Action: "updated", RID: room.ID, Room: out.room, Members: members})
		}
	}
	s.notify(ctx, m, out)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func dedupe(ids []string) []string {
	out := ids[:0:0]
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// CheckSendRate enforces the DDP sendMessage rate limit: SendRate messages a second
// per user, unless the user holds send-many-messages. It counts the call.
func (s *Service) CheckSendRate(ctx context.Context, actor model.Actor) error {
	if actor.IsAnonymous() || s.authz.Can(ctx, actor, "send-many-messages", "") {
		return nil
	}
	if !s.limiter.allow(actor.UserID, SendRate, time.Second) {
		return &model.Error{Kind: model.KindTooMany, Code: "error-too-many-requests",
			Message: "Error, too many requests. Please slow down. You must wait 1 seconds before trying this endpoint again."}
	}
	return nil
}

// ResolveChannel finds the room chat.postMessage's channel names: "#name" a room by
// name, "@username" the actor's direct message with that user, created when missing
// as Rocket.Chat's getRoomByNameOrIdWithOptionToJoin does (through the room service,
// which checks create-d), anything else a room id or name. The actor must be able to
// read the room.
func (s *Service) ResolveChannel(ctx context.Context, actor model.Actor, channel string) (string, error) {
	invalid := model.Invalid("error-invalid-channel", "Invalid channel")
	var rid string
	switch {
	case len(channel) > 1 && channel[0] == '@':
		id, err := s.store.DirectRoomID(ctx, actor.UserID, channel[1:])
		if err != nil {
			return "", model.Internal(err)
		}
		if id == "" {
			room, _, err := s.rooms.DirectWith(ctx, actor, channel[1:])
			if err != nil {
				if e := model.AsError(err); e.Kind == model.KindNotFound || e.Code == "error-room-not-found" || e.Code == "error-invalid-user" {
					return "", invalid
				}
				return "", err
			}
			id = room.ID
		}
		rid = id
	default:
		name := channel
		if channel != "" && channel[0] == '#' {
			name = channel[1:]
		}
		rooms, err := s.store.RoomsByNames(ctx, []string{name})
		if err != nil {
			return "", model.Internal(err)
		}
		for _, r := range rooms {
			rid = r.ID
		}
		if rid == "" && channel != "" && channel[0] != '#' {
			rid = channel
		}
	}
	if rid == "" {
		return "", invalid
	}
	if _, _, err := s.access(ctx, actor, rid); err != nil {
		if e := model.AsError(err); e.Kind == model.KindNotFound {
			return "", invalid
		}
		return "", err
	}
	return rid, nil
}
