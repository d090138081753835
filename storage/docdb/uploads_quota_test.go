package docdb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/storage/docdb"
)

// quotaDoc is the part of an upload the daily quota reads.
type quotaDoc struct {
	ID         string    `json:"_id"`
	UserID     string    `json:"userId"`
	TypeGroup  string    `json:"typeGroup,omitempty"`
	Size       int64     `json:"size"`
	UploadedAt time.Time `json:"uploadedAt"`
}

// TestUploadedBytes: the sum covers one user's uploads from since on (inclusive),
// thumbnails left out, counts nothing for a user without uploads, sees a
// transaction's own insert, and searches outpost_uploads_user_uploaded.
func TestUploadedBytes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	st := docdb.NewUploadsStore[quotaDoc](s.Docs)
	now := time.Now().UTC().Truncate(time.Millisecond)
	since := now.Add(-24 * time.Hour)
	for i, d := range []quotaDoc{
		{UserID: "ann", Size: 100, UploadedAt: now},
		{UserID: "ann", Size: 20, UploadedAt: since},                          // on the edge: counts
		{UserID: "ann", Size: 3000, UploadedAt: since.Add(-time.Millisecond)}, // too old
		{UserID: "bob", Size: 5000, UploadedAt: now},
		{UserID: "bob", Size: 700, UploadedAt: now, TypeGroup: "thumb"}, // made by the server
	} {
		d.ID = fmt.Sprintf("up%015d", i)
		mustNoErr(t, st.InsertUpload(ctx, d))
	}
	for _, c := range []struct {
		user string
		want int64
	}{{"ann", 120}, {"bob", 5000}, {"nobody", 0}} {
		got, err := st.UploadedBytes(ctx, c.user, since)
		mustNoErr(t, err)
		if got != c.want {
			t.Errorf("UploadedBytes(%s) = %d, want %d", c.user, got, c.want)
		}
	}
	mustNoErr(t, s.Docs.InTx(ctx, func(ctx context.Context) error {
		if err := st.InsertUpload(ctx, quotaDoc{ID: "upxxxxxxxxxxxxxxx", UserID: "ann", Size: 1, UploadedAt: now}); err != nil {
			return err
		}
		got, err := st.UploadedBytes(ctx, "ann", since)
		if err == nil && got != 121 {
			err = fmt.Errorf("inside the transaction: %d, want 121", got)
		}
		return err
	}))

	db := rawDB(t, s)
	table := tableOf(t, db, docdb.Uploads)
	q := docdb.UploadedBytesQuery("ann", since)
	sql := docdb.UploadedBytesSQL(q, table)
	lines := explain(t, db, sql, q.Args...)
	t.Logf("%s\n  → %s", sql, strings.Join(lines, " | "))
	for _, problem := range planProblems(lines, table, "outpost_uploads_user_uploaded") {
		t.Error(problem)
	}
}
