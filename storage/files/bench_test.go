package files

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

var benchSizes = []struct {
	name string
	size int
}{
	{"64KiB", 64 << 10},
	{"4MiB", 4 << 20},
}

func BenchmarkPut(b *testing.B) {
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			s := newStore(b)
			data := randomBytes(bs.size, 1)
			ctx := context.Background()
			b.SetBytes(int64(bs.size))
			for b.Loop() {
				if _, err := s.Put(ctx, testID(1), bytes.NewReader(data), -1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkOpenRead(b *testing.B) {
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			s := newStore(b)
			put(b, s, testID(1), randomBytes(bs.size, 1))
			buf := make([]byte, bs.size)
			b.SetBytes(int64(bs.size))
			for b.Loop() {
				blob, err := s.Open(testID(1))
				if err != nil {
					b.Fatal(err)
				}
				_, err = io.ReadFull(blob, buf)
				blob.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkServeContent(b *testing.B) {
	for _, bs := range benchSizes {
		b.Run(bs.name, func(b *testing.B) {
			s := newStore(b)
			put(b, s, testID(1), randomBytes(bs.size, 1))
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				blob, err := s.Open(testID(1))
				if err != nil {
					http.Error(w, err.Error(), http.StatusNotFound)
					return
				}
				defer blob.Close()
				http.ServeContent(w, r, "", blob.ModTime, blob)
			}))
			b.Cleanup(srv.Close)
			client := srv.Client()
			b.SetBytes(int64(bs.size))
			for b.Loop() {
				resp, err := client.Get(srv.URL)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || n != int64(bs.size) {
					b.Fatalf("read %d bytes, %v", n, err)
				}
			}
		})
	}
}
