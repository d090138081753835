package ddp

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// Stream names (without the "stream-" prefix) the foundation serves.
const (
	StreamNotifyAll    = "notify-all"
	StreamNotifyLogged = "notify-logged"
	StreamNotifyUser   = "notify-user"
	StreamRoles        = "roles"
)

// RegisterCoreStreams adds the streams every client subscribes to after connecting:
// notify-all (anyone), notify-logged and roles (signed-in users) and notify-user, whose
// events "<uid>/<event>" only that user may read. None is writable by clients yet.
func RegisterCoreStreams(s *Server) {
	s.Stream(StreamNotifyAll, StreamSpec{CanRead: anyone})
	s.Stream(StreamNotifyLogged, StreamSpec{CanRead: loggedIn})
	s.Stream(StreamRoles, StreamSpec{CanRead: loggedIn})
	s.Stream(StreamNotifyUser, StreamSpec{CanRead: selfOnly})
}

func anyone(context.Context, model.Actor, string, []json.RawMessage) error { return nil }

func loggedIn(_ context.Context, a model.Actor, _ string, _ []json.RawMessage) error {
	if a.IsAnonymous() {
		return model.Errorf(model.KindForbidden, "not-allowed", "Not allowed")
	}
	return nil
}

// selfOnly lets a user read the events named "<their uid>/...".
func selfOnly(_ context.Context, a model.Actor, event string, _ []json.RawMessage) error {
	uid, _, _ := strings.Cut(event, "/")
	if a.IsAnonymous() || uid != a.UserID {
		return model.Errorf(model.KindForbidden, "not-allowed", "Not allowed")
	}
	return nil
}
