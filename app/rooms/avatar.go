package rooms

import (
	"context"
	"maps"
	"strconv"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// RoomAvatars stores the pictures saveRoomSettings' roomAvatar sets; avatars.Service
// satisfies it. The rooms service checks the permissions and names the picture in the
// room's avatarETag inside its transaction; the picture itself is decoded and stored
// before the transaction (so no image is decoded while the writer is held) and removed
// again if the transaction fails.
type RoomAvatars interface {
	// PutRoomAvatar decodes a data:image/...;base64 URI, stores the picture of room rid
	// under a new etag and returns the etag.
	PutRoomAvatar(ctx context.Context, rid, dataURI string) (string, error)
	// DeleteRoomAvatar removes the picture of room rid stored under etag, if any.
	DeleteRoomAvatar(rid, etag string)
}

// SetRoomAvatars lets saveRoomSettings take roomAvatar; without it the key is refused
// as an invalid setting.
func (s *Service) SetRoomAvatars(av RoomAvatars) { s.avatars = av }

// roomAvatar is saveRoomSettings' roomAvatar once its picture is stored: the new
// etag, "" for a reset.
type roomAvatar struct{ etag string }

// prepareAvatar checks, before any transaction, that the actor may change the avatar
// of room rid, and stores the new picture. As Rocket.Chat's saveRoomSettings: edit-room
// first ("Editing room is not allowed"), then the roomAvatar validator's
// edit-room-avatar in the room (admin, owner, moderator by default: "Editing a room
// avatar is not allowed"), both error-action-not-allowed. The value is a data: URI, or
// null or "" to reset. It returns values with roomAvatar replaced by the stored
// picture's etag.
func (s *Service) prepareAvatar(ctx context.Context, actor model.Actor, rid string, values map[string]any) (map[string]any, string, error) {
	v, ok := values["roomAvatar"]
	if !ok {
		return values, "", nil
	}
	if s.avatars == nil {
		return nil, "", invalid("error-invalid-settings", "Invalid settings provided")
	}
	uri, isStr := v.(string)
	if v != nil && !isStr {
		return nil, "", badValue("roomAvatar")
	}
	r, err := s.room(ctx, rid)
	if err != nil {
		return nil, "", err
	}
	if err := s.checkAvatar(ctx, actor, r); err != nil {
		return nil, "", err
	}
	etag := ""
	if uri != "" {
		if etag, err = s.avatars.PutRoomAvatar(ctx, rid, uri); err != nil {
			return nil, "", err
		}
	}
	values = maps.Clone(values)
	values["roomAvatar"] = roomAvatar{etag}
	return values, etag, nil
}

// checkAvatar is the permission check of a room avatar change.
func (s *Service) checkAvatar(ctx context.Context, actor model.Actor, r model.Room) error {
	if r.T == model.RoomLive || r.T == model.RoomDirect || !s.authz.Can(ctx, actor, "edit-room", r.ID) {
		return &model.Error{Kind: model.KindInvalid, Code: "error-action-not-allowed", Message: "Editing room is not allowed"}
	}
	if !s.authz.Can(ctx, actor, "edit-room-avatar", r.ID) {
		return &model.Error{Kind: model.KindInvalid, Code: "error-action-not-allowed", Message: "Editing a room avatar is not allowed"}
	}
	return nil
}

// avatarFields are the room fields of a roomAvatar change, as Rocket.Chat's
// Rooms.setAvatarData (avatarOrigin "upload", avatarETag) and unsetAvatarData (a reset
// sets avatarETag to the time in milliseconds, so clients' cached pictures go stale,
// and unsets avatarOrigin) write them.
func avatarFields(v any, set map[string]any, now int64) (unset []string) {
	ra, _ := v.(roomAvatar)
	if ra.etag != "" {
		set["avatarETag"], set["avatarOrigin"] = ra.etag, "upload"
		return nil
	}
	set["avatarETag"] = strconv.FormatInt(now, 10)
	return []string{"avatarOrigin"}
}

// settleAvatar finishes a roomAvatar change after its transaction: on success the
// previous picture is removed and every signed-in client is told (stream-notify-logged
// updateAvatar {rid, etag}; a reset carries no etag, as Rocket.Chat's room.avatarUpdate
// broadcast), on failure the new picture is removed.
func (s *Service) settleAvatar(rid, newETag, oldETag string, err error) {
	if s.avatars == nil {
		return
	}
	if err != nil {
		if newETag != "" {
			s.avatars.DeleteRoomAvatar(rid, newETag)
		}
		return
	}
	if oldETag != "" && oldETag != newETag {
		s.avatars.DeleteRoomAvatar(rid, oldETag)
	}
	s.hub.Publish(streamhub.AvatarChanged{RID: rid, ETag: newETag})
}
