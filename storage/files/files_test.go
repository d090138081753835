package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	_ io.ReadSeekCloser = (*Blob)(nil)
	_ io.ReaderAt       = (*Blob)(nil)
)

// newStore opens a store in a fresh temporary directory.
func newStore(t testing.TB) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "files"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testID returns the valid id number n.
func testID(n int) string { return fmt.Sprintf("Blob%013d", n) }

// put stores data as id with no size limit.
func put(t testing.TB, s *Store, id string, data []byte) {
	t.Helper()
	if _, err := s.Put(context.Background(), id, strings.NewReader(string(data)), -1); err != nil {
		t.Fatalf("Put(%q): %v", id, err)
	}
}

// listFiles returns the slash-separated paths of every regular file under dir, sorted.
func listFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestOpenCreatesPrivateDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "files")
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("store dir: mode %v, want a directory with 0700", fi.Mode())
	}
}

func TestInvalidIDs(t *testing.T) {
	t.Parallel()
	valid := strings.Repeat("a", baseIDLen)
	tests := []struct {
		name string
		id   string
	}{
		{"empty", ""},
		{"parent", "../x"},
		{"parent padded", "../" + valid},
		{"slash", "a/b"},
		{"slash padded", valid + "/b"},
		{"absolute", "/etc/passwd"},
		{"absolute padded", "/" + valid},
		{"backslash", valid + `\x`},
		{"NUL", valid + "\x00"},
		{"NUL inside", "abcdefgh\x00ijklmnopq"},
		{"too short", valid[1:]},
		{"too long", strings.Repeat("a", maxIDLen+1)},
		{"dot", valid + ".png"},
		{"dot dot", ".." + valid},
		{"temp name", tempPrefix + valid},
		{"dash in head", "-" + valid},
		{"underscore in head", "abc_" + valid},
		{"space", valid + " x"},
		{"non-ASCII", valid + "é"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			ctx := context.Background()
			if _, err := s.Put(ctx, tt.id, strings.NewReader("x"), -1); !errors.Is(err, ErrInvalidID) {
				t.Errorf("Put: %v, want ErrInvalidID", err)
			}
			if _, err := s.Open(tt.id); !errors.Is(err, ErrInvalidID) {
				t.Errorf("Open: %v, want ErrInvalidID", err)
			}
			if _, err := s.Stat(tt.id); !errors.Is(err, ErrInvalidID) {
				t.Errorf("Stat: %v, want ErrInvalidID", err)
			}
			if err := s.Delete(tt.id); !errors.Is(err, ErrInvalidID) {
				t.Errorf("Delete: %v, want ErrInvalidID", err)
			}
			if entries, _ := os.ReadDir(s.dir); len(entries) != 0 {
				t.Errorf("store dir not empty after rejected calls: %v", entries)
			}
		})
	}
}

func TestValidIDs(t *testing.T) {
	t.Parallel()
	tests := []string{
		"AbCdEfGhJkLmNpQrS",
		"0123456789abcdefg",
		"AbCdEfGhJkLmNpQrS-thumb",
		"AbCdEfGhJkLmNpQrS_480p",
		"AbCdEfGhJkLmNpQrS--__",
		strings.Repeat("Z", maxIDLen),
	}
	for _, id := range tests {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			put(t, s, id, []byte("x"))
			want := []string{id[:shardLen] + "/" + id}
			if got := listFiles(t, s.dir); !slices.Equal(got, want) {
				t.Errorf("files = %v, want %v", got, want)
			}
		})
	}
}

func TestSize(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := context.Background()
	if n, err := s.Size(ctx); err != nil || n != 0 {
		t.Fatalf("empty store: Size = %d, %v; want 0", n, err)
	}
	var want int64
	for i, n := range []int{0, 1, 1000, 70000} {
		put(t, s, testID(i), make([]byte, n))
		want += int64(n)
	}
	// A temporary file of an unfinished Put is not counted.
	tmp := filepath.Join(s.dir, "Bl", tempPrefix+"123")
	if err := os.WriteFile(tmp, make([]byte, 5000), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Size(ctx); err != nil || got != want {
		t.Errorf("Size = %d, %v; want %d", got, err, want)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Size(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("Size with canceled ctx: %v, want context.Canceled", err)
	}
}

func TestOpenRemovesStaleTemps(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	blob := testID(1)
	put(t, s, blob, []byte("keep me"))
	shard := s.shardDir(blob)
	old := time.Now().Add(-2 * time.Hour)
	files := []struct {
		name string
		age  time.Time
		kept bool
	}{
		{blob, old, true},                        // an old blob is data, not a temp
		{tempPrefix + "stale", old, false},       // abandoned more than an hour ago
		{tempPrefix + "fresh", time.Now(), true}, // may belong to a Put in progress
	}
	for _, f := range files {
		p := filepath.Join(shard, f.name)
		if f.name != blob {
			if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(p, f.age, f.age); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Open(s.dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		_, err := os.Stat(filepath.Join(shard, f.name))
		if kept := err == nil; kept != f.kept {
			t.Errorf("%s: kept = %v, want %v (%v)", f.name, kept, f.kept, err)
		}
	}
}
