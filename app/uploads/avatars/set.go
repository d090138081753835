package avatars

import (
	"bytes"
	"context"
	"io"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// Target names the user whose avatar changes; the zero Target is the actor.
type Target struct {
	UserID   string
	Username string
}

func (t Target) self(actor model.Actor) bool {
	return (t.UserID == "" && t.Username == "") || t.UserID == actor.UserID ||
		(t.UserID == "" && strings.EqualFold(t.Username, actor.Username))
}

// Origins of a user's avatar, as Rocket.Chat stores them in avatarOrigin (the service
// that set it).
const (
	OriginREST   = "rest"   // users.setAvatar with a multipart image
	OriginUpload = "upload" // setAvatarFromService with a data: URI
	OriginURL    = "url"    // users.setAvatar with an avatarUrl (here: a data: URI)
)

// target finds the user whose avatar the actor sets, as Rocket.Chat's users.setAvatar
// decides: changes must be allowed (Accounts_AllowUserAvatarChange, or the actor may
// edit-other-user-avatar); another user needs edit-other-user-avatar (403 otherwise,
// Rocket.Chat's API.v1.unauthorized); an unknown one is error-invalid-user.
func (s *Service) target(ctx context.Context, actor model.Actor, t Target) (model.User, error) {
	if actor.IsAnonymous() {
		return model.User{}, model.Invalid("error-invalid-user", "Invalid user")
	}
	other := s.perms.Can(ctx, actor, "edit-other-user-avatar", "")
	if !s.config.Bool("Accounts_AllowUserAvatarChange") && !other {
		return model.User{}, errNotAllowed("Change avatar is not allowed")
	}
	if t.self(actor) {
		return s.users.ByID(ctx, actor.UserID)
	}
	if !other {
		return model.User{}, model.Forbidden("error-unauthorized")
	}
	return s.lookup(ctx, t)
}

// lookup finds the user t names by id, else by username; error-invalid-user if none.
func (s *Service) lookup(ctx context.Context, t Target) (model.User, error) {
	var (
		u   model.User
		err error
	)
	if t.UserID != "" {
		u, err = s.users.ByID(ctx, t.UserID)
	} else {
		u, err = s.users.ByUsername(ctx, t.Username)
	}
	if isNotFound(err) {
		return model.User{}, errInvalidUser()
	}
	return u, err
}

// SetUserAvatar makes image (any JPEG, PNG, GIF or WebP, read up to MaxImageBytes) the
// avatar of the user t names: users.setAvatar with a multipart "image" (origin
// OriginREST).
func (s *Service) SetUserAvatar(ctx context.Context, actor model.Actor, t Target, image io.Reader, origin string) error {
	u, err := s.target(ctx, actor, t)
	if err != nil {
		return err
	}
	data, err := readImage(image, s.MaxImageBytes())
	if err != nil {
		return err
	}
	return s.storeUser(ctx, u, data, origin)
}

// SetUserAvatarURL is users.setAvatar with {avatarUrl}: Rocket.Chat downloads the URL;
// Outpost fetches nothing and takes only a data:image/...;base64 URI, answering
// Rocket.Chat's error-avatar-invalid-url for any other.
func (s *Service) SetUserAvatarURL(ctx context.Context, actor model.Actor, t Target, url string) error {
	u, err := s.target(ctx, actor, t)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(url, "data:") {
		return model.Invalid("error-avatar-invalid-url", "Invalid avatar URL: "+url)
	}
	data, err := parseDataURI(url, s.MaxImageBytes())
	if err != nil {
		return err
	}
	return s.storeUser(ctx, u, data, OriginURL)
}

// SetAvatarFromService is the DDP method setAvatarFromService(dataURI, contentType,
// service) for the actor itself: "initials" resets to the placeholder, "url" takes
// only a data: URI (nothing is downloaded), anything else ("upload", "") a data: URI.
func (s *Service) SetAvatarFromService(ctx context.Context, actor model.Actor, dataURI, _ /*contentType*/, service string) error {
	if dataURI == "" {
		return model.Invalid("error-invalid-data", "Invalid dataURI")
	}
	if actor.IsAnonymous() {
		return model.Invalid("error-invalid-user", "Invalid user")
	}
	if !s.config.Bool("Accounts_AllowUserAvatarChange") {
		return errNotAllowed("Not allowed")
	}
	u, err := s.users.ByID(ctx, actor.UserID)
	if isNotFound(err) {
		return model.Invalid("error-invalid-desired-user", "Invalid desired user")
	} else if err != nil {
		return err
	}
	switch service {
	case "initials":
		return s.resetUser(ctx, u)
	case "url":
		if !strings.HasPrefix(dataURI, "data:") {
			return model.Invalid("error-avatar-invalid-url", "Invalid avatar URL: "+dataURI)
		}
	}
	origin := service
	if origin == "" {
		origin = OriginUpload
	}
	data, err := parseDataURI(dataURI, s.MaxImageBytes())
	if err != nil {
		return err
	}
	return s.storeUser(ctx, u, data, origin)
}

// ResetUserAvatar puts the user t names (the actor when t is zero) back to the
// initials placeholder. As Rocket.Chat's users.resetAvatar: the actor's own avatar
// when Accounts_AllowUserAvatarChange is on, anyone's with edit-other-user-avatar,
// otherwise error-not-allowed "Reset avatar is not allowed".
func (s *Service) ResetUserAvatar(ctx context.Context, actor model.Actor, t Target) error {
	if actor.IsAnonymous() {
		return model.Invalid("error-invalid-user", "Invalid user")
	}
	self := t.self(actor)
	if !(self && s.config.Bool("Accounts_AllowUserAvatarChange")) && !s.perms.Can(ctx, actor, "edit-other-user-avatar", "") {
		return errNotAllowed("Reset avatar is not allowed")
	}
	var (
		u   model.User
		err error
	)
	if self {
		u, err = s.users.ByID(ctx, actor.UserID)
	} else {
		u, err = s.lookup(ctx, t)
	}
	if err != nil {
		return err
	}
	return s.resetUser(ctx, u)
}

// storeUser stores the processed picture of data as u's avatar with a new etag.
func (s *Service) storeUser(ctx context.Context, u model.User, data []byte, origin string) error {
	pic, err := s.process(data)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.users.ByID(ctx, u.ID) // the etag now, not when the request began
	if err != nil {
		return err
	}
	etag := model.RandomString(17)
	id := blobID("user", u.ID, etag)
	if _, err := s.blobs.Put(ctx, id, bytes.NewReader(pic), -1); err != nil {
		return model.Internal(err)
	}
	set := map[string]any{"avatarETag": etag, "avatarOrigin": origin, "_updatedAt": s.now().UTC().Truncate(time.Millisecond)}
	if _, err := s.users.UpdateFields(ctx, u.ID, set, nil); err != nil {
		s.deleteBlob(id)
		return err
	}
	if validETag(cur.AvatarETag) {
		s.deleteBlob(blobID("user", u.ID, cur.AvatarETag))
	}
	s.publishUser(cur, etag)
	return nil
}

// resetUser removes u's picture and avatar fields.
func (s *Service) resetUser(ctx context.Context, u model.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.users.ByID(ctx, u.ID)
	if err != nil {
		return err
	}
	set := map[string]any{"_updatedAt": s.now().UTC().Truncate(time.Millisecond)}
	if _, err := s.users.UpdateFields(ctx, u.ID, set, []string{"avatarETag", "avatarOrigin"}); err != nil {
		return err
	}
	if validETag(cur.AvatarETag) {
		s.deleteBlob(blobID("user", u.ID, cur.AvatarETag))
	}
	s.publishUser(cur, "")
	return nil
}

func (s *Service) publishUser(u model.User, etag string) {
	if s.events == nil {
		return
	}
	ch := streamhub.UserChanged{Action: "updated", ID: u.ID, Username: u.Username}
	if etag != "" {
		ch.Diff = map[string]any{"avatarETag": etag}
	} else {
		ch.Diff = map[string]any{}
		ch.Unset = map[string]int{"avatarETag": 1}
	}
	s.events.Publish(ch)
	s.events.Publish(streamhub.AvatarChanged{Username: u.Username, ETag: etag})
}

// PutRoomAvatar is the picture half of rooms.saveRoomSettings' roomAvatar (the rooms
// service checks edit-room-avatar and writes the room in its transaction): it decodes
// a data:image/...;base64 URI (read up to MaxImageBytes), processes it as a user's
// picture and stores it for room rid under a new etag, which it returns. Nothing
// names the picture until the room's avatarETag does; DeleteRoomAvatar removes it if
// the room is not changed after all. Rocket.Chat's setRoomAvatar stores the upload
// as it came; here it is cut to the avatar square like a user's.
func (s *Service) PutRoomAvatar(ctx context.Context, rid, dataURI string) (string, error) {
	data, err := parseDataURI(dataURI, s.MaxImageBytes())
	if err != nil {
		return "", err
	}
	pic, err := s.process(data)
	if err != nil {
		return "", err
	}
	etag := model.RandomString(17)
	if _, err := s.blobs.Put(ctx, blobID("room", rid, etag), bytes.NewReader(pic), -1); err != nil {
		return "", model.Internal(err)
	}
	return etag, nil
}

// DeleteRoomAvatar removes the picture of room rid stored under etag, if any (the
// room's previous picture once a change committed, or a new one whose change failed).
func (s *Service) DeleteRoomAvatar(rid, etag string) {
	if validETag(etag) {
		s.deleteBlob(blobID("room", rid, etag))
	}
}

// deleteBlob removes a blob that is no longer named by any document; a failure only
// leaves an orphan, so it is logged.
func (s *Service) deleteBlob(id string) {
	if err := s.blobs.Delete(id); err != nil {
		s.log.Warn("removing an old avatar", "blob", id, "err", err)
	}
}
