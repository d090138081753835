package uploads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// ReceiveInput is a file arriving for a room. Sniffed is the type the web layer read
// from the first 512 bytes, Claimed the client's Content-Type; Body yields the whole
// file, those first bytes included. Content is the E2E key data of an encrypted file
// (rooms.media's content field), kept as given.
type ReceiveInput struct {
	RID     string
	Name    string
	Claimed string
	Sniffed string
	Body    io.Reader
	Content map[string]any
}

// CheckRoom is the check an upload to rid passes before any byte is read: the actor
// may read the room (else Forbidden, as rooms.media answers), uploads are enabled,
// and in a direct message FileUpload_Enabled_Direct is on. The web layer calls it
// first, so a refused upload costs no disk.
func (s *Service) CheckRoom(ctx context.Context, actor model.Actor, rid string) (model.Room, error) {
	if actor.IsAnonymous() {
		return model.Room{}, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	if rid == "" {
		return model.Room{}, model.Invalid("error-invalid-room", "Invalid room")
	}
	room, _, err := s.rooms.Access(ctx, actor, rid)
	if err != nil {
		if e := model.AsError(err); e.Kind == model.KindNotFound || e.Kind == model.KindForbidden {
			return model.Room{}, model.Forbidden("error-not-allowed")
		}
		return model.Room{}, err
	}
	if !s.config.Bool("FileUpload_Enabled") {
		return model.Room{}, model.Invalid("error-file-upload-disabled", "File upload is disabled")
	}
	if room.T == model.RoomDirect && !s.config.Bool("FileUpload_Enabled_Direct") {
		return model.Room{}, model.Invalid("error-direct-message-file-upload-not-allowed", "File sharing not allowed in direct messages")
	}
	return room, nil
}

// errTooLarge is Rocket.Chat's error-file-too-large.
func errTooLarge(max int64) error {
	return model.Invalid("error-file-too-large", fmt.Sprintf("File exceeds allowed size of %d bytes", max))
}

// errNoFile is rooms.media's answer to a request without a file.
var errNoFile = model.Invalid("error-no-file-uploaded", "No file was uploaded")

// ErrNoFile is the error for a multipart request without its file part.
func ErrNoFile() error { return errNoFile }

// Receive stores a file for a room and its upload document, as rooms.media does: the
// document waits for Confirm (expiresAt now + 24 h) and only its uploader sees the
// file meanwhile. The content type is decided by ResolveType and checked against the
// white and black lists before any byte is written; the size (FileUpload_MaxFileSize)
// and the actor's daily quota (quota.go) are checked while the bytes stream to disk.
// On any failure, a full disk included, nothing is left behind.
func (s *Service) Receive(ctx context.Context, actor model.Actor, in ReceiveInput) (Upload, error) {
	room, err := s.CheckRoom(ctx, actor, in.RID)
	if err != nil {
		return Upload{}, err
	}
	if in.Body == nil {
		return Upload{}, errNoFile
	}
	typ := ResolveType(in.Sniffed, in.Claimed)
	if !typeAllowed(typ, s.config.String("FileUpload_MediaTypeWhiteList"), s.config.String("FileUpload_MediaTypeBlackList")) {
		return Upload{}, model.Invalid("error-invalid-file-type", "File type is not accepted")
	}
	name := CleanName(in.Name)
	max := s.MaxFileSize()
	quota, left, err := s.quotaLeft(ctx, actor)
	if err != nil {
		return Upload{}, err
	}
	if quota > 0 && left == 0 {
		return Upload{}, errQuota(quota)
	}
	// The blob store stops at the smaller of the two limits, whatever the client said
	// the size was.
	limit, byQuota := max, false
	if left >= 0 && (limit < 0 || left < limit) {
		limit, byQuota = left, true
	}
	id := model.NewID()
	body := &readTracker{r: in.Body}
	size, err := s.blobs.Put(ctx, id, body, limit)
	if err != nil {
		return Upload{}, s.putError(ctx, err, body, max, quota, byQuota)
	}
	now := s.stamp()
	expires := now.Add(TempLifetime)
	p := FilePath(id, name)
	u := Upload{
		ID: id, Name: name, Size: size, Type: typ, Extension: extension(name), RID: room.ID, UserID: actor.UserID,
		Store: StoreName, Complete: true, Uploading: false, Progress: 1, Etag: model.NewID(),
		Path: p, URL: strings.TrimRight(s.config.String("Site_Url"), "/") + p, UploadedAt: now,
		TypeGroup: typeGroup(typ), Content: in.Content, ExpiresAt: &expires, UpdatedAt: now,
	}
	if err := s.insertWithinQuota(ctx, u, quota); err != nil {
		s.deleteBlob(id)
		return Upload{}, model.AsError(err)
	}
	return u, nil
}

// putError explains why Blobs.Put failed: the file passed the size limit (max) or
// the daily quota (when byQuota: the quota was the smaller limit), the client's body
// failed or ended early, the request was canceled, or the disk is full (logged: the
// administrator must act). Anything else is internal.
func (s *Service) putError(ctx context.Context, err error, body *readTracker, max, quota int64, byQuota bool) error {
	switch {
	case errors.Is(err, ErrTooLarge) && byQuota:
		return errQuota(quota)
	case errors.Is(err, ErrTooLarge):
		return errTooLarge(max)
	case body.err != nil:
		return &model.Error{Kind: model.KindInvalid, Code: "error-file-upload-incomplete",
			Message: "The upload was interrupted", Cause: body.err}
	case ctx.Err() != nil:
		return &model.Error{Kind: model.KindInvalid, Code: "error-file-upload-incomplete",
			Message: "The upload was interrupted", Cause: err}
	case errors.Is(err, ErrNoSpace):
		s.log.Error("an upload was refused: the disk is full", "err", err)
		return errNoSpace(err)
	}
	return model.Internal(err)
}

// FilePath is the download path of a file: /file-upload/<id>/<name>, the name
// escaped as a path segment.
func FilePath(id, name string) string {
	return "/file-upload/" + id + "/" + url.PathEscape(name)
}

// readTracker remembers the first error its reader gave other than io.EOF: a body
// that failed (a truncated multipart, a client gone, a body over its limit) is the
// client's fault, not the disk's. The blob store fills its buffer through it, so it
// reads as its reader does.
type readTracker struct {
	r   io.Reader
	err error
}

func (t *readTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

// deleteBlob removes a blob, logging a failure: the upload is gone either way.
func (s *Service) deleteBlob(id string) {
	if err := s.blobs.Delete(id); err != nil {
		s.log.Error("deleting an upload's blob", "id", id, "err", err)
	}
}

// Discard removes an upload of the actor that never became a message (rooms.upload
// whose message was refused). Another user's upload is left alone.
func (s *Service) Discard(ctx context.Context, actor model.Actor, id string) error {
	u, err := s.store.Upload(ctx, id)
	if err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return nil
		}
		return model.Internal(err)
	}
	if u.UserID != actor.UserID {
		return nil
	}
	return s.remove(ctx, []string{id})
}

