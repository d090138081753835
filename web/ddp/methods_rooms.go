package ddp

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/web/rest"
)

// RoomMethods is what the room methods need; rooms.Service satisfies it.
type RoomMethods interface {
	rest.Rooms
}

// RegisterRoomMethods adds the room and subscription methods (PROTOCOL.md §3.1):
// createDirectMessage, createChannel, createPrivateGroup, getUsersOfRoom, joinRoom,
// leaveRoom, addUsersToRoom, readMessages, openRoom, hideRoom, toggleFavorite,
// getRoomRoles, getRoomByTypeAndName, getRoomIdByNameOrId, getRoomNameById,
// canAccessRoom, saveRoomSettings, subscriptions/get, rooms/get, spotlight,
// muteUserInRoom, unmuteUserInRoom and browseChannels.
func RegisterRoomMethods(s *Server, r RoomMethods) {
	registerRoomExtras(s, r)
	m := func(name string, fn func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error)) {
		s.Method(name, func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
			a := call.Actor()
			if a.IsAnonymous() {
				return nil, &model.Error{Kind: model.KindUnauthorized, Code: "error-invalid-user", Message: "Invalid user"}
			}
			return fn(ctx, a, params)
		})
	}
	str := func(p []json.RawMessage, i int) (string, error) {
		var v string
		err := Param(p, i, &v)
		return v, err
	}
	m("createDirectMessage", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		var names []string
		for i := range p {
			var n string
			if Unmarshal(p[i], &n) != nil || n == "" {
				break // RN's trailing extra param
			}
			names = append(names, n)
		}
		return r.CreateDirect(ctx, a, names, false)
	})
	create := func(t string) func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		return func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
			in := rooms.NewRoom{Type: t}
			if err := Param(p, 0, &in.Name); err != nil {
				return nil, err
			}
			if _, err := OptParam(p, 1, &in.Members); err != nil {
				return nil, err
			}
			if _, err := OptParam(p, 2, &in.ReadOnly); err != nil {
				return nil, err
			}
			room, err := r.Create(ctx, a, in)
			if err != nil {
				return nil, err
			}
			return map[string]string{"rid": room.ID, "name": room.Name}, nil
		}
	}
	m("createChannel", create(model.RoomPublic))
	m("createPrivateGroup", create(model.RoomPrivate))
	m("getUsersOfRoom", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		rid, err := str(p, 0)
		if err != nil {
			return nil, err
		}
		var showAll bool
		var page struct{ Limit, Skip int }
		var filter string
		if _, err := OptParam(p, 1, &showAll); err != nil {
			return nil, err
		}
		if _, err := OptParam(p, 2, &page); err != nil {
			return nil, err
		}
		_, _ = OptParam(p, 3, &filter)
		if page.Skip < 0 || page.Limit < 0 {
			return nil, &model.Error{Kind: model.KindInvalid, Code: codeInvalidParams, Message: "Invalid paging"}
		}
		res, err := r.Members(ctx, a, rid, rooms.MemberFilter{Text: filter, OnlineOK: !showAll}, page.Skip, page.Limit)
		if err != nil {
			return nil, err
		}
		return map[string]any{"total": res.Total, "records": res.Items}, nil
	})
	m("joinRoom", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		rid, err := str(p, 0)
		if err != nil {
			return nil, err
		}
		var code string
		_, _ = OptParam(p, 1, &code)
		if _, err := r.Join(ctx, a, rid, code); err != nil {
			return nil, err
		}
		return true, nil
	})
	m("leaveRoom", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		rid, err := str(p, 0)
		if err != nil {
			return nil, err
		}
		return true, r.Leave(ctx, a, rid)
	})
	m("addUsersToRoom", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		var in struct {
			RID   string   `json:"rid"`
			Users []string `json:"users"`
		}
		if err := Param(p, 0, &in); err != nil {
			return nil, err
		}
		if _, err := r.AddUsers(ctx, a, in.RID, in.Users, false); err != nil {
			return nil, err
		}
		return true, nil
	})
	m("readMessages", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		rid, err := str(p, 0)
		if err != nil {
			return nil, err
		}
		var threads bool
		_, _ = OptParam(p, 1, &threads)
		return nil, r.Read(ctx, a, rid, threads)
	})
	ridOnly := func(fn func(ctx context.Context, a model.Actor, rid string) error) func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		return func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
			rid, err := str(p, 0)
			if err != nil {
				return nil, err
			}
			return 1, fn(ctx, a, rid)
		}
	}
	m("openRoom", ridOnly(r.Open))
	m("hideRoom", ridOnly(r.Hide))
	m("toggleFavorite", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		rid, err := str(p, 0)
		if err != nil {
			return nil, err
		}
		var fav bool
		if err := Param(p, 1, &fav); err != nil {
			return nil, err
		}
		return 1, r.Favorite(ctx, a, rid, fav)
	})
	m("getRoomRoles", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		rid, err := str(p, 0)
		if err != nil {
			return nil, err
		}
		return r.RoomRoles(ctx, a, rid)
	})
	m("getRoomByTypeAndName", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		t, err := str(p, 0)
		if err != nil {
			return nil, err
		}
		name, err := str(p, 1)
		if err != nil {
			return nil, err
		}
		room, _, err := r.Find(ctx, a, "", name)
		if err != nil {
			room, _, err = r.Find(ctx, a, name, "")
		}
		if err != nil || room.T != t {
			return nil, &model.Error{Kind: model.KindNotFound, Code: "error-not-allowed", Message: "Not allowed"}
		}
		return room, nil
	})
	m("getRoomIdByNameOrId", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		v, err := str(p, 0)
		if err != nil {
			return nil, err
		}
		room, _, err := r.Find(ctx, a, v, "")
		if err != nil {
			room, _, err = r.Find(ctx, a, "", v)
		}
		if err != nil {
			return nil, &model.Error{Kind: model.KindForbidden, Code: "error-not-allowed", Message: "Not allowed"}
		}
		return room.ID, nil
	})
	m("getRoomNameById", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		rid, err := str(p, 0)
		if err != nil {
			return nil, err
		}
		room, _, err := r.Find(ctx, a, rid, "")
		if err != nil {
			return nil, &model.Error{Kind: model.KindForbidden, Code: "error-not-allowed", Message: "Not allowed"}
		}
		return room.Name, nil
	})
	m("canAccessRoom", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		rid, err := str(p, 0)
		if err != nil {
			return nil, err
		}
		var uid string
		_, _ = OptParam(p, 1, &uid)
		if uid != "" && uid != a.UserID {
			return nil, &model.Error{Kind: model.KindForbidden, Code: "error-not-allowed", Message: "Not allowed"}
		}
		room, _, err := r.Find(ctx, a, rid, "")
		if err != nil {
			if e := model.AsError(err); e.Kind == model.KindForbidden {
				return false, nil
			}
			return nil, err
		}
		return room, nil
	})
	m("saveRoomSettings", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		rid, err := str(p, 0)
		if err != nil {
			return nil, err
		}
		values := map[string]any{}
		var key string
		if Unmarshal(p[min(1, len(p)-1)], &key) == nil && key != "" && len(p) > 2 {
			var v any
			if err := Param(p, 2, &v); err != nil {
				return nil, err
			}
			values[key] = v
		} else if err := Param(p, 1, &values); err != nil {
			return nil, err
		}
		if _, err := r.SaveSettings(ctx, a, rid, values); err != nil {
			return nil, err
		}
		return map[string]any{"result": true, "rid": rid}, nil
	})
	since := func(p []json.RawMessage) (time.Time, error) {
		var t time.Time
		_, err := OptParam(p, 0, &t)
		return t, err
	}
	m("subscriptions/get", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		t, err := since(p)
		if err != nil {
			return nil, err
		}
		res, err := r.Subscriptions(ctx, a, t)
		if err != nil || !t.IsZero() {
			return res, err
		}
		return res.Update, nil
	})
	m("rooms/get", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		t, err := since(p)
		if err != nil {
			return nil, err
		}
		res, err := r.Rooms(ctx, a, t)
		if err != nil || !t.IsZero() {
			return res, err
		}
		return res.Update, nil
	})
	m("spotlight", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		text, err := str(p, 0)
		if err != nil {
			return nil, err
		}
		var exclude []string
		_, _ = OptParam(p, 1, &exclude)
		want := struct{ Users, Rooms bool }{true, true}
		_, _ = OptParam(p, 2, &want)
		text = strings.TrimLeft(text, "@#")
		out := map[string]any{"users": []any{}, "rooms": []any{}}
		if want.Users {
			u, err := r.SearchUsers(ctx, a, text, exclude, 0, 10)
			if err != nil {
				return nil, err
			}
			out["users"] = u.Items
		}
		if want.Rooms {
			rs, err := r.SearchRooms(ctx, a, text, true, 0, 10)
			if err != nil {
				return nil, err
			}
			out["rooms"] = rs.Items
		}
		return out, nil
	})
}
