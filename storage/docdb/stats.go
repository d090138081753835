package docdb

import (
	"context"
	"database/sql"
	"time"
)

// StatsStore answers the counts of app/stats (the admin dashboard), each in one
// statement on a reader connection.
type StatsStore struct {
	users, rooms, msgs *Collection
}

// NewStatsStore returns the statistics store of db.
func NewStatsStore(db *DB) *StatsStore {
	return &StatsStore{users: db.Collection(Users), rooms: db.Collection(Rooms), msgs: db.Collection(Messages)}
}

// CountUsers returns how many users there are, how many of them are connected (status
// online, away or busy) and how many logged in at or after since.
func (s *StatsStore) CountUsers(ctx context.Context, since time.Time) (total, online, active int64, err error) {
	var on, act sql.NullInt64
	q := `SELECT count(*), sum(coalesce(` + F("status") + `, 'offline') IN ('online', 'away', 'busy')), sum(` +
		F("lastLogin") + ` >= ?) FROM "` + s.users.table + `"`
	err = s.users.db.reader(ctx).QueryRowContext(ctx, q, since.UnixMilli()).Scan(&total, &on, &act)
	return total, on.Int64, act.Int64, err
}

// RoomsByType returns how many rooms there are of each type (rocketchat_room.t) and the
// sum of their message counters (msgs), Rocket.Chat's statistics totalMessages.
func (s *StatsStore) RoomsByType(ctx context.Context) (map[string]int64, int64, error) {
	rows, err := s.rooms.db.reader(ctx).QueryContext(ctx, `SELECT coalesce(`+F("t")+`, ''), count(*), coalesce(sum(`+F("msgs")+`), 0) FROM "`+s.rooms.table+`" GROUP BY 1`)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := map[string]int64{}
	var msgs int64
	for rows.Next() {
		var (
			t    string
			n, m int64
		)
		if err := rows.Scan(&t, &n, &m); err != nil {
			return nil, 0, err
		}
		out[t] += n
		msgs += m
	}
	return out, msgs, rows.Err()
}

// CountMessagesSince counts the messages sent at or after since in every room, one
// range of the room-history index per room.
func (s *StatsStore) CountMessagesSince(ctx context.Context, since time.Time) (int64, error) {
	var n int64
	err := s.msgs.db.reader(ctx).QueryRowContext(ctx, MessagesSinceSQL(s.msgs.table, s.rooms.table), since.UnixMilli()).Scan(&n)
	return n, err
}

// MessagesSinceSQL is CountMessagesSince's statement (exported for the plan tests).
func MessagesSinceSQL(msgsTable, roomsTable string) string {
	return `SELECT count(*) FROM "` + msgsTable + `" WHERE ` + F("rid") + ` IN (SELECT ` + F("_id") + ` FROM "` + roomsTable + `") AND ` + F("ts") + ` >= ?`
}
