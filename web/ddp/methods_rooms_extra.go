package ddp

import (
	"context"
	"encoding/json"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
)

// authedMethod registers a method that needs a logged-in user.
func authedMethod(s *Server, name string, fn func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error)) {
	s.Method(name, func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		a := call.Actor()
		if a.IsAnonymous() {
			return nil, &model.Error{Kind: model.KindUnauthorized, Code: "error-invalid-user", Message: "Invalid user"}
		}
		return fn(ctx, a, params)
	})
}

// registerRoomExtras adds muteUserInRoom, unmuteUserInRoom and browseChannels.
func registerRoomExtras(s *Server, r RoomMethods) {
	mute := func(on bool) func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		return func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
			var in struct {
				RID      string `json:"rid"`
				Username string `json:"username"`
			}
			if err := Param(p, 0, &in); err != nil {
				return nil, err
			}
			if in.RID == "" || in.Username == "" {
				return nil, &model.Error{Kind: model.KindInvalid, Code: codeInvalidParams, Message: "Match error: rid and username are required"}
			}
			if err := r.SetMuted(ctx, a, in.RID, rooms.Target{Username: in.Username}, on); err != nil {
				return nil, err
			}
			return true, nil
		}
	}
	authedMethod(s, "muteUserInRoom", mute(true))
	authedMethod(s, "unmuteUserInRoom", mute(false))
	// browseChannels({text, type, workspace, sortBy, sortDirection, offset, limit}) is the
	// directory's method (deprecated for REST directory); it answers {total, results},
	// or nothing for parameters it does not take.
	authedMethod(s, "browseChannels", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		var in struct {
			Text          string `json:"text"`
			Type          string `json:"type"`
			Workspace     string `json:"workspace"`
			SortBy        string `json:"sortBy"`
			SortDirection string `json:"sortDirection"`
			Offset        int    `json:"offset"`
			Limit         int    `json:"limit"`
		}
		if err := Param(p, 0, &in); err != nil {
			return nil, err
		}
		if in.Offset < 0 || (in.SortDirection != "" && in.SortDirection != "asc" && in.SortDirection != "desc") {
			return nil, nil
		}
		if in.Limit <= 0 {
			in.Limit = 10
		}
		q := rooms.DirectoryQuery{Type: in.Type, Text: in.Text, Workspace: in.Workspace, SortBy: in.SortBy,
			Desc: in.SortDirection == "desc", Offset: in.Offset, Count: min(in.Limit, 100)}
		res, err := r.Directory(ctx, a, q)
		if e := model.AsError(err); e != nil && e.Kind == model.KindInvalid {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		return map[string]any{"total": res.Total, "results": res.Items}, nil
	})
}
