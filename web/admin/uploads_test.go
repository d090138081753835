package admin_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/app/uploads"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

// pngFile is a w × h PNG.
func pngFile(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postFile uploads data to rid as actor and posts it (rooms.media + mediaConfirm).
func postFile(t testing.TB, a *wire.App, actor model.Actor, rid, name string, data []byte, confirm bool) uploads.Upload {
	t.Helper()
	u, err := a.Uploads.Receive(bg, actor, uploads.ReceiveInput{RID: rid, Name: name, Sniffed: http.DetectContentType(data), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if confirm {
		if _, err := a.Uploads.Confirm(bg, actor, uploads.ConfirmInput{RID: rid, FileID: u.ID}); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func TestUploadsPage(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	ann := wiretest.Actor(t, a, "ann")
	room, err := a.Rooms.Create(bg, ann, rooms.NewRoom{Type: model.RoomPublic, Name: "photos"})
	if err != nil {
		t.Fatal(err)
	}
	big := postFile(t, a, ann, room.ID, "sunset.png", pngFile(t, 640, 480), true)
	postFile(t, a, ann, room.ID, "notes.txt", []byte("meeting notes"), true)
	waiting := postFile(t, a, ann, room.ID, "draft.txt", []byte("draft"), false)

	// Not signed in: the sign-in page, for the listing and for a preview.
	for _, path := range []string{"/admin/uploads", "/admin/uploads/" + big.ID + "/preview"} {
		if p := b.get(path); !strings.HasPrefix(p.url, "/admin/login") {
			t.Fatalf("%s signed out: %s", path, p.url)
		}
	}
	b.signIn("boss")
	p := b.get("/admin/uploads")
	want(t, p, 200, "sunset.png", "notes.txt", "photos", "ann", "Top 10 users by size", "Top 10 rooms by size", "On disk", `href="/admin/uploads/`+big.ID+`"`,
		`src="/admin/uploads/`+big.ID+`/preview"`, "1–2 of 2")
	if strings.Contains(p.body, "thumb-sunset.png") || strings.Contains(p.body, "draft.txt") {
		t.Fatal("the listing shows a thumbnail or an upload waiting for confirmation")
	}
	for _, c := range []struct {
		query      string
		status     int
		has, hasnt []string
	}{
		{"?type=image", 200, []string{"sunset.png"}, []string{"notes.txt"}},
		{"?type=other", 200, []string{"notes.txt"}, []string{"sunset.png"}},
		{"?user=ANN&room=phot", 200, []string{"sunset.png", "notes.txt"}, nil},
		{"?user=boss", 200, []string{"None"}, []string{"notes.txt</a>"}},
		{"?room=nowhere", 200, []string{"None"}, []string{"notes.txt</a>"}},
		{"?state=pending", 200, []string{"draft.txt", "waiting"}, []string{"notes.txt</a>"}},
		{"?type=thumb", 400, []string{"Unknown file type"}, nil},
		{"?room=" + strings.Repeat("x", 200), 400, []string{"too long"}, nil},
		{"?page=x", 200, []string{"sunset.png"}, nil},
		{"?page=50", 200, []string{"None on this page"}, nil},
	} {
		p := b.get("/admin/uploads" + c.query)
		want(t, p, c.status, c.has...)
		for _, s := range c.hasnt {
			if strings.Contains(p.body, s) {
				t.Errorf("%s shows %s", c.query, s)
			}
		}
	}

	// The detail page and the previews, served with the files' safe headers.
	p = b.get("/admin/uploads/" + big.ID)
	want(t, p, 200, "sunset.png", "640 × 480", "Thumbnail", "Delete file", "Open the whole image")
	for _, q := range []string{"", "?full=1"} {
		res, err := b.c.Get(b.base + "/admin/uploads/" + big.ID + "/preview" + q)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		h := res.Header
		if res.StatusCode != 200 || h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || !strings.HasPrefix(h.Get("Content-Disposition"), "inline") {
			t.Fatalf("preview%s: %d %v", q, res.StatusCode, h)
		}
	}
	notes := fileID(t, a, "notes.txt")
	want(t, b.get("/admin/uploads/"+notes+"/preview"), 404)
	want(t, b.get("/admin/uploads/nosuchfileAAAAAAAA"), 404, "no such file")
	want(t, b.get("/admin/uploads/../../etc/passwd"), 404)
	want(t, b.get("/admin/uploads/"+waiting.ID), 200, "Waiting for its message")
}

// fileID finds an upload by name.
func fileID(t testing.TB, a *wire.App, name string) string {
	t.Helper()
	var u uploads.Upload
	if err := a.Store.Docs.Collection(docdb.Uploads).FindOne(bg, docdb.Query{Where: docdb.F("name") + " = ?", Args: []any{name}}, &u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestUploadDelete(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	ann := wiretest.Actor(t, a, "ann")
	public, err := a.Rooms.Create(bg, ann, rooms.NewRoom{Type: model.RoomPublic, Name: "photos"})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := a.Rooms.Create(bg, ann, rooms.NewRoom{Type: model.RoomPrivate, Name: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	big := postFile(t, a, ann, public.ID, "sunset.png", pngFile(t, 640, 480), true)
	hidden := postFile(t, a, ann, secret.ID, "plan.txt", []byte("plan"), true)
	waiting := postFile(t, a, ann, secret.ID, "draft.txt", []byte("draft"), false)
	b.signIn("boss")

	var msg model.Message
	if err := a.Store.Docs.Collection(docdb.Messages).FindOne(bg, docdb.FileMessageQuery(public.ID, big.ID), &msg); err != nil {
		t.Fatal(err)
	}
	path := "/admin/uploads/" + big.ID
	b.get(path)
	want(t, b.post(path+"/delete", url.Values{"csrf": {"forged"}, "confirm": {"yes"}}), 403, "stale")
	want(t, b.post(path+"/delete", nil), 400, "Tick the box")
	want(t, b.post("/admin/uploads/nosuchfileAAAAAAAA/delete", url.Values{"confirm": {"yes"}}), 404)
	p := b.post(path+"/delete", url.Values{"confirm": {"yes"}})
	want(t, p, 200, "File deleted.")
	if p.url != "/admin/uploads?done=filedeleted" {
		t.Fatalf("after delete at %s", p.url)
	}
	want(t, b.get(path), 404)
	if _, err := a.Messaging.Get(bg, ann, msg.ID); err == nil {
		t.Fatal("the file's message is still there")
	}

	// boss is no member of the private group: messaging refuses (Rocket.Chat's
	// canDeleteMessage asks canAccessRoom first); the page says so.
	b.get("/admin/uploads/" + hidden.ID)
	want(t, b.post("/admin/uploads/"+hidden.ID+"/delete", url.Values{"confirm": {"yes"}}), 400, "You may not delete messages in this room")
	// An upload never posted goes directly.
	want(t, b.post("/admin/uploads/"+waiting.ID+"/delete", url.Values{"confirm": {"yes"}}), 200, "File deleted.")

	// Every deletion is in the audit log.
	want(t, b.get("/admin/audit"), 200, "upload.delete", "sunset.png", "draft.txt", "message="+msg.ID, "boss")
}

// TestUploadsPermissions: without view-room-administration the page, previews and
// deletion are 403; with it but without the message permissions, no delete form and a
// refused deletion.
func TestUploadsPermissions(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "robo", "bot")
	ann := wiretest.Actor(t, a, "ann")
	room, err := a.Rooms.Create(bg, ann, rooms.NewRoom{Type: model.RoomPublic, Name: "photos"})
	if err != nil {
		t.Fatal(err)
	}
	f := postFile(t, a, ann, room.ID, "sunset.png", pngFile(t, 64, 48), true)
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{{ID: "view-logs", Roles: []string{"admin", "bot"}}}); err != nil {
		t.Fatal(err)
	}
	b.signIn("robo")
	for _, path := range []string{"/admin/uploads", "/admin/uploads/" + f.ID, "/admin/uploads/" + f.ID + "/preview"} {
		want(t, b.get(path), 403, "Not allowed")
	}
	b.get("/admin/audit")
	want(t, b.post("/admin/uploads/"+f.ID+"/delete", url.Values{"confirm": {"yes"}}), 403)

	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{{ID: "view-room-administration", Roles: []string{"admin", "bot"}}}); err != nil {
		t.Fatal(err)
	}
	p := b.get("/admin/uploads/" + f.ID)
	want(t, p, 200, "sunset.png")
	if strings.Contains(p.body, "Delete file") {
		t.Fatal("a delete form without the permission")
	}
	want(t, b.post("/admin/uploads/"+f.ID+"/delete", url.Values{"confirm": {"yes"}}), 400, "Not allowed")
	if _, err := a.Uploads.AdminFile(bg, model.System, f.ID); err != nil {
		t.Fatalf("the file went: %v", err)
	}
}

// TestUploadsPageWeight: a full page of files with previews stays far under 100 KB.
func TestUploadsPageWeight(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	seedUploads(t, a, 200)
	b.signIn("boss")
	for _, path := range []string{"/admin/uploads", "/admin/uploads?type=image&page=3"} {
		res, size, body := b.gzipGet(path)
		if res.StatusCode != 200 || !strings.Contains(body, "</html>") {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		t.Logf("%s: %d bytes gzip, %d plain", path, size, len(body))
		if size > 100<<10 {
			t.Errorf("%s: %d bytes transferred", path, size)
		}
	}
}

// seedUploads stores n upload documents (a third of them images with a thumbnail)
// from rooms and users already there, straight into the store.
func seedUploads(t testing.TB, a *wire.App, n int) {
	t.Helper()
	docs := a.Store.Docs
	var rids, uids []string
	_ = docs.Collection(docdb.Rooms).Each(bg, docdb.Query{Limit: 1000}, func(d docdb.Doc) error {
		id, _ := d.Get("_id")
		rids = append(rids, id.(string))
		return nil
	})
	_ = docs.Collection(docdb.Users).Each(bg, docdb.Query{Limit: 1000}, func(d docdb.Doc) error {
		id, _ := d.Get("_id")
		uids = append(uids, id.(string))
		return nil
	})
	now := time.Now().UTC().Truncate(time.Millisecond)
	err := docs.InTx(context.Background(), func(ctx context.Context) error {
		uc := docs.Collection(docdb.Uploads)
		for i := range n {
			typ, group := "application/pdf", "application"
			if i%3 == 0 {
				typ, group = "image/png", "image"
			}
			id, name := model.NewID(), fmt.Sprintf("file-%05d.bin", i)
			u := uploads.Upload{ID: id, Name: name, Size: int64(1000 + i), Type: typ, RID: rids[i%len(rids)], UserID: uids[i%len(uids)],
				Store: uploads.StoreName, Complete: true, Progress: 1, Path: uploads.FilePath(id, name), UploadedAt: now.Add(-time.Duration(i) * time.Minute),
				TypeGroup: group, UpdatedAt: now}
			if err := uc.Insert(ctx, u); err != nil {
				return err
			}
			if group == "image" {
				th := u
				th.ID, th.Name, th.TypeGroup, th.OriginalFileID, th.Size = model.NewID(), "thumb-"+name, "thumb", id, 100
				th.Identify = &uploads.Identify{Format: "png", Size: &uploads.Dimension{Width: 480, Height: 360}}
				if err := uc.Insert(ctx, th); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BenchmarkUploadsPage10k is the uploads page at 10,000 users, 1,000 rooms and 5,000
// files (a third of them images with thumbnails): the listing, a filtered page, a
// user's files, and the storage figures every view shows.
func BenchmarkUploadsPage10k(b *testing.B) {
	paths := []string{"/admin/uploads", "/admin/uploads?page=100", "/admin/uploads?type=image", "/admin/uploads?user=user00042", "/admin/uploads?room=room01"}
	a := wiretest.Open(b)
	wiretest.User(b, a, "boss", "admin")
	seed(b, a, 10000, 1000)
	seedUploads(b, a, 5000)
	h := wiretest.Handler(b, a)
	uid, token := wiretest.Login(b, a, "boss")
	cookie := "outpost_admin=" + uid + "." + token
	measurePages(b, h, cookie, paths...)
}

// TestUploadsListPreviewSize: an image without a thumbnail (smaller than the thumbnail
// box) but heavier than listPreviewMax gets no preview in the listing, which keeps a
// page light; its own page shows it.
func TestUploadsListPreviewSize(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	ann := wiretest.Actor(t, a, "ann")
	room, err := a.Rooms.Create(bg, ann, rooms.NewRoom{Type: model.RoomPublic, Name: "noise"})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 200, 150))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.IntN(256))
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if buf.Len() <= 32<<10 {
		t.Fatalf("the noise picture is only %d bytes", buf.Len())
	}
	f := postFile(t, a, ann, room.ID, "noise.png", buf.Bytes(), true)
	b.signIn("boss")
	full := `src="/admin/uploads/` + f.ID + `/preview?full=1"`
	if p := b.get("/admin/uploads"); p.status != 200 || !strings.Contains(p.body, "noise.png") || strings.Contains(p.body, full) {
		t.Errorf("listing: status %d, preview of a %d-byte original shown: %v", p.status, buf.Len(), strings.Contains(p.body, full))
	}
	want(t, b.get("/admin/uploads/"+f.ID), 200, full, "Open the whole image")
}
