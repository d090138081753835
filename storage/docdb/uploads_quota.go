package docdb

import (
	"context"
	"time"
)

// uploadedBytesSelect sums the sizes of the matched uploads (0 for none).
var uploadedBytesSelect = "SELECT coalesce(sum(" + F("size") + "), 0)"

// UploadedBytesQuery is the query UploadedBytes runs (exported for the plan tests): a
// user's uploads made at or after since, the thumbnails the server made of them
// (typeGroup "thumb") left out. It searches outpost_uploads_user_uploaded (SQLite
// reads the few matching documents for their size: a day of one user's uploads).
func UploadedBytesQuery(userID string, since time.Time) Query {
	return Query{Where: F("userId") + " = ? AND " + F("uploadedAt") + " >= ? AND " + F("typeGroup") + " IS NOT 'thumb'",
		Args: []any{userID, msOf(since)}}
}

// UploadedBytes sums the sizes of the user's uploads (thumbnails left out) made at or
// after since, for the
// per-user daily quota (app/uploads, FileUpload_UserDailyQuota). Inside a transaction
// it sees the transaction's writes, so a check and an insert in one transaction are
// atomic.
func (s *UploadsStore[T]) UploadedBytes(ctx context.Context, userID string, since time.Time) (int64, error) {
	q := UploadedBytesQuery(userID, since)
	var n int64
	err := s.c.db.reader(ctx).QueryRowContext(ctx, q.sql(uploadedBytesSelect, s.c.table), q.Args...).Scan(&n)
	return n, err
}
