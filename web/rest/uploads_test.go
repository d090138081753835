package rest_test

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 3))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRoomsMediaConfirm walks the mobile app's two-step upload, the downloads that
// follow and the deletion of the message.
func TestRoomsMediaConfirm(t *testing.T) {
	t.Parallel()
	e := newUpEnv(t)
	img := pngBytes(t)
	id, url := e.media(t, "pic.png", "image/png", img)
	if url != "/file-upload/"+id+"/pic.png" {
		t.Fatalf("url %q", url)
	}

	// Before the confirmation only the uploader sees the file.
	if st, _, _ := e.send(t, "GET", url, e.bob, "", nil); st != 404 {
		t.Fatalf("bob before confirm: %d", st)
	}
	if st, _, b := e.send(t, "GET", url, e.alice, "", nil); st != 200 || !bytes.Equal(b, img) {
		t.Fatalf("alice before confirm: %d", st)
	}

	st, out := e.postJSON(t, "/api/v1/rooms.mediaConfirm/"+e.team+"/"+id, e.alice, map[string]any{"msg": "look", "description": "a dot"})
	if st != 200 {
		t.Fatalf("mediaConfirm: %d %v", st, out)
	}
	m := out["message"].(map[string]any)
	file := m["file"].(map[string]any)
	if m["msg"] != "look" || file["_id"] != id || file["type"] != "image/png" || file["typeGroup"] != "image" || m["groupable"] != false {
		t.Fatalf("message %v", m)
	}
	if files := m["files"].([]any); len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	att := m["attachments"].([]any)[0].(map[string]any)
	want := map[string]any{"type": "file", "title": "pic.png", "title_link": url, "title_link_download": true, "image_url": url,
		"image_type": "image/png", "image_size": float64(len(img)), "description": "a dot", "fileId": id}
	for k, v := range want {
		if att[k] != v {
			t.Errorf("attachment %s = %v, want %v", k, att[k], v)
		}
	}
	if st, out := e.postJSON(t, "/api/v1/rooms.mediaConfirm/"+e.team+"/"+id, e.alice, map[string]any{}); st != 400 || out["errorType"] != "invalid-file" {
		t.Fatalf("second confirm: %d %v", st, out)
	}

	// Downloads: members by headers, cookies or query; others refused.
	q := "?rc_uid=" + e.aliceID + "&rc_token=" + e.aliceTok
	cookie := http.Header{"Cookie": {"rc_uid=" + e.aliceID + "; rc_token=" + e.aliceTok}}
	for _, c := range []struct {
		name   string
		path   string
		h      http.Header
		status int
	}{
		{"member by headers", url, e.bob, 200},
		{"member by query", url + q, nil, 200},
		{"member by cookies", url, cookie, 200},
		{"non-member", url, e.carl, 403},
		{"anonymous", url, nil, 403},
		{"bad token", url + "?rc_uid=" + e.aliceID + "&rc_token=nope", nil, 403},
		{"other name", "/file-upload/" + id + "/other.png", e.bob, 200},
		{"path trick id", "/file-upload/..%2F..%2Fetc/passwd", e.bob, 404},
		{"unknown id", "/file-upload/AAAAAAAAAAAAAAAAA/x", e.bob, 404},
	} {
		st, h, b := e.send(t, "GET", c.path, c.h, "", nil)
		if st != c.status {
			t.Errorf("%s: %d, want %d (%s)", c.name, st, c.status, b)
			continue
		}
		if st == 200 {
			if !bytes.Equal(b, img) || h.Get("Content-Type") != "image/png" || h.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(h.Get("Content-Disposition"), "inline") || h.Get("Content-Security-Policy") == "" || h.Get("ETag") == "" {
				t.Errorf("%s: headers %v", c.name, h)
			}
		}
	}
	if _, h, _ := e.send(t, "GET", url+"?download", e.bob, "", nil); !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
		t.Errorf("?download: %q", h.Get("Content-Disposition"))
	}
	rng := http.Header{"Range": {"bytes=1-3"}}
	for k, v := range e.bob {
		rng[k] = v
	}
	if st, _, b := e.send(t, "GET", url, rng, "", nil); st != 206 || !bytes.Equal(b, img[1:4]) {
		t.Errorf("range: %d %q", st, b)
	}

	// Deleting the message removes the upload and its blob.
	blobs := e.blobCount(t)
	if st, out := e.postJSON(t, "/api/v1/chat.delete", e.alice, map[string]any{"roomId": e.team, "msgId": m["_id"]}); st != 200 {
		t.Fatalf("chat.delete: %d %v", st, out)
	}
	if st, _, _ := e.send(t, "GET", url, e.alice, "", nil); st != 404 {
		t.Fatalf("after delete: %d", st)
	}
	if n := e.blobCount(t); n != blobs-1 {
		t.Fatalf("blobs after delete: %d, want %d", n, blobs-1)
	}
}

