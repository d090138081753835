// Package uploads owns uploaded files: receiving them into the blob store with their
// rocketchat_uploads documents (PROTOCOL.md §5.5), posting them as file messages
// (rooms.media + rooms.mediaConfirm, rooms.upload; §4.1 E, §4.2, §5.4), checking who
// may download them (/file-upload, §4.3) and removing them with their messages.
//
// Bytes never pass through memory whole: the web layer streams a multipart part
// straight into Blobs.Put, which enforces FileUpload_MaxFileSize while copying and
// leaves nothing behind on any failure. Every check that needs no bytes (access,
// FileUpload_Enabled, direct messages, the content type sniffed by the web layer from
// the first 512 bytes) runs before the first byte is written.
package uploads

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
)

// StoreName is the store every upload names, as Rocket.Chat's FileSystem storage does.
const StoreName = "FileSystem:Uploads"

// TempLifetime is how long an upload of rooms.media waits for its mediaConfirm
// (Rocket.Chat sets expiresAt to now + 24 hours).
const TempLifetime = 24 * time.Hour

// Upload is a document of rocketchat_uploads, in Rocket.Chat's shape (IUpload).
// Complete, Uploading and Progress are always written, as Rocket.Chat's UploadFS
// does. ExpiresAt is set while a rooms.media upload waits for its confirmation.
type Upload struct {
	ID          string         `json:"_id"`
	Name        string         `json:"name"`
	Size        int64          `json:"size"`
	Type        string         `json:"type"`
	Extension   string         `json:"extension"`
	RID         string         `json:"rid"`
	UserID      string         `json:"userId"`
	Store       string         `json:"store"`
	Complete    bool           `json:"complete"`
	Uploading   bool           `json:"uploading"`
	Progress    float64        `json:"progress"`
	Etag        string         `json:"etag"`
	Path        string         `json:"path"`
	URL         string         `json:"url"`
	UploadedAt  time.Time      `json:"uploadedAt"`
	TypeGroup   string         `json:"typeGroup"`
	Identify    *Identify      `json:"identify,omitempty"`
	Description string         `json:"description,omitempty"`
	ExpiresAt   *time.Time     `json:"expiresAt,omitempty"`
	Content     map[string]any `json:"content,omitempty"` // E2E: the encrypted file's key data
	// OriginalFileID is set on a thumbnail (typeGroup "thumb"): the image it shows.
	OriginalFileID string    `json:"originalFileId,omitempty"`
	UpdatedAt      time.Time `json:"_updatedAt"`
}

// Identify is what is known of an image: its format and dimensions (Rocket.Chat's
// identify, filled by the image package).
type Identify struct {
	Format string     `json:"format,omitempty"`
	Size   *Dimension `json:"size,omitempty"`
}

// Dimension is an image's width and height in pixels.
type Dimension struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

// Store keeps rocketchat_uploads; storage/docdb.UploadsStore implements it.
type Store interface {
	// InsertUpload stores a new upload document.
	InsertUpload(ctx context.Context, u Upload) error
	// Upload finds an upload by _id; model.ErrNotFound if none.
	Upload(ctx context.Context, id string) (Upload, error)
	// UpdateUpload sets and unsets fields of an upload; model.ErrNotFound if none.
	UpdateUpload(ctx context.Context, id string, set map[string]any, unset []string) error
	// DeleteUploads removes the uploads with these ids; missing ones are skipped.
	DeleteUploads(ctx context.Context, ids []string) error
	// ExpiredUploads lists up to limit uploads whose expiresAt is before t.
	ExpiredUploads(ctx context.Context, t time.Time, limit int) ([]Upload, error)
	QuotaStore // the daily quota (quota.go)
	// ConfirmUpload is UpdateUpload for an upload that still has its expiresAt (waits
	// for its confirmation); it reports whether there was one.
	ConfirmUpload(ctx context.Context, id string, set map[string]any, unset []string) (bool, error)
	// RoomImages lists a room's confirmed, visible image uploads (typeGroup "image"),
	// newest first, uploaded at or before before when it is set, and counts them all.
	RoomImages(ctx context.Context, rid string, before *time.Time, offset, limit int) ([]Upload, int64, error)
}

// ErrTooLarge is what Blobs.Put returns when the data exceeds its maxSize.
var ErrTooLarge = errors.New("uploads: blob too large")

