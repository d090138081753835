package docdb

import (
	"context"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// CleanQuery is the query CleanableMessages runs (exported for the plan tests): a
// room's messages with ts between oldest and latest (inclusive or not), oldest first,
// as Rocket.Chat's removeByIdPinnedTimestampLimitAndUsers selects them.
func CleanQuery(rid string, oldest, latest time.Time, inclusive, excludePinned, ignoreDiscussion, ignoreThreads, filesOnly bool, usernames []string, limit int) Query {
	gt, lt := " > ?", " < ?"
	if inclusive {
		gt, lt = " >= ?", " <= ?"
	}
	where := []string{F("rid") + " = ?", F("ts") + gt, F("ts") + lt}
	args := []any{rid, msOf(oldest), msOf(latest)}
	if excludePinned {
		where = append(where, "coalesce("+F("pinned")+", 0) != 1")
	}
	if ignoreDiscussion {
		where = append(where, F("drid")+" IS NULL")
	}
	if ignoreThreads {
		// coalesce keeps the planner off outpost_message_tmid_ts, which would read every
		// room's replies-free messages instead of this room's range.
		where = append(where, "coalesce("+F("tmid")+", '') = ''", F("tcount")+" IS NULL")
	}
	if filesOnly {
		where = append(where, F("file._id")+" IS NOT NULL")
	}
	if len(usernames) > 0 {
		where = append(where, F("u.username")+" IN ("+placeholders(len(usernames))+")")
		for _, u := range usernames {
			args = append(args, u)
		}
	}
	return Query{Where: strings.Join(where, " AND "), Args: args, Order: F("ts"), Limit: limit}
}

// CleanableMessages returns the messages CleanQuery selects, with only _id, file and
// files filled (a cleaning deletes them and their uploads); limit 0 for all of them.
func (s *MessagesStore) CleanableMessages(ctx context.Context, rid string, oldest, latest time.Time, inclusive, excludePinned, ignoreDiscussion, ignoreThreads, filesOnly bool, usernames []string, limit int) ([]model.Message, error) {
	var rows []struct {
		ID    string          `json:"_id"`
		File  *model.FileRef  `json:"file"`
		Files []model.FileRef `json:"files"`
	}
	if err := s.msgs.Find(ctx, CleanQuery(rid, oldest, latest, inclusive, excludePinned, ignoreDiscussion, ignoreThreads, filesOnly, usernames, limit), &rows); err != nil {
		return nil, err
	}
	out := make([]model.Message, len(rows))
	for i, r := range rows {
		out[i] = model.Message{ID: r.ID, File: r.File, Files: r.Files}
	}
	return out, nil
}

// uploadSortFields are the fields a room's file list may be sorted by.
var uploadSortFields = map[string]bool{"name": true, "uploadedAt": true, "size": true, "type": true, "_updatedAt": true}

// RoomFilesQuery is the query RoomFiles runs (exported for the plan tests): a room's
// uploads, thumbnails left out (Rocket.Chat's findPaginatedWithoutThumbs), by name
// unless sort names other fields (name, uploadedAt, size, type, _updatedAt; others
// are ignored).
func RoomFilesQuery(rid string, sort []model.SortField, offset, limit int) Query {
	var order []string
	for _, f := range sort {
		if !uploadSortFields[f.Field] {
			continue
		}
		o := F(f.Field)
		if f.Desc {
			o += " DESC"
		}
		order = append(order, o)
	}
	if len(order) == 0 {
		order = []string{F("name")}
	}
	return Query{Where: F("rid") + " = ? AND " + F("typeGroup") + " IS NOT 'thumb'", Args: []any{rid},
		Order: strings.Join(order, ", "), Offset: offset, Limit: limit}
}

// RoomFiles lists a room's uploads (rocketchat_uploads documents, as stored) and
// counts them.
func (s *MessagesStore) RoomFiles(ctx context.Context, rid string, sort []model.SortField, offset, limit int) ([]map[string]any, int64, error) {
	q := RoomFilesQuery(rid, sort, offset, limit)
	uploads := s.db.Collection(Uploads)
	var out []map[string]any
	if err := uploads.Find(ctx, q, &out); err != nil {
		return nil, 0, err
	}
	n, err := uploads.Count(ctx, Query{Where: q.Where, Args: q.Args})
	return out, n, err
}
