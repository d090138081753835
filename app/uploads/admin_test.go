package uploads_test

import (
	"io"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

func TestAdminListAndUsage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	boss := wiretest.Actor(t, e.a, "boss", "admin")
	big, _ := e.post(t, "big.png", pngOf(t, quadrants(800, 600))) // gets a thumbnail
	small, _ := e.post(t, "small.png", pngOf(t, quadrants(40, 30)))
	doc, _ := e.post(t, "notes.txt", []byte("hello there"))
	waiting := e.receive(t, "later.txt", []byte("not posted yet"))

	// Permission: view-room-administration.
	for _, who := range []model.Actor{e.alice, model.Anonymous} {
		if _, err := e.a.Uploads.AdminFiles(e.ctx, who, uploads.AdminQuery{}); model.AsError(err).Kind != model.KindForbidden {
			t.Fatalf("AdminFiles as %q: %v", who.UserID, err)
		}
		if _, err := e.a.Uploads.Usage(e.ctx, who, 10); model.AsError(err).Kind != model.KindForbidden {
			t.Fatalf("Usage as %q: %v", who.UserID, err)
		}
		if _, err := e.a.Uploads.AdminDelete(e.ctx, who, doc.ID); model.AsError(err).Kind != model.KindForbidden {
			t.Fatalf("AdminDelete as %q: %v", who.UserID, err)
		}
	}

	page, err := e.a.Uploads.AdminFiles(e.ctx, boss, uploads.AdminQuery{Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 3 || len(page.Files) != 3 || page.Files[0].ID != doc.ID || page.Files[2].ID != big.ID {
		t.Fatalf("page %+v", page)
	}
	f := page.Files[2]
	if f.Thumb == nil || f.Thumb.OriginalFileID != big.ID || f.Room != "team" || f.RoomType != "p" || f.Username != "alice" {
		t.Fatalf("big: %+v thumb %+v", f, f.Thumb)
	}
	if page.Files[1].Thumb != nil || !uploads.Previewable(page.Files[1].Upload) || uploads.Previewable(page.Files[0].Upload) {
		t.Fatalf("small: %+v", page.Files[1])
	}
	for _, c := range []struct {
		q    uploads.AdminQuery
		want int64
	}{
		{uploads.AdminQuery{Type: "image"}, 2},
		{uploads.AdminQuery{Type: "other"}, 1},
		{uploads.AdminQuery{User: "@Alice"}, 3},
		{uploads.AdminQuery{User: "bob"}, 0},
		{uploads.AdminQuery{Room: "TEA"}, 3},
		{uploads.AdminQuery{Room: "general"}, 0},
		{uploads.AdminQuery{Pending: true}, 1},
	} {
		p, err := e.a.Uploads.AdminFiles(e.ctx, boss, c.q)
		if err != nil || p.Total != c.want {
			t.Errorf("%+v: %d (%v), want %d", c.q, p.Total, err, c.want)
		}
	}
	for _, q := range []uploads.AdminQuery{{Type: "thumb"}, {Offset: -1}, {Room: string(make([]byte, 101))}} {
		if _, err := e.a.Uploads.AdminFiles(e.ctx, boss, q); model.AsError(err).Kind != model.KindInvalid {
			t.Errorf("%+v: %v", q, err)
		}
	}

	u, err := e.a.Uploads.Usage(e.ctx, boss, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := big.Size + small.Size + doc.Size + waiting.Size + f.Thumb.Size
	if u.Files != 5 || u.Thumbs != 1 || u.Pending != 1 || u.Bytes < want-big.Size || !u.DiskKnown || u.DiskBytes < u.Bytes {
		t.Fatalf("usage %+v (want about %d bytes)", u, want)
	}
	if len(u.TopUsers) != 1 || u.TopUsers[0].Name != "alice" || u.TopUsers[0].Files != 5 || len(u.TopRooms) != 1 || u.TopRooms[0].Name != "team" {
		t.Fatalf("tops %+v %+v", u.TopUsers, u.TopRooms)
	}

	// Previews: the thumbnail, or the whole image; never a file that is no picture.
	d, err := e.a.Uploads.AdminPreview(e.ctx, boss, big.ID, false)
	if err != nil || d.Upload.ID != f.Thumb.ID {
		t.Fatalf("preview: %+v %v", d.Upload, err)
	}
	d.Blob.Close()
	d, err = e.a.Uploads.AdminPreview(e.ctx, boss, big.ID, true)
	if err != nil || d.Upload.ID != big.ID {
		t.Fatalf("full preview: %+v %v", d.Upload, err)
	}
	if b, _ := io.ReadAll(d.Blob); int64(len(b)) != d.Upload.Size {
		t.Fatalf("full preview: %d bytes of %d", len(b), d.Upload.Size)
	}
	d.Blob.Close()
	for _, id := range []string{doc.ID, f.Thumb.ID, "nosuchuploadAAAAA", "../etc"} {
		if _, err := e.a.Uploads.AdminPreview(e.ctx, boss, id, false); model.AsError(err).Kind != model.KindNotFound {
			t.Errorf("preview of %s: %v", id, err)
		}
	}
}

func TestAdminDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	boss := wiretest.Actor(t, e.a, "boss", "admin")
	big, m := e.post(t, "big.png", pngOf(t, quadrants(800, 600)))
	waiting := e.receive(t, "later.txt", []byte("not posted yet"))
	blobs := e.blobCount(t)

	// boss is no member of the private group: messaging refuses, as Rocket.Chat's
	// canDeleteMessage (canAccessRoom first) does.
	if _, err := e.a.Uploads.AdminDelete(e.ctx, boss, big.ID); model.AsError(err).Kind != model.KindForbidden {
		t.Fatalf("delete by a non-member: %v", err)
	}
	if _, err := e.a.Rooms.AddUsers(e.ctx, e.alice, e.team, []string{"boss"}, false); err != nil {
		t.Fatal(err)
	}
	d, err := e.a.Uploads.AdminDelete(e.ctx, boss, big.ID)
	if err != nil || d.MessageID != m.ID || d.File.ID != big.ID {
		t.Fatalf("delete: %+v %v", d, err)
	}
	if _, err := e.a.Messaging.Get(e.ctx, e.alice, m.ID); err == nil {
		t.Fatal("the file's message is still there")
	}
	if n := e.blobCount(t); n != blobs-2 {
		t.Fatalf("%d blobs left of %d, want the image and its thumbnail gone", n, blobs)
	}
	if _, err := e.a.Uploads.AdminFile(e.ctx, boss, big.ID); model.AsError(err).Kind != model.KindNotFound {
		t.Fatalf("deleted file: %v", err)
	}

	// An upload without a message goes directly, for holders of the permissions only.
	d, err = e.a.Uploads.AdminDelete(e.ctx, boss, waiting.ID)
	if err != nil || d.MessageID != "" {
		t.Fatalf("delete the waiting upload: %+v %v", d, err)
	}
	if n := e.blobCount(t); n != blobs-3 {
		t.Fatalf("%d blobs left", n)
	}
	if _, err := e.a.Uploads.AdminDelete(e.ctx, boss, waiting.ID); model.AsError(err).Kind != model.KindNotFound {
		t.Fatalf("second delete: %v", err)
	}
}
