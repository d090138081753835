package ddp

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
)

// Chat is what the message methods need; messaging.Service satisfies it.
type Chat interface {
	Send(ctx context.Context, actor model.Actor, in messaging.SendInput) (model.Message, error)
	CheckSendRate(ctx context.Context, actor model.Actor) error
	Update(ctx context.Context, actor model.Actor, in messaging.UpdateInput) (model.Message, error)
	Delete(ctx context.Context, actor model.Actor, in messaging.DeleteInput) (model.Message, error)
	Get(ctx context.Context, actor model.Actor, id string) (model.Message, error)
	LoadHistory(ctx context.Context, actor model.Actor, rid string, end *time.Time, limit int, ls *time.Time, showThreads bool) (messaging.LoadHistoryResult, error)
	LoadNext(ctx context.Context, actor model.Actor, rid string, end *time.Time, limit int) ([]model.Message, error)
	LoadSurrounding(ctx context.Context, actor model.Actor, id string, limit int) (messaging.SurroundingResult, error)
	LoadMissed(ctx context.Context, actor model.Actor, rid string, start time.Time) ([]model.Message, error)
	ThreadWithReplies(ctx context.Context, actor model.Actor, tmid string, skip, limit int) ([]model.Message, error)
}

// sendMessageKeys are the keys Rocket.Chat's sendMessage method accepts in its message
// object (its check() pattern); any other key, alias, emoji, avatar and attachments
// among them, is a Match error (PROTOCOL.md §0.1 item 5).
var sendMessageKeys = map[string]bool{
	"_id": true, "rid": true, "msg": true, "tmid": true, "tshow": true, "ts": true, "t": true, "bot": true,
	"content": true, "e2e": true, "e2eMentions": true, "customFields": true, "federation": true,
	"groupable": true, "sentByEmail": true,
}

// RegisterChatMethods adds sendMessage, updateMessage, deleteMessage, getSingleMessage,
// loadHistory, loadNextMessages, loadSurroundingMessages, loadMissedMessages and
// getThreadMessages; and when m is a ChatExtras too, the methods of registerChatExtras.
func RegisterChatMethods(s *Server, m Chat) {
	registerChatExtras(s, m)
	registerRoomCleaner(s, m)
	// sendMessage(message, previewUrls?): previewUrls names the URLs whose previews the
	// client wants. Outpost is offline-first and fetches no URL previews, so the second
	// param is ignored, as is RN's trailing extra param in the same place.
	s.Method("sendMessage", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var raw map[string]json.RawMessage
		if err := Param(params, 0, &raw); err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(raw))
		for k := range raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !sendMessageKeys[k] {
				return nil, &model.Error{Kind: model.KindInvalid, Code: codeInvalidParams, Message: "Match error: Unknown key in field " + k}
			}
		}
		var in struct {
			ID    string     `json:"_id"`
			RID   string     `json:"rid"`
			Msg   string     `json:"msg"`
			TMID  string     `json:"tmid"`
			TShow bool       `json:"tshow"`
			Ts    *time.Time `json:"ts"`
			T     string     `json:"t"`
		}
		if err := Param(params, 0, &in); err != nil {
			return nil, err
		}
		if in.T != "" {
			return nil, model.Invalid("error-invalid-params", "Cannot send system messages using 'sendMessage'")
		}
		if err := m.CheckSendRate(ctx, call.Actor()); err != nil {
			return nil, err
		}
		return m.Send(ctx, call.Actor(), messaging.SendInput{ID: in.ID, RID: in.RID, Msg: in.Msg, TMID: in.TMID, TShow: in.TShow, Ts: in.Ts})
	})
	s.Method("updateMessage", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var in struct {
			ID  string  `json:"_id"`
			RID string  `json:"rid"`
			Msg *string `json:"msg"`
		}
		if err := Param(params, 0, &in); err != nil {
			return nil, err
		}
		if in.ID == "" {
			return nil, model.Invalid(codeInvalidParams, "Match error: Missing key '_id'")
		}
		if in.Msg == nil {
			return nil, nil // nothing to change, as Rocket.Chat answers
		}
		_, err := m.Update(ctx, call.Actor(), messaging.UpdateInput{ID: in.ID, RID: in.RID, Msg: *in.Msg})
		return nil, err
	})
	s.Method("deleteMessage", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var in struct {
			ID string `json:"_id"`
		}
		if err := Param(params, 0, &in); err != nil {
			return nil, err
		}
		if in.ID == "" {
			return nil, model.Invalid(codeInvalidParams, "Match error: Missing key '_id'")
		}
		deleted, err := m.Delete(ctx, call.Actor(), messaging.DeleteInput{ID: in.ID})
		if err != nil {
			return nil, err
		}
		return map[string]any{"_id": deleted.ID}, nil
	})
	s.Method("getSingleMessage", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var id string
		if err := Param(params, 0, &id); err != nil {
			return nil, err
		}
		return m.Get(ctx, call.Actor(), id)
	})
	s.Method("loadHistory", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var rid string
		if err := Param(params, 0, &rid); err != nil {
			return nil, err
		}
		var end, ls *time.Time
		limit, threads := 20, true
		for i, dst := range []any{&end, &limit, &ls, &threads} {
			if _, err := OptParam(params, i+1, dst); err != nil {
				return nil, err
			}
		}
		return m.LoadHistory(ctx, call.Actor(), rid, end, limit, ls, threads)
	})
	s.Method("loadNextMessages", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var rid string
		if err := Param(params, 0, &rid); err != nil {
			return nil, err
		}
		var end *time.Time
		limit := 20
		if _, err := OptParam(params, 1, &end); err != nil {
			return nil, err
		}
		if _, err := OptParam(params, 2, &limit); err != nil {
			return nil, err
		}
		msgs, err := m.LoadNext(ctx, call.Actor(), rid, end, limit)
		if err != nil {
			return nil, err
		}
		return map[string]any{"messages": msgs}, nil
	})
	s.Method("loadSurroundingMessages", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var msg struct {
			ID string `json:"_id"`
		}
		if err := Param(params, 0, &msg); err != nil {
			return nil, err
		}
		limit := 50
		if _, err := OptParam(params, 1, &limit); err != nil {
			return nil, err
		}
		return m.LoadSurrounding(ctx, call.Actor(), msg.ID, limit)
	})
	s.Method("loadMissedMessages", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var rid string
		var start time.Time
		if err := Param(params, 0, &rid); err != nil {
			return nil, err
		}
		if err := Param(params, 1, &start); err != nil {
			return nil, err
		}
		return m.LoadMissed(ctx, call.Actor(), rid, start)
	})
	s.Method("getThreadMessages", func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		var in struct {
			TMID  string `json:"tmid"`
			Limit int    `json:"limit"`
			Skip  int    `json:"skip"`
		}
		if err := Param(params, 0, &in); err != nil {
			return nil, err
		}
		return m.ThreadWithReplies(ctx, call.Actor(), in.TMID, in.Skip, in.Limit)
	})
}
