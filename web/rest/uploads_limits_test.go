package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

// post sends a multipart body to route/rid with a deadline, so a hang fails the test;
// length < 0 sends it chunked (no Content-Length: the client may lie about nothing).
func (e *upEnv) post(t *testing.T, route, rid string, h http.Header, body []byte, ctype string, length int64) (int, map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var r io.Reader = bytes.NewReader(body)
	if length < 0 {
		r = io.MultiReader(r) // hides the length from net/http
	}
	req, err := http.NewRequestWithContext(ctx, "POST", e.srv.URL+"/api/v1/"+route+"/"+rid, r)
	if err != nil {
		t.Fatal(err)
	}
	if length >= 0 {
		req.ContentLength = length
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", ctype)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", route, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("POST %s: %d, not JSON: %.300s", route, res.StatusCode, b)
	}
	return res.StatusCode, m
}

// file is a multipart body with one file of n bytes, and its Content-Type.
func (e *upEnv) file(t *testing.T, n int) ([]byte, string) {
	t.Helper()
	return multipartBody(t, part{name: "file", filename: "f.bin", ctype: "application/octet-stream", body: bytes.Repeat([]byte("q"), n)})
}

// uploadDocs counts the documents of rocketchat_uploads.
func (e *upEnv) uploadDocs(t *testing.T) int64 {
	t.Helper()
	n, err := e.a.Store.Docs.Collection(docdb.Uploads).Count(context.Background(), docdb.Query{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantRefused checks a refusal in Rocket.Chat's shape with errorType code.
func wantRefused(t *testing.T, what string, status int, out map[string]any, code string) {
	t.Helper()
	if status != 400 || out["success"] != false || out["errorType"] != code {
		t.Errorf("%s: %d %v, want 400 %s", what, status, out, code)
	}
}

// TestDailyQuota: FileUpload_UserDailyQuota (MB) bounds what each user uploads in 24
// hours, administrators included; it is checked from Content-Length before reading,
// while streaming a body of unknown length, and across concurrent uploads, and a
// refused upload leaves neither a blob nor a document.
func TestDailyQuota(t *testing.T) {
	t.Parallel()
	e := newUpEnv(t)
	const kib = 1 << 10
	wiretest.Set(t, e.a, "FileUpload_UserDailyQuota", 1) // 1 MB
	body, ct := e.file(t, 700*kib)
	if st, out := e.post(t, "rooms.media", e.team, e.alice, body, ct, int64(len(body))); st != 200 {
		t.Fatalf("first upload: %d %v", st, out)
	}
	blobs, docs := e.blobCount(t), e.uploadDocs(t)

	small, sct := e.file(t, 400*kib) // 700 + 400 KiB > 1 MB: refused while streaming
	big, bct := e.file(t, 3<<20)     // refused from its Content-Length alone
	for _, c := range []struct {
		name   string
		route  string
		body   []byte
		ctype  string
		length int64
	}{
		{"over the rest", "rooms.media", small, sct, int64(len(small))},
		{"over the rest, one step", "rooms.upload", small, sct, int64(len(small))},
		{"over the rest, chunked", "rooms.media", small, sct, -1},
		{"far over, by length", "rooms.media", big, bct, int64(len(big))},
		{"far over, chunked", "rooms.media", big, bct, -1},
	} {
		st, out := e.post(t, c.route, e.team, e.alice, c.body, c.ctype, c.length)
		wantRefused(t, c.name, st, out, "error-quota-exceeded")
	}
	if b, d := e.blobCount(t), e.uploadDocs(t); b != blobs || d != docs {
		t.Fatalf("refused uploads left %d blobs and %d documents, want %d and %d", b, d, blobs, docs)
	}

	// Another user has a quota of their own; an admin is held to it too.
	if st, out := e.post(t, "rooms.media", e.team, e.bob, body, ct, int64(len(body))); st != 200 {
		t.Errorf("bob: %d %v", st, out)
	}
	wiretest.User(t, e.a, "root", "admin")
	root := wiretest.Header(t, e.a, "root")
	if st, out := e.post(t, "rooms.media", "GENERAL", root, body, ct, int64(len(body))); st != 200 {
		t.Fatalf("admin's first upload: %d %v", st, out)
	}
	st, out := e.post(t, "rooms.media", "GENERAL", root, small, sct, int64(len(small)))
	wantRefused(t, "admin over quota", st, out, "error-quota-exceeded")

	// An upload older than 24 hours no longer counts.
	if _, err := e.a.Store.Docs.Collection(docdb.Uploads).Update(context.Background(),
		docdb.Query{Where: docdb.F("userId") + " = ?", Args: []any{e.aliceID}},
		docdb.U().Set("uploadedAt", time.Now().Add(-25*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if st, out := e.post(t, "rooms.media", e.team, e.alice, small, sct, int64(len(small))); st != 200 {
		t.Errorf("after a day: %d %v", st, out)
	}

	// 0 turns the quota off.
	wiretest.Set(t, e.a, "FileUpload_UserDailyQuota", 0)
	if st, out := e.post(t, "rooms.media", "GENERAL", root, big, bct, int64(len(big))); st != 200 {
		t.Errorf("no quota: %d %v", st, out)
	}
}

// TestDailyQuotaConcurrent: two uploads racing for the last megabyte cannot both get
// it: exactly one is stored.
func TestDailyQuotaConcurrent(t *testing.T) {
	t.Parallel()
	e := newUpEnv(t)
	wiretest.Set(t, e.a, "FileUpload_UserDailyQuota", 1)
	body, ct := e.file(t, 700<<10)
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	codes := make([]any, 4)
	for i := range statuses {
		wg.Go(func() {
			st, out := e.post(t, "rooms.media", e.team, e.alice, body, ct, int64(len(body)))
			statuses[i], codes[i] = st, out["errorType"]
		})
	}
	wg.Wait()
	ok := 0
	for i, st := range statuses {
		switch {
		case st == 200:
			ok++
		case st != 400 || codes[i] != "error-quota-exceeded":
			t.Errorf("upload %d: %d %v", i, st, codes[i])
		}
	}
	if ok != 1 || e.blobCount(t) != 1 || e.uploadDocs(t) != 1 {
		t.Errorf("%d uploads stored (%d blobs, %d documents), want 1", ok, e.blobCount(t), e.uploadDocs(t))
	}
}

// fullDisk passes `room` bytes to the file, then fails every write with ENOSPC as
// write(2) does on a full disk.
type fullDisk struct {
	w    io.Writer
	room int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) > d.room {
		n, _ := d.w.Write(p[:d.room])
		d.room = 0
		return n, syscall.ENOSPC
	}
	d.room -= len(p)
	return d.w.Write(p)
}

// TestUploadDiskFull: when the disk fills up during an upload, the client gets a 400
// in Rocket.Chat's shape (not a 500, not a hang), no temporary file, blob or upload
// document is left, and once there is space again uploads work.
func TestUploadDiskFull(t *testing.T) {
	t.Parallel()
	e := newUpEnv(t)
	files := e.a.Store.Files
	for _, room := range []int{0, 100 << 10} {
		files.SetWriteFilter(func(w io.Writer) io.Writer { return &fullDisk{w: w, room: room} })
		for _, c := range []struct {
			route string
			size  int
		}{{"rooms.media", 600 << 10}, {"rooms.upload", 600 << 10}, {"rooms.media", room + 1}} {
			body, ct := e.file(t, c.size)
			st, out := e.post(t, c.route, e.team, e.alice, body, ct, int64(len(body)))
			wantRefused(t, c.route+" on a full disk", st, out, "error-file-upload-storage-full")
		}
		if b, d := e.blobCount(t), e.uploadDocs(t); b != 0 || d != 0 {
			t.Fatalf("a full disk left %d files and %d upload documents", b, d)
		}
	}
	files.SetWriteFilter(nil)
	id, url := e.media(t, "after.txt", "text/plain", []byte("space again"))
	if st, _, b := e.send(t, "GET", url, e.alice, "", nil); st != 200 || string(b) != "space again" {
		t.Fatalf("download of %s after the disk was freed: %d %q", id, st, b)
	}
}
