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
	u := U()
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a fixed order: the same change, the same update
	for _, k := range keys {
		u.Set(k, set[k])
	}
	for _, k := range unset {
		u.Unset(k)
	}
	return s.c.UpdateOne(ctx, id, u, nil)
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
