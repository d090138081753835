package messaging

import (
	"context"
	"slices"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// followed finds the message a follow or unfollow names and checks the actor may read
// its room (Rocket.Chat's followMessage and unfollowMessage). It returns the message,
// its room and the thread to follow: the message's own thread when it is a reply.
func (s *Service) followed(ctx context.Context, actor model.Actor, mid string) (model.Message, model.Room, string, error) {
	if actor.IsAnonymous() {
		return model.Message{}, model.Room{}, "", model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	if !s.config.Bool("Threads_enabled") {
		return model.Message{}, model.Room{}, "", model.Invalid("error-not-allowed", "not-allowed")
	}
	m, err := s.message(ctx, mid, "error-invalid-message", "Invalid message")
	if err != nil {
		return model.Message{}, model.Room{}, "", err
	}
	room, _, err := s.readable(ctx, actor, m.RID, func() error { return model.Invalid("error-not-allowed", "not-allowed") })
	if err != nil {
		return model.Message{}, model.Room{}, "", err
	}
	tmid := m.ID
	if m.TMID != "" {
		tmid = m.TMID
	}
	return m, room, tmid, nil
}

// Follow is followMessage and chat.followMessage: the actor joins the thread's
// followers (its parent's replies), so its replies mark the thread unread for them.
func (s *Service) Follow(ctx context.Context, actor model.Actor, mid string) error {
	_, room, tmid, err := s.followed(ctx, actor, mid)
	if err != nil {
		return err
	}
	p, err := s.store.EditMessageArrays(ctx, tmid, map[string]any{"replies": actor.UserID}, nil, s.stamp())
	if isNotFound(err) {
		return model.Invalid("error-invalid-message", "Invalid message")
	} else if err != nil {
		return model.Internal(err)
	}
	s.publishChanged(ctx, room, changedMessage{msg: p})
	return nil
}

// Unfollow is unfollowMessage and chat.unfollowMessage: the actor leaves the thread's
// followers, and the thread leaves their subscription's tunread, tunreadUser and
// tunreadGroup.
func (s *Service) Unfollow(ctx context.Context, actor model.Actor, mid string) error {
	m, room, tmid, err := s.followed(ctx, actor, mid)
	if err != nil {
		return err
	}
	now := s.stamp()
	var p model.Message
	var sub *model.Subscription
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		sub = nil
		var err error
		if sub, err = s.clearThread(ctx, m.RID, actor.UserID, tmid, false, now); err != nil {
			return err
		}
		p, err = s.store.EditMessageArrays(ctx, tmid, nil, map[string]any{"replies": actor.UserID}, now)
		return err
	})
	if isNotFound(err) {
		return model.Invalid("error-invalid-message", "Invalid message")
	} else if err != nil {
		return model.AsError(err)
	}
	if sub != nil {
		s.publishSub(*sub)
	}
	s.publishChanged(ctx, room, changedMessage{msg: p})
	return nil
}

// clearThread removes tmid from uid's subscription's tunread, tunreadUser and
// tunreadGroup (and sets alert false when clearAlert), inside the caller's
// transaction. It returns the changed subscription, nil when there is none or
// nothing changed.
func (s *Service) clearThread(ctx context.Context, rid, uid, tmid string, clearAlert bool, at time.Time) (*model.Subscription, error) {
	sub, err := s.store.Subscription(ctx, rid, uid)
	if isNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	held := slices.Contains(sub.TUnread, tmid) || slices.Contains(sub.TUnreadUser, tmid) || slices.Contains(sub.TUnreadGroup, tmid)
	if !held && !(clearAlert && sub.Alert) {
		return nil, nil
	}
	var set map[string]any
	if clearAlert {
		set = map[string]any{"alert": false}
	}
	pull := map[string]string{"tunread": tmid, "tunreadUser": tmid, "tunreadGroup": tmid}
	out, err := s.store.EditSubscription(ctx, rid, uid, nil, pull, set, at)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ReadThread is readThreads(tmid): the thread leaves the actor's unread threads; when
// it was the last one, the room's alert goes too. An unknown thread is no error.
func (s *Service) ReadThread(ctx context.Context, actor model.Actor, tmid string) error {
	if actor.IsAnonymous() || !s.config.Bool("Threads_enabled") {
		return model.Invalid("error-not-allowed", "Threads Disabled")
	}
	if tmid == "" {
		return nil
	}
	t, err := s.store.Message(ctx, tmid)
	if isNotFound(err) {
		return nil
	} else if err != nil {
		return model.Internal(err)
	}
	_, sub, err := s.access(ctx, actor, t.RID)
	if err != nil {
		switch model.AsError(err).Kind {
		case model.KindNotFound:
			return model.Invalid("error-room-does-not-exist", "This room does not exist")
		case model.KindForbidden:
			return model.Invalid("error-not-allowed", "Not allowed")
		}
		return err
	}
	if sub == nil {
		return nil
	}
	// Rocket.Chat clears the alert when this thread was the only unread one.
	clearAlert := len(sub.TUnread) <= 1 && slices.Contains(sub.TUnread, tmid)
	var changed *model.Subscription
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		changed, err = s.clearThread(ctx, t.RID, actor.UserID, tmid, clearAlert, s.stamp())
		return err
	})
	if err != nil {
		return model.AsError(err)
	}
	if changed != nil {
		s.publishSub(*changed)
	}
	return nil
}

// SyncThreads is chat.syncThreadsList: a room's threads changed and deleted after
// since (at most maxPage of each).
func (s *Service) SyncThreads(ctx context.Context, actor model.Actor, rid string, since time.Time) (ThreadSync, error) {
	if actor.IsAnonymous() {
		return ThreadSync{}, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	if !s.config.Bool("Threads_enabled") {
		return ThreadSync{}, model.Invalid("error-not-allowed", "Threads Disabled")
	}
	if _, _, err := s.readable(ctx, actor, rid, func() error { return model.Invalid("error-not-allowed", "Not Allowed") }); err != nil {
		return ThreadSync{}, err
	}
	upd, err := s.store.ThreadsChanged(ctx, rid, since, maxPage)
	if err != nil {
		return ThreadSync{}, model.Internal(err)
	}
	ids, at, err := s.store.ThreadsDeleted(ctx, rid, since, maxPage)
	if err != nil {
		return ThreadSync{}, model.Internal(err)
	}
	del := make([]DeletedMessage, 0, len(ids))
	for i := range min(len(ids), len(at)) {
		del = append(del, DeletedMessage{ID: ids[i], DeletedAt: at[i]})
	}
	return ThreadSync{Update: nonNil(upd), Remove: del}, nil
}
