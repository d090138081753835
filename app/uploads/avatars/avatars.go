// Package avatars owns users' and rooms' pictures: setting them from an uploaded image
// or a data: URI (users.setAvatar, setAvatarFromService, and for rooms.saveRoomSettings
// roomAvatar the picture the rooms service then names), resetting them to the initials
// placeholder (users.resetAvatar, resetAvatar), finding the stored picture the /avatar
// routes serve, resized and converted on request, and drawing the initials placeholder
// as SVG, PNG or JPEG (PROTOCOL.md §2.2, §4.1 E, §4.3).
//
// An image is decoded under a pixel budget (package imaging: a decompression bomb is
// refused from its header), oriented, and when Accounts_AvatarResize is on cut to a
// square of Accounts_AvatarSize pixels: an opaque image is cropped to cover the square
// and stored as JPEG, one with transparency is fitted inside it on a transparent
// canvas and stored as PNG. Re-encoding drops every metadata block (EXIF, GPS, XMP).
//
// The picture is a blob of the upload blob store under an id derived from a hash of the
// user or room id and the new avatarETag, never from user input as a path: the new blob
// is written first, then the document gets its avatarETag, then the old blob is
// removed, so a reader always finds the picture its etag names. Events are published
// after the write: for users AvatarChanged (stream-notify-logged updateAvatar) and
// UserChanged with the avatarETag diff (the owner's userData). A room's avatarETag,
// system message and events are the rooms service's (rooms.RoomAvatars), which writes
// them in its saveRoomSettings transaction around PutRoomAvatar and DeleteRoomAvatar.
//
// Buffering: an avatar is held in memory while it is decoded, capped at
// MaxImageBytes (FileUpload_MaxFileSize, at most 20 MiB); past it every face answers
// Rocket.Chat's error-file-too-large (TooLarge).
//
// Rocket.Chat fetches an avatarUrl from the network; Outpost is offline-first and takes
// only data:image/...;base64 URIs there, answering Rocket.Chat's error-avatar-invalid-url
// for anything else.
package avatars

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/app/uploads"
)

// Users is what avatars needs of the users collection; docdb.UsersStore implements it.
type Users interface {
	ByID(ctx context.Context, id string) (model.User, error)
	// ByUsername finds a user by username ignoring case; model.ErrNotFound if none.
	ByUsername(ctx context.Context, username string) (model.User, error)
	// UpdateFields sets and unsets fields and returns the user after the change.
	UpdateFields(ctx context.Context, uid string, set map[string]any, unset []string) (model.User, error)
}

// Rooms is what avatars needs of the rooms collection; docdb.RoomsStore implements it.
// Room pictures change through the rooms service (saveRoomSettings), which stores
// them with PutRoomAvatar.
type Rooms interface {
	Room(ctx context.Context, rid string) (model.Room, error)
}

// Permissions answers permission checks; authz.Service satisfies it.
type Permissions interface {
	Can(ctx context.Context, actor model.Actor, permission, scope string) bool
}

// Config is the settings the service reads; settings.Service satisfies it.
type Config interface {
	Bool(id string) bool
	Int(id string) int64
}

// Publisher receives the events of committed changes; *streamhub.Hub satisfies it.
type Publisher interface {
	Publish(ev streamhub.Event)
}

// Service sets, resets and finds avatars.
type Service struct {
	users  Users
	rooms  Rooms
	blobs  uploads.Blobs
	perms  Permissions
	config Config
	events Publisher
	log    *slog.Logger
	now    func() time.Time
	cache  *variantCache

	// mu serialises changes of one avatar at a time, so two concurrent uploads for
	// the same user cannot both keep their blob.
	mu sync.Mutex
}

// New returns the avatar service. blobs is the upload blob store (uploads.Blobs).
func New(users Users, rooms Rooms, blobs uploads.Blobs, perms Permissions, config Config, events Publisher, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{users: users, rooms: rooms, blobs: blobs, perms: perms, config: config, events: events, log: log,
		now: time.Now, cache: newVariantCache(variantCacheBytes)}
}

// Settings are the avatar settings this service reads, with Rocket.Chat's ids, defaults
// and visibility (its Accounts group, Avatar section; Accounts_AllowUserAvatarChange
// sits in the Accounts section).
func Settings() []model.Setting {
	b := func(id string, v, public bool) model.Setting {
		return model.Setting{ID: id, Type: model.SettingBoolean, PackageValue: v, Public: public, Group: "Accounts", Section: "Avatar", I18nLabel: id}
	}
	i := func(id string, v int) model.Setting {
		return model.Setting{ID: id, Type: model.SettingInt, PackageValue: v, Group: "Accounts", Section: "Avatar", I18nLabel: id}
	}
	allow := b("Accounts_AllowUserAvatarChange", true, true)
	allow.Section = ""
	return []model.Setting{
		allow,
		b("Accounts_AvatarResize", true, false),
		i("Accounts_AvatarSize", 200),
		i("Accounts_AvatarCacheTime", 3600),
		b("Accounts_AvatarBlockUnauthenticatedAccess", false, true),
	}
}

// BlockUnauthenticated is Accounts_AvatarBlockUnauthenticatedAccess: the /avatar
// routes then show only the placeholder to requests without valid credentials.
func (s *Service) BlockUnauthenticated() bool {
	return s.config.Bool("Accounts_AvatarBlockUnauthenticatedAccess")
}

// CacheTime is Accounts_AvatarCacheTime in seconds, for Cache-Control: max-age.
func (s *Service) CacheTime() int64 { return max(0, s.config.Int("Accounts_AvatarCacheTime")) }

// blobID is the blob of the picture of a user ("user") or room ("room") with this
// etag: a hash of the owner's id, so no id reaches the file system, and the etag,
// so a new picture never overwrites the one clients may still be reading.
func blobID(kind, id, etag string) string {
	sum := sha256.Sum256([]byte(kind + "\x00" + id))
	return hex.EncodeToString(sum[:16]) + "-" + etag
}

// validETag reports whether etag can be part of a blob id (ids imported from
// Rocket.Chat are random alphanumerics, as Outpost's).
func validETag(etag string) bool {
	if etag == "" || len(etag) > 30 {
		return false
	}
	for i := 0; i < len(etag); i++ {
		c := etag[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// errNotAllowed is Rocket.Chat's refusal when avatar changes are switched off.
func errNotAllowed(msg string) error { return model.Invalid("error-not-allowed", msg) }

// errInvalidUser is Rocket.Chat's answer to a userId or username that matches nobody.
func errInvalidUser() error {
	return model.Invalid("error-invalid-user", `The optional "userId" or "username" param provided does not match any users`)
}

// notFound maps the store's not-found to nil, passing other errors through.
func isNotFound(err error) bool {
	var e *model.Error
	return errors.Is(err, model.ErrNotFound) || (errors.As(err, &e) && e.Kind == model.KindNotFound)
}
