package docdb

import (
	"context"
	"fmt"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// ModerationReports is Rocket.Chat's collection of reported messages and users
// (its ModerationReports model: BaseRaw('moderation_reports') with the rocketchat_ prefix).
const ModerationReports = "rocketchat_moderation_reports"

// messageMentionsTable is the side table of mentions._id (schema.go MultiKeys).
const messageMentionsTable = "outpost_message_mentions"

// subWhere selects one user's subscription to a room.
var subWhere = F("rid") + " = ? AND " + F("u._id") + " = ?"

// Subscription finds uid's subscription to rid; model.ErrNotFound if none.
func (s *MessagesStore) Subscription(ctx context.Context, rid, uid string) (model.Subscription, error) {
	var sub model.Subscription
	err := s.subs.FindOne(ctx, Query{Where: subWhere, Args: []any{rid, uid}}, &sub)
	return sub, err
}

// EditSubscription changes uid's subscription to rid: each addToSet value joins the
// array at its key, each pull value leaves the array at its key, set fields are set,
// and _updatedAt becomes at. It returns the subscription after the change;
// model.ErrNotFound if there is none.
func (s *MessagesStore) EditSubscription(ctx context.Context, rid, uid string, addToSet, pull map[string]string, set map[string]any, at time.Time) (model.Subscription, error) {
	u := U()
	for _, k := range sortedKeys(set) {
		u.Set(k, set[k])
	}
	for _, k := range sortedKeys(addToSet) {
		u.AddToSet(k, addToSet[k])
	}
	for _, k := range sortedKeys(pull) {
		u.Pull(k, pull[k])
	}
	u.Set("_updatedAt", at.UTC())
	var out model.Subscription
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		sub, err := s.Subscription(ctx, rid, uid)
		if err != nil {
			return err
		}
		return s.subs.UpdateOne(ctx, sub.ID, u, &out)
	})
	return out, err
}

// EditMessageArrays adds values to and pulls values from a message's array fields
// (each key a field: "replies", "starred"…; a document value pulls the elements
// having its fields) and sets _updatedAt to at. It returns the message after the
// change; model.ErrNotFound if there is none.
func (s *MessagesStore) EditMessageArrays(ctx context.Context, id string, addToSet, pull map[string]any, at time.Time) (model.Message, error) {
	u := U()
	for _, k := range sortedKeys(addToSet) {
		u.AddToSet(k, addToSet[k])
	}
	for _, k := range sortedKeys(pull) {
		u.Pull(k, pull[k])
	}
	u.Set("_updatedAt", at.UTC())
	var m model.Message
	err := s.msgs.UpdateOne(ctx, id, u, &m)
	return m, err
}

// PinnedQuery is the query Pinned runs (exported for the plan tests): a room's
// visible pinned messages, newest first.
func PinnedQuery(rid string, offset, limit int) Query {
	return Query{Where: F("rid") + " = ? AND " + F("pinned") + " = 1 AND " + msgVisible, Args: []any{rid},
		Order: F("ts") + " DESC", Offset: offset, Limit: limit}
}

// Pinned lists a room's visible pinned messages, newest first, and counts them.
func (s *MessagesStore) Pinned(ctx context.Context, rid string, offset, limit int) ([]model.Message, int64, error) {
	return s.page(ctx, PinnedQuery(rid, offset, limit))
}

// arrayQuery is a room's visible messages whose array field (indexed by a side table)
// holds key, newest first. The unary + keeps SQLite off the (rid, ts) index: left to
// itself it reads the whole room in ts order and tests each message against the side
// table, where one user's few matches are found from the side table and sorted.
func arrayQuery(table, rid, key string, offset, limit int) Query {
	return Query{Where: InMultiKey(table) + " AND +" + F("rid") + " = ? AND " + msgVisible, Args: []any{key, rid},
		Order: F("ts") + " DESC", Offset: offset, Limit: limit}
}

// MentionedQuery is the query Mentioned runs (exported for the plan tests).
func MentionedQuery(rid, uid string, offset, limit int) Query {
	return arrayQuery(messageMentionsTable, rid, uid, offset, limit)
}

