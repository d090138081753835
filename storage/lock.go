package storage

import "io"

// Lock takes the data directory's lock, as Open does, for a command that changes the
// directory without opening the store (`outpost restore`). It fails with an error
// wrapping ErrLocked while a server or another command holds it. Close releases it.
func Lock(dir string) (io.Closer, error) {
	return lockDir(dir)
}
