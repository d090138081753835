package docdb

import (
	"context"
	"slices"
	"strings"
	"time"
)

// UploadsStore keeps rocketchat_uploads for app/uploads. Its document type lives in
// app/uploads, which docdb may not import, so it is a type parameter: cmd/outpost
// builds the store as NewUploadsStore[uploads.Upload]. T must map _id like the
// app/model structs.
type UploadsStore[T any] struct{ c *Collection }

// NewUploadsStore returns the uploads store of db.
func NewUploadsStore[T any](db *DB) *UploadsStore[T] {
	return &UploadsStore[T]{db.Collection(Uploads)}
}

// InsertUpload stores a new upload document; a taken _id wraps model.ErrDuplicate.
func (s *UploadsStore[T]) InsertUpload(ctx context.Context, u T) error {
	return s.c.Insert(ctx, u)
}

// Upload finds an upload by _id; model.ErrNotFound if none.
func (s *UploadsStore[T]) Upload(ctx context.Context, id string) (T, error) {
	var u T
	err := s.c.FindOne(ctx, ByID(id), &u)
	return u, err
}

// UpdateUpload sets and unsets fields (dotted paths) of an upload; model.ErrNotFound
// if none.
func (s *UploadsStore[T]) UpdateUpload(ctx context.Context, id string, set map[string]any, unset []string) error {
	return s.c.UpdateOne(ctx, id, uploadUpdate(set, unset), nil)
}

// uploadUpdate is the update that sets and unsets these fields, in a fixed order: the
// same change, the same update.
func uploadUpdate(set map[string]any, unset []string) *Update {
	u := U()
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		u.Set(k, set[k])
	}
	for _, k := range unset {
		u.Unset(k)
	}
	return u
}

// DeleteUploads removes the uploads with these ids; missing ones are skipped. It
// searches the _id index.
func (s *UploadsStore[T]) DeleteUploads(ctx context.Context, ids []string) error {
	for part := range slices.Chunk(ids, maxIDsPerQuery) {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = idText(id)
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")
		if _, err := s.c.Delete(ctx, Query{Where: docColumn + `->'_id' IN (` + marks + `)`, Args: args}); err != nil {
			return err
		}
	}
	return nil
}

// ExpiredUploadsQuery is the query ExpiredUploads runs: uploads whose expiresAt (set
// while a rooms.media upload waits for its confirmation) is before t, oldest first.
// It is a periodic sweep over few documents, not a hot query, so it has no index.
func ExpiredUploadsQuery(t time.Time, limit int) Query {
	return Query{Where: F("expiresAt") + " < ?", Args: []any{msOf(t)}, Order: F("expiresAt"), Limit: limit}
}

// ExpiredUploads lists up to limit uploads whose expiresAt is before t.
func (s *UploadsStore[T]) ExpiredUploads(ctx context.Context, t time.Time, limit int) ([]T, error) {
	var out []T
	err := s.c.Find(ctx, ExpiredUploadsQuery(t, limit), &out)
	return out, err
}

// ConfirmUpload sets and unsets fields of the upload id only while it has an
// expiresAt (it waits for rooms.mediaConfirm) and reports whether it did: of two
// confirmations racing, one wins.
func (s *UploadsStore[T]) ConfirmUpload(ctx context.Context, id string, set map[string]any, unset []string) (bool, error) {
	n, err := s.c.Update(ctx, Query{Where: idWhere + " AND " + F("expiresAt") + " IS NOT NULL", Args: []any{idText(id)}}, uploadUpdate(set, unset))
	return n > 0, err
}

// RoomImagesQuery is the query RoomImages runs (exported for the plan tests), as
// Rocket.Chat's Uploads.findImagesByRoomId: a room's uploads of typeGroup "image"
// not _hidden, uploaded at or before before when it is set, newest first. Uploads
// still waiting for their confirmation (expiresAt set) are left out: nobody but their
// uploader may see them yet. It searches outpost_uploads_rid_type_uploaded.
func RoomImagesQuery(rid string, before *time.Time, offset, limit int) Query {
	where := F("rid") + " = ? AND " + F("typeGroup") + " = ? AND coalesce(" + F("_hidden") + ", 0) = 0 AND " + F("expiresAt") + " IS NULL"
	args := []any{rid, "image"}
	if before != nil {
		where += " AND " + F("uploadedAt") + " <= ?"
		args = append(args, msOf(*before))
	}
	return Query{Where: where, Args: args, Order: F("uploadedAt") + " DESC", Offset: offset, Limit: limit}
}

// RoomImages lists a room's images (RoomImagesQuery) and counts them all.
func (s *UploadsStore[T]) RoomImages(ctx context.Context, rid string, before *time.Time, offset, limit int) ([]T, int64, error) {
	q := RoomImagesQuery(rid, before, offset, limit)
	var out []T
	if err := s.c.Find(ctx, q, &out); err != nil {
		return nil, 0, err
	}
	n, err := s.c.Count(ctx, Query{Where: q.Where, Args: q.Args})
	return out, n, err
}
