package ddp_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/ddp"
)

// A server with one method and one stream, mounted as web mounts it.
func Example() {
	srv := ddp.New(ddp.Config{Logger: slog.Default()})

	// A method: params stay raw until decoded; extra trailing params are ignored.
	srv.Method("getRoomRoles", func(ctx context.Context, call *ddp.Call, params []json.RawMessage) (any, error) {
		var rid string
		if err := ddp.Param(params, 0, &rid); err != nil {
			return nil, err // invalid-params
		}
		if call.Actor().IsAnonymous() {
			return nil, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
		}
		return []any{}, nil
	})

	// A stream: stream-notify-user, each user reading their own events.
	srv.Stream("notify-user", ddp.StreamSpec{
		CanRead: func(_ context.Context, actor model.Actor, eventName string, _ []json.RawMessage) error {
			if actor.IsAnonymous() || !strings.HasPrefix(eventName, actor.UserID+"/") {
				return model.Forbidden("error-not-allowed")
			}
			return nil
		},
	})

	// Services' events reach the subscribers (an event-bus listener does this).
	srv.Emit("notify-user", "U1/rooms-changed", "updated", map[string]any{"_id": "GENERAL"})

	mux := http.NewServeMux()
	mux.Handle("GET /websocket", srv.Handler()) // web wraps these in web.LongLived
	mux.Handle("/sockjs/", srv.Handler())
	mux.Handle("POST /api/v1/method.call/{method}", srv.MethodCallHandler(nil))
	_ = srv.Shutdown(context.Background())
}
