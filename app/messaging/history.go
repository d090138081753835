package messaging

import (
	"context"
	"strconv"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// maxPage bounds every list this service returns in one answer.
const maxPage = 1000

// HistoryInput is channels.history (and groups./im./dm.history): messages before
// Latest (default now) and after Oldest, newest first, Count (default 20) from Offset.
// With Unreads, FirstUnread and UnreadNotLoaded tell what lies between Oldest and the
// oldest message returned.
type HistoryInput struct {
	RID                string
	Latest, Oldest     *time.Time
	Inclusive          bool
	Offset, Count      int
	Unreads            bool
	ShowThreadMessages bool
}

// HistoryResult is a page of history. FirstUnread and UnreadNotLoaded are set only
// when unreads were asked for.
type HistoryResult struct {
	Messages        []model.Message `json:"messages"`
	FirstUnread     *model.Message  `json:"firstUnread,omitempty"`
	UnreadNotLoaded *int64          `json:"unreadNotLoaded,omitempty"`
}

// History lists a room's messages for a reader of the room (Rocket.Chat's
// getChannelHistory).
func (s *Service) History(ctx context.Context, actor model.Actor, in HistoryInput) (HistoryResult, error) {
	res, _, err := s.historyPage(ctx, actor, in)
	return res, err
}

// historyPage is History; it also returns the room's hidden system message types.
func (s *Service) historyPage(ctx context.Context, actor model.Actor, in HistoryInput) (HistoryResult, []string, error) {
	room, _, err := s.access(ctx, actor, in.RID)
	if err != nil {
		return HistoryResult{}, nil, err
	}
	hidden := s.hiddenTypes(room)
	latest := in.Latest
	if latest == nil {
		now := s.now().UTC()
		latest = &now
	}
	q := HistoryQuery{RID: in.RID, Latest: latest, Oldest: in.Oldest, Inclusive: in.Inclusive,
		ShowThreadMessages: in.ShowThreadMessages, Offset: in.Offset, Limit: page(in.Count, 20), Hidden: hidden}
	msgs, err := s.history(ctx, q)
	if err != nil {
		return HistoryResult{}, nil, model.Internal(err)
	}
	res := HistoryResult{Messages: nonNil(msgs)}
	if in.Unreads {
		first, n, err := s.unreadBefore(ctx, in.RID, in.Oldest, msgs, in.ShowThreadMessages, hidden)
		if err != nil {
			return HistoryResult{}, nil, err
		}
		res.FirstUnread, res.UnreadNotLoaded = first, &n
	}
	return res, hidden, nil
}

// unreadBefore finds the first unread message after since that the page msgs (newest
// first) does not hold, and how many such messages there are; hidden types are not
// counted.
func (s *Service) unreadBefore(ctx context.Context, rid string, since *time.Time, msgs []model.Message, threads bool, hidden []string) (*model.Message, int64, error) {
	if since == nil || len(msgs) == 0 || !msgs[len(msgs)-1].Ts.After(*since) {
		return nil, 0, nil
	}
	oldest := msgs[len(msgs)-1].Ts
	q := HistoryQuery{RID: rid, Oldest: since, Latest: &oldest, ShowThreadMessages: threads, Asc: true, Limit: 1, Hidden: hidden}
	first, err := s.history(ctx, q)
	if err != nil {
		return nil, 0, model.Internal(err)
	}
	q.Limit = 0
	n, err := s.countHistory(ctx, q)
	if err != nil {
		return nil, 0, model.Internal(err)
	}
	if len(first) == 0 {
		return nil, n, nil
	}
	return &first[0], n, nil
}

// LoadHistoryResult is DDP loadHistory's answer.
type LoadHistoryResult struct {
	Messages        []model.Message `json:"messages"`
	FirstUnread     *model.Message  `json:"firstUnread,omitempty"`
	UnreadNotLoaded int64           `json:"unreadNotLoaded"`
}

// LoadHistory is DDP loadHistory(rid, end, limit, ls, showThreadMessages): limit
// messages before end (default now), newest first; when ls is given, the first unread
// message after ls that the page misses and how many there are. The room's hidden
// system message types are left out, as with History.
func (s *Service) LoadHistory(ctx context.Context, actor model.Actor, rid string, end *time.Time, limit int, ls *time.Time, showThreads bool) (LoadHistoryResult, error) {
	h, hidden, err := s.historyPage(ctx, actor, HistoryInput{RID: rid, Latest: end, Count: limit, ShowThreadMessages: showThreads})
	if err != nil {
		return LoadHistoryResult{}, err
	}
	res := LoadHistoryResult{Messages: h.Messages}
	if ls != nil {
		res.FirstUnread, res.UnreadNotLoaded, err = s.unreadBefore(ctx, rid, ls, h.Messages, showThreads, hidden)
	}
	return res, err
}

// LoadNext is DDP loadNextMessages(rid, end, limit): limit messages after end (from
// the start of the room when nil), oldest first.
func (s *Service) LoadNext(ctx context.Context, actor model.Actor, rid string, end *time.Time, limit int) ([]model.Message, error) {
	if _, _, err := s.access(ctx, actor, rid); err != nil {
		return nil, err
	}
	msgs, err := s.history(ctx, HistoryQuery{RID: rid, Oldest: end, ShowThreadMessages: true, Asc: true, Limit: page(limit, 20)})
	if err != nil {
		return nil, model.Internal(err)
	}
	return nonNil(msgs), nil
}

// SurroundingResult is DDP loadSurroundingMessages' answer.
type SurroundingResult struct {
	Messages   []model.Message `json:"messages"`
	MoreBefore bool            `json:"moreBefore"`
	MoreAfter  bool            `json:"moreAfter"`
}

// LoadSurrounding is DDP loadSurroundingMessages({_id}, limit): the message with up
// to limit/2 messages on each side, newest first.
func (s *Service) LoadSurrounding(ctx context.Context, actor model.Actor, id string, limit int) (SurroundingResult, error) {
	m, err := s.Get(ctx, actor, id)
	if err != nil {
		return SurroundingResult{}, err
	}
	half := (page(limit, 50) + 1) / 2
	before, err := s.history(ctx, HistoryQuery{RID: m.RID, Latest: &m.Ts, ShowThreadMessages: true, Limit: half})
	if err != nil {
		return SurroundingResult{}, model.Internal(err)
	}
	after, err := s.history(ctx, HistoryQuery{RID: m.RID, Oldest: &m.Ts, ShowThreadMessages: true, Asc: true, Limit: half})
	if err != nil {
		return SurroundingResult{}, model.Internal(err)
	}
	out := make([]model.Message, 0, len(before)+len(after)+1)
	for i := len(after) - 1; i >= 0; i-- {
		out = append(out, after[i])
	}
	out = append(out, m)
	out = append(out, before...)
	return SurroundingResult{Messages: out, MoreBefore: len(before) == half, MoreAfter: len(after) == half}, nil
}

// LoadMissed is DDP loadMissedMessages(rid, start): the messages after start, newest
// first (at most 1000).
func (s *Service) LoadMissed(ctx context.Context, actor model.Actor, rid string, start time.Time) ([]model.Message, error) {
	if _, _, err := s.access(ctx, actor, rid); err != nil {
		return nil, err
	}
	msgs, err := s.history(ctx, HistoryQuery{RID: rid, Oldest: &start, ShowThreadMessages: true, Limit: maxPage})
	if err != nil {
		return nil, model.Internal(err)
	}
	return nonNil(msgs), nil
}

// Get returns one message to a reader of its room (getSingleMessage, chat.getMessage).
func (s *Service) Get(ctx context.Context, actor model.Actor, id string) (model.Message, error) {
	if actor.IsAnonymous() {
		return model.Message{}, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	m, err := s.message(ctx, id, "error-invalid-message", "Invalid message")
	if err != nil {
		return model.Message{}, err
	}
	if _, _, err := s.access(ctx, actor, m.RID); err != nil {
		if e := model.AsError(err); e.Kind == model.KindForbidden {
			return model.Message{}, model.Invalid("error-not-allowed", "Not allowed")
		}
		return model.Message{}, err
	}
	return m, nil
}

// Page is one page of a list with its totals, as Rocket.Chat's paginated routes
// answer.
type Page[T any] struct {
	Items  []T
	Offset int
	Total  int64
}

// Messages is channels.messages (groups., im.): a room's messages, newest first
// unless asc, Count (default 50) from Offset.
func (s *Service) Messages(ctx context.Context, actor model.Actor, rid string, offset, count int, asc bool) (Page[model.Message], error) {
	if _, _, err := s.access(ctx, actor, rid); err != nil {
		return Page[model.Message]{}, err
	}
	q := HistoryQuery{RID: rid, ShowThreadMessages: true, Asc: asc, Offset: offset, Limit: page(count, 50)}
	msgs, err := s.history(ctx, q)
	if err != nil {
		return Page[model.Message]{}, model.Internal(err)
	}
	q.Offset, q.Limit = 0, 0
	total, err := s.countHistory(ctx, q)
	if err != nil {
		return Page[model.Message]{}, model.Internal(err)
	}
	return Page[model.Message]{Items: nonNil(msgs), Offset: offset, Total: total}, nil
}

// SyncInput is chat.syncMessages: either LastUpdate, or the cursor form with Type
// "UPDATED" or "DELETED", Next or Previous (milliseconds since the epoch, as text) and
// Count.
type SyncInput struct {
	RID            string
	LastUpdate     *time.Time
	Type           string
	Next, Previous string
	Count          int
}

// SyncCursor is the cursor form's position.
type SyncCursor struct {
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
}

// SyncResult is chat.syncMessages' result.
type SyncResult struct {
	Updated []model.Message  `json:"updated"`
	Deleted []DeletedMessage `json:"deleted"`
	Cursor  *SyncCursor      `json:"cursor,omitempty"`
}

// Sync lists what changed in a room (Rocket.Chat's getMessageHistory).
func (s *Service) Sync(ctx context.Context, actor model.Actor, in SyncInput) (SyncResult, error) {
	switch {
	case in.RID == "":
		return SyncResult{}, model.Invalid("error-param-required", `The required "roomId" query param is missing`)
	case in.LastUpdate == nil && in.Type == "":
		return SyncResult{}, model.Invalid("error-param-required", `The "type" or "lastUpdate" parameters must be provided`)
	case in.Type != "" && in.Type != "UPDATED" && in.Type != "DELETED":
		return SyncResult{}, model.Invalid("error-type-param-not-supported", `The "type" parameter must be either "UPDATED" or "DELETED"`)
	case in.Next != "" && in.Previous != "":
		return SyncResult{}, model.Invalid("error-cursor-conflict", `You cannot provide both "next" and "previous" parameters`)
	case (in.Next != "" || in.Previous != "") && in.LastUpdate != nil:
		return SyncResult{}, model.Invalid("error-cursor-and-lastUpdate-conflict", `The attributes "next", "previous" and "lastUpdate" cannot be used together`)
	}
	if _, _, err := s.access(ctx, actor, in.RID); err != nil {
		if e := model.AsError(err); e.Kind == model.KindForbidden {
			return SyncResult{}, model.Invalid("error-not-allowed", "Not allowed")
		}
		return SyncResult{}, err
	}
	if in.LastUpdate != nil {
		upd, err := s.changed(ctx, ChangeQuery{RID: in.RID, After: in.LastUpdate, Desc: true, Limit: maxPage})
		if err != nil {
			return SyncResult{}, model.Internal(err)
		}
		del, err := s.deleted(ctx, ChangeQuery{RID: in.RID, After: in.LastUpdate, Desc: true, Limit: maxPage})
		if err != nil {
			return SyncResult{}, model.Internal(err)
		}
		return SyncResult{Updated: nonNil(upd), Deleted: nonNil(del)}, nil
	}
	return s.syncCursor(ctx, in)
}

// syncCursor is the cursor form: one more than count is read to tell whether more
// follow; cursors are the _updatedAt (or _deletedAt) of the page's ends.
func (s *Service) syncCursor(ctx context.Context, in SyncInput) (SyncResult, error) {
	count := page(in.Count, 20)
	q := ChangeQuery{RID: in.RID, Limit: count + 1}
	epoch := time.UnixMilli(0).UTC()
	q.After = &epoch
	if in.Next != "" || in.Previous != "" {
		raw, prev := in.Next, false
		if raw == "" {
			raw, prev = in.Previous, true
		}
		ms, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return SyncResult{}, model.Invalid("error-invalid-cursor", "Invalid Date")
		}
		at := time.UnixMilli(ms).UTC()
		if prev {
			q.After, q.Before, q.Desc = nil, &at, true
		} else {
			q.After = &at
		}
	} else {
		q.Limit = maxPage
	}
	var stamps []time.Time
	var res SyncResult
	if in.Type == "UPDATED" {
		msgs, err := s.changed(ctx, q)
		if err != nil {
			return SyncResult{}, model.Internal(err)
		}
		for _, m := range msgs {
			stamps = append(stamps, m.UpdatedAt)
		}
		res.Updated, res.Deleted = msgs, []DeletedMessage{}
	} else {
		del, err := s.deleted(ctx, q)
		if err != nil {
			return SyncResult{}, model.Internal(err)
		}
		for _, d := range del {
			stamps = append(stamps, d.DeletedAt)
		}
		res.Updated, res.Deleted = []model.Message{}, del
	}
	res.Cursor = cursors(stamps, count, in.Next != "", in.Previous != "")
	if len(stamps) > count && (in.Next != "" || in.Previous != "") {
		if in.Type == "UPDATED" {
			res.Updated = res.Updated[:count]
		} else {
			res.Deleted = res.Deleted[:count]
		}
	}
	res.Updated, res.Deleted = nonNil(res.Updated), nonNil(res.Deleted)
	return res, nil
}

// cursors computes next and previous as Rocket.Chat's mountNextCursor and
// mountPreviousCursor do.
func cursors(stamps []time.Time, count int, next, prev bool) *SyncCursor {
	c := &SyncCursor{}
	n := len(stamps)
	if n == 0 {
		return c
	}
	at := func(i int) *string { v := strconv.FormatInt(stamps[i].UnixMilli(), 10); return &v }
	switch {
	case prev:
		c.Next = at(0)
	case next && n <= count:
	case next && n > count:
		c.Next = at(n - 2)
	default:
		c.Next = at(n - 1)
	}
	switch {
	case next:
		c.Previous = at(0)
	case prev && n <= count:
	case prev && n > count:
		c.Previous = at(n - 2)
	default:
		c.Previous = at(0)
	}
	return c
}

// Deleted is chat.getDeletedMessages: the ids of a room's messages deleted after
// since, oldest deletion first.
func (s *Service) Deleted(ctx context.Context, actor model.Actor, rid string, since time.Time, offset, count int) (Page[DeletedMessage], error) {
	if _, _, err := s.access(ctx, actor, rid); err != nil {
		return Page[DeletedMessage]{}, err
	}
	q := ChangeQuery{RID: rid, After: &since, Offset: offset, Limit: page(count, 50)}
	del, err := s.deleted(ctx, q)
	if err != nil {
		return Page[DeletedMessage]{}, model.Internal(err)
	}
	q.Offset, q.Limit = 0, 0
	total, err := s.store.CountDeleted(ctx, q.RID, q.TMID, q.After)
	if err != nil {
		return Page[DeletedMessage]{}, model.Internal(err)
	}
	return Page[DeletedMessage]{Items: nonNil(del), Offset: offset, Total: total}, nil
}

// page is a limit: def when n is 0 or less, at most maxPage.
func page(n, def int) int {
	if n <= 0 {
		return def
	}
	return min(n, maxPage)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
