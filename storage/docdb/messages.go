package docdb

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// MessagesStore keeps rocketchat_message, its deleted messages in the trash, and the
// room and subscription fields messages drive (messaging.Store). send.go has the
// writes a send makes, search.go the full-text index.
type MessagesStore struct {
	db    *DB
	msgs  *Collection
	rooms *Collection
	subs  *Collection
	users *Collection
	trash *Collection
}

// NewMessagesStore returns the messages store of db.
func NewMessagesStore(db *DB) *MessagesStore {
	return &MessagesStore{db: db, msgs: db.Collection(Messages), rooms: db.Collection(Rooms),
		subs: db.Collection(Subscriptions), users: db.Collection(Users), trash: db.Collection(Trash)}
}

// Field conditions of the message queries.
var (
	msgVisible   = "coalesce(" + F("_hidden") + ", 0) = 0"
	msgNotThread = "(" + F("tmid") + " IS NULL OR " + F("tshow") + " = 1)"
)

// msOf is a time as the store keeps it: milliseconds since the epoch.
func msOf(t time.Time) int64 { return t.UnixMilli() }

// Message finds a message by _id.
func (s *MessagesStore) Message(ctx context.Context, id string) (model.Message, error) {
	var m model.Message
	err := s.msgs.FindOne(ctx, ByID(id), &m)
	return m, err
}

// InsertMessage stores a new message.
func (s *MessagesStore) InsertMessage(ctx context.Context, m model.Message) error {
	return s.msgs.Insert(ctx, m)
}

// UpdateMessage sets and unsets fields of a message and returns it after the change.
func (s *MessagesStore) UpdateMessage(ctx context.Context, id string, set map[string]any, unset []string) (model.Message, error) {
	u := U()
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		u.Set(k, set[k])
	}
	for _, k := range unset {
		u.Unset(k)
	}
	var m model.Message
	err := s.msgs.UpdateOne(ctx, id, u, &m)
	return m, err
}

// TrashMessage moves a message to the trash: {...message, __collection__, _deletedAt},
// under the message's _id, as Rocket.Chat's trash keeps deleted documents.
func (s *MessagesStore) TrashMessage(ctx context.Context, id string, at time.Time) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		var d Doc
		if err := s.msgs.FindOne(ctx, ByID(id), &d); err != nil {
			return err
		}
		if _, err := s.msgs.Delete(ctx, ByID(id)); err != nil {
			return err
		}
		// A client may send a message again with the _id of one it deleted.
		if _, err := s.trash.Delete(ctx, ByID(id)); err != nil {
			return err
		}
		d.Set("__collection__", Messages)
		d.Set("_deletedAt", at.UTC())
		d.Set("_updatedAt", at.UTC())
		return s.trash.Insert(ctx, d)
	})
}

// AddThreadReply counts a reply in the thread tmid.
func (s *MessagesStore) AddThreadReply(ctx context.Context, tmid string, followers []string, ts time.Time) (model.Message, error) {
	u := U().Inc("tcount", 1).Set("tlm", ts.UTC()).Set("_updatedAt", ts.UTC())
	for _, f := range followers {
		u.AddToSet("replies", f)
	}
	var m model.Message
	err := s.msgs.UpdateOne(ctx, tmid, u, &m)
	return m, err
}

// RemoveThreadReply counts one reply less in the thread tmid.
func (s *MessagesStore) RemoveThreadReply(ctx context.Context, tmid string, at time.Time) (model.Message, error) {
	var m model.Message
	err := s.msgs.UpdateOne(ctx, tmid, U().Inc("tcount", -1).Set("_updatedAt", at.UTC()), &m)
	return m, err
}

