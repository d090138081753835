// Package files is Outpost's local blob store for uploads, avatars and recordings,
// kept under the data directory (<data>/files).
//
// Blobs are addressed by ids, never by paths: every id is checked by a strict rule (see
// [Store]) before it is joined to the store's directory, so no user input ever reaches the
// file system as a path. A blob with id "AbCdEfGhJkLmNpQrS" lives in
// <dir>/Ab/AbCdEfGhJkLmNpQrS: the first two characters pick one of a few thousand
// sub-directories, so no directory holds millions of entries.
//
// Writes are atomic: [Store.Put] streams into a temporary file beside the final one,
// fsyncs it, renames it over the final name and fsyncs the directory, so a reader sees
// either the old blob, the new one or none, never a torn file.
package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// Errors returned by the store; match them with errors.Is.
var (
	// ErrInvalidID reports an id that does not follow the rule documented on Store.
	ErrInvalidID = errors.New("files: invalid blob id")
	// ErrNotFound reports a missing blob. It wraps fs.ErrNotExist.
	ErrNotFound = fmt.Errorf("files: blob not found: %w", fs.ErrNotExist)
	// ErrTooLarge reports data longer than the maximum size given to Put.
	ErrTooLarge = errors.New("files: blob too large")
	// ErrNoSpace reports a Put that failed because the disk (or the disk quota) is
	// full; it wraps the system's error.
	ErrNoSpace = errors.New("files: no space left on the disk")
)

const (
	// baseIDLen is the length of a Meteor id, the mandatory alphanumeric head of an id.
	baseIDLen = 17
	// maxIDLen bounds an id, head and variant suffix together.
	maxIDLen = 64
	// shardLen is how many leading id characters name the sub-directory.
	shardLen = 2
	// tempPrefix starts every temporary file name; '.' never occurs in a valid id.
	tempPrefix = ".tmp-"
	// staleAfter is the age past which Open removes a leftover temporary file.
	staleAfter = time.Hour
)

// Store is a directory of blobs. It holds no open files and is safe for concurrent use.
//
// A valid id is 17 to 64 bytes long; its first 17 bytes are ASCII letters or digits
// ([0-9A-Za-z], as in a Meteor id) and the rest may also contain '-' and '_', for
// variants of one blob such as "<id>-thumb". Ids are case-sensitive, so the directory
// should sit on a case-sensitive file system.
type Store struct {
	dir         string
	writeFilter atomic.Pointer[func(io.Writer) io.Writer] // SetWriteFilter
}

// Open opens the store in dir, creating the directory (mode 0700) if needed, and removes
// temporary files left more than an hour ago by writes that never finished.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("files: create store: %w", err)
	}
	s := &Store{dir: dir}
	if err := s.removeStaleTemps(time.Now().Add(-staleAfter)); err != nil {
		return nil, err
	}
	return s, nil
}

// validID reports whether id follows the rule documented on Store.
func validID(id string) bool {
	if len(id) < baseIDLen || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case (c == '-' || c == '_') && i >= baseIDLen:
		default:
			return false
		}
	}
	return true
}

// shardDir returns the sub-directory that holds the blob with the valid id.
func (s *Store) shardDir(id string) string {
	return filepath.Join(s.dir, id[:shardLen])
}

// path returns the file name of the blob with id, or ErrInvalidID.
func (s *Store) path(id string) (string, error) {
	if !validID(id) {
		return "", ErrInvalidID
	}
	return filepath.Join(s.shardDir(id), id), nil
}

// shards lists the sub-directories of the store.
func (s *Store) shards() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("files: list store: %w", err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && len(e.Name()) == shardLen {
			dirs = append(dirs, filepath.Join(s.dir, e.Name()))
		}
	}
	return dirs, nil
}

// removeStaleTemps deletes temporary files last modified before cutoff.
func (s *Store) removeStaleTemps(cutoff time.Time) error {
	dirs, err := s.shards()
	if err != nil {
		return err
	}
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("files: clean temps: %w", err)
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), tempPrefix) {
				continue
			}
			info, err := e.Info()
			if err != nil || !info.ModTime().Before(cutoff) {
				continue // vanished meanwhile, or still fresh
			}
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("files: clean temps: %w", err)
			}
		}
	}
	return nil
}

// Size returns the total size in bytes of all blobs, walking the whole store; temporary
// files are not counted. It stops early with ctx's error when ctx is done.
func (s *Store) Size(ctx context.Context) (int64, error) {
	dirs, err := s.shards()
	if err != nil {
		return 0, err
	}
	var total int64
	for _, dir := range dirs {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return 0, fmt.Errorf("files: size: %w", err)
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !validID(e.Name()) {
				continue
			}
			if info, err := e.Info(); err == nil { // a blob deleted meanwhile counts nothing
				total += info.Size()
			}
		}
	}
	return total, nil
}

// syncDir fsyncs a directory so the entries created, renamed or removed in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
