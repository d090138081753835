package rest_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// BenchmarkUploadMedia posts a 32 MiB file to rooms.media over loopback HTTP, streamed
// from a file with its Content-Length, as cmd/ddpload -mode upload does: the server's
// whole receive path (socket, multipart, blob store, fsync, upload document).
func BenchmarkUploadMedia(b *testing.B) {
	const size = 32 << 20
	a := wiretest.Open(b)
	wiretest.Set(b, a, "FileUpload_MaxFileSize", -1)
	alice := wiretest.Actor(b, a, "alice")
	room, err := a.Rooms.Create(context.Background(), alice, rooms.NewRoom{Type: model.RoomPrivate, Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	srv := wiretest.Server(b, a)
	h := wiretest.Header(b, a, "alice")
	src := filepath.Join(b.TempDir(), "src.bin")
	data := make([]byte, size)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(data)
	if err := os.WriteFile(src, data, 0o600); err != nil {
		b.Fatal(err)
	}
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	hd := textproto.MIMEHeader{}
	hd.Set("Content-Disposition", `form-data; name="file"; filename="big.bin"`)
	hd.Set("Content-Type", "application/octet-stream")
	if _, err := mw.CreatePart(hd); err != nil {
		b.Fatal(err)
	}
	headBytes := bytes.Clone(head.Bytes())
	head.Reset()
	_ = mw.Close()
	tail := bytes.Clone(head.Bytes())
	client := &http.Client{Transport: &http.Transport{WriteBufferSize: 1 << 20, ReadBufferSize: 1 << 20}}
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		f, err := os.Open(src)
		if err != nil {
			b.Fatal(err)
		}
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/rooms.media/"+room.ID,
			io.MultiReader(bytes.NewReader(headBytes), f, bytes.NewReader(tail)))
		req.ContentLength = int64(len(headBytes)) + size + int64(len(tail))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		for k, v := range h {
			req.Header[k] = v
		}
		res, err := client.Do(req)
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("%d %s", res.StatusCode, out)
		}
	}
}
