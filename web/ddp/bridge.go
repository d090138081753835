package ddp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/rest"
)

// MethodCall is a method invocation carried in the REST method.call bridge's "message"
// (PROTOCOL.md §4.0.5).
type MethodCall struct {
	ID     string
	Method string
	Params []json.RawMessage
}

// errInvalidMethodCall is Rocket.Chat's API.v1.failure('Invalid method call'): 400
// {"success":false,"error":"Invalid method call"}.
var errInvalidMethodCall = &model.Error{Kind: model.KindInvalid, Message: "Invalid method call"}

// ParseMethodCall parses the EJSON string {"msg":"method","id":…,"method":…,
// "params":[…]}. id and method must be strings, params an array (or absent);
// anything else is a KindInvalid error with Rocket.Chat's "Invalid method call".
func ParseMethodCall(message []byte) (MethodCall, error) {
	m, err := parseMessage(message)
	if err != nil {
		return MethodCall{}, errInvalidMethodCall
	}
	kind, _ := rawString(m.Msg)
	id, okID := rawString(m.ID)
	name, okName := rawString(m.Method)
	params, okParams := rawParams(m.Params)
	if kind != "method" || !okID || !okName || !okParams {
		return MethodCall{}, errInvalidMethodCall
	}
	return MethodCall{ID: id, Method: name, Params: params}, nil
}

// CallMessage runs a parsed call as actor (Server.Call) and returns the bridge's
// answer: the EJSON string {"msg":"result","id":…,"result":…} or {…,"error":{Meteor
// error}}, "result" left out when the method returned nil.
func (s *Server) CallMessage(ctx context.Context, actor model.Actor, mc MethodCall) string {
	call := &Call{actor: actor, method: mc.Method, id: mc.ID}
	result, err := s.invoke(ctx, call, mc.Params)
	return string(s.encodeResult(ctx, call, result, err))
}

// MethodCallHandler serves POST /api/v1/method.call/{method} and
// /api/v1/method.callAnon/{method}: the body {"message":"<EJSON method call>"} runs as
// the actor auth returns, and the answer is 200 {"message":"<EJSON result>",
// "success":true} even when the method failed (the error is inside). The method comes
// from the message, not the path, as in Rocket.Chat. auth's error (401 for bad
// credentials) and a bad body (400) are written with rest.WriteError; a nil auth calls
// as model.Anonymous. Mount it once with the authenticating function for method.call
// and once with one that allows anonymous callers for method.callAnon.
func (s *Server) MethodCallHandler(auth func(*http.Request) (model.Actor, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor := model.Anonymous
		if auth != nil {
			a, err := auth(r)
			if err != nil {
				rest.WriteError(w, r, s.log, err)
				return
			}
			actor = a
		}
		limit, tooLarge := s.bodyLimit(r.PathValue("method"))
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		var body struct {
			Message *string `json:"message"`
		}
		if err := rest.DecodeJSON(r, &body); err != nil {
			var past *http.MaxBytesError
			if tooLarge != nil && errors.As(err, &past) {
				err = tooLarge
			}
			rest.WriteError(w, r, s.log, err)
			return
		}
		if body.Message == nil {
			rest.WriteError(w, r, s.log, &model.Error{Kind: model.KindInvalid, Code: codeInvalidParams,
				Message: "must have required property 'message'"})
			return
		}
		mc, err := ParseMethodCall([]byte(*body.Message))
		if err != nil {
			rest.WriteError(w, r, s.log, err)
			return
		}
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "ddp: method.call",
			slog.String("method", mc.Method), slog.String("user", actor.UserID))
		answer := s.CallMessage(r.Context(), actor, mc)
		if err := rest.WriteSuccess(w, struct {
			Message string `json:"message"`
		}{answer}); err != nil {
			rest.WriteError(w, r, s.log, err)
		}
	})
}

// MethodBodyLimit lets method.call/<name> read bodies up to limit() bytes instead of
// rest.DefaultBodyLimit (methods that carry a picture as a data: URI:
// setAvatarFromService, saveRoomSettings' roomAvatar), answering tooLarge() past it.
// The path names the limit; the method run is still the one the message names.
func (s *Server) MethodBodyLimit(name string, limit func() int64, tooLarge func() error) {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	if s.bodyLimits == nil {
		s.bodyLimits = map[string]methodBodyLimit{}
	}
	s.bodyLimits[name] = methodBodyLimit{limit, tooLarge}
}

type methodBodyLimit struct {
	limit    func() int64
	tooLarge func() error
}

// bodyLimit is the body limit of method.call/<name> and the error past it (nil: the
// bridge's own).
func (s *Server) bodyLimit(name string) (int64, error) {
	s.regMu.RLock()
	l, ok := s.bodyLimits[name]
	s.regMu.RUnlock()
	if !ok {
		return rest.DefaultBodyLimit, nil
	}
	return max(l.limit(), rest.DefaultBodyLimit), l.tooLarge()
}
