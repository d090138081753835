package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// Info describes a stored blob.
type Info struct {
	Size    int64     // length in bytes
	ModTime time.Time // when the blob was written
}

// Blob is an open stored blob: it reads and seeks like a file, so it can be handed to
// http.ServeContent (with Info.ModTime) for range requests, and io.NewSectionReader
// reads any byte range of it. The caller must Close it. It keeps reading the data it
// was opened on even if the blob is replaced or deleted meanwhile.
type Blob struct {
	Info
	f *os.File
}

// Open opens the blob id for reading. It returns ErrNotFound when there is none.
func (s *Store) Open(id string) (*Blob, error) {
	p, err := s.path(id)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, notFound(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("files: open: %w", err)
	}
	return &Blob{Info: Info{Size: fi.Size(), ModTime: fi.ModTime()}, f: f}, nil
}

// Stat describes the blob id without opening it. It returns ErrNotFound when there is
// none.
func (s *Store) Stat(id string) (Info, error) {
	p, err := s.path(id)
	if err != nil {
		return Info{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return Info{}, notFound(err)
	}
	return Info{Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// Delete removes the blob id. Deleting a missing blob is not an error.
func (s *Store) Delete(id string) error {
	p, err := s.path(id)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("files: delete: %w", err)
	}
	if err := syncDir(s.shardDir(id)); err != nil {
		return fmt.Errorf("files: delete: %w", err)
	}
	return nil
}

// notFound maps a missing file to ErrNotFound and wraps any other error.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	return fmt.Errorf("files: %w", err)
}

// Read reads up to len(p) bytes from the current offset.
func (b *Blob) Read(p []byte) (int, error) { return b.f.Read(p) }

// ReadAt reads len(p) bytes from offset off, independent of the current offset.
func (b *Blob) ReadAt(p []byte, off int64) (int, error) { return b.f.ReadAt(p, off) }

// Seek sets the offset for the next Read, as io.Seeker describes.
func (b *Blob) Seek(offset int64, whence int) (int64, error) { return b.f.Seek(offset, whence) }

// Close releases the blob.
func (b *Blob) Close() error { return b.f.Close() }
