package files

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestServeContentRanges serves a blob with http.ServeContent and checks range requests.
func TestServeContentRanges(t *testing.T) {
	t.Parallel()
	const size = 200_000
	s := newStore(t)
	id := testID(1)
	data := randomBytes(size, 7)
	put(t, s, id, data)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := s.Open(id)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		defer b.Close()
		http.ServeContent(w, r, "", b.ModTime, b)
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		rng        string
		status     int
		start, end int // the expected body is data[start:end]
		contentRng string
	}{
		{"", http.StatusOK, 0, size, ""},
		{"bytes=0-9", http.StatusPartialContent, 0, 10, "bytes 0-9/200000"},
		{"bytes=65530-65545", http.StatusPartialContent, 65530, 65546, "bytes 65530-65545/200000"},
		{"bytes=199990-", http.StatusPartialContent, 199990, size, "bytes 199990-199999/200000"},
		{"bytes=-5", http.StatusPartialContent, size - 5, size, "bytes 199995-199999/200000"},
		{"bytes=100000-999999", http.StatusPartialContent, 100000, size, "bytes 100000-199999/200000"},
		{"bytes=200000-", http.StatusRequestedRangeNotSatisfiable, 0, 0, "bytes */200000"},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.rng != "" {
				req.Header.Set("Range", tt.rng)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("Content-Range"); got != tt.contentRng {
				t.Errorf("Content-Range %q, want %q", got, tt.contentRng)
			}
			if tt.status != http.StatusRequestedRangeNotSatisfiable && !bytes.Equal(body, data[tt.start:tt.end]) {
				t.Errorf("body: %d bytes, want data[%d:%d]", len(body), tt.start, tt.end)
			}
		})
	}
}

// TestRangeReads reads byte ranges with Seek+Read and with io.NewSectionReader.
func TestRangeReads(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	id := testID(1)
	data := randomBytes(3*chunkSize, 3)
	put(t, s, id, data)
	b, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	tests := []struct{ off, n int64 }{
		{0, 1}, {1, 100}, {chunkSize - 1, 2}, {int64(len(data)) - 7, 7}, {int64(len(data)), 0},
	}
	for _, tt := range tests {
		want := data[tt.off : tt.off+tt.n]
		got, err := io.ReadAll(io.NewSectionReader(b, tt.off, tt.n))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("section %d+%d: %d bytes, %v", tt.off, tt.n, len(got), err)
		}
		if pos, err := b.Seek(tt.off, io.SeekStart); err != nil || pos != tt.off {
			t.Fatalf("Seek(%d) = %d, %v", tt.off, pos, err)
		}
		got = make([]byte, tt.n)
		if _, err := io.ReadFull(b, got); err != nil || !bytes.Equal(got, want) {
			t.Errorf("seek+read %d+%d: %v", tt.off, tt.n, err)
		}
	}
}

func TestDeleteIdempotent(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	kept, gone := testID(1), testID(2)
	put(t, s, kept, []byte("stays"))
	put(t, s, gone, []byte("goes"))
	for i := range 3 { // present, then already deleted, then again
		if err := s.Delete(gone); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
		if _, err := s.Stat(gone); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat after Delete #%d: %v, want ErrNotFound", i+1, err)
		}
	}
	if err := s.Delete("NeverStoredAnyIdX"); err != nil { // its shard does not exist either
		t.Errorf("Delete of a never stored id: %v", err)
	}
	if _, err := s.Stat(kept); err != nil {
		t.Errorf("other blob: %v", err)
	}
}

// TestOpenBlobSurvivesDelete checks that an open Blob keeps reading its data.
func TestOpenBlobSurvivesDelete(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	id := testID(1)
	put(t, s, id, []byte("still here"))
	b, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := s.Delete(id); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(b); err != nil || string(got) != "still here" {
		t.Errorf("read %q, %v after Delete", got, err)
	}
}
