package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	_ "image/jpeg" // decoding served avatars
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

// avEnv is a served App with users alice, bob and the admin boss, logged in.
type avEnv struct {
	a                 *wire.App
	srv               *httptest.Server
	alice, bob, boss  http.Header
	aliceID, aliceTok string
	bobID             string
}

func newAvEnv(t *testing.T) *avEnv {
	t.Helper()
	a := wiretest.Open(t)
	wiretest.User(t, a, "alice")
	wiretest.User(t, a, "bob")
	wiretest.User(t, a, "boss", "admin")
	e := &avEnv{a: a, srv: wiretest.Server(t, a)}
	e.aliceID, e.aliceTok = wiretest.Login(t, a, "alice")
	e.alice = http.Header{"X-User-Id": {e.aliceID}, "X-Auth-Token": {e.aliceTok}}
	e.bob = wiretest.Header(t, a, "bob")
	e.bobID = e.bob.Get("X-User-Id")
	e.boss = wiretest.Header(t, a, "boss")
	return e
}

func (e *avEnv) do(t *testing.T, method, path string, h http.Header, ctype string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// setMultipart posts img as the multipart "image" of users.setAvatar, with fields.
func (e *avEnv) setMultipart(t *testing.T, h http.Header, img []byte, fields map[string]string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("image", "me.png")
	_, _ = fw.Write(img)
	for k, v := range fields { // after the image: the handler must still see them
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	status, _, b := e.do(t, "POST", "/api/v1/users.setAvatar", h, mw.FormDataContentType(), buf.Bytes())
	return status, string(b)
}

func (e *avEnv) postJSON(t *testing.T, path string, h http.Header, v any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(v)
	status, _, out := e.do(t, "POST", path, h, "application/json", b)
	return status, string(out)
}

func (e *avEnv) user(t *testing.T, id string) model.User {
	t.Helper()
	u, err := docdb.NewUsersStore(e.a.Store.Docs).ByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// testPNG is a w × h PNG, opaque or with a transparent left half.
func testPNG(t *testing.T, w, h int, transparent bool) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{uint8(x), uint8(y), 200, 255}
			if transparent && x < w/2 {
				c.A = 0
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bombPNG is a tiny PNG whose header announces 100000 × 100000 pixels.
func bombPNG() []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 100000)
	binary.BigEndian.PutUint32(ihdr[4:], 100000)
	ihdr[8], ihdr[9] = 8, 6
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// decodeServed decodes a served avatar and returns its format and size.
func decodeServed(t *testing.T, b []byte) (string, image.Point) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("served avatar does not decode: %v (%.60q)", err, b)
	}
	return format, img.Bounds().Size()
}

func TestSetAvatarMultipartServeAndCache(t *testing.T) {
	t.Parallel()
	e := newAvEnv(t)
	if status, body := e.setMultipart(t, e.alice, testPNG(t, 300, 150, false), nil); status != 200 || body != `{"success":true}` {
		t.Fatalf("setAvatar: %d %s", status, body)
	}
	u := e.user(t, e.aliceID)
	if u.AvatarETag == "" {
		t.Fatal("no avatarETag after setAvatar")
	}
	status, hd, b := e.do(t, "GET", "/avatar/alice", nil, "", nil)
	if status != 200 || hd.Get("ETag") != `"`+u.AvatarETag+`"` || hd.Get("Cache-Control") != "public, max-age=3600" {
		t.Fatalf("GET: %d %v", status, hd)
	}
	// Opaque: cropped to cover the 200-pixel square, stored as JPEG.
	if format, size := decodeServed(t, b); format != "jpeg" || size != image.Pt(200, 200) {
		t.Errorf("served %s %v, want jpeg 200x200", format, size)
	}
	// The same by another case of the name, and by id.
	if status, _, b2 := e.do(t, "GET", "/avatar/ALICE", nil, "", nil); status != 200 || !bytes.Equal(b, b2) {
		t.Errorf("by other case: %d", status)
	}
	if status, _, b2 := e.do(t, "GET", "/avatar/uid/"+e.aliceID, nil, "", nil); status != 200 || !bytes.Equal(b, b2) {
		t.Errorf("by id: %d", status)
	}
	// "@name" always gets the placeholder.
	if _, hd, _ := e.do(t, "GET", "/avatar/@alice", nil, "", nil); hd.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("@alice: %v", hd)
	}
	// If-None-Match with the etag: 304.
	if status, _, _ := e.do(t, "GET", "/avatar/alice", http.Header{"If-None-Match": {`"` + u.AvatarETag + `"`}}, "", nil); status != 304 {
		t.Errorf("If-None-Match: %d, want 304", status)
	}
	// ?size scales down (twice: the second from the cache), never up.
	for range 2 {
		status, _, b := e.do(t, "GET", "/avatar/alice?size=64", nil, "", nil)
		if _, size := decodeServed(t, b); status != 200 || size != image.Pt(64, 64) {
			t.Errorf("size=64: %d %v", status, size)
		}
	}
	if _, _, b := e.do(t, "GET", "/avatar/alice?size=900", nil, "", nil); !bytes.Equal(b, b) {
		t.Error("unreachable")
	} else if _, size := decodeServed(t, b); size != image.Pt(200, 200) {
		t.Errorf("size=900: %v, want the stored 200x200", size)
	}
	// Unknown users get the placeholder of the name, as in Rocket.Chat.
	if status, hd, b := e.do(t, "GET", "/avatar/nobody", nil, "", nil); status != 200 || hd.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(b), ">N</text>") {
		t.Errorf("unknown: %d %v %s", status, hd, b)
	}
	if status, _, _ := e.do(t, "GET", "/avatar/uid/nobody", nil, "", nil); status != 404 {
		t.Errorf("unknown uid: %d", status)
	}
	// Reset: back to the placeholder, the etag gone.
	if status, body := e.postJSON(t, "/api/v1/users.resetAvatar", e.alice, map[string]string{"userId": e.aliceID}); status != 200 {
		t.Fatalf("resetAvatar: %d %s", status, body)
	}
	if u := e.user(t, e.aliceID); u.AvatarETag != "" {
		t.Errorf("avatarETag %q after reset", u.AvatarETag)
	}
	if _, hd, _ := e.do(t, "GET", "/avatar/alice", nil, "", nil); hd.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("after reset: %v", hd)
	}
}

