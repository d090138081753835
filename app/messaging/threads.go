package messaging

import (
	"context"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// thread finds a thread's parent and checks the actor may read its room, with
// Rocket.Chat's thread errors.
func (s *Service) thread(ctx context.Context, actor model.Actor, tmid string) (model.Message, *model.Subscription, error) {
	if actor.IsAnonymous() {
		return model.Message{}, nil, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	if !s.config.Bool("Threads_enabled") {
		return model.Message{}, nil, model.Invalid("error-not-allowed", "Threads Disabled")
	}
	p, err := s.message(ctx, tmid, "error-invalid-message", "Invalid Message")
	if err != nil {
		return model.Message{}, nil, err
	}
	_, sub, err := s.access(ctx, actor, p.RID)
	if err != nil {
		if e := model.AsError(err); e.Kind == model.KindForbidden || e.Kind == model.KindNotFound {
			return model.Message{}, nil, model.Invalid("error-not-allowed", "Not Allowed")
		}
		return model.Message{}, nil, err
	}
	return p, sub, nil
}

// ThreadMessages is chat.getThreadMessages: a thread's replies, oldest first, Count
// (default 50) from Offset.
func (s *Service) ThreadMessages(ctx context.Context, actor model.Actor, tmid string, offset, count int) (Page[model.Message], error) {
	if _, _, err := s.thread(ctx, actor, tmid); err != nil {
		return Page[model.Message]{}, err
	}
	msgs, total, err := s.store.ThreadMessages(ctx, tmid, false, offset, page(count, 50))
	if err != nil {
		return Page[model.Message]{}, model.Internal(err)
	}
	return Page[model.Message]{Items: nonNil(msgs), Offset: offset, Total: total}, nil
}

// ThreadWithReplies is DDP getThreadMessages({tmid, limit, skip}): the thread's
// parent followed by its replies, newest first.
func (s *Service) ThreadWithReplies(ctx context.Context, actor model.Actor, tmid string, skip, limit int) ([]model.Message, error) {
	p, _, err := s.thread(ctx, actor, tmid)
	if err != nil {
		return nil, err
	}
	msgs, _, err := s.store.ThreadMessages(ctx, tmid, true, skip, page(limit, maxPage))
	if err != nil {
		return nil, model.Internal(err)
	}
	return append([]model.Message{p}, msgs...), nil
}

// ThreadSync is chat.syncThreadMessages' result.
type ThreadSync struct {
	Update []model.Message  `json:"update"`
	Remove []DeletedMessage `json:"remove"`
}

// SyncThread is chat.syncThreadMessages: a thread's replies changed and deleted after
// since.
func (s *Service) SyncThread(ctx context.Context, actor model.Actor, tmid string, since time.Time) (ThreadSync, error) {
	p, _, err := s.thread(ctx, actor, tmid)
	if err != nil {
		return ThreadSync{}, err
	}
	q := ChangeQuery{RID: p.RID, TMID: tmid, After: &since, Limit: maxPage}
	upd, err := s.changed(ctx, q)
	if err != nil {
		return ThreadSync{}, model.Internal(err)
	}
	del, err := s.deleted(ctx, q)
	if err != nil {
		return ThreadSync{}, model.Internal(err)
	}
	return ThreadSync{Update: nonNil(upd), Remove: nonNil(del)}, nil
}

// ThreadsInput is chat.getThreadsList: Type "all" (default), "following" or
// "unread"; Text filters the parents' text.
type ThreadsInput struct {
	RID           string
	Type          string
	Text          string
	Offset, Count int
}

// Threads is chat.getThreadsList: a room's threads, last reply first.
func (s *Service) Threads(ctx context.Context, actor model.Actor, in ThreadsInput) (Page[model.Message], error) {
	if actor.IsAnonymous() {
		return Page[model.Message]{}, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	if !s.config.Bool("Threads_enabled") {
		return Page[model.Message]{}, model.Invalid("error-not-allowed", "Threads Disabled")
	}
	_, sub, err := s.access(ctx, actor, in.RID)
	if err != nil {
		if e := model.AsError(err); e.Kind == model.KindForbidden || e.Kind == model.KindNotFound {
			return Page[model.Message]{}, model.Invalid("error-not-allowed", "Not Allowed")
		}
		return Page[model.Message]{}, err
	}
	var follower string
	var ids []string
	switch in.Type {
	case "", "all":
	case "following":
		follower = actor.UserID
	case "unread":
		ids = []string{}
		if sub != nil {
			ids = append(ids, sub.TUnread...)
		}
	default:
		return Page[model.Message]{}, model.Invalid("invalid-params", `type must be one of "all", "following", "unread"`)
	}
	msgs, total, err := s.store.Threads(ctx, in.RID, follower, ids, in.Text, in.Offset, page(in.Count, 50))
	if err != nil {
		return Page[model.Message]{}, model.Internal(err)
	}
	return Page[model.Message]{Items: nonNil(msgs), Offset: in.Offset, Total: total}, nil
}

// Search is chat.search: a room's messages matching the words of text, newest first.
func (s *Service) Search(ctx context.Context, actor model.Actor, rid, text string, offset, count int) ([]model.Message, error) {
	if rid == "" {
		return nil, model.Invalid("error-roomId-param-not-provided", `The required "roomId" query param is missing.`)
	}
	if text == "" {
		return nil, model.Invalid("error-searchText-param-not-provided", `The required "searchText" query param is missing.`)
	}
	if _, _, err := s.access(ctx, actor, rid); err != nil {
		return nil, err
	}
	msgs, err := s.store.Search(ctx, rid, text, offset, page(count, 50))
	if err != nil {
		return nil, model.Internal(err)
	}
	return nonNil(msgs), nil
}
