package rest_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
)

// jpegPicture is a w × h JPEG of one colour.
func jpegPicture(t *testing.T, w, h int, c color.RGBA) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tick makes the upload service's clock advance a second at each reading, so uploads
// made one after the other have distinct, ordered dates.
func (e *upEnv) tick() {
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	e.a.Uploads.SetClock(func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	})
}

// posted uploads data to rid as alice and confirms it; it returns the message.
func (e *upEnv) posted(t *testing.T, rid, name, ctype string, data []byte) map[string]any {
	t.Helper()
	status, out := e.upload(t, "rooms.media", rid, e.alice, part{name: "file", filename: name, ctype: ctype, body: data})
	if status != 200 {
		t.Fatalf("rooms.media %s: %d %v", name, status, out)
	}
	id := out["file"].(map[string]any)["_id"].(string)
	status, out = e.postJSON(t, "/api/v1/rooms.mediaConfirm/"+rid+"/"+id, e.alice, map[string]any{})
	if status != 200 {
		t.Fatalf("rooms.mediaConfirm %s: %d %v", name, status, out)
	}
	return out["message"].(map[string]any)
}

// fileNames lists the names of a rooms.images answer's files.
func fileNames(out map[string]any) string {
	files, _ := out["files"].([]any)
	var names []string
	for _, f := range files {
		names = append(names, f.(map[string]any)["name"].(string))
	}
	return strings.Join(names, ",")
}

// TestRoomsImages: rooms.images lists a room's confirmed images newest first, without
// thumbnails, other files or unconfirmed uploads, pages them, starts from an image of
// the room, and answers Rocket.Chat's errors.
func TestRoomsImages(t *testing.T) {
	t.Parallel()
	e := newUpEnv(t)
	e.tick()
	ctx := context.Background()
	alice := model.Actor{UserID: e.aliceID, Username: "alice", Roles: []string{"user"}}
	open, err := e.a.Rooms.Create(ctx, alice, rooms.NewRoom{Type: model.RoomPublic, Name: "open"})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, n := range []string{"a.jpg", "b.jpg", "c.jpg"} {
		m := e.posted(t, e.team, n, "image/jpeg", jpegPicture(t, 8, 8, color.RGBA{200, 10, 10, 255}))
		ids[n] = m["file"].(map[string]any)["_id"].(string)
	}
	e.posted(t, e.team, "notes.txt", "text/plain", []byte("plain text, not a picture"))
	big := e.posted(t, e.team, "big.jpg", "image/jpeg", jpegPicture(t, 960, 720, color.RGBA{10, 10, 200, 255}))
	pending, _ := e.media(t, "pending.jpg", "image/jpeg", jpegPicture(t, 8, 8, color.RGBA{1, 2, 3, 255}))
	elsewhere := e.posted(t, open.ID, "open.jpg", "image/jpeg", jpegPicture(t, 8, 8, color.RGBA{9, 9, 9, 255}))
	elsewhereID := elsewhere["file"].(map[string]any)["_id"].(string)
	if files := big["files"].([]any); len(files) != 2 {
		t.Fatalf("the big image has no thumbnail: %v", files)
	}

	get := func(h http.Header, query string) (int, map[string]any) {
		t.Helper()
		st, _, b := e.send(t, "GET", "/api/v1/rooms.images?"+query, h, "", nil)
		return st, decodeUp(t, b)
	}
	team := "roomId=" + e.team
	for _, c := range []struct {
		name, query          string
		want                 string
		count, offset, total float64
	}{
		{"all", team, "big.jpg,c.jpg,b.jpg,a.jpg", 50, 0, 4},
		{"page", team + "&count=2&offset=1", "c.jpg,b.jpg", 2, 1, 4},
		{"count over the limit", team + "&count=1000", "big.jpg,c.jpg,b.jpg,a.jpg", 100, 0, 4},
		{"starting from b", team + "&startingFromId=" + ids["b.jpg"], "b.jpg,a.jpg", 50, 0, 2},
		{"starting from b, past it", team + "&startingFromId=" + ids["b.jpg"] + "&offset=1", "b.jpg,a.jpg", 50, 1, 2},
		{"starting from another room's", team + "&startingFromId=" + elsewhereID, "big.jpg,c.jpg,b.jpg,a.jpg", 50, 0, 4},
		{"starting from an unconfirmed one", team + "&startingFromId=" + pending, "big.jpg,c.jpg,b.jpg,a.jpg", 50, 0, 4},
		{"starting from nothing", team + "&startingFromId=../../etc", "big.jpg,c.jpg,b.jpg,a.jpg", 50, 0, 4},
	} {
		st, out := get(e.bob, c.query)
		if st != 200 || out["success"] != true || fileNames(out) != c.want || out["count"] != c.count || out["offset"] != c.offset || out["total"] != c.total {
			t.Errorf("%s: %d %s count %v offset %v total %v, want %s %v %v %v (%v)", c.name, st, fileNames(out), out["count"], out["offset"], out["total"],
				c.want, c.count, c.offset, c.total, out)
		}
	}
	_, out := get(e.bob, team+"&count=1")
	f := out["files"].([]any)[0].(map[string]any)
	if f["_id"] != big["file"].(map[string]any)["_id"] || f["typeGroup"] != "image" || f["rid"] != e.team || f["userId"] != e.aliceID ||
		!strings.HasPrefix(f["path"].(string), "/file-upload/") || f["identify"] == nil {
		t.Errorf("file %v", f)
	}
	if _, err := time.Parse(time.RFC3339, f["uploadedAt"].(string)); err != nil {
		t.Errorf("uploadedAt %v: %v", f["uploadedAt"], err)
	}

	// A public channel's images are listed to those who may preview it.
	if st, out := get(e.carl, "roomId="+open.ID); st != 200 || fileNames(out) != "open.jpg" {
		t.Errorf("carl on a public channel: %d %v", st, out)
	}

	for _, c := range []struct {
		name   string
		h      http.Header
		query  string
		status int
		error  string
	}{
		{"non-member of a private room", e.carl, team, 403, "[error-unauthorized]"},
		{"unknown room", e.bob, "roomId=nosuchroom00000000", 403, "[error-unauthorized]"},
		{"empty room id", e.bob, "roomId=", 403, "[error-unauthorized]"},
		{"no room id", e.bob, "count=1", 400, "must have required property 'roomId' [invalid-params]"},
		{"count not a number", e.bob, team + "&count=many", 400, "must be number [invalid-params]"},
		{"negative offset", e.bob, team + "&offset=-1", 400, "[invalid-params]"},
		{"unknown parameter", e.bob, team + "&sort=" + url.QueryEscape(`{"name":1}`), 400, "must NOT have additional properties [invalid-params]"},
		{"no credentials", nil, team, 401, "You must be logged in to do this."},
	} {
		st, out := get(c.h, c.query)
		if st != c.status || out["success"] != false || !strings.HasSuffix(out["error"].(string), c.error) {
			t.Errorf("%s: %d %v, want %d …%s", c.name, st, out, c.status, c.error)
		}
	}
}

