package docdb_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/storage/storetest"
)

// imageDoc is the part of uploads.Upload that rooms.images reads.
type imageDoc struct {
	ID         string     `json:"_id"`
	RID        string     `json:"rid"`
	TypeGroup  string     `json:"typeGroup"`
	Hidden     bool       `json:"_hidden,omitempty"`
	ExpiresAt  *time.Time `json:"expiresAt,omitempty"`
	UploadedAt time.Time  `json:"uploadedAt"`
}

// TestRoomImages: a room's confirmed, visible images, newest first, paged and counted;
// thumbnails, other files, hidden and unconfirmed uploads and other rooms' are left
// out; before keeps those uploaded at or before it.
func TestRoomImages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := docdb.NewUploadsStore[imageDoc](storetest.Open(t).Docs)
	base := time.UnixMilli(1700000000000).UTC()
	future := base.Add(time.Hour)
	docs := []imageDoc{
		{ID: "img00000000000001", RID: "r1", TypeGroup: "image", UploadedAt: base.Add(1 * time.Second)},
		{ID: "img00000000000002", RID: "r1", TypeGroup: "image", UploadedAt: base.Add(2 * time.Second)},
		{ID: "img00000000000003", RID: "r1", TypeGroup: "image", UploadedAt: base.Add(3 * time.Second)},
		{ID: "img00000000000004", RID: "r1", TypeGroup: "image", UploadedAt: base.Add(4 * time.Second)},
		{ID: "thumb000000000001", RID: "r1", TypeGroup: "thumb", UploadedAt: base.Add(5 * time.Second)},
		{ID: "file0000000000001", RID: "r1", TypeGroup: "application", UploadedAt: base.Add(6 * time.Second)},
		{ID: "hidden00000000001", RID: "r1", TypeGroup: "image", Hidden: true, UploadedAt: base.Add(7 * time.Second)},
		{ID: "pending0000000001", RID: "r1", TypeGroup: "image", ExpiresAt: &future, UploadedAt: base.Add(8 * time.Second)},
		{ID: "other000000000001", RID: "r2", TypeGroup: "image", UploadedAt: base.Add(9 * time.Second)},
	}
	for _, d := range docs {
		mustNoErr(t, st.InsertUpload(ctx, d))
	}
	ids := func(ds []imageDoc) string {
		var out []string
		for _, d := range ds {
			out = append(out, strings.TrimLeft(d.ID[len(d.ID)-2:], "0"))
		}
		return strings.Join(out, ",")
	}
	at := base.Add(3 * time.Second)
	for _, c := range []struct {
		name          string
		before        *time.Time
		offset, limit int
		want          string
		total         int64
	}{
		{"all", nil, 0, 50, "4,3,2,1", 4},
		{"page", nil, 1, 2, "3,2", 4},
		{"past the end", nil, 10, 2, "", 4},
		{"before", &at, 0, 50, "3,2,1", 3},
		{"before, paged", &at, 1, 1, "2", 3},
	} {
		got, total, err := st.RoomImages(ctx, "r1", c.before, c.offset, c.limit)
		mustNoErr(t, err)
		if ids(got) != c.want || total != c.total {
			t.Errorf("%s: %s (total %d), want %s (total %d)", c.name, ids(got), total, c.want, c.total)
		}
	}
	if got, total, err := st.RoomImages(ctx, "nope", nil, 0, 50); err != nil || len(got) != 0 || total != 0 {
		t.Errorf("unknown room: %v %d %v", got, total, err)
	}
}

// TestConfirmUpload: only an upload that still has its expiresAt is confirmed, and of
// confirmations racing exactly one wins.
func TestConfirmUpload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := docdb.NewUploadsStore[uploadDoc](storetest.Open(t).Docs)
	future := time.Now().Add(time.Hour).UTC().Truncate(time.Millisecond)
	mustNoErr(t, st.InsertUpload(ctx, uploadDoc{ID: "aaaaaaaaaaaaaaaaa", Name: "a.png", ExpiresAt: &future}))
	mustNoErr(t, st.InsertUpload(ctx, uploadDoc{ID: "bbbbbbbbbbbbbbbbb", Name: "b.png"}))

	var wg sync.WaitGroup
	wins := make(chan bool, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := st.ConfirmUpload(ctx, "aaaaaaaaaaaaaaaaa", map[string]any{"description": fmt.Sprint(i)}, []string{"expiresAt"})
			if err != nil {
				t.Error(err)
			}
			wins <- ok
		}()
	}
	wg.Wait()
	close(wins)
	n := 0
	for ok := range wins {
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d confirmations won, want 1", n)
	}
	got, err := st.Upload(ctx, "aaaaaaaaaaaaaaaaa")
	mustNoErr(t, err)
	if got.ExpiresAt != nil || got.Description == "" {
		t.Errorf("after confirming: %+v", got)
	}
	for _, id := range []string{"bbbbbbbbbbbbbbbbb", "zzzzzzzzzzzzzzzzz"} {
		if ok, err := st.ConfirmUpload(ctx, id, map[string]any{"description": "x"}, []string{"expiresAt"}); ok || err != nil {
			t.Errorf("confirming %s: %v %v", id, ok, err)
		}
	}
	if got, _ := st.Upload(ctx, "bbbbbbbbbbbbbbbbb"); got.Description != "" {
		t.Errorf("a confirmed upload changed: %+v", got)
	}
}

// TestRoomImagesPlan: rooms.images and its count search
// outpost_uploads_rid_type_uploaded, without a sort, with and without a start date.
func TestRoomImagesPlan(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	mustNoErr(t, s.Docs.InTx(ctx, func(ctx context.Context) error {
		for i := range 300 {
			f := docdb.Doc{{Key: "_id", Value: fmt.Sprintf("f%03d", i)}, {Key: "rid", Value: fmt.Sprintf("room%d", i%7)},
				{Key: "name", Value: fmt.Sprintf("file%03d.png", i)}, {Key: "typeGroup", Value: []string{"image", "thumb", "text"}[i%3]},
				{Key: "uploadedAt", Value: time.UnixMilli(int64(1700000000000 + i)).UTC()}}
			if err := s.Docs.Collection(docdb.Uploads).Insert(ctx, f); err != nil {
				return err
			}
		}
		return nil
	}))
	db := rawDB(t, s)
	table := tableOf(t, db, docdb.Uploads)
	at := time.UnixMilli(1700000000100)
	for _, q := range []docdb.Query{docdb.RoomImagesQuery("room1", nil, 0, 50), docdb.RoomImagesQuery("room1", &at, 10, 50)} {
		for _, sql := range []string{docdb.SelectSQL(q, table), docdb.CountSQL(docdb.Query{Where: q.Where}, table)} {
			lines := explain(t, db, sql, q.Args...)
			t.Logf("%s\n  → %s", sql, strings.Join(lines, " | "))
			for _, problem := range planProblems(lines, table, "outpost_uploads_rid_type_uploaded") {
				t.Error(problem)
			}
		}
	}
}