func TestSetAvatarDataURI(t *testing.T) {
	t.Parallel()
	e := newAvEnv(t)
	uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(testPNG(t, 40, 80, true))
	if status, body := e.postJSON(t, "/api/v1/users.setAvatar", e.alice, map[string]string{"avatarUrl": uri}); status != 200 {
		t.Fatalf("setAvatar: %d %s", status, body)
	}
	_, hd, b := e.do(t, "GET", "/avatar/alice", nil, "", nil)
	// Transparent: contained in the square on a transparent canvas, stored as PNG.
	if format, size := decodeServed(t, b); format != "png" || size != image.Pt(200, 200) || hd.Get("Content-Type") != "image/png" {
		t.Errorf("served %s %v %v", format, size, hd)
	}
	img, _, _ := image.Decode(bytes.NewReader(b))
	if _, _, _, a := img.At(2, 100).RGBA(); a != 0 {
		t.Errorf("corner of a contained image is not transparent: alpha %d", a)
	}
}

func TestSetAvatarFailures(t *testing.T) {
	t.Parallel()
	e := newAvEnv(t)
	pngBytes := testPNG(t, 30, 30, false)
	for _, c := range []struct {
		name   string
		run    func() (int, string)
		status int
		want   string
	}{
		{"unauthenticated", func() (int, string) { return e.setMultipart(t, nil, pngBytes, nil) }, 401, `"status":"error"`},
		{"not an image", func() (int, string) { return e.setMultipart(t, e.alice, []byte("hello, world"), nil) }, 400, `"errorType":"error-invalid-file-type"`},
		{"truncated image", func() (int, string) { return e.setMultipart(t, e.alice, pngBytes[:60], nil) }, 400, `"errorType":"error-invalid-file-type"`},
		{"bomb", func() (int, string) { return e.setMultipart(t, e.alice, bombPNG(), nil) }, 400, `"errorType":"error-file-too-large"`},
		{"no image", func() (int, string) { return e.postJSON(t, "/api/v1/users.setAvatar", e.alice, map[string]string{}) }, 400, `"error":"The 'image' param is required"`},
		{"bad JSON", func() (int, string) {
			s, _, b := e.do(t, "POST", "/api/v1/users.setAvatar", e.alice, "application/json", []byte("{"))
			return s, string(b)
		}, 400, `"success":false`},
		{"http URL", func() (int, string) {
			return e.postJSON(t, "/api/v1/users.setAvatar", e.alice, map[string]string{"avatarUrl": "https://example.com/a.png"})
		}, 400, `"errorType":"error-avatar-invalid-url"`},
		{"data URI not an image", func() (int, string) {
			return e.postJSON(t, "/api/v1/users.setAvatar", e.alice, map[string]string{"avatarUrl": "data:text/plain;base64,aGk="})
		}, 400, `"errorType":"error-invalid-file-type"`},
		{"bad base64", func() (int, string) {
			return e.postJSON(t, "/api/v1/users.setAvatar", e.alice, map[string]string{"avatarUrl": "data:image/png;base64,!!!"})
		}, 400, `"errorType":"error-invalid-data"`},
		{"other user without permission", func() (int, string) {
			return e.setMultipart(t, e.bob, pngBytes, map[string]string{"userId": e.aliceID})
		}, 403, `"success":false`},
		{"other user by name without permission (JSON)", func() (int, string) {
			return e.postJSON(t, "/api/v1/users.setAvatar", e.bob, map[string]string{"username": "alice", "avatarUrl": "data:image/png;base64,AAAA"})
		}, 403, `"success":false`},
		{"unknown user as admin", func() (int, string) {
			return e.setMultipart(t, e.boss, pngBytes, map[string]string{"userId": "nobody"})
		}, 400, `"errorType":"error-invalid-user"`},
		{"reset without user", func() (int, string) { return e.postJSON(t, "/api/v1/users.resetAvatar", e.alice, map[string]string{}) }, 400, `"errorType":"error-user-param-not-provided"`},
		{"reset other without permission", func() (int, string) {
			return e.postJSON(t, "/api/v1/users.resetAvatar", e.bob, map[string]string{"userId": e.aliceID})
		}, 400, `"errorType":"error-not-allowed"`},
	} {
		status, body := c.run()
		if status != c.status || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s, want %d with %s", c.name, status, body, c.status, c.want)
		}
	}
	if u := e.user(t, e.aliceID); u.AvatarETag != "" {
		t.Errorf("a refused request changed the avatar: %q", u.AvatarETag)
	}
	// The admin may set another user's avatar.
	if status, body := e.setMultipart(t, e.boss, pngBytes, map[string]string{"username": "bob"}); status != 200 {
		t.Errorf("admin sets bob's: %d %s", status, body)
	}
	if e.user(t, e.bobID).AvatarETag == "" {
		t.Error("bob has no avatarETag")
	}
	// Too large: FileUpload_MaxFileSize bounds avatars.
	wiretest.Set(t, e.a, "FileUpload_MaxFileSize", 100)
	if status, body := e.setMultipart(t, e.alice, testPNG(t, 100, 100, false), nil); status != 400 || !strings.Contains(body, "error-file-too-large") {
		t.Errorf("too large: %d %s", status, body)
	}
	// Changes switched off.
	wiretest.Set(t, e.a, "FileUpload_MaxFileSize", 104857600)
	wiretest.Set(t, e.a, "Accounts_AllowUserAvatarChange", false)
	if status, body := e.setMultipart(t, e.alice, pngBytes, nil); status != 400 || !strings.Contains(body, "error-not-allowed") {
		t.Errorf("not allowed: %d %s", status, body)
	}
}