// Remove deletes uploads, documents first and then blobs: messaging calls it (through
// SetOnFilesRemoved) when a file message is deleted. Failures are logged.
func (s *Service) Remove(ctx context.Context, ids []string) {
	if err := s.remove(ctx, ids); err != nil {
		s.log.Error("removing uploads", "ids", ids, "err", err)
	}
}

func (s *Service) remove(ctx context.Context, ids []string) error {
	if err := s.store.DeleteUploads(ctx, ids); err != nil {
		return model.Internal(err)
	}
	for _, id := range ids {
		s.deleteBlob(id)
	}
	return nil
}

// Sweep removes up to limit uploads whose confirmation time ran out (rooms.media
// never followed by mediaConfirm) and returns how many it removed.
func (s *Service) Sweep(ctx context.Context, limit int) (int, error) {
	old, err := s.store.ExpiredUploads(ctx, s.stamp(), limit)
	if err != nil || len(old) == 0 {
		return 0, err
	}
	ids := make([]string, len(old))
	for i, u := range old {
		ids[i] = u.ID
	}
	return len(ids), s.remove(ctx, ids)
}

// sweepEvery is how often Start sweeps expired uploads.
const sweepEvery = time.Hour

// Start sweeps expired uploads (Sweep) once now and then every hour until ctx ends.
func (s *Service) Start(ctx context.Context) {
	go func() {
		t := time.NewTicker(sweepEvery)
		defer t.Stop()
		for {
			for {
				n, err := s.Sweep(ctx, 100)
				if err != nil {
					if ctx.Err() == nil {
						s.log.Error("sweeping expired uploads", "err", err)
					}
					break
				}
				if n < 100 {
					break
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}
