package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads"
	"github.com/outpostchat/outpost/storage/files"
)

// uploadBlobs adapts the blob store to uploads.Blobs, mapping its errors to the ones
// the service knows (app packages may not import storage).
type uploadBlobs struct{ s *files.Store }

func (b uploadBlobs) Put(ctx context.Context, id string, r io.Reader, maxSize int64) (int64, error) {
	n, err := b.s.Put(ctx, id, r, maxSize)
	switch {
	case errors.Is(err, files.ErrTooLarge):
		return n, uploads.ErrTooLarge
	case errors.Is(err, files.ErrNoSpace):
		return n, fmt.Errorf("%w: %w", uploads.ErrNoSpace, err)
	}
	return n, err
}

func (b uploadBlobs) Open(id string) (uploads.Blob, time.Time, error) {
	blob, err := b.s.Open(id)
	if errors.Is(err, files.ErrNotFound) || errors.Is(err, files.ErrInvalidID) {
		return nil, time.Time{}, model.ErrNotFound
	} else if err != nil {
		return nil, time.Time{}, err
	}
	return blob, blob.ModTime, nil
}

func (b uploadBlobs) Delete(id string) error { return b.s.Delete(id) }
