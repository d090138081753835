package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// chunkSize is the size of the buffer Put copies through; ctx is checked once per chunk.
const chunkSize = 64 << 10

// Put stores the data read from r as the blob id, replacing any blob of that id, and
// returns its size. A maxSize below zero means no limit. (It computes no digest: none
// is needed, and hashing was a third of an upload's CPU.)
//
// The write is atomic: on an error, including ErrTooLarge when r yields more than
// maxSize bytes and ctx's error when ctx is done between chunks, no trace is left and a
// previous blob of that id is untouched; the one exception is a failed fsync of the
// directory after the rename, when the new blob is in place but may not survive a
// crash. When several Puts of one id race, the blob ends up holding exactly one of
// their data.
func (s *Store) Put(ctx context.Context, id string, r io.Reader, maxSize int64) (size int64, err error) {
	final, err := s.path(id)
	if err != nil {
		return 0, err
	}
	dir := s.shardDir(id)
	if err := os.Mkdir(dir, 0o700); err == nil {
		if err := syncDir(s.dir); err != nil {
			return 0, fmt.Errorf("files: put: %w", err)
		}
	} else if !errors.Is(err, fs.ErrExist) {
		return 0, fmt.Errorf("files: put: %w", err)
	}

	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return 0, fmt.Errorf("files: put: %w", err)
	}
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	size, err = copyChunks(ctx, tmp, r, maxSize)
	if err != nil {
		return 0, err
	}
	if err := tmp.Sync(); err != nil {
		return 0, fmt.Errorf("files: put: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("files: put: %w", err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return 0, fmt.Errorf("files: put: %w", err)
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		return 0, fmt.Errorf("files: put: %w", err)
	}
	return size, nil
}

// copyChunks copies src to dst until EOF, checking ctx before each chunk and failing
// with ErrTooLarge as soon as more than maxSize bytes (when maxSize >= 0) have been read.
func copyChunks(ctx context.Context, dst io.Writer, src io.Reader, maxSize int64) (int64, error) {
	buf := make([]byte, chunkSize)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, rerr := src.Read(buf)
		n += int64(m)
		if maxSize >= 0 && n > maxSize {
			return n, ErrTooLarge
		}
		if _, err := dst.Write(buf[:m]); err != nil {
			return n, fmt.Errorf("files: put: %w", err)
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, fmt.Errorf("files: put: read: %w", rerr)
		}
	}
}
