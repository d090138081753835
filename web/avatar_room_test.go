package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

// roomAvEnv is avEnv with the private group "team" owned by alice, bob a plain member
// and dave an outsider.
type roomAvEnv struct {
	*avEnv
	rid  string
	dave http.Header
}

func newRoomAvEnv(t *testing.T) *roomAvEnv {
	t.Helper()
	e := &roomAvEnv{avEnv: newAvEnv(t)}
	wiretest.User(t, e.a, "dave")
	e.dave = wiretest.Header(t, e.a, "dave")
	alice := model.Actor{UserID: e.aliceID, Username: "alice", Roles: []string{"user"}}
	room, err := e.a.Rooms.Create(context.Background(), alice, rooms.NewRoom{Type: model.RoomPrivate, Name: "team", Members: []string{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	e.rid = room.ID
	return e
}

func (e *roomAvEnv) room(t *testing.T, rid string) model.Room {
	t.Helper()
	r, err := docdb.NewRoomsStore(e.a.Store.Docs).Room(context.Background(), rid)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// blobBytes is how much the blob store holds: a refused change must leave nothing.
func (e *roomAvEnv) blobBytes(t *testing.T) int64 {
	t.Helper()
	n, err := e.a.Store.Files.Size(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *roomAvEnv) save(t *testing.T, h http.Header, body map[string]any) (int, string) {
	t.Helper()
	return e.postJSON(t, "/api/v1/rooms.saveRoomSettings", h, body)
}

func dataURI(b []byte) string { return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b) }

// noisePNG is an opaque w × h PNG of random pixels: it does not compress, so it is
// about 3·w·h bytes.
func noisePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(rng.Uint32()), uint8(rng.Uint32()), uint8(rng.Uint32()), 255
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoomAvatarSaveRoomSettings(t *testing.T) {
	t.Parallel()
	e := newRoomAvEnv(t)
	_, bobTok := wiretest.Login(t, e.a, "bob")
	bob := record(dialDDP(t, e.avEnv))
	bob.send(`{"msg":"method","id":"1","method":"login","params":[{"resume":"` + bobTok + `"}]}`)
	bob.await(`"msg":"result"`, `"id":"1"`)
	bob.send(`{"msg":"sub","id":"s1","name":"stream-notify-logged","params":["updateAvatar",false]}`)
	bob.await(`"msg":"ready"`, `"s1"`)
	bob.send(`{"msg":"sub","id":"s2","name":"stream-notify-user","params":["` + e.bobID + `/rooms-changed",false]}`)
	bob.await(`"msg":"ready"`, `"s2"`)

	status, body := e.save(t, e.alice, map[string]any{"rid": e.rid, "roomAvatar": dataURI(testPNG(t, 300, 300, false))})
	if status != 200 || body != `{"rid":"`+e.rid+`","success":true}` && body != `{"success":true,"rid":"`+e.rid+`"}` {
		t.Fatalf("saveRoomSettings: %d %s", status, body)
	}
	etag := e.room(t, e.rid).AvatarETag
	if etag == "" {
		t.Fatal("no avatarETag")
	}
	bob.await(`"eventName":"updateAvatar"`, `"args":[{"rid":"`+e.rid+`","etag":"`+etag+`"}]`)
	bob.await(`"eventName":"`+e.bobID+`/rooms-changed"`, `"avatarETag":"`+etag+`"`)
	status, hd, pic := e.do(t, "GET", "/avatar/room/"+e.rid, nil, "", nil)
	if status != 200 || hd.Get("ETag") != strconv.Quote(etag) {
		t.Fatalf("GET: %d %v", status, hd)
	}
	if format, size := decodeServed(t, pic); format != "jpeg" || size != image.Pt(200, 200) {
		t.Errorf("served %s %v", format, size)
	}
	// The system message room_changed_avatar, with an empty msg, by alice.
	_, hist := e.getJSON(t, "/api/v1/groups.history?roomId="+e.rid, e.alice)
	if !strings.Contains(hist, `"t":"room_changed_avatar"`) || !strings.Contains(hist, `"msg":""`) {
		t.Errorf("no room_changed_avatar message: %s", hist)
	}

	// A new picture replaces the old one; the old blob goes.
	before := e.blobBytes(t)
	if status, body := e.save(t, e.alice, map[string]any{"rid": e.rid, "roomAvatar": dataURI(testPNG(t, 40, 40, true))}); status != 200 {
		t.Fatalf("second picture: %d %s", status, body)
	}
	etag2 := e.room(t, e.rid).AvatarETag
	if etag2 == etag || e.blobBytes(t) == before+int64(len(pic)) {
		t.Errorf("second picture: etag %s → %s, blobs %d → %d", etag, etag2, before, e.blobBytes(t))
	}
	if _, hd, _ := e.do(t, "GET", "/avatar/room/"+e.rid, nil, "", nil); hd.Get("Content-Type") != "image/png" {
		t.Errorf("transparent room picture: %v", hd)
	}

	// Reset (null): Rocket.Chat's unsetAvatarData puts a timestamp in avatarETag and
	// unsets avatarOrigin; the event has no etag; the placeholder is back; no blob left.
	if status, body := e.save(t, e.alice, map[string]any{"rid": e.rid, "roomAvatar": nil}); status != 200 {
		t.Fatalf("reset: %d %s", status, body)
	}
	bob.await(`"eventName":"updateAvatar"`, `"args":[{"rid":"`+e.rid+`"}]`)
	r := e.room(t, e.rid)
	if _, err := strconv.ParseInt(r.AvatarETag, 10, 64); err != nil {
		t.Errorf("avatarETag after reset %q, want a timestamp", r.AvatarETag)
	}
	if _, hd, b := e.do(t, "GET", "/avatar/room/"+e.rid, nil, "", nil); hd.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(b), ">T</text>") {
		t.Errorf("after reset: %v %s", hd, b)
	}
	if n := e.blobBytes(t); n != before-int64(len(pic)) {
		t.Errorf("blobs after reset: %d, want %d", n, before-int64(len(pic)))
	}
	// "" resets too.
	if status, body := e.save(t, e.alice, map[string]any{"rid": e.rid, "roomAvatar": ""}); status != 200 {
		t.Errorf(`reset with "": %d %s`, status, body)
	}
}

func TestRoomAvatarRefused(t *testing.T) {
	t.Parallel()
	e := newRoomAvEnv(t)
	ctx := context.Background()
	good := dataURI(testPNG(t, 30, 30, false))
	dm, err := e.a.Rooms.CreateDirect(ctx, model.Actor{UserID: e.aliceID, Username: "alice", Roles: []string{"user"}}, []string{"bob"}, false)
	if err != nil {
		t.Fatal(err)
	}
	// carol moderates team, but moderators lose edit-room-avatar.
	carol := wiretest.User(t, e.a, "carol")
	alice := model.Actor{UserID: e.aliceID, Username: "alice", Roles: []string{"user"}}
	if _, err := e.a.Rooms.AddUsers(ctx, alice, e.rid, []string{"carol"}, false); err != nil {
		t.Fatal(err)
	}
	if err := e.a.Rooms.SetRoomRole(ctx, alice, e.rid, carol.ID, "moderator", true); err != nil {
		t.Fatal(err)
	}
	boss := model.Actor{UserID: e.boss.Get("X-User-Id"), Username: "boss", Roles: []string{"admin"}}
	if _, err := e.a.Authz.UpdatePermissions(ctx, boss, []authz.PermissionUpdate{{ID: "edit-room-avatar", Roles: []string{"admin", "owner"}}}); err != nil {
		t.Fatal(err)
	}
	carolH := wiretest.Header(t, e.a, "carol")
	before := e.blobBytes(t)
	wiretest.Set(t, e.a, "FileUpload_MaxFileSize", 4096)
	for _, c := range []struct {
		name   string
		h      http.Header
		body   map[string]any
		status int
		want   string
	}{
		{"unauthenticated", nil, map[string]any{"rid": e.rid, "roomAvatar": good}, 401, `"status":"error"`},
		{"member without edit-room", e.bob, map[string]any{"rid": e.rid, "roomAvatar": good}, 400, `"error":"Editing room is not allowed [error-action-not-allowed]"`},
		{"non-member", e.dave, map[string]any{"rid": e.rid, "roomAvatar": good}, 400, `"errorType":"error-action-not-allowed"`},
		{"moderator without edit-room-avatar", carolH, map[string]any{"rid": e.rid, "roomAvatar": good}, 400, `"error":"Editing a room avatar is not allowed [error-action-not-allowed]"`},
		{"moderator without edit-room-avatar, reset", carolH, map[string]any{"rid": e.rid, "roomAvatar": nil}, 400, `"errorType":"error-action-not-allowed"`},
		{"unknown room", e.alice, map[string]any{"rid": "nosuchroom", "roomAvatar": good}, 400, `"errorType":"error-invalid-room"`},
		{"no rid", e.alice, map[string]any{"roomAvatar": good}, 400, `"success":false`},
		{"direct message", e.alice, map[string]any{"rid": dm.Room.ID, "roomAvatar": good}, 400, `"errorType":"error-action-not-allowed"`},
		{"not a string", e.alice, map[string]any{"rid": e.rid, "roomAvatar": 42}, 400, `"errorType":"error-invalid-room-setting"`},
		{"not an image", e.alice, map[string]any{"rid": e.rid, "roomAvatar": "data:text/plain;base64,aGk="}, 400, `"errorType":"error-invalid-file-type"`},
		{"an http URL", e.alice, map[string]any{"rid": e.rid, "roomAvatar": "https://example.com/a.png"}, 400, `"errorType":"error-invalid-file-type"`},
		{"bad base64", e.alice, map[string]any{"rid": e.rid, "roomAvatar": "data:image/png;base64,!!!!"}, 400, `"errorType":"error-invalid-data"`},
		{"truncated image", e.alice, map[string]any{"rid": e.rid, "roomAvatar": dataURI(testPNG(t, 30, 30, false)[:50])}, 400, `"errorType":"error-invalid-file-type"`},
		{"bomb", e.alice, map[string]any{"rid": e.rid, "roomAvatar": dataURI(bombPNG())}, 400, `"errorType":"error-file-too-large"`},
		{"over FileUpload_MaxFileSize", e.alice, map[string]any{"rid": e.rid, "roomAvatar": dataURI(noisePNG(t, 60, 60))}, 400,
			`"error":"File exceeds allowed size of 4096 bytes [error-file-too-large]"`},
		{"body over the avatar limit", e.alice, map[string]any{"rid": e.rid, "roomAvatar": dataURI(noisePNG(t, 620, 620))}, 400,
			`"errorType":"error-file-too-large"`},
		// The picture is stored before the transaction, which then fails on the name:
		// nothing is kept.
		{"another setting fails", e.alice, map[string]any{"rid": e.rid, "roomAvatar": good, "roomName": "bad name!"}, 400, `"success":false`},
	} {
		status, body := e.save(t, c.h, c.body)
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %d with %s", c.name, status, body, c.status, c.want)
		}
	}
	for _, raw := range []string{"{", `{"rid":`, `[1,2]`} {
		if status, _, b := e.do(t, "POST", "/api/v1/rooms.saveRoomSettings", e.alice, "application/json", []byte(raw)); status != 400 || !bytes.Contains(b, []byte(`"success":false`)) {
			t.Errorf("bad JSON %q: %d %s", raw, status, b)
		}
	}
	if r := e.room(t, e.rid); r.AvatarETag != "" || r.Name != "team" {
		t.Errorf("a refused request changed the room: %+v", r)
	}
	if n := e.blobBytes(t); n != before {
		t.Errorf("refused requests left %d bytes of blobs", n-before)
	}
	// The owner may; an admin who is not a member may too (edit-room and
	// edit-room-avatar are global for admins).
	wiretest.Set(t, e.a, "FileUpload_MaxFileSize", 104857600)
	for _, h := range []http.Header{e.alice, e.boss} {
		if status, body := e.save(t, h, map[string]any{"rid": e.rid, "roomAvatar": good}); status != 200 {
			t.Errorf("allowed: %d %s", status, body)
		}
	}
}

// TestRoomAvatarBridge sends pictures as the mobile app does, through the REST
// method.call bridge: bodies over the bridge's usual 1 MiB are taken for the avatar
// methods, and a body past the avatar limit is error-file-too-large.
func TestRoomAvatarBridge(t *testing.T) {
	t.Parallel()
	e := newRoomAvEnv(t)
	big := noisePNG(t, 700, 700) // about 1.5 MB: 2 MB in base64
	if len(big) < 1<<20 {
		t.Fatalf("noise PNG is only %d bytes", len(big))
	}
	call := func(h http.Header, method string, params ...any) (int, string) {
		t.Helper()
		msg, _ := json.Marshal(map[string]any{"msg": "method", "id": "7", "method": method, "params": params})
		return e.postJSON(t, "/api/v1/method.call/"+method, h, map[string]string{"message": string(msg)})
	}
	status, body := call(e.alice, "saveRoomSettings", e.rid, map[string]any{"roomAvatar": dataURI(big)})
	if status != 200 || !strings.Contains(body, `\"result\":{\"result\":true,\"rid\":\"`+e.rid+`\"}`) {
		t.Fatalf("method.call saveRoomSettings: %d %.300s", status, body)
	}
	if e.room(t, e.rid).AvatarETag == "" {
		t.Error("no avatarETag after method.call")
	}
	// The three-argument form, and a refusal inside the answer.
	if status, body := call(e.bob, "saveRoomSettings", e.rid, "roomAvatar", dataURI(big)); status != 200 || !strings.Contains(body, `error-action-not-allowed`) {
		t.Errorf("bob: %d %.300s", status, body)
	}
	status, body = call(e.alice, "setAvatarFromService", dataURI(big), "image/png", "upload")
	if status != 200 || strings.Contains(body, `\"error\"`) {
		t.Fatalf("method.call setAvatarFromService: %d %.300s", status, body)
	}
	if e.user(t, e.aliceID).AvatarETag == "" {
		t.Error("no user avatarETag after method.call")
	}
	// Past the avatar limit: Rocket.Chat's error shape, not a generic body error.
	wiretest.Set(t, e.a, "FileUpload_MaxFileSize", 10000)
	for _, m := range []string{"saveRoomSettings", "setAvatarFromService"} {
		var status int
		var body string
		if m == "saveRoomSettings" {
			status, body = call(e.alice, m, e.rid, map[string]any{"roomAvatar": dataURI(big)})
		} else {
			status, body = call(e.alice, m, dataURI(big), "image/png", "upload")
		}
		if status != 400 || !strings.Contains(body, `"errorType":"error-file-too-large"`) {
			t.Errorf("%s over the limit: %d %.300s", m, status, body)
		}
	}
	// Other methods keep the bridge's 1 MiB.
	if status, body := call(e.alice, "sendMessage", map[string]any{"rid": e.rid, "msg": strings.Repeat("x", 2<<20)}); status != 400 || !strings.Contains(body, "invalid-params") {
		t.Errorf("big sendMessage: %d %.200s", status, body)
	}
}

func TestRoomAvatarDDP(t *testing.T) {
	t.Parallel()
	e := newRoomAvEnv(t)
	c := record(dialDDP(t, e.avEnv))
	c.send(`{"msg":"method","id":"1","method":"login","params":[{"resume":"` + e.aliceTok + `"}]}`)
	c.await(`"msg":"result"`, `"id":"1"`)
	c.send(`{"msg":"sub","id":"s1","name":"stream-notify-logged","params":["updateAvatar",false]}`)
	c.await(`"msg":"ready"`)
	uri := dataURI(testPNG(t, 64, 64, false))
	c.send(`{"msg":"method","id":"2","method":"saveRoomSettings","params":["` + e.rid + `","roomAvatar","` + uri + `"]}`)
	c.await(`"msg":"result"`, `"id":"2"`, `"result":{"result":true,"rid":"`+e.rid+`"}`)
	etag := e.room(t, e.rid).AvatarETag
	c.await(`"eventName":"updateAvatar"`, `"rid":"`+e.rid+`"`, `"etag":"`+etag+`"`)
	c.send(`{"msg":"method","id":"3","method":"saveRoomSettings","params":["` + e.rid + `",{"roomAvatar":null},""]}`)
	c.await(`"msg":"result"`, `"id":"3"`, `"result":true`)
	c.await(`"eventName":"updateAvatar"`, `"args":[{"rid":"`+e.rid+`"}]`)
	for id, params := range map[string]string{
		"4": `["` + e.rid + `",{"roomAvatar":"data:image/png;base64,AAAA"}]`,
		"5": `["nosuchroom",{"roomAvatar":"` + uri + `"}]`,
		"6": `["` + e.rid + `",{"roomAvatar":{"$date":1}}]`,
		"7": `["` + e.rid + `",{"roomAvatar":"` + uri + `","nope":1}]`,
	} {
		c.send(`{"msg":"method","id":"` + id + `","method":"saveRoomSettings","params":` + params + `}`)
		c.await(`"msg":"result"`, `"id":"`+id+`"`, `"error":{`)
	}
}

// TestRoomAvatarDirectAndDiscussion follows Rocket.Chat's /avatar/room: a direct
// message shows the initial of the name the viewer's subscription has (the other
// member), a discussion without a picture its parent's avatar.
func TestRoomAvatarDirectAndDiscussion(t *testing.T) {
	t.Parallel()
	e := newRoomAvEnv(t)
	ctx := context.Background()
	wiretest.User(t, e.a, "zed")
	zed := wiretest.Header(t, e.a, "zed")
	dm, err := e.a.Rooms.CreateDirect(ctx, model.Actor{UserID: e.bobID, Username: "bob", Roles: []string{"user"}}, []string{"zed"}, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		h    http.Header
		want string
	}{{e.bob, ">Z</text>"}, {zed, ">B</text>"}} {
		if _, _, b := e.do(t, "GET", "/avatar/room/"+dm.Room.ID, c.h, "", nil); !strings.Contains(string(b), c.want) {
			t.Errorf("direct message: %s, want %s", b, c.want)
		}
	}
	if status, _, b := e.do(t, "GET", "/avatar/room/"+dm.Room.ID, nil, "", nil); status != 200 || !bytes.Contains(b, []byte("</text>")) {
		t.Errorf("direct message, anonymous: %d %s", status, b)
	}
	// A discussion of team.
	disc := model.Room{ID: model.NewID(), T: model.RoomPrivate, Name: "side-talk", FName: "side talk", Prid: e.rid}
	if err := docdb.NewRoomsStore(e.a.Store.Docs).InsertRoom(ctx, disc); err != nil {
		t.Fatal(err)
	}
	if _, _, b := e.do(t, "GET", "/avatar/room/"+disc.ID, nil, "", nil); !strings.Contains(string(b), ">T</text>") {
		t.Errorf("discussion without pictures: %s, want team's placeholder", b)
	}
	if status, body := e.save(t, e.alice, map[string]any{"rid": e.rid, "roomAvatar": dataURI(testPNG(t, 30, 30, false))}); status != 200 {
		t.Fatal(status, body)
	}
	_, _, parent := e.do(t, "GET", "/avatar/room/"+e.rid, nil, "", nil)
	if _, hd, b := e.do(t, "GET", "/avatar/room/"+disc.ID, nil, "", nil); !bytes.Equal(b, parent) || hd.Get("ETag") != strconv.Quote(e.room(t, e.rid).AvatarETag) {
		t.Errorf("discussion: %v, want the parent's picture", hd)
	}
}

// getJSON is a GET with headers, returning the status and body.
func (e *avEnv) getJSON(t *testing.T, path string, h http.Header) (int, string) {
	t.Helper()
	status, _, b := e.do(t, "GET", path, h, "", nil)
	return status, string(b)
}

// ddpRecorder is a ddpClient that keeps every frame it reads, so a test may wait for
// frames in any order (a method's result and the events of its change race).
type ddpRecorder struct {
	*ddpClient
	seen []string
}

func record(c *ddpClient) *ddpRecorder { return &ddpRecorder{ddpClient: c} }

// await returns the first frame, read before or now, that holds every part, and
// forgets it.
func (c *ddpRecorder) await(parts ...string) string {
	c.t.Helper()
	match := func(s string) bool {
		for _, p := range parts {
			if !strings.Contains(s, p) {
				return false
			}
		}
		return true
	}
	for i, s := range c.seen {
		if match(s) {
			c.seen = append(c.seen[:i:i], c.seen[i+1:]...)
			return s
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			c.t.Fatalf("waiting for %q: %v", parts, err)
		}
		s := string(b)
		if strings.Contains(s, `"msg":"ping"`) {
			c.send(`{"msg":"pong"}`)
			continue
		}
		if match(s) {
			return s
		}
		c.seen = append(c.seen, s)
	}
}

// TestAvatarTooLarge: every way an avatar arrives answers Rocket.Chat's
// error-file-too-large past FileUpload_MaxFileSize, never a generic body error.
func TestAvatarTooLarge(t *testing.T) {
	t.Parallel()
	e := newAvEnv(t)
	wiretest.Set(t, e.a, "FileUpload_MaxFileSize", 2000)
	small, big := dataURI(noisePNG(t, 30, 30)), dataURI(noisePNG(t, 620, 620))
	want := `"error":"File exceeds allowed size of 2000 bytes [error-file-too-large]","errorType":"error-file-too-large"`
	for name, run := range map[string]func() (int, string){
		"users.setAvatar avatarUrl": func() (int, string) {
			return e.postJSON(t, "/api/v1/users.setAvatar", e.alice, map[string]string{"avatarUrl": small})
		},
		"users.setAvatar body over the limit": func() (int, string) {
			return e.postJSON(t, "/api/v1/users.setAvatar", e.alice, map[string]string{"avatarUrl": big})
		},
		"users.setAvatar multipart":       func() (int, string) { return e.setMultipart(t, e.alice, noisePNG(t, 30, 30), nil) },
		"users.setAvatar multipart, huge": func() (int, string) { return e.setMultipart(t, e.alice, noisePNG(t, 620, 620), nil) },
	} {
		if status, body := run(); status != 400 || !strings.Contains(body, want) {
			t.Errorf("%s: %d %.300s", name, status, body)
		}
	}
	c := record(dialDDP(t, e))
	c.send(`{"msg":"method","id":"1","method":"login","params":[{"resume":"` + e.aliceTok + `"}]}`)
	c.await(`"msg":"result"`, `"id":"1"`)
	c.send(`{"msg":"method","id":"2","method":"setAvatarFromService","params":["` + small + `","image/png","upload"]}`)
	c.await(`"id":"2"`, `"error":"error-file-too-large"`)
	if u := e.user(t, e.aliceID); u.AvatarETag != "" {
		t.Errorf("avatar set: %q", u.AvatarETag)
	}
}
