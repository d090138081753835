package docdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// UpdateRoom changes the fields of a room a message drives: msgs by incMsgs, lm, and
// lastMessage (when setLast; a nil last unsets it), and _updatedAt.
func (s *MessagesStore) UpdateRoom(ctx context.Context, rid string, incMsgs int, lm *time.Time, setLast bool, last *model.Message, at time.Time) (model.Room, error) {
	u := U().Set("_updatedAt", at.UTC())
	if incMsgs != 0 {
		u.Inc("msgs", incMsgs)
	}
	if lm != nil {
		u.Set("lm", lm.UTC())
	}
	if setLast {
		if last != nil {
			u.Set("lastMessage", *last)
		} else {
			u.Unset("lastMessage")
		}
	}
	var r model.Room
	err := s.rooms.UpdateOne(ctx, rid, u, &r)
	return r, err
}

// UpdateSubscriptions applies the field operators to the room's subscriptions of the
// users in only (all when nil) but not in except, in one UPDATE … RETURNING statement,
// and returns the changed subscriptions. With skipUnchanged, subscriptions that already
// hold every set value are not touched.
func (s *MessagesStore) UpdateSubscriptions(ctx context.Context, rid string, only, except []string, set map[string]any, inc map[string]int,
	addToSet map[string]string, skipUnchanged bool, at time.Time) ([]model.Subscription, error) {
	if only != nil && len(only) == 0 {
		return nil, nil
	}
	u := U()
	for _, k := range sortedKeys(set) {
		u.Set(k, set[k])
	}
	for _, k := range sortedKeys(inc) {
		if inc[k] != 0 {
			u.Inc(k, inc[k])
		}
	}
	for _, k := range sortedKeys(addToSet) {
		u.AddToSet(k, addToSet[k])
	}
	u.Set("_updatedAt", at.UTC())
	where, args, err := SubscriptionsWhere(rid, only, except, set, skipUnchanged && len(inc) == 0 && len(addToSet) == 0)
	if err != nil {
		return nil, err
	}
	var out []model.Subscription
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		out = out[:0]
		h := registerUpdate(u)
		defer releaseUpdate(h)
		rows, err := txFrom(ctx).stmts.QueryDrained(ctx, `UPDATE "`+s.subs.table+`" INDEXED BY outpost_subscription_rid_alert_open_uid SET `+docColumn+` = outpost_apply(`+docColumn+`, ?) WHERE `+where+` RETURNING `+docColumn, append([]any{h}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var data []byte
		for rows.Next() {
			if err := rows.Scan(&data); err != nil {
				return err
			}
			var sub model.Subscription
			if err := decodeInto(data, &sub); err != nil {
				return fmt.Errorf("%s: %w", Subscriptions, err)
			}
			out = append(out, sub)
		}
		return rows.Err()
	})
	return out, err
}

// SubscriptionsWhere is the condition of UpdateSubscriptions (exported for the plan
// tests).
func SubscriptionsWhere(rid string, only, except []string, set map[string]any, skipUnchanged bool) (string, []any, error) {
	where := []string{F("rid") + " = ?"}
	args := []any{rid}
	if only != nil {
		where = append(where, F("u._id")+" IN ("+placeholders(len(only))+")")
		for _, id := range only {
			args = append(args, id)
		}
	}
	if len(except) > 0 {
		where = append(where, F("u._id")+" NOT IN ("+placeholders(len(except))+")")
		for _, id := range except {
			args = append(args, id)
		}
	}
	if skipUnchanged && len(set) > 0 {
		var same []string
		for _, k := range sortedKeys(set) {
			switch v := set[k].(type) {
			case bool:
				if v {
					same = append(same, "coalesce("+F(k)+", 0) = 1")
				} else {
					same = append(same, "coalesce("+F(k)+", 0) = 0")
				}
			case string:
				same = append(same, "coalesce("+F(k)+" = ?, 0)")
				args = append(args, v)
			case int:
				same = append(same, "coalesce("+F(k)+" = ?, 0)")
				args = append(args, v)
			default:
				return "", nil, fmt.Errorf("docdb: cannot compare %s (%T) for skipUnchanged", k, v)
			}
		}
		where = append(where, "NOT ("+strings.Join(same, " AND ")+")")
	}
	return strings.Join(where, " AND "), args, nil
}

// MemberIDs returns the user ids of the room's subscriptions (see memberIDs).
func (s *MessagesStore) MemberIDs(ctx context.Context, rid string) ([]string, error) {
	return memberIDs(ctx, s.subs, rid)
}

// memberIDs returns the user ids of a room's subscriptions, read from the covering
// index alone: no subscription document is parsed, which matters in big rooms.
func memberIDs(ctx context.Context, subs *Collection, rid string) ([]string, error) {
	rows, err := subs.db.reader(ctx).QueryContext(ctx, `SELECT `+F("u._id")+` FROM "`+subs.table+`" INDEXED BY outpost_subscription_rid_alert_open_uid WHERE `+F("rid")+` = ?`, rid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id sql.NullString
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if id.Valid {
			out = append(out, id.String)
		}
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
