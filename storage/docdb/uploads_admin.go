package docdb

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// The admin console's uploads page (app/uploads admin.go): every upload, filtered by
// room name, uploader and type group, newest first; the thumbnails of a page of
// uploads; the names of their rooms and users; what the uploads weigh, in all and per
// user and room; the message that posted a file. The listing and the figures read
// outpost_uploads_uploaded, which covers every field they test or sum, so they never
// parse an upload document but those of the page shown.

// everUploaded is a condition every upload with an uploadedAt meets (after the year
// 1): as a range on outpost_uploads_uploaded it makes SQLite walk that index, reading
// the fields it holds from the index alone, instead of parsing every document (some
// 40 times faster). An upload without uploadedAt (one still being received, which
// Outpost never stores) is neither listed nor counted.
var everUploaded = F("uploadedAt") + " > -62135596800000"

// UploadFilter is the admin listing's selection. RoomText is part of a room's name or
// fname (any case); Username names the uploader exactly (any case); TypeGroup is
// "image", "video", "audio", "other" (anything else but thumbnails) or "" for all.
// Thumbnails (typeGroup "thumb") are never listed: they go with their original.
// Pending lists the uploads still waiting for their confirmation instead of the
// confirmed ones.
type UploadFilter struct {
	RoomText  string
	Username  string
	TypeGroup string
	Pending   bool
}

// AdminUploadsQuery is the query AdminUploads runs (exported for the plan tests).
// Rooms and users are matched by subqueries on their own collections.
func AdminUploadsQuery(rooms, users string, f UploadFilter, offset, limit int) Query {
	q := adminUploadsWhere(rooms, users, f, true)
	q.Order, q.Offset, q.Limit = F("uploadedAt")+" DESC, "+F("_id")+" DESC", offset, limit
	return q
}

// AdminUploadsCountQuery is the query AdminUploads counts with (exported for the plan
// tests).
func AdminUploadsCountQuery(rooms, users string, f UploadFilter) Query {
	return adminUploadsWhere(rooms, users, f, false)
}

// adminUploadsWhere is the selection of AdminUploadsQuery; walk is for the listing (see
// the room filter).
func adminUploadsWhere(rooms, users string, f UploadFilter, walk bool) Query {
	where := []string{everUploaded, "coalesce(" + F("typeGroup") + ", '') != 'thumb'"}
	var args []any
	if f.Pending {
		where = append(where, F("expiresAt")+" IS NOT NULL")
	} else {
		where = append(where, F("expiresAt")+" IS NULL")
	}
	switch f.TypeGroup {
	case "image", "video", "audio":
		where = append(where, F("typeGroup")+" = ?")
		args = append(args, f.TypeGroup)
	case "other":
		where = append(where, "coalesce("+F("typeGroup")+", '') NOT IN ('image', 'video', 'audio', 'thumb')")
	}
	if f.Username != "" {
		where = append(where, F("userId")+` = (SELECT `+F("_id")+` FROM "`+users+`" WHERE lower(`+F("username")+`) = lower(?) LIMIT 1)`)
		args = append(args, f.Username)
	}
	if f.RoomText != "" {
		// The rooms' search index narrows the rooms to test (rooms_search.go); a text
		// too short for it tests every room.
		match := `instr(lower(` + F("name") + `), lower(?)) > 0 OR instr(lower(` + F("fname") + `), lower(?)) > 0`
		if w, a, ok := roomSearch.contains(f.RoomText, "name", "fname"); ok {
			match = w + " AND (" + match + ")"
			args = append(args, a...)
		}
		// For the listing, coalesce(rid, '') (which no index search takes, yet is read
		// from outpost_uploads_uploaded) leads SQLite to walk that index newest first,
		// stopping at the page, instead of sorting every upload of the rooms (a text
		// matching 100 rooms: 2.2 → 0.5 ms at 5,000 uploads); the count is best served
		// by rid itself, through outpost_uploads_rid_type_uploaded. (A "+rid" would also
		// stop the search but read every walked upload's document.)
		rid := F("rid")
		if walk {
			rid = "coalesce(" + rid + ", '')"
		}
		where = append(where, rid+` IN (SELECT `+F("_id")+` FROM "`+rooms+`" WHERE `+match+`)`)
		args = append(args, f.RoomText, f.RoomText)
	}
	return Query{Where: strings.Join(where, " AND "), Args: args}
}

// AdminUploads lists the uploads the filter (UploadFilter's fields) selects, newest
// first, and counts them all.
func (s *UploadsStore[T]) AdminUploads(ctx context.Context, roomText, username, typeGroup string, pending bool, offset, limit int) ([]T, int64, error) {
	f := UploadFilter{RoomText: roomText, Username: username, TypeGroup: typeGroup, Pending: pending}
	q := AdminUploadsQuery(s.table(Rooms), s.table(Users), f, offset, limit)
	var out []T
	if err := s.c.Find(ctx, q, &out); err != nil {
		return nil, 0, err
	}
	n, err := s.c.Count(ctx, AdminUploadsCountQuery(s.table(Rooms), s.table(Users), f))
	return out, n, err
}

func (s *UploadsStore[T]) table(collection string) string { return s.c.db.Collection(collection).table }

// UploadThumbsQuery is the query UploadThumbs runs for these originals (exported for
// the plan tests); it searches outpost_uploads_original.
func UploadThumbsQuery(originals []string) Query {
	args := make([]any, len(originals))
	for i, id := range originals {
		args[i] = id
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(originals)), ", ")
	return Query{Where: F("originalFileId") + " IN (" + marks + ")", Args: args, Order: F("originalFileId")}
}