// LastVisibleMessage returns the newest message that may be a room's lastMessage.
func (s *MessagesStore) LastVisibleMessage(ctx context.Context, rid string) (*model.Message, error) {
	var m model.Message
	err := s.msgs.FindOne(ctx, Query{
		Where: F("rid") + " = ? AND " + msgVisible + " AND " + F("t") + " IS NULL AND " + msgNotThread,
		Args:  []any{rid}, Order: F("ts") + " DESC",
	}, &m)
	if err == model.ErrNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// historyWhere is the condition of History and CountHistory; messages whose t is one
// of hidden are left out (t NOT IN, so the rid_ts index still serves the query).
func historyWhere(rid string, latest, oldest *time.Time, inclusive, showThreads bool, hidden []string) (string, []any) {
	where := []string{F("rid") + " = ?", msgVisible}
	args := []any{rid}
	lt, gt := " < ?", " > ?"
	if inclusive {
		lt, gt = " <= ?", " >= ?"
	}
	if latest != nil {
		where = append(where, F("ts")+lt)
		args = append(args, msOf(*latest))
	}
	if oldest != nil {
		where = append(where, F("ts")+gt)
		args = append(args, msOf(*oldest))
	}
	if !showThreads {
		where = append(where, msgNotThread)
	}
	if len(hidden) > 0 {
		where = append(where, "("+F("t")+" IS NULL OR "+F("t")+" NOT IN ("+placeholders(len(hidden))+"))")
		for _, t := range hidden {
			args = append(args, t)
		}
	}
	return strings.Join(where, " AND "), args
}

// HistoryQuery is the query History runs without hidden types (exported for the plan
// tests).
func HistoryQuery(rid string, latest, oldest *time.Time, inclusive, showThreads, asc bool, offset, limit int) Query {
	return HistoryQueryHiding(rid, latest, oldest, inclusive, showThreads, asc, offset, limit, nil)
}

// HistoryQueryHiding is the query History runs, leaving out the message types in
// hidden (exported for the plan tests).
func HistoryQueryHiding(rid string, latest, oldest *time.Time, inclusive, showThreads, asc bool, offset, limit int, hidden []string) Query {
	where, args := historyWhere(rid, latest, oldest, inclusive, showThreads, hidden)
	order := F("ts") + " DESC"
	if asc {
		order = F("ts")
	}
	return Query{Where: where, Args: args, Order: order, Offset: offset, Limit: limit}
}

// History lists a room's visible messages by ts, those of the types in hidden left out.
func (s *MessagesStore) History(ctx context.Context, rid string, latest, oldest *time.Time, inclusive, showThreads, asc bool, offset, limit int, hidden []string) ([]model.Message, error) {
	var out []model.Message
	err := s.msgs.Find(ctx, HistoryQueryHiding(rid, latest, oldest, inclusive, showThreads, asc, offset, limit, hidden), &out)
	return out, err
}

// CountHistory counts a room's visible messages between the bounds, those of the
// types in hidden left out.
func (s *MessagesStore) CountHistory(ctx context.Context, rid string, latest, oldest *time.Time, inclusive, showThreads bool, hidden []string) (int64, error) {
	where, args := historyWhere(rid, latest, oldest, inclusive, showThreads, hidden)
	return s.msgs.Count(ctx, Query{Where: where, Args: args})
}

// changeWhere selects by a date field after and before bounds, in a room or a thread.
func changeWhere(field, rid, tmid string, after, before *time.Time) (string, []any) {
	where := []string{F("rid") + " = ?"}
	args := []any{rid}
	if tmid != "" {
		where[0] = F("tmid") + " = ?"
		args[0] = tmid
	}
	if after != nil {
		where = append(where, F(field)+" > ?")
		args = append(args, msOf(*after))
	}
	if before != nil {
		where = append(where, F(field)+" < ?")
		args = append(args, msOf(*before))
	}
	return strings.Join(where, " AND "), args
}

// ChangedQuery is the query Changed runs (exported for the plan tests).
func ChangedQuery(rid, tmid string, after, before *time.Time, desc bool, offset, limit int) Query {
	where, args := changeWhere("_updatedAt", rid, tmid, after, before)
	order := F("_updatedAt")
	if desc {
		order += " DESC"
	}
	return Query{Where: where, Args: args, Order: order, Offset: offset, Limit: limit}
}

// Changed lists a room's (or thread's) messages by _updatedAt.
func (s *MessagesStore) Changed(ctx context.Context, rid, tmid string, after, before *time.Time, desc bool, offset, limit int) ([]model.Message, error) {
	var out []model.Message
	err := s.msgs.Find(ctx, ChangedQuery(rid, tmid, after, before, desc, offset, limit), &out)
	return out, err
}

// DeletedQuery is the query Deleted runs on the trash (exported for the plan tests).
func DeletedQuery(rid, tmid string, after, before *time.Time, desc bool, offset, limit int) Query {
	where, args := changeWhere("_deletedAt", rid, "", after, before)
	where = F("__collection__") + " = ? AND " + where
	args = append([]any{Messages}, args...)
	if tmid != "" {
		where += " AND " + F("tmid") + " = ?"
		args = append(args, tmid)
	}
	order := F("_deletedAt")
	if desc {
		order += " DESC"
	}
	return Query{Where: where, Args: args, Order: order, Offset: offset, Limit: limit}
}

// Deleted lists the ids and deletion times of a room's deleted messages.
func (s *MessagesStore) Deleted(ctx context.Context, rid, tmid string, after, before *time.Time, desc bool, offset, limit int) ([]string, []time.Time, error) {
	var ids []string
	var at []time.Time
	err := s.trash.Each(ctx, DeletedQuery(rid, tmid, after, before, desc, offset, limit), func(d Doc) error {
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

// CountDeleted counts a room's messages deleted after a time.
func (s *MessagesStore) CountDeleted(ctx context.Context, rid, tmid string, after *time.Time) (int64, error) {
	return s.trash.Count(ctx, DeletedQuery(rid, tmid, after, nil, false, 0, 0))
}

// ThreadMessagesQuery is the query ThreadMessages runs (exported for the plan tests).
func ThreadMessagesQuery(tmid string, desc bool, offset, limit int) Query {
	order := F("ts")
	if desc {
		order += " DESC"
	}
	return Query{Where: F("tmid") + " = ?", Args: []any{tmid}, Order: order, Offset: offset, Limit: limit}
}

// ThreadMessages lists a thread's replies by ts and counts them.
func (s *MessagesStore) ThreadMessages(ctx context.Context, tmid string, desc bool, offset, limit int) ([]model.Message, int64, error) {
	q := ThreadMessagesQuery(tmid, desc, offset, limit)
	var out []model.Message
	if err := s.msgs.Find(ctx, q, &out); err != nil {
		return nil, 0, err
	}
	n, err := s.msgs.Count(ctx, Query{Where: q.Where, Args: q.Args})
	return out, n, err
}

// ThreadsQuery is the query Threads runs (exported for the plan tests).
func ThreadsQuery(rid, follower string, ids []string, text string, offset, limit int) Query {
	where := []string{F("rid") + " = ?", F("tlm") + " IS NOT NULL", F("tcount") + " IS NOT NULL", msgVisible}
	args := []any{rid}
	if follower != "" {
		where = append(where, "EXISTS (SELECT 1 FROM json_each("+docColumn+", '$.replies') r WHERE r.value = ?)")
		args = append(args, follower)
	}
	if ids != nil {
		if len(ids) == 0 {
			where = append(where, "0")
		} else {
			where = append(where, docColumn+"->'_id' IN ("+placeholders(len(ids))+")")
			for _, id := range ids {
				args = append(args, idText(id))
			}
		}
	}
	if text != "" {
		where = append(where, "instr(lower("+F("msg")+"), lower(?)) > 0")
		args = append(args, text)
	}
	return Query{Where: strings.Join(where, " AND "), Args: args, Order: F("tlm") + " DESC", Offset: offset, Limit: limit}
}

// Threads lists a room's thread parents, last reply first, and counts them.
func (s *MessagesStore) Threads(ctx context.Context, rid, follower string, ids []string, text string, offset, limit int) ([]model.Message, int64, error) {
	q := ThreadsQuery(rid, follower, ids, text, offset, limit)
	var out []model.Message
	if err := s.msgs.Find(ctx, q, &out); err != nil {
		return nil, 0, err
	}
	n, err := s.msgs.Count(ctx, Query{Where: q.Where, Args: q.Args})
	return out, n, err
}

// User finds a user by _id.
func (s *MessagesStore) User(ctx context.Context, id string) (model.User, error) {
	var u model.User
	err := s.users.FindOne(ctx, ByID(id), &u)
	return u, err
}

// UsersByUsernames returns the users with these exact usernames.
func (s *MessagesStore) UsersByUsernames(ctx context.Context, usernames []string) ([]model.User, error) {
	if len(usernames) == 0 {
		return nil, nil
	}
	args := make([]any, len(usernames))
	for i, n := range usernames {
		args[i] = n
	}
	// lower() so the lookup searches outpost_users_username; the exact match follows.
	var found []model.User
	err := s.users.Find(ctx, Query{Where: "lower(" + F("username") + ") IN (" + lowerPlaceholders(len(args)) + ")", Args: args}, &found)
	var out []model.User
	for _, u := range found {
		for _, n := range usernames {
			if u.Username == n {
				out = append(out, u)
				break
			}
		}
	}
	return out, err
}

// RoomsByNames returns the rooms with these names.
func (s *MessagesStore) RoomsByNames(ctx context.Context, names []string) ([]model.Room, error) {
	if len(names) == 0 {
		return nil, nil
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	var out []model.Room
	err := s.rooms.Find(ctx, Query{Where: F("name") + " IN (" + placeholders(len(args)) + ")", Args: args}, &out)
	return out, err
}

// DirectRoomID finds the direct-message room of uid with the user named username,
// from uid's subscriptions.
func (s *MessagesStore) DirectRoomID(ctx context.Context, uid, username string) (string, error) {
	var sub model.Subscription
	err := s.subs.FindOne(ctx, Query{Where: F("u._id") + " = ? AND " + F("t") + " = 'd' AND " + F("name") + " = ?", Args: []any{uid, username}}, &sub)
	if err == model.ErrNotFound {
		return "", nil
	}
	return sub.RID, err
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func lowerPlaceholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("lower(?),", n), ",")
}