// Blob is an open stored file: it reads and seeks (for range requests) and is closed
// by its reader.
type Blob interface {
	io.ReadSeekCloser
}

// Blobs keeps the bytes of uploads, by upload _id; cmd/outpost/wire adapts
// storage/files.Store to it.
type Blobs interface {
	// Put stores r as the blob id atomically, failing with ErrTooLarge as soon as it
	// yields more than maxSize bytes (maxSize < 0: no limit); on any error nothing is
	// left. It returns the size and the hex SHA-256.
	Put(ctx context.Context, id string, r io.Reader, maxSize int64) (int64, error)
	// Open opens the blob id; model.ErrNotFound when there is none.
	Open(id string) (Blob, time.Time, error)
	// Delete removes the blob id; a missing blob is not an error.
	Delete(id string) error
}

// Rooms is what uploads needs of the room service.
type Rooms interface {
	// Access returns the room and the actor's subscription if the actor may read it
	// (rooms.Service.Access).
	Access(ctx context.Context, actor model.Actor, rid string) (model.Room, *model.Subscription, error)
}

// Messenger posts file messages; messaging.Service satisfies it.
type Messenger interface {
	SendFile(ctx context.Context, actor model.Actor, in messaging.SendInput, fp messaging.FileParts) (model.Message, error)
}

// Config is the settings the service reads; settings.Service satisfies it.
type Config interface {
	Bool(id string) bool
	Int(id string) int64
	String(id string) string
}

// ImageInfo is what the image package tells of an uploaded image: its identify
// (format and size) and a small base64 preview for image_preview; empty fields are
// left out of the message.
type ImageInfo struct {
	Identify *Identify
	Preview  string
}

// Imager describes uploaded images that get no thumbnail (a thumbnail's own decode
// gives the preview: process.go). It is the hook for app/uploads/imaging: until
// SetImager wires it, such image messages carry no image_preview.
type Imager func(ctx context.Context, u Upload, open func() (io.ReadCloser, error)) (ImageInfo, error)

// Service receives, confirms, serves and removes uploads.
type Service struct {
	store  Store
	blobs  Blobs
	tx     model.Transactor
	rooms  Rooms
	msgs   Messenger
	config Config
	log    *slog.Logger
	now    func() time.Time
	imager Imager
	admin  *admin // the admin console's side (admin.go), once SetAdmin wires it
}

// New returns the uploads service.
func New(store Store, blobs Blobs, tx model.Transactor, rooms Rooms, msgs Messenger, config Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, blobs: blobs, tx: tx, rooms: rooms, msgs: msgs, config: config, log: log, now: time.Now}
}

// SetImager wires the image package (dimensions and previews of image uploads).
func (s *Service) SetImager(im Imager) { s.imager = im }

// SetClock replaces time.Now, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// stamp is now as the store keeps it: UTC, whole milliseconds.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Settings are the upload settings this service registers, with Rocket.Chat's ids and
// defaults (FileUpload_MaxFileSize is a core setting).
func Settings() []model.Setting {
	b := func(id string, v, public bool) model.Setting {
		return model.Setting{ID: id, Type: model.SettingBoolean, PackageValue: v, Public: public, Group: "FileUpload", I18nLabel: id}
	}
	str := func(id, v string) model.Setting {
		return model.Setting{ID: id, Type: model.SettingString, PackageValue: v, Public: true, Group: "FileUpload", I18nLabel: id}
	}
	return append([]model.Setting{
		b("FileUpload_Enabled", true, true),
		str("FileUpload_MediaTypeWhiteList", ""),
		str("FileUpload_MediaTypeBlackList", "image/svg+xml"),
		b("FileUpload_ProtectFiles", true, true),
		b("FileUpload_Enabled_Direct", true, true),
		b("FileUpload_Restrict_to_room_members", true, false),
		b("FileUpload_RotateImages", true, true),
	}, imageSettings()...)
}

// MaxFileSize is FileUpload_MaxFileSize in bytes; below zero means no limit, as in
// Rocket.Chat ("-1 maxFileSize means there is no limit").
func (s *Service) MaxFileSize() int64 {
	n := s.config.Int("FileUpload_MaxFileSize")
	if n < 0 {
		return -1
	}
	return n
}