func TestAvatarBlockUnauthenticated(t *testing.T) {
	t.Parallel()
	e := newAvEnv(t)
	if status, body := e.setMultipart(t, e.alice, testPNG(t, 50, 50, false), nil); status != 200 {
		t.Fatalf("setAvatar: %d %s", status, body)
	}
	wiretest.Set(t, e.a, "Accounts_AvatarBlockUnauthenticatedAccess", true)
	wiretest.Set(t, e.a, "Accounts_AvatarCacheTime", 60)
	// Without credentials: the placeholder, uncached.
	if status, hd, _ := e.do(t, "GET", "/avatar/alice", nil, "", nil); status != 200 || hd.Get("Content-Type") != "image/svg+xml" || hd.Get("Cache-Control") != "no-store" {
		t.Errorf("anonymous: %d %v", status, hd)
	}
	if _, hd, _ := e.do(t, "GET", "/avatar/alice?rc_uid="+e.aliceID+"&rc_token=wrong", nil, "", nil); hd.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("bad token: %v", hd)
	}
	// With them, in the query or in cookies: the picture.
	if status, hd, _ := e.do(t, "GET", "/avatar/alice?rc_uid="+e.aliceID+"&rc_token="+e.aliceTok, nil, "", nil); status != 200 || hd.Get("Content-Type") != "image/jpeg" || hd.Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("query credentials: %d %v", status, hd)
	}
	cookies := http.Header{"Cookie": {"rc_uid=" + e.aliceID + "; rc_token=" + e.aliceTok}}
	if _, hd, _ := e.do(t, "GET", "/avatar/alice", cookies, "", nil); hd.Get("Content-Type") != "image/jpeg" {
		t.Errorf("cookie credentials: %v", hd)
	}
}

