package ddp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/rest"
)

// MethodFunc implements a DDP method. params are the call's raw EJSON params, all of
// them: clients append extras (RN adds a trailing "" or 2FA object), so a method reads
// the ones it knows (with Param) and ignores the rest. A nil result leaves "result" out
// of the answer; an error becomes a Meteor error (see toMeteorError).
type MethodFunc func(ctx context.Context, call *Call, params []json.RawMessage) (any, error)

// Call is one method invocation. It is used by one goroutine.
type Call struct {
	conn   *Conn
	actor  model.Actor
	method string
	id     string
	seed   string
	logout bool
}

// Actor returns who is calling: the connection's user, or the REST caller.
func (c *Call) Actor() model.Actor { return c.actor }

// Conn returns the DDP connection of the call, nil when it came through the REST
// method.call bridge.
func (c *Call) Conn() *Conn { return c.conn }

// Method returns the method's name.
func (c *Call) Method() string { return c.method }

// ID returns the client's method id.
func (c *Call) ID() string { return c.id }

// RandomSeed returns the client's randomSeed, "" if it sent none.
func (c *Call) RandomSeed() string { return c.seed }

// SetUser logs the connection in as actor (DDP login): later methods and subscriptions
// on it see actor, and ConnsOfUser finds it. loginToken is kept for Conn.LoginToken.
// Through the REST bridge there is no connection to log in: SetUser returns an internal
// error there.
func (c *Call) SetUser(actor model.Actor, loginToken string) error {
	if c.conn == nil {
		return model.Internal(errors.New("ddp: SetUser called without a DDP connection"))
	}
	c.conn.setUser(actor, loginToken)
	c.actor = actor
	return nil
}

// Logout logs the connection out: its user is cleared now, and once the method's result
// is sent the connection closes with 1002, so the client resets its subscriptions, as
// Rocket.Chat does. Through the REST bridge it only clears the call's actor.
func (c *Call) Logout() {
	c.actor = model.Anonymous
	if c.conn != nil {
		c.conn.setUser(model.Anonymous, "")
		c.logout = true
	}
}

// resultMsg is DDP's method result.
type resultMsg struct {
	Msg    string       `json:"msg"`
	ID     string       `json:"id"`
	Result any          `json:"result,omitempty"` // left out when nil
	Error  *meteorError `json:"error,omitempty"`
}

// handleMethod validates a method message and queues the call.
func (c *Conn) handleMethod(m *inbound) {
	id, okID := rawString(m.ID)
	name, okName := rawString(m.Method)
	params, okParams := rawParams(m.Params)
	seed, okSeed := "", true
	if !isNull(m.RandomSeed) {
		seed, okSeed = rawString(m.RandomSeed)
	}
	if !okID || !okName || !okParams || !okSeed {
		c.sendError("Malformed method invocation", m)
		return
	}
	c.schedule(func() { c.runMethod(&Call{conn: c, actor: c.Actor(), method: name, id: id, seed: seed}, params) })
}

// runMethod calls the method and sends result then updated (PROTOCOL.md §1.4).
func (c *Conn) runMethod(call *Call, params []json.RawMessage) {
	c.srv.methodActivity(call)
	ctx := c.srv.baseCtx
	result, err := c.srv.invoke(ctx, call, params)
	c.enqueue(c.srv.encodeResult(ctx, call, result, err))
	b := append([]byte(`{"msg":"updated","methods":[`), appendString(nil, call.id)...)
	c.enqueue(append(b, ']', '}'))
	if call.logout {
		c.Close(CloseProtocolError, "logged out")
	}
}

// encodeResult encodes a method's result message; a result that cannot be encoded is
// an internal error.
func (s *Server) encodeResult(ctx context.Context, call *Call, result any, err error) []byte {
	msg := resultMsg{Msg: "result", ID: call.id}
	attrs := []slog.Attr{slog.String("method", call.method), slog.String("user", call.actor.UserID)}
	if call.conn != nil {
		attrs = append(attrs, slog.String("session", call.conn.id))
	}
	if err != nil {
		msg.Error = s.toMeteorError(ctx, err, "method", attrs...)
	} else {
		msg.Result = result
	}
	b, encErr := Marshal(msg)
	if encErr != nil {
		msg.Result = nil
		msg.Error = s.toMeteorError(ctx, fmt.Errorf("encoding the result: %w", encErr), "method", attrs...)
		b, _ = Marshal(msg) // only strings left: cannot fail
	}
	return b
}

// invoke runs a registered method, turning a panic into an internal error.
func (s *Server) invoke(ctx context.Context, call *Call, params []json.RawMessage) (result any, err error) {
	fn, ok := s.method(call.method)
	if !ok {
		return nil, errMethodNotFound(call.method)
	}
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("ddp: panic in method", slog.String("method", call.method),
				slog.String("panic", fmt.Sprint(r)), slog.String("stack", string(debug.Stack())))
			result, err = nil, model.Internal(fmt.Errorf("panic in method %s: %v", call.method, r))
		}
	}()
	return fn(ctx, call, params)
}

// Call runs the method as actor outside any DDP connection: the REST method.call
// bridge (call.Conn() is nil). Unknown methods are the 404 error clients expect; a
// panic is an internal error.
func (s *Server) Call(ctx context.Context, actor model.Actor, method string, params []json.RawMessage) (any, error) {
	return s.invoke(ctx, &Call{actor: actor, method: method}, params)
}

// codeInvalidParams is the error code of a param of the wrong type.
const codeInvalidParams = "invalid-params"

// Param decodes params[i] (EJSON) into dst, a pointer. A missing param or one of the
// wrong type is a KindInvalid error with code invalid-params (a 400 on REST); JSON null
// leaves dst unchanged, as encoding/json does.
func Param(params []json.RawMessage, i int, dst any) error {
	if i < 0 || i >= len(params) {
		return &model.Error{Kind: model.KindInvalid, Code: codeInvalidParams,
			Message: fmt.Sprintf("Match error: Missing param %d", i)}
	}
	if err := Unmarshal(params[i], dst); err != nil {
		return paramError(i, dst, err)
	}
	return nil
}

// OptParam is Param for an optional param: ok is false, and dst untouched, when the
// param is missing or null.
func OptParam(params []json.RawMessage, i int, dst any) (ok bool, err error) {
	if i < 0 || i >= len(params) || isNull(params[i]) {
		return false, nil
	}
	return true, Param(params, i, dst)
}

// paramError words a decoding failure like Meteor's check ("Match error: Expected
// string, got number in field x").
func paramError(i int, dst any, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := fmt.Sprintf("param %d", i)
		if te.Field != "" {
			where += " field " + te.Field
		}
		return &model.Error{Kind: model.KindInvalid, Code: codeInvalidParams,
			Message: fmt.Sprintf("Match error: Expected %s, got %s in %s", rest.JSONKind(te.Type), te.Value, where), Cause: err}
	}
	var ie *json.InvalidUnmarshalError
	if errors.As(err, &ie) {
		return model.Internal(err) // a bug in the method: dst is not a pointer
	}
	return &model.Error{Kind: model.KindInvalid, Code: codeInvalidParams,
		Message: fmt.Sprintf("Match error: Invalid param %d for %T", i, dst), Cause: err}
}
