// Package storage opens everything Outpost keeps under its data directory (DESIGN.md §3):
// the document store, the Mongo wire face over it, and the blob store, guarded by a lock
// so that two processes never share one data directory.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/storage/files"
	"github.com/outpostchat/outpost/storage/mongowire"
)

// Options configure Open.
type Options struct {
	Dir         string // the data directory
	MongoListen string // optional TCP address for the Mongo wire face, besides the socket
	Logger      *slog.Logger
}

// Store is an open data directory.
type Store struct {
	Dir   string
	Docs  *docdb.DB
	Mongo *mongowire.Server
	Files *files.Store
	lock  *os.File
}

// ErrLocked means another process is using the data directory.
var ErrLocked = errors.New("data directory is in use by another Outpost process")

// Open prepares the data directory, takes its lock, starts the Mongo wire face, makes
// sure every collection and index exists and opens the document and blob stores.
func Open(ctx context.Context, o Options) (_ *Store, err error) {
	for _, d := range []string{o.Dir, filepath.Join(o.Dir, "db"), filepath.Join(o.Dir, "files"), filepath.Join(o.Dir, "recordings"), filepath.Join(o.Dir, "backups")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	s := &Store{Dir: o.Dir}
	s.lock, err = lockDir(o.Dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	s.Mongo, err = mongowire.Start(mongowire.Config{
		Dir:    filepath.Join(o.Dir, "db"),
		Socket: filepath.Join(o.Dir, "mongo.sock"),
		TCP:    o.MongoListen,
		Logger: o.Logger,
	})
	if err != nil {
		return nil, err
	}
	if err = s.Mongo.EnsureSchema(ctx, docdb.Schema); err != nil {
		return nil, err
	}
	s.Docs, err = docdb.Open(ctx, filepath.Join(o.Dir, "db"), o.Logger)
	if err != nil {
		return nil, err
	}
	s.Files, err = files.Open(filepath.Join(o.Dir, "files"))
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Close closes the document store (checkpointing its WAL), stops the Mongo wire face and
// releases the lock.
func (s *Store) Close() error {
	var errs []error
	if s.Docs != nil {
		errs = append(errs, s.Docs.Close())
	}
	if s.Mongo != nil {
		errs = append(errs, s.Mongo.Close())
	}
	if s.lock != nil {
		errs = append(errs, s.lock.Close()) // closing the file drops the flock
	}
	return errors.Join(errs...)
}

func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "outpost.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", dir, ErrLocked)
		}
		return nil, err
	}
	_ = f.Truncate(0)
	_, _ = fmt.Fprintf(f, "%d\n", os.Getpid())
	return f, nil
}
