package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// randomBytes returns n pseudo-random bytes, the same for the same seed.
func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	r.Read(b)
	return b
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"chunk", chunkSize},
		{"chunk plus three", chunkSize + 3},
		{"one MiB", 1 << 20},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			id := testID(i)
			data := randomBytes(tt.size, uint64(i))
			size, err := s.Put(context.Background(), id, bytes.NewReader(data), int64(tt.size))
			if err != nil {
				t.Fatal(err)
			}
			if size != int64(tt.size) {
				t.Errorf("Put = %d; want %d", size, tt.size)
			}
			b, err := s.Open(id)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			got, err := io.ReadAll(b)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Errorf("read back %d bytes differing from the %d written", len(got), len(data))
			}
			info, err := s.Stat(id)
			if err != nil {
				t.Fatal(err)
			}
			if b.Size != int64(tt.size) || info != b.Info {
				t.Errorf("Blob.Info = %+v, Stat = %+v; want size %d in both", b.Info, info, tt.size)
			}
			fi, err := os.Stat(filepath.Join(s.shardDir(id), id))
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("blob file: %v, %v; want mode 0600", fi, err)
			}
		})
	}
}

func TestPutReplaces(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	id := testID(1)
	put(t, s, id, []byte("first version, longer"))
	put(t, s, id, []byte("second"))
	b, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got, _ := io.ReadAll(b); string(got) != "second" {
		t.Errorf("read %q, want %q", got, "second")
	}
}

// failingReader yields n bytes and then fails with err.
type failingReader struct {
	n   int
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	m := min(len(p), r.n)
	r.n -= m
	return m, nil
}

// cancelingReader yields data endlessly and calls cancel after its first read.
type cancelingReader struct {
	cancel context.CancelFunc
	reads  int
}

func (r *cancelingReader) Read(p []byte) (int, error) {
	r.reads++
	if r.reads == 1 {
		r.cancel()
	}
	if r.reads > 100 {
		return 0, errors.New("read on after cancellation")
	}
	return len(p), nil
}

// TestPutFailureLeavesNoTrace checks that a failed Put leaves neither a temp file nor a
// new blob, and keeps the previous blob of the same id intact.
func TestPutFailureLeavesNoTrace(t *testing.T) {
	t.Parallel()
	errRead := errors.New("connection reset")
	tests := []struct {
		name    string
		reader  func(cancel context.CancelFunc) io.Reader
		max     int64
		wantErr error
	}{
		{"one byte over", func(context.CancelFunc) io.Reader { return bytes.NewReader(make([]byte, 11)) }, 10, ErrTooLarge},
		{"far over", func(context.CancelFunc) io.Reader { return &failingReader{n: 10 << 20, err: io.EOF} }, chunkSize, ErrTooLarge},
		{"zero limit", func(context.CancelFunc) io.Reader { return bytes.NewReader([]byte("x")) }, 0, ErrTooLarge},
		{"read error", func(context.CancelFunc) io.Reader { return &failingReader{n: 3 * chunkSize, err: errRead} }, -1, errRead},
		{"canceled mid-stream", func(c context.CancelFunc) io.Reader { return &cancelingReader{cancel: c} }, -1, context.Canceled},
		{"canceled before", func(c context.CancelFunc) io.Reader { c(); return bytes.NewReader([]byte("x")) }, -1, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			old, fresh := testID(1), testID(2)
			put(t, s, old, []byte("old data"))
			before := listFiles(t, s.dir)
			for _, id := range []string{old, fresh} {
				ctx, cancel := context.WithCancel(context.Background())
				_, err := s.Put(ctx, id, tt.reader(cancel), tt.max)
				cancel()
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("Put(%s): %v, want %v", id, err, tt.wantErr)
				}
			}
			if after := listFiles(t, s.dir); !slices.Equal(after, before) {
				t.Errorf("files after failed Puts = %v, want %v", after, before)
			}
			if _, err := s.Stat(fresh); !errors.Is(err, ErrNotFound) {
				t.Errorf("Stat(new id): %v, want ErrNotFound", err)
			}
			b, err := s.Open(old)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if got, _ := io.ReadAll(b); string(got) != "old data" {
				t.Errorf("previous blob now reads %q", got)
			}
		})
	}
}

func TestPutExactLimit(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	if n, err := s.Put(context.Background(), testID(1), bytes.NewReader(make([]byte, 10)), 10); err != nil || n != 10 {
		t.Errorf("Put of exactly maxSize: %d, %v; want 10, nil", n, err)
	}
}

// TestConcurrentPutSameID races writers of one id against readers: every read must see
// one writer's complete data, and the end state is one complete blob and no temp file.
func TestConcurrentPutSameID(t *testing.T) {
	t.Parallel()
	const writers, size = 8, 3*chunkSize + 17
	s := newStore(t)
	id := testID(1)
	versions := make([][]byte, writers)
	for i := range versions {
		versions[i] = bytes.Repeat([]byte{byte('A' + i)}, size)
	}
	complete := func(got []byte) bool {
		return slices.ContainsFunc(versions, func(v []byte) bool { return bytes.Equal(got, v) })
	}
	put(t, s, id, versions[0])

	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 2*writers)
	for i := range writers {
		wg.Go(func() {
			<-start
			if _, err := s.Put(context.Background(), id, bytes.NewReader(versions[i]), -1); err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			<-start
			for range 20 {
				b, err := s.Open(id)
				if err != nil {
					errs <- err
					return
				}
				got, err := io.ReadAll(b)
				b.Close()
				if err != nil || !complete(got) || b.Size != size {
					errs <- fmt.Errorf("torn read: %d bytes, size %d, %v", len(got), b.Size, err)
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	b, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got, _ := io.ReadAll(b); !complete(got) {
		t.Errorf("final blob is not one writer's data (%d bytes)", len(got))
	}
	if files := listFiles(t, s.dir); len(files) != 1 {
		t.Errorf("files = %v, want only the blob", files)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	put(t, s, testID(1), []byte("x")) // same shard, other id
	if _, err := s.Open(testID(2)); !errors.Is(err, ErrNotFound) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open: %v, want ErrNotFound wrapping fs.ErrNotExist", err)
	}
	if _, err := s.Stat("ZZZZZZZZZZZZZZZZZ"); !errors.Is(err, ErrNotFound) { // shard missing too
		t.Errorf("Stat: %v, want ErrNotFound", err)
	}
}
