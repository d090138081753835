package rest_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// TestCleanHistoryFiles: rooms.cleanHistory with filesOnly removes the files (blobs and
// upload documents) of the selected messages and leaves the messages with Rocket.Chat's
// "File removed by prune" attachment, a pinned file kept under excludePinned; a full
// cleaning then deletes the messages with their files. Refused cleanings touch nothing.
func TestCleanHistoryFiles(t *testing.T) {
	t.Parallel()
	e := newUpEnv(t)
	ctx := context.Background()
	boss := wiretest.Actor(t, e.a, "boss", "admin")
	bossH := wiretest.Header(t, e.a, "boss")
	room, err := e.a.Rooms.Create(ctx, boss, rooms.NewRoom{Type: model.RoomPrivate, Name: "pics", Members: []string{"alice", "carl"}})
	if err != nil {
		t.Fatal(err)
	}
	type sent struct{ file, url, msg string }
	var files []sent
	var pic bytes.Buffer // large enough for a thumbnail, which goes with it
	if err := png.Encode(&pic, image.NewRGBA(image.Rect(0, 0, 1200, 900))); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.txt", "b.txt", "c.png"} {
		data := []byte("data of " + name)
		if name == "c.png" {
			data = pic.Bytes()
		}
		st, out := e.upload(t, "rooms.media", room.ID, e.alice, part{name: "file", filename: name, ctype: "text/plain", body: data})
		if st != 200 {
			t.Fatalf("upload %s: %d %v", name, st, out)
		}
		f := out["file"].(map[string]any)
		st, out = e.postJSON(t, "/api/v1/rooms.mediaConfirm/"+room.ID+"/"+f["_id"].(string), e.alice, map[string]any{"msg": name})
		if st != 200 {
			t.Fatalf("confirm %s: %d %v", name, st, out)
		}
		files = append(files, sent{f["_id"].(string), f["url"].(string), out["message"].(map[string]any)["_id"].(string)})
	}
	if _, err := e.a.Messaging.Pin(ctx, boss, files[0].msg); err != nil {
		t.Fatal(err)
	}
	all := func(filesOnly bool) map[string]any {
		return map[string]any{"roomId": room.ID, "oldest": "2000-01-01T00:00:00.000Z", "latest": time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano),
			"inclusive": true, "filesOnly": filesOnly, "excludePinned": true}
	}
	exists := func(f sent) bool {
		st, _, _ := e.send(t, "GET", f.url, e.alice, "", nil)
		if st != 200 && st != 404 {
			t.Fatalf("GET %s: %d", f.url, st)
		}
		return st == 200
	}

	// Refused: no permission (a member) or not a member (the permission needs the room).
	if st, out := e.postJSON(t, "/api/v1/rooms.cleanHistory", e.alice, all(true)); st != 400 || out["errorType"] != "error-not-allowed" {
		t.Errorf("member without permission: %d %v", st, out)
	}
	wiretest.User(t, e.a, "outsider", "admin")
	if st, out := e.postJSON(t, "/api/v1/rooms.cleanHistory", wiretest.Header(t, e.a, "outsider"), all(true)); st != 400 || out["errorType"] != "error-not-allowed" {
		t.Errorf("non-member admin: %d %v", st, out)
	}
	if n := e.blobCount(t); n != 4 {
		t.Fatalf("refused cleanings left %d of 4 blobs (3 files, 1 thumbnail)", n)
	}

	// filesOnly: the two unpinned files go, their messages stay pruned.
	st, out := e.postJSON(t, "/api/v1/rooms.cleanHistory", bossH, all(true))
	if st != 200 || out["count"] != float64(2) {
		t.Fatalf("filesOnly: %d %v", st, out)
	}
	for i, f := range files {
		m, err := e.a.Messaging.Get(ctx, boss, f.msg)
		if err != nil {
			t.Fatalf("message %d after filesOnly: %v", i, err)
		}
		if i == 0 {
			if m.File == nil || !exists(f) {
				t.Errorf("the pinned message lost its file: %+v", m)
			}
			continue
		}
		if m.File != nil || len(m.Files) != 0 || len(m.Attachments) != 1 ||
			m.Attachments[0]["color"] != "#FD745E" || m.Attachments[0]["text"] != "_File removed by prune_" {
			t.Errorf("pruned message %d: file %v, files %v, attachments %v", i, m.File, m.Files, m.Attachments)
		}
		if exists(f) {
			t.Errorf("file %d still served", i)
		}
	}
	if b, d := e.blobCount(t), e.uploadDocs(t); b != 1 || d != 1 {
		t.Errorf("after filesOnly: %d blobs, %d upload documents, want 1 and 1", b, d)
	}
	// Pruned messages have no file left: a second filesOnly finds nothing.
	if st, out := e.postJSON(t, "/api/v1/rooms.cleanHistory", bossH, all(true)); st != 200 || out["count"] != float64(0) {
		t.Errorf("second filesOnly: %d %v", st, out)
	}

	// A full cleaning without excludePinned deletes the messages and the last file.
	body := all(false)
	body["excludePinned"] = false
	if st, out := e.postJSON(t, "/api/v1/rooms.cleanHistory", bossH, body); st != 200 || out["count"].(float64) < 3 {
		t.Fatalf("clean: %d %v", st, out)
	}
	if _, err := e.a.Messaging.Get(ctx, boss, files[0].msg); err == nil {
		t.Errorf("the pinned message survived")
	}
	if exists(files[0]) || e.blobCount(t) != 0 || e.uploadDocs(t) != 0 {
		t.Errorf("after the clean: %d blobs, %d upload documents", e.blobCount(t), e.uploadDocs(t))
	}
}
