package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"syscall"
)

const (
	// chunkSize is the buffer Put copies through: one write system call per chunk (ctx
	// is checked once per chunk). The reader usually fills it in several reads.
	chunkSize = 256 << 10
	// writebackEvery is how many written bytes Put lets pass between two hints to start
	// writing them to the disk (startWriteback).
	writebackEvery = 8 << 20
)

// chunks recycles Put's buffers: an upload holds one chunk and makes no garbage.
var chunks = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

// Put stores the data read from r as the blob id, replacing any blob of that id, and
// returns its size. A maxSize below zero means no limit. (It computes no digest: none
// is needed, and hashing was a third of an upload's CPU.)
//
// The write is atomic: on an error, including ErrTooLarge when r yields more than
// maxSize bytes, ErrNoSpace when the disk is full, and ctx's error when ctx is done
// between chunks, no trace is left and a previous blob of that id is untouched; the
// one exception is a failed fsync of the directory after the rename, when the new
// blob is in place but may not survive a crash. When several Puts of one id race, the
// blob ends up holding exactly one of their data.
func (s *Store) Put(ctx context.Context, id string, r io.Reader, maxSize int64) (size int64, err error) {
	size, err = s.put(ctx, id, r, maxSize)
	if isNoSpace(err) {
		err = fmt.Errorf("%w: %w", ErrNoSpace, err)
	}
	return size, err
}

func (s *Store) put(ctx context.Context, id string, r io.Reader, maxSize int64) (size int64, err error) {
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

	var w io.Writer = tmp
	if f := s.writeFilter.Load(); f != nil {
		w = (*f)(w)
	}
	size, err = copyChunks(ctx, w, r, maxSize, func(off, n int64) { startWriteback(tmp, off, n) })
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

// SetWriteFilter makes every Put from now on write through fn(file) instead of the
// temporary file itself; nil removes it. It is the hook through which tests make the
// disk fail (a writer that answers ENOSPC after some bytes); a Put already running
// keeps its writer.
func (s *Store) SetWriteFilter(fn func(io.Writer) io.Writer) {
	if fn == nil {
		s.writeFilter.Store(nil)
		return
	}
	s.writeFilter.Store(&fn)
}

// isNoSpace reports whether err says the disk (or the user's disk quota) is full.
func isNoSpace(err error) bool {
	return err != nil && !errors.Is(err, ErrNoSpace) && (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT))
}

// copyChunks copies src to dst until EOF in writes of up to chunkSize bytes, checking
// ctx before each chunk and failing with ErrTooLarge as soon as more than maxSize
// bytes (when maxSize >= 0) have been read, before writing them. Each time another
// writebackEvery bytes are written it calls flush with the range written since the
// previous call. (Reading and writing on two goroutines was tried: on a 2-core
// machine shared with the client it was no faster.)
func copyChunks(ctx context.Context, dst io.Writer, src io.Reader, maxSize int64, flush func(off, n int64)) (int64, error) {
	bp := chunks.Get().(*[]byte)
	defer chunks.Put(bp)
	buf := *bp
	var n, flushed int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, rerr := readChunk(src, buf)
		n += int64(m)
		if maxSize >= 0 && n > maxSize {
			return n, ErrTooLarge
		}
		if m > 0 {
			if _, err := dst.Write(buf[:m]); err != nil {
				return n, fmt.Errorf("files: put: %w", err)
			}
		}
		if n-flushed >= writebackEvery {
			flush(flushed, n-flushed)
			flushed = n
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, fmt.Errorf("files: put: read: %w", rerr)
		}
	}
}

// readChunk reads from r until buf is full, r ends or fails: a network body or a
// multipart part gives a few KiB a read, and writing each as it comes would cost a
// system call per few KiB. It returns io.EOF only with the last bytes or none.
func readChunk(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
