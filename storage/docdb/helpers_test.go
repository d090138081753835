package docdb_test

import (
	"os"
	"testing"
)

// mkShortTemp makes a temp dir with a short path: Unix socket paths are limited to 108
// bytes, and t.TempDir's paths grow with the test name.
func mkShortTemp(t testing.TB) (string, error) {
	dir, err := os.MkdirTemp("", "op")
	if err != nil {
		return "", err
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir, nil
}
