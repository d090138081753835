package docdb_test

import (
	"testing"

	"github.com/outpostchat/outpost/storage"
)

// openStore opens a real data directory in a temp dir, FerretDB included.
func openStore(t testing.TB) *storage.Store {
	t.Helper()
	dir, err := mkShortTemp(t)
	if err != nil {
		t.Fatal(err)
	}
	s, err := openAt(t, dir)
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
