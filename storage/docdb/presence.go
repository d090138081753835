package docdb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// PresenceStore keeps the presence fields of the users collection (status,
// statusConnection, statusDefault, statusText) for app/presence, and reads what
// users.presence and users.getStatus show. Its user type lives in app/presence, which
// docdb may not import, so it is a type parameter: cmd/outpost builds the store as
// NewPresenceStore[presence.User]. T must map _id like the app/model structs.
type PresenceStore[T any] struct{ c *Collection }

// NewPresenceStore returns the presence store of db.
func NewPresenceStore[T any](db *DB) *PresenceStore[T] {
	return &PresenceStore[T]{db.Collection(Users)}
}

// presenceFields are the fields SetPresence writes; nothing else of a user goes through
// this store.
var presenceFields = []string{"status", "statusConnection", "statusDefault", "statusText"}

// notOffline is Rocket.Chat's {status: {$in: ['online', 'away', 'busy']}}.
var notOffline = F("status") + " IN ('online', 'away', 'busy')"

// maxIDsPerQuery bounds the placeholders of one IN list, far below SQLite's limit.
const maxIDsPerQuery = 500

// PresenceUser reads a user; model.ErrNotFound if there is none.
func (s *PresenceStore[T]) PresenceUser(ctx context.Context, uid string) (T, error) {
	var u T
	err := s.c.FindOne(ctx, ByID(uid), &u)
	return u, err
}

// SetPresence sets the given presence fields (status, statusConnection, statusDefault,
// statusText; any other key is an error) and _updatedAt; model.ErrNotFound if there is
// no such user.
func (s *PresenceStore[T]) SetPresence(ctx context.Context, uid string, set map[string]string, at time.Time) error {
	u := U()
	for _, k := range presenceFields { // a fixed order: the same change, the same update
		if v, ok := set[k]; ok {
			u.Set(k, v)
		}
	}
	for k := range set {
		if !slices.Contains(presenceFields, k) {
			return fmt.Errorf("docdb: SetPresence cannot set %q", k)
		}
	}
	return s.c.UpdateOne(ctx, uid, u.Set("_updatedAt", at), nil)
}

// OnlineByIDs returns the users among ids whose status is online, away or busy
// (Rocket.Chat's findNotOfflineByIds), by username. Unknown ids are skipped. It searches
// the _id index.
func (s *PresenceStore[T]) OnlineByIDs(ctx context.Context, ids []string) ([]T, error) {
	var out []T
	for part := range slices.Chunk(ids, maxIDsPerQuery) {
		var got []T
		if err := s.c.Find(ctx, onlineByIDs(part), &got); err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// onlineByIDs is the query of OnlineByIDs for one chunk of ids.
func onlineByIDs(ids []string) Query {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = idText(id)
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	return Query{Where: docColumn + `->'_id' IN (` + marks + `) AND ` + notOffline, Args: args, Order: F("username")}
}

// Online returns every user with a username whose status is online, away or busy
// (findUsersNotOffline), by username. It reads the whole collection: the users of a
// small workspace, asked when a client starts without a list of ids.
func (s *PresenceStore[T]) Online(ctx context.Context) ([]T, error) {
	var out []T
	err := s.c.Find(ctx, Query{Where: F("username") + " IS NOT NULL AND " + notOffline, Order: F("username")}, &out)
	return out, err
}

// UpdatedSince returns the users with a username, except the user except, whose
// _updatedAt is at or after since (findNotIdUpdatedFrom), by username. It reads the
// whole collection, as Online does.
func (s *PresenceStore[T]) UpdatedSince(ctx context.Context, since time.Time, except string) ([]T, error) {
	var out []T
	err := s.c.Find(ctx, Query{
		Where: F("username") + " IS NOT NULL AND " + F("_updatedAt") + " >= ? AND " + docColumn + `->'_id' IS NOT ?`,
		Args:  []any{since.UnixMilli(), idText(except)},
		Order: F("username"),
	}, &out)
	return out, err
}

// ResetPresence sets status and statusConnection to offline (and _updatedAt) on every
// user not already offline on both, except the users in keep, and returns how many it
// changed: Rocket.Chat forgets every connection when it starts. It reads the whole
// collection, once per start.
func (s *PresenceStore[T]) ResetPresence(ctx context.Context, keep []string, at time.Time) (int64, error) {
	where := "(coalesce(" + F("status") + ", '') != 'offline' OR coalesce(" + F("statusConnection") + ", 'offline') != 'offline')"
	var args []any
	if len(keep) > 0 {
		where += " AND " + docColumn + `->'_id' NOT IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(keep)), ", ") + `)`
		for _, id := range keep {
			args = append(args, idText(id))
		}
	}
	return s.c.Update(ctx, Query{Where: where, Args: args},
		U().Set("status", "offline").Set("statusConnection", "offline").Set("_updatedAt", at))
}
