package docdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/storage/storetest"
)

// uploadDoc is the shape app/uploads keeps (uploads.Upload), redeclared here so the
// store's tests stand alone.
type uploadDoc struct {
	ID          string     `json:"_id"`
	Name        string     `json:"name"`
	Size        int64      `json:"size"`
	RID         string     `json:"rid"`
	Complete    bool       `json:"complete"`
	Progress    float64    `json:"progress"`
	Description string     `json:"description,omitempty"`
	ExpiresAt   *time.Time `json:"expiresAt,omitempty"`
	UpdatedAt   time.Time  `json:"_updatedAt"`
}

func TestUploadsStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := docdb.NewUploadsStore[uploadDoc](storetest.Open(t).Docs)
	now := time.Now().UTC().Truncate(time.Millisecond)
	past, future := now.Add(-time.Hour), now.Add(time.Hour)
	docs := []uploadDoc{
		{ID: "aaaaaaaaaaaaaaaaa", Name: "a.txt", Size: 3, RID: "r1", Complete: true, Progress: 1, ExpiresAt: &past, UpdatedAt: now},
		{ID: "bbbbbbbbbbbbbbbbb", Name: "b.png", Size: 4, RID: "r1", Complete: true, Progress: 1, ExpiresAt: &future, UpdatedAt: now},
		{ID: "ccccccccccccccccc", Name: "c.pdf", Size: 5, RID: "r2", Complete: true, Progress: 1, UpdatedAt: now},
	}
	for _, d := range docs {
		mustNoErr(t, st.InsertUpload(ctx, d))
	}
	if err := st.InsertUpload(ctx, docs[0]); !errors.Is(err, model.ErrDuplicate) {
		t.Fatalf("second insert: %v, want ErrDuplicate", err)
	}
	got, err := st.Upload(ctx, "aaaaaaaaaaaaaaaaa")
	mustNoErr(t, err)
	if got.Name != "a.txt" || got.Size != 3 || !got.Complete || got.Progress != 1 || got.ExpiresAt == nil || !got.ExpiresAt.Equal(past) {
		t.Fatalf("read back %+v", got)
	}
	if _, err := st.Upload(ctx, "zzzzzzzzzzzzzzzzz"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown upload: %v", err)
	}

	expired, err := st.ExpiredUploads(ctx, now, 10)
	mustNoErr(t, err)
	if len(expired) != 1 || expired[0].ID != "aaaaaaaaaaaaaaaaa" {
		t.Fatalf("expired = %+v, want only a", expired)
	}

	mustNoErr(t, st.UpdateUpload(ctx, "bbbbbbbbbbbbbbbbb", map[string]any{"description": "hi", "_updatedAt": now}, []string{"expiresAt"}))
	got, err = st.Upload(ctx, "bbbbbbbbbbbbbbbbb")
	mustNoErr(t, err)
	if got.Description != "hi" || got.ExpiresAt != nil {
		t.Fatalf("after update %+v", got)
	}
	if err := st.UpdateUpload(ctx, "zzzzzzzzzzzzzzzzz", map[string]any{"name": "x"}, nil); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("update unknown: %v", err)
	}

	mustNoErr(t, st.DeleteUploads(ctx, []string{"aaaaaaaaaaaaaaaaa", "ccccccccccccccccc", "zzzzzzzzzzzzzzzzz"}))
	for _, id := range []string{"aaaaaaaaaaaaaaaaa", "ccccccccccccccccc"} {
		if _, err := st.Upload(ctx, id); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("%s after delete: %v", id, err)
		}
	}
	if _, err := st.Upload(ctx, "bbbbbbbbbbbbbbbbb"); err != nil {
		t.Fatalf("b deleted too: %v", err)
	}
}
