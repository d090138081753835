package ddp

import (
	"context"
	"encoding/json"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/app/uploads/avatars"
	"github.com/outpostchat/outpost/web/rest"
)

// Avatars is the avatar service the DDP methods need; avatars.Service satisfies it.
type Avatars interface {
	// MaxImageBytes is the largest avatar accepted now.
	MaxImageBytes() int64
	SetAvatarFromService(ctx context.Context, actor model.Actor, dataURI, contentType, service string) error
	ResetUserAvatar(ctx context.Context, actor model.Actor, t avatars.Target) error
}

// RegisterAvatarMethods adds setAvatarFromService(dataURI, contentType, service), the
// mobile app's way to set its user's picture, and resetAvatar(userId?). Extra params
// (RN appends "") are ignored; a non-string userId counts as none.
//
// The mobile app sends a picture (a cropped camera photo, base64, easily several MB)
// through the REST bridge, method.call/setAvatarFromService and
// method.call/saveRoomSettings (roomAvatar): those bodies may be as large as the avatar
// limit in base64, and a larger one is answered error-file-too-large, as Rocket.Chat
// refuses an avatar over FileUpload_MaxFileSize. (A DDP WebSocket frame stays under
// Config.MaxMessageBytes.)
func RegisterAvatarMethods(s *Server, av Avatars) {
	limit := func() int64 { return (av.MaxImageBytes()+2)/3*4 + rest.DefaultBodyLimit }
	tooLarge := func() error { return avatars.TooLarge(av.MaxImageBytes()) }
	s.MethodBodyLimit("setAvatarFromService", limit, tooLarge)
	s.MethodBodyLimit("saveRoomSettings", limit, tooLarge)
	s.Method("setAvatarFromService", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var dataURI, contentType, service string
		if err := Param(params, 0, &dataURI); err != nil {
			return nil, err
		}
		if _, err := OptParam(params, 1, &contentType); err != nil {
			return nil, err
		}
		if _, err := OptParam(params, 2, &service); err != nil {
			return nil, err
		}
		return nil, av.SetAvatarFromService(ctx, call.Actor(), dataURI, contentType, service)
	})
	s.Method("resetAvatar", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var uid string
		_, _ = OptParam(params, 0, &uid)
		return nil, av.ResetUserAvatar(ctx, call.Actor(), avatars.Target{UserID: uid})
	})
}

// avatarPayload is Rocket.Chat's updateAvatar argument: {username, etag} or {rid, etag},
// without etag after a reset.
type avatarPayload struct {
	Username string `json:"username,omitempty"`
	RID      string `json:"rid,omitempty"`
	ETag     string `json:"etag,omitempty"`
}

// deliverAvatar sends an avatar change to every signed-in client
// (stream-notify-logged "updateAvatar").
func (s *Server) deliverAvatar(e streamhub.AvatarChanged) {
	s.Emit(StreamNotifyLogged, "updateAvatar", avatarPayload{Username: e.Username, RID: e.RID, ETag: e.ETag})
}