// TestRoomsUpload checks the one-step upload and active content served as an
// attachment.
func TestRoomsUpload(t *testing.T) {
	t.Parallel()
	e := newUpEnv(t)
	html := []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")
	st, out := e.upload(t, "rooms.upload", e.team, e.alice,
		part{name: "msg", body: []byte("see")},
		part{name: "file", filename: `..\..\evil.txt`, ctype: "text/plain", body: html},
		part{name: "description", body: []byte("d")})
	if st != 200 {
		t.Fatalf("rooms.upload: %d %v", st, out)
	}
	m := out["message"].(map[string]any)
	file := m["file"].(map[string]any)
	if m["msg"] != "see" || file["name"] != "evil.txt" || file["type"] != "text/html" {
		t.Fatalf("message %v", m)
	}
	att := m["attachments"].([]any)[0].(map[string]any)
	if att["format"] != "txt" || att["description"] != "d" || att["image_url"] != nil {
		t.Fatalf("attachment %v", att)
	}
	st, h, _ := e.send(t, "GET", att["title_link"].(string), e.bob, "", nil)
	if st != 200 || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("html download: %d %v", st, h)
	}
}

// TestUploadFailures checks that every refused upload answers in Rocket.Chat's shape
// and leaves nothing on disk.
func TestUploadFailures(t *testing.T) {
	t.Parallel()
	e := newUpEnv(t)
	txt := part{name: "file", filename: "a.txt", ctype: "text/plain", body: []byte("hello")}
	svg := part{name: "file", filename: "a.svg", ctype: "image/svg+xml", body: []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)}
	fakePNG := part{name: "file", filename: "a.png", ctype: "image/png", body: []byte("<svg xmlns='http://www.w3.org/2000/svg'/>")}
	cases := []struct {
		name   string
		route  string
		rid    string
		h      http.Header
		parts  []part
		status int
		code   string
	}{
		{"unauthenticated", "rooms.media", e.team, nil, []part{txt}, 401, ""},
		{"non-member", "rooms.media", e.team, e.carl, []part{txt}, 403, ""},
		{"non-member one-step", "rooms.upload", e.team, e.carl, []part{txt}, 403, ""},
		{"unknown room", "rooms.media", "nope", e.alice, []part{txt}, 403, ""},
		{"blocked type", "rooms.media", e.team, e.alice, []part{svg}, 400, "error-invalid-file-type"},
		{"svg named png", "rooms.media", e.team, e.alice, []part{fakePNG}, 400, "error-invalid-file-type"},
		{"no file", "rooms.media", e.team, e.alice, []part{{name: "msg", body: []byte("x")}}, 400, "error-no-file-uploaded"},
		{"bad content", "rooms.media", e.team, e.alice, []part{txt, {name: "content", body: []byte("{")}}, 400, "invalid-field-content"},
	}
	for _, c := range cases {
		st, out := e.upload(t, c.route, c.rid, c.h, c.parts...)
		if st != c.status || (c.code != "" && out["errorType"] != c.code) || out["success"] != false {
			t.Errorf("%s: %d %v, want %d %s", c.name, st, out, c.status, c.code)
		}
	}
	if n := e.blobCount(t); n != 0 {
		t.Fatalf("%d blobs left after refused uploads", n)
	}

	// Not multipart, and a multipart body cut short.
	if st, _, b := e.send(t, "POST", "/api/v1/rooms.media/"+e.team, e.alice, "application/json", strings.NewReader("{}")); st != 400 {
		t.Errorf("json body: %d %s", st, b)
	}
	body, ctype := multipartBody(t, part{name: "file", filename: "big.bin", body: bytes.Repeat([]byte("x"), 200<<10)})
	if st, _, b := e.send(t, "POST", "/api/v1/rooms.media/"+e.team, e.alice, ctype, bytes.NewReader(body[:len(body)-100])); st != 400 ||
		!strings.Contains(string(b), "error-file-upload-incomplete") {
		t.Errorf("truncated: %d %s", st, b)
	}

	// Too large, both by Content-Length and while streaming a body of unknown length.
	wiretest.Set(t, e.a, "FileUpload_MaxFileSize", 1000)
	big := part{name: "file", filename: "big.bin", body: bytes.Repeat([]byte("y"), 5000)}
	if st, out := e.upload(t, "rooms.media", e.team, e.alice, big); st != 400 || out["errorType"] != "error-file-too-large" {
		t.Errorf("too large: %d %v", st, out)
	}
	body, ctype = multipartBody(t, big)
	if st, _, b := e.send(t, "POST", "/api/v1/rooms.media/"+e.team, e.alice, ctype, io.MultiReader(bytes.NewReader(body))); st != 400 ||
		!strings.Contains(string(b), "error-file-too-large") {
		t.Errorf("too large, chunked: %d %s", st, b)
	}
	wiretest.Set(t, e.a, "FileUpload_Enabled", false)
	if st, out := e.upload(t, "rooms.media", e.team, e.alice, txt); st != 400 || out["errorType"] != "error-file-upload-disabled" {
		t.Errorf("disabled: %d %v", st, out)
	}
	if n := e.blobCount(t); n != 0 {
		t.Fatalf("%d blobs left after refused uploads", n)
	}

	// Confirm failures.
	wiretest.Set(t, e.a, "FileUpload_Enabled", true)
	wiretest.Set(t, e.a, "FileUpload_MaxFileSize", 1<<20)
	id, _ := e.media(t, "a.txt", "text/plain", []byte("hello"))
	for _, c := range []struct {
		name   string
		path   string
		h      http.Header
		body   string
		status int
		code   string
	}{
		{"other user", "/api/v1/rooms.mediaConfirm/" + e.team + "/" + id, e.bob, "{}", 400, "invalid-file"},
		{"non-member", "/api/v1/rooms.mediaConfirm/" + e.team + "/" + id, e.carl, "{}", 403, ""},
		{"unknown file", "/api/v1/rooms.mediaConfirm/" + e.team + "/nope", e.alice, "{}", 400, "invalid-file"},
		{"bad json", "/api/v1/rooms.mediaConfirm/" + e.team + "/" + id, e.alice, "{", 400, "invalid-params"},
		{"wrong type", "/api/v1/rooms.mediaConfirm/" + e.team + "/" + id, e.alice, `{"msg":1}`, 400, "invalid-params"},
		{"unauthenticated", "/api/v1/rooms.mediaConfirm/" + e.team + "/" + id, nil, "{}", 401, ""},
	} {
		st, _, b := e.send(t, "POST", c.path, c.h, "application/json", strings.NewReader(c.body))
		out := decodeUp(t, b)
		if st != c.status || (c.code != "" && out["errorType"] != c.code) {
			t.Errorf("confirm %s: %d %s", c.name, st, b)
		}
	}
}