// UploadThumbs lists the thumbnails (originalFileId set) of these uploads.
func (s *UploadsStore[T]) UploadThumbs(ctx context.Context, originals []string) ([]T, error) {
	var out []T
	for part := range slices.Chunk(originals, maxIDsPerQuery) {
		var got []T
		if err := s.c.Find(ctx, UploadThumbsQuery(part), &got); err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// UploadNames returns, by id, the rooms (only _id, t, name, fname and usernames are
// read) and the usernames of users. Unknown ids are left out.
func (s *UploadsStore[T]) UploadNames(ctx context.Context, rids, uids []string) (map[string]model.Room, map[string]string, error) {
	rooms, users := map[string]model.Room{}, map[string]string{}
	rc, uc := s.c.db.Collection(Rooms), s.c.db.Collection(Users)
	for part := range slices.Chunk(rids, maxIDsPerQuery) {
		var got []model.Room
		if err := rc.Find(ctx, idsQuery(part), &got); err != nil {
			return nil, nil, err
		}
		for _, r := range got {
			rooms[r.ID] = model.Room{ID: r.ID, T: r.T, Name: r.Name, FName: r.FName, Usernames: r.Usernames}
		}
	}
	for part := range slices.Chunk(uids, maxIDsPerQuery) {
		var got []struct {
			ID       string `json:"_id"`
			Username string `json:"username"`
		}
		if err := uc.Find(ctx, idsQuery(part), &got); err != nil {
			return nil, nil, err
		}
		for _, u := range got {
			users[u.ID] = u.Username
		}
	}
	return rooms, users, nil
}

// idsQuery selects the documents with these _ids through the _id index.
func idsQuery(ids []string) Query {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = idText(id)
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	return Query{Where: docColumn + `->'_id' IN (` + marks + `)`, Args: args}
}

// UploadTotalsSQL is UploadTotals' statement on the uploads table (exported for the
// plan tests).
func UploadTotalsSQL(table string) string {
	return `SELECT count(*), coalesce(sum(` + F("size") + `), 0), coalesce(sum(` + F("typeGroup") + ` = 'thumb'), 0), ` +
		`coalesce(sum(CASE WHEN ` + F("typeGroup") + ` = 'thumb' THEN ` + F("size") + ` END), 0), ` +
		`coalesce(sum(` + F("expiresAt") + ` IS NOT NULL), 0) FROM "` + table + `" WHERE ` + everUploaded
}

// UploadTotals counts every upload document (originals, thumbnails and uploads
// waiting for their confirmation) and sums their sizes; thumbs and thumbBytes are the
// thumbnails' share, pending the unconfirmed uploads.
func (s *UploadsStore[T]) UploadTotals(ctx context.Context) (files, bytes, thumbs, thumbBytes, pending int64, err error) {
	err = s.c.db.reader(ctx).QueryRowContext(ctx, UploadTotalsSQL(s.c.table)).Scan(&files, &bytes, &thumbs, &thumbBytes, &pending)
	return
}

// TopUploadsSQL is TopUploads' statement on the uploads table for the field
// ("userId" or "rid"; exported for the plan tests). The inner select, kept apart by
// its LIMIT, reads the fields from outpost_uploads_uploaded; grouping its rows
// directly made SQLite parse every document (ten times slower).
func TopUploadsSQL(table, field string) string {
	return `SELECT id, count(*), coalesce(sum(sz), 0) AS b FROM (SELECT coalesce(` + F(field) + `, '') AS id, ` + F("size") + ` AS sz FROM "` + table +
		`" WHERE ` + everUploaded + ` LIMIT -1) GROUP BY id ORDER BY b DESC, id LIMIT ?`
}

// TopUploads calls fn with the limit users (by "userId") or rooms (by "rid") whose
// uploads weigh most, heaviest first, with their number of files and bytes.
func (s *UploadsStore[T]) TopUploads(ctx context.Context, by string, limit int, fn func(id string, files, bytes int64)) error {
	if by != "userId" && by != "rid" {
		return errors.New("docdb: TopUploads by userId or rid")
	}
	rows, err := s.c.db.reader(ctx).QueryContext(ctx, TopUploadsSQL(s.c.table, by), limit)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id    string
			n, sz int64
		)
		if err := rows.Scan(&id, &n, &sz); err != nil {
			return err
		}
		fn(id, n, sz)
	}
	return rows.Err()
}

// FileMessageQuery is the query FileMessageID runs (exported for the plan tests):
// Rocket.Chat's Messages.getMessageByFileId ({'file._id': id}), within the upload's
// room so it searches the room-history index.
func FileMessageQuery(rid, fileID string) Query {
	return Query{Where: F("rid") + " = ? AND " + F("file._id") + " = ?", Args: []any{rid, fileID}, Limit: 1}
}

// FileMessageID returns the _id of the message of room rid that posted the file
// fileID, or "" when there is none.
func (s *UploadsStore[T]) FileMessageID(ctx context.Context, rid, fileID string) (string, error) {
	var m struct {
		ID string `json:"_id"`
	}
	err := s.c.db.Collection(Messages).FindOne(ctx, FileMessageQuery(rid, fileID), &m)
	if errors.Is(err, model.ErrNotFound) || errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return m.ID, err
}