func TestRoomAvatar(t *testing.T) {
	t.Parallel()
	e := newAvEnv(t)
	ctx := context.Background()
	alice := wiretest.Actor(t, e.a, "carol")
	room, err := e.a.Rooms.Create(ctx, alice, rooms.NewRoom{Type: model.RoomPrivate, Name: "team"})
	if err != nil {
		t.Fatal(err)
	}
	if status, _, _ := e.do(t, "GET", "/avatar/room/nosuchroom", nil, "", nil); status != 404 {
		t.Errorf("unknown room: %d", status)
	}
	if _, hd, b := e.do(t, "GET", "/avatar/room/"+room.ID, nil, "", nil); hd.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(b), ">T</text>") {
		t.Errorf("placeholder: %v %s", hd, b)
	}
	uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(testPNG(t, 20, 20, false))
	bob := model.Actor{UserID: e.bobID, Username: "bob", Roles: []string{"user"}}
	if _, err := e.a.Rooms.SaveSettings(ctx, bob, room.ID, map[string]any{"roomAvatar": uri}); err == nil {
		t.Error("a non-member set the room's avatar")
	}
	if _, err := e.a.Rooms.SaveSettings(ctx, alice, room.ID, map[string]any{"roomAvatar": uri}); err != nil {
		t.Fatal(err)
	}
	if status, hd, b := e.do(t, "GET", "/avatar/room/"+room.ID, nil, "", nil); status != 200 || hd.Get("ETag") == "" {
		t.Errorf("room picture: %d %v", status, hd)
	} else if _, size := decodeServed(t, b); size != image.Pt(200, 200) {
		t.Errorf("room picture size %v", size)
	}
	if _, err := e.a.Rooms.SaveSettings(ctx, alice, room.ID, map[string]any{"roomAvatar": nil}); err != nil {
		t.Fatal(err)
	}
	if _, hd, _ := e.do(t, "GET", "/avatar/room/"+room.ID, nil, "", nil); hd.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("after reset: %v", hd)
	}
}

// ddpClient is a bare DDP client over the served /websocket.
type ddpClient struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialDDP(t *testing.T, e *avEnv) *ddpClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(1 << 22)
	t.Cleanup(func() { ws.CloseNow() })
	c := &ddpClient{t: t, ws: ws}
	c.send(`{"msg":"connect","version":"1","support":["1"]}`)
	c.await(`"msg":"connected"`)
	return c
}

func (c *ddpClient) send(msg string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		c.t.Fatal(err)
	}
}

// await reads frames until one contains every part, answering pings.
func (c *ddpClient) await(parts ...string) string {
	c.t.Helper()
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
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(s, p)
		}
		if ok {
			return s
		}
	}
}

func TestAvatarDDP(t *testing.T) {
	t.Parallel()
	e := newAvEnv(t)
	_, bobTok := wiretest.Login(t, e.a, "bob")
	watcher := dialDDP(t, e)
	watcher.send(`{"msg":"method","id":"1","method":"login","params":[{"resume":"` + bobTok + `"}]}`)
	watcher.await(`"msg":"result"`, `"id":"1"`)
	watcher.send(`{"msg":"sub","id":"s1","name":"stream-notify-logged","params":["updateAvatar",false]}`)
	watcher.await(`"msg":"ready"`)

	alice := dialDDP(t, e)
	alice.send(`{"msg":"method","id":"1","method":"login","params":[{"resume":"` + e.aliceTok + `"}]}`)
	alice.await(`"msg":"result"`, `"id":"1"`)
	alice.send(`{"msg":"sub","id":"u1","name":"stream-notify-user","params":["` + e.aliceID + `/userData",false]}`)
	alice.await(`"msg":"ready"`)
	uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(testPNG(t, 64, 64, false))
	alice.send(`{"msg":"method","id":"2","method":"setAvatarFromService","params":["` + uri + `","image/png","upload",""]}`)
	if res := alice.await(`"msg":"result"`, `"id":"2"`); strings.Contains(res, `"error"`) {
		t.Fatalf("setAvatarFromService: %s", res)
	}
	u := e.user(t, e.aliceID)
	if u.AvatarETag == "" {
		t.Fatal("no avatarETag")
	}
	watcher.await(`"eventName":"updateAvatar"`, `"username":"alice"`, `"etag":"`+u.AvatarETag+`"`)
	alice.await(`"eventName":"`+e.aliceID+`/userData"`, `"avatarETag":"`+u.AvatarETag+`"`)

	// Errors: an empty dataURI, an http URL.
	alice.send(`{"msg":"method","id":"3","method":"setAvatarFromService","params":["","",""]}`)
	alice.await(`"id":"3"`, `"error":"error-invalid-data"`)
	alice.send(`{"msg":"method","id":"4","method":"setAvatarFromService","params":["https://example.com/x.png","","url"]}`)
	alice.await(`"id":"4"`, `"error":"error-avatar-invalid-url"`)

	// resetAvatar: the event without an etag.
	alice.send(`{"msg":"method","id":"5","method":"resetAvatar","params":[""]}`)
	alice.await(`"msg":"result"`, `"id":"5"`)
	watcher.await(`"eventName":"updateAvatar"`, `"args":[{"username":"alice"}]`)
}