// TestLargeUploadStreams uploads 20 MB through a pipe and checks the heap stays small,
// then reads the file's tail back with a Range request.
func TestLargeUploadStreams(t *testing.T) {
	e := newUpEnv(t)
	const size = 20 << 20
	pr, pw := io.Pipe()
	mw := multipartWriter(pw)
	go func() {
		w, err := mw.CreateFormFile("file", "big.bin")
		if err == nil {
			chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
			for n := 0; n < size && err == nil; n += len(chunk) {
				_, err = w.Write(chunk)
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	st, _, b := e.send(t, "POST", "/api/v1/rooms.media/"+e.team, e.alice, mw.FormDataContentType(), pr)
	runtime.ReadMemStats(&after)
	if st != 200 {
		t.Fatalf("20 MB upload: %d %s", st, b)
	}
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 8<<20 {
		t.Errorf("heap in use grew by %d bytes during a %d-byte upload", grew, size)
	}
	url := decodeUp(t, b)["file"].(map[string]any)["url"].(string)
	h := http.Header{"Range": {"bytes=-16"}}
	for k, v := range e.alice {
		h[k] = v
	}
	st, hdr, tail := e.send(t, "GET", url, h, "", nil)
	if st != 206 || string(tail) != "0123456789abcdef" || hdr.Get("Content-Range") != "bytes 20971504-20971519/20971520" {
		t.Fatalf("range: %d %q %v", st, tail, hdr)
	}
}