// StarredQuery is the query Starred runs (exported for the plan tests). Stars are
// rare, so instead of a side table (whose triggers every message write would pay) the
// (rid, starred) index finds the room's starred messages, and the user's are kept.
func StarredQuery(rid, uid string, offset, limit int) Query {
	return Query{
		// starred > '': the array's JSON text, as a range on the index (IS NOT NULL is not).
		Where: F("rid") + " = ? AND " + F("starred") + " > '' AND " + msgVisible +
			" AND EXISTS (SELECT 1 FROM json_each(" + docColumn + ", '$.starred') e WHERE e.value->>'$._id' = ?)",
		// +ts: no index gives this order for free, so SQLite takes the narrower index.
		Args: []any{rid, uid}, Order: "+" + F("ts") + " DESC", Offset: offset, Limit: limit,
	}
}

// Mentioned lists a room's visible messages that mention the user uid, newest first,
// and counts them.
func (s *MessagesStore) Mentioned(ctx context.Context, rid, uid string, offset, limit int) ([]model.Message, int64, error) {
	return s.page(ctx, MentionedQuery(rid, uid, offset, limit))
}

// Starred lists a room's visible messages the user uid starred, newest first, and
// counts them.
func (s *MessagesStore) Starred(ctx context.Context, rid, uid string, offset, limit int) ([]model.Message, int64, error) {
	return s.page(ctx, StarredQuery(rid, uid, offset, limit))
}

// page runs q and counts what it would list without offset and limit.
func (s *MessagesStore) page(ctx context.Context, q Query) ([]model.Message, int64, error) {
	var out []model.Message
	if err := s.msgs.Find(ctx, q, &out); err != nil {
		return nil, 0, err
	}
	n, err := s.msgs.Count(ctx, Query{Where: q.Where, Args: q.Args})
	return out, n, err
}

// ThreadsChangedQuery is the query ThreadsChanged runs (exported for the plan tests).
func ThreadsChangedQuery(rid string, since time.Time, limit int) Query {
	where, args := changeWhere("_updatedAt", rid, "", &since, nil)
	return Query{Where: where + " AND " + F("tcount") + " IS NOT NULL", Args: args, Order: F("_updatedAt"), Limit: limit}
}

// ThreadsChanged lists a room's thread parents (messages with a tcount) changed after
// since, oldest change first.
func (s *MessagesStore) ThreadsChanged(ctx context.Context, rid string, since time.Time, limit int) ([]model.Message, error) {
	var out []model.Message
	err := s.msgs.Find(ctx, ThreadsChangedQuery(rid, since, limit), &out)
	return out, err
}

// ThreadsDeletedQuery is the query ThreadsDeleted runs on the trash (exported for the
// plan tests).
func ThreadsDeletedQuery(rid string, since time.Time, limit int) Query {
	q := DeletedQuery(rid, "", &since, nil, false, 0, limit)
	q.Where += " AND " + F("tcount") + " IS NOT NULL"
	return q
}

// ThreadsDeleted lists the ids and deletion times of a room's thread parents deleted
// after since, oldest deletion first.
func (s *MessagesStore) ThreadsDeleted(ctx context.Context, rid string, since time.Time, limit int) ([]string, []time.Time, error) {
	var ids []string
	var at []time.Time
	err := s.trash.Each(ctx, ThreadsDeletedQuery(rid, since, limit), func(d Doc) error {
		id, _ := d.Get("_id")
		t, _ := d.Get("_deletedAt")
		sid, ok1 := id.(string)
		ts, ok2 := t.(time.Time)
		if !ok1 || !ok2 {
			return fmt.Errorf("trash: malformed deleted message %v", id)
		}
		ids, at = append(ids, sid), append(at, ts)
		return nil
	})
	return ids, at, err
}

// InsertReport stores a moderation report: a document (a struct with JSON tags or a
// map) with an _id, shaped as Rocket.Chat's ModerationReports keeps it.
func (s *MessagesStore) InsertReport(ctx context.Context, report any) error {
	return s.db.Collection(ModerationReports).Insert(ctx, report)
}
