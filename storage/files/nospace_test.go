package files

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"syscall"
	"testing"
)

// fullDisk is a writer over a file on a disk with room for only `room` more bytes:
// past them every write fails with ENOSPC, as write(2) does on a full disk.
type fullDisk struct {
	w    io.Writer
	room int64
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if int64(len(p)) > d.room {
		n, _ := d.w.Write(p[:d.room])
		d.room = 0
		return n, &osPathError{syscall.ENOSPC}
	}
	d.room -= int64(len(p))
	return d.w.Write(p)
}

// osPathError wraps an errno as os.File.Write does (a *PathError).
type osPathError struct{ errno syscall.Errno }

func (e *osPathError) Error() string { return "write /files/.tmp-x: " + e.errno.Error() }
func (e *osPathError) Unwrap() error { return e.errno }

// TestPutDiskFull: when the disk fills up during a Put, it fails with ErrNoSpace
// (still matching ENOSPC), leaves no temporary file nor blob and keeps a previous
// blob of the id; once there is room again, Puts work.
func TestPutDiskFull(t *testing.T) {
	t.Parallel()
	for _, room := range []int64{0, 1000, 3*chunkSize + 5} {
		s := newStore(t)
		old, fresh := testID(1), testID(2)
		put(t, s, old, []byte("old data"))
		before := listFiles(t, s.dir)
		s.SetWriteFilter(func(w io.Writer) io.Writer { return &fullDisk{w: w, room: room} })
		data := randomBytes(4*chunkSize, 9)
		for _, id := range []string{old, fresh} {
			_, err := s.Put(context.Background(), id, bytes.NewReader(data), -1)
			if !errors.Is(err, ErrNoSpace) || !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("room %d, Put(%s): %v, want ErrNoSpace wrapping ENOSPC", room, id, err)
			}
		}
		if after := listFiles(t, s.dir); !slices.Equal(after, before) {
			t.Errorf("room %d: files after failed Puts = %v, want %v", room, after, before)
		}
		if _, err := s.Stat(fresh); !errors.Is(err, ErrNotFound) {
			t.Errorf("room %d: new blob: %v", room, err)
		}
		s.SetWriteFilter(nil)
		put(t, s, fresh, data)
		b, err := s.Open(fresh)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(b)
		b.Close()
		if !bytes.Equal(got, data) {
			t.Errorf("room %d: the Put after space came back stored %d bytes", room, len(got))
		}
	}
}

// TestPutOtherWriteErrors: a write error that is not a full disk is not ErrNoSpace.
func TestPutOtherWriteErrors(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	s.SetWriteFilter(func(io.Writer) io.Writer { return failWriter{syscall.EIO} })
	_, err := s.Put(context.Background(), testID(1), bytes.NewReader([]byte("x")), -1)
	if !errors.Is(err, syscall.EIO) || errors.Is(err, ErrNoSpace) {
		t.Fatalf("Put: %v, want EIO and not ErrNoSpace", err)
	}
	if files := listFiles(t, s.dir); len(files) != 0 {
		t.Errorf("left %v", files)
	}
}

type failWriter struct{ err error }

func (w failWriter) Write([]byte) (int, error) { return 0, w.err }

// TestPutLargeWithWriteback: a Put long enough to hint writeback several times
// stores every byte.
func TestPutLargeWithWriteback(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	data := randomBytes(2*writebackEvery+chunkSize/2+7, 4)
	put(t, s, testID(1), data)
	b, err := s.Open(testID(1))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got, _ := io.ReadAll(b); !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, want %d", len(got), len(data))
	}
}
