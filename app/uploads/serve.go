package uploads

import (
	"context"
	"errors"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// Download is an open file to serve: its document, its bytes (close them) and when
// they were written.
type Download struct {
	Upload  Upload
	Blob    Blob
	ModTime time.Time
}

// errNoUpload hides whether a file exists from those who may not see it.
var errNoUpload = model.NotFound("", "File not found")

// Open opens upload id for the actor to download, with Rocket.Chat's rules
// (FileUpload.requestCanAccessFiles): with FileUpload_ProtectFiles off anyone may;
// with it on only signed-in users (else Unauthorized), and with
// FileUpload_Restrict_to_room_members also on only those who may read the file's
// room (else Forbidden). Outpost adds one rule: an upload still waiting for its
// mediaConfirm is its uploader's alone. An unknown id, or one that is not an id, is
// NotFound.
func (s *Service) Open(ctx context.Context, actor model.Actor, id string) (Download, error) {
	if !validID(id) {
		return Download{}, errNoUpload
	}
	u, err := s.store.Upload(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return Download{}, errNoUpload
	} else if err != nil {
		return Download{}, model.Internal(err)
	}
	if s.config.Bool("FileUpload_ProtectFiles") {
		if actor.IsAnonymous() {
			return Download{}, model.Errorf(model.KindUnauthorized, "error-unauthorized", "You must be logged in to do this.")
		}
		if s.config.Bool("FileUpload_Restrict_to_room_members") && u.UserID != actor.UserID {
			if _, _, err := s.rooms.Access(ctx, actor, u.RID); err != nil {
				if e := model.AsError(err); e.Kind == model.KindNotFound || e.Kind == model.KindForbidden {
					return Download{}, model.Forbidden("error-not-allowed")
				}
				return Download{}, err
			}
		}
	}
	if u.ExpiresAt != nil && u.UserID != actor.UserID {
		return Download{}, errNoUpload
	}
	b, mod, err := s.blobs.Open(u.ID)
	if errors.Is(err, model.ErrNotFound) {
		return Download{}, errNoUpload
	} else if err != nil {
		return Download{}, model.Internal(err)
	}
	return Download{Upload: u, Blob: b, ModTime: mod}, nil
}

// validID accepts upload ids as the blob store names them: 17 to 64 ASCII letters and
// digits (Meteor ids, and the 24-hex ObjectIds of some Rocket.Chat versions).
func validID(id string) bool {
	if len(id) < 17 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
