package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"path/filepath"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// upEnv is a served App with users alice and bob in a private group "team" of
// alice's and bob's, and carl outside it.
type upEnv struct {
	a                 *wire.App
	srv               *httptest.Server
	alice, bob, carl  http.Header
	aliceID, aliceTok string
	team              string
}

func newUpEnv(t *testing.T) *upEnv {
	t.Helper()
	a := wiretest.Open(t)
	alice := wiretest.Actor(t, a, "alice")
	wiretest.User(t, a, "bob")
	wiretest.User(t, a, "carl")
	room, err := a.Rooms.Create(context.Background(), alice, rooms.NewRoom{Type: model.RoomPrivate, Name: "team", Members: []string{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	e := &upEnv{a: a, srv: wiretest.Server(t, a), team: room.ID}
	e.aliceID, e.aliceTok = wiretest.Login(t, a, "alice")
	e.alice = http.Header{"X-User-Id": {e.aliceID}, "X-Auth-Token": {e.aliceTok}}
	e.bob = wiretest.Header(t, a, "bob")
	e.carl = wiretest.Header(t, a, "carl")
	return e
}

// part is one multipart part: a file when filename is set.
type part struct {
	name, filename, ctype string
	body                  []byte
}

// multipartBody encodes parts and returns the body and its Content-Type.
func multipartBody(t *testing.T, parts ...part) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename != "" {
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"; filename="`+p.filename+`"`)
		} else {
			h.Set("Content-Disposition", `form-data; name="`+p.name+`"`)
		}
		if p.ctype != "" {
			h.Set("Content-Type", p.ctype)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(p.body)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// send makes a request with headers h (nil: none) and returns status, headers and body.
func (e *upEnv) send(t *testing.T, method, path string, h http.Header, ctype string, body io.Reader) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, body)
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

// upload posts parts to route (rooms.media or rooms.upload) of rid.
func (e *upEnv) upload(t *testing.T, route, rid string, h http.Header, parts ...part) (int, map[string]any) {
	t.Helper()
	body, ctype := multipartBody(t, parts...)
	status, _, b := e.send(t, "POST", "/api/v1/"+route+"/"+rid, h, ctype, bytes.NewReader(body))
	return status, decodeUp(t, b)
}

// postJSON posts v as JSON.
func (e *upEnv) postJSON(t *testing.T, path string, h http.Header, v any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(v)
	status, _, out := e.send(t, "POST", path, h, "application/json", bytes.NewReader(b))
	return status, decodeUp(t, out)
}

func decodeUp(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return m
}

// blobCount counts the blobs and temporary files under the data dir's files.
func (e *upEnv) blobCount(t *testing.T) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(e.a.Store.Dir, "files"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// media uploads one file with rooms.media as alice and returns its id and url.
func (e *upEnv) media(t *testing.T, name, ctype string, data []byte) (string, string) {
	t.Helper()
	status, out := e.upload(t, "rooms.media", e.team, e.alice, part{name: "file", filename: name, ctype: ctype, body: data})
	if status != 200 {
		t.Fatalf("rooms.media: %d %v", status, out)
	}
	f := out["file"].(map[string]any)
	return f["_id"].(string), f["url"].(string)
}

// multipartWriter is a multipart writer over w, for streamed bodies.
func multipartWriter(w io.Writer) *multipart.Writer { return multipart.NewWriter(w) }