// TestThumbnailDownload: the attachment of a large image points at its thumbnail,
// which members download as a small JPEG and others may not.
func TestThumbnailDownload(t *testing.T) {
	t.Parallel()
	e := newUpEnv(t)
	data := jpegPicture(t, 1200, 900, color.RGBA{30, 160, 30, 255})
	m := e.posted(t, e.team, "photo.jpg", "image/jpeg", data)
	att := m["attachments"].([]any)[0].(map[string]any)
	thumb := m["files"].([]any)[1].(map[string]any)
	link := att["image_url"].(string)
	if link != "/file-upload/"+thumb["_id"].(string)+"/photo.jpg" || att["title_link"] == link || thumb["typeGroup"] != "thumb" ||
		thumb["name"] != "thumb-photo.jpg" || att["image_size"] != float64(len(data)) {
		t.Fatalf("attachment %v, thumbnail %v", att, thumb)
	}
	st, h, b := e.send(t, "GET", link, e.bob, "", nil)
	if st != 200 || h.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("bob downloads the thumbnail: %d %v", st, h)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width != 480 || cfg.Height != 360 {
		t.Errorf("thumbnail %dx%d (%v), want 480x360", cfg.Width, cfg.Height, err)
	}
	if st, _, _ := e.send(t, "GET", link, e.carl, "", nil); st != 403 {
		t.Errorf("carl downloads the thumbnail: %d", st)
	}
	// channels.files / groups.files leave thumbnails out, as Rocket.Chat does.
	st, _, b = e.send(t, "GET", "/api/v1/groups.files?roomId="+e.team, e.bob, "", nil)
	if out := decodeUp(t, b); st != 200 || fileNames(out) != "photo.jpg" {
		t.Errorf("groups.files: %d %v", st, out)
	}
}
