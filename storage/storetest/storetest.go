// Package storetest opens a real, empty data directory for tests: the embedded store
// with FerretDB, never a mock of it.
package storetest

import (
	"context"
	"log/slog"
	"os"
	"testing"

	"github.com/outpostchat/outpost/storage"
)

// Open opens a fresh store in a temp dir and closes it when the test ends. The dir's
// path is short because the Mongo Unix socket path may not exceed 108 bytes.
func Open(t testing.TB) *storage.Store {
	t.Helper()
	dir, err := os.MkdirTemp("", "op")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s, err := storage.Open(context.Background(), storage.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}
