package ddp

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// Presence is users' status as the DDP methods and connection hooks need it;
// presence.Service satisfies it.
type Presence interface {
	Connect(ctx context.Context, uid, connID string)
	Disconnect(ctx context.Context, uid, connID string)
	SetConnectionStatus(ctx context.Context, uid, connID, status string) error
	Activity(uid, connID string)
	SetStatus(ctx context.Context, actor model.Actor, uid, status string, text *string) error
	SetDefaultStatus(ctx context.Context, actor model.Actor, status string) error
}

// RegisterPresenceMethods adds UserPresence:online, UserPresence:away,
// UserPresence:setDefaultStatus and setUserStatus, and tells p of every login, logout and
// end of a logged-in connection (its connection count) and of every method call on one
// (its auto-away). Extra params (RN appends "") are ignored.
func RegisterPresenceMethods(s *Server, p Presence) {
	s.OnSession(func(c *Conn, uid string, up bool) {
		if up {
			p.Connect(s.baseCtx, uid, c.ID())
		} else {
			p.Disconnect(s.baseCtx, uid, c.ID())
		}
	})
	s.OnActivity(func(c *Conn, uid, method string) {
		if !strings.HasPrefix(method, "UserPresence:") { // they set the connection's status themselves
			p.Activity(uid, c.ID())
		}
	})
	connStatus := func(status string) MethodFunc {
		return func(ctx context.Context, call *Call, _ []json.RawMessage) (any, error) {
			a, c := call.Actor(), call.Conn()
			if a.IsAnonymous() || c == nil { // Rocket.Chat answers nothing then
				return nil, nil
			}
			return nil, p.SetConnectionStatus(ctx, a.UserID, c.ID(), status)
		}
	}
	s.Method("UserPresence:online", connStatus("online"))
	s.Method("UserPresence:away", connStatus("away"))
	s.Method("UserPresence:setDefaultStatus", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var status string
		if err := Param(params, 0, &status); err != nil {
			return nil, err
		}
		if call.Actor().IsAnonymous() {
			return nil, nil
		}
		return nil, p.SetDefaultStatus(ctx, call.Actor(), status)
	})
	s.Method("setUserStatus", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		if call.Actor().IsAnonymous() {
			return nil, &model.Error{Kind: model.KindUnauthorized, Code: "error-invalid-user", Message: "Invalid user",
				Details: map[string]any{"method": "setUserStatus"}}
		}
		var status string
		if _, err := OptParam(params, 0, &status); err != nil {
			return nil, err
		}
		var text *string
		var t string
		if ok, err := OptParam(params, 1, &t); err != nil {
			return nil, err
		} else if ok {
			text = &t
		}
		return nil, p.SetStatus(ctx, call.Actor(), "", status, text)
	})
}
