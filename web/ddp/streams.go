package ddp

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/outpostchat/outpost/app/model"
)

// StreamSpec says who may read and write a stream (PROTOCOL.md §2).
type StreamSpec struct {
	// CanRead decides whether actor may subscribe to eventName. extra are the "args" of
	// the subscription options (a livechat visitor's {token}…), with the null and false
	// placeholders some clients send removed. Any error refuses the subscription with
	// not-allowed, except an internal error, which is a logged 500. nil: nobody reads.
	CanRead func(ctx context.Context, actor model.Actor, eventName string, extra []json.RawMessage) error
	// CanWrite decides whether actor may write eventName through the stream's method.
	// nil: not writable. A refused write is a silent no-op, as in Rocket.Chat.
	CanWrite func(ctx context.Context, actor model.Actor, eventName string) error
	// OnWrite, when set, sees every permitted write (for write-only streams that fan out
	// elsewhere, like notify-room-users). args are the write's params after eventName,
	// a trailing RN filler removed (see Server.Stream).
	OnWrite func(ctx context.Context, actor model.Actor, eventName string, args []json.RawMessage)
	// NoRetransmit keeps writes from being re-broadcast to the eventName's subscribers.
	NoRetransmit bool
}

// stream is a registered stream and its subscribers, by event name.
type stream struct {
	name string // "room-messages"
	pub  string // "stream-room-messages"
	spec StreamSpec

	mu     sync.RWMutex
	events map[string]map[*Conn]int // eventName → connection → number of its subs
}

// Stream registers the stream name ("room-messages", "notify-user"…): the publication
// "stream-<name>" and the write method of the same name, replacing earlier ones.
//
// Subscribing: params are [eventName, options]; options is a boolean (useCollection)
// or {"useCollection":bool,"args":[...]}; missing options, args:[], args:[false] and
// args:[null] are all accepted. An empty or missing eventName is refused with
// invalid-event-name. useCollection:true first sends the legacy
// {"msg":"added","collection":"stream-<name>","id":"id","fields":{"eventName":…}}.
//
// Writing: the method's params are [eventName, args...]. After CanWrite allows it, args
// go to OnWrite and to every other connection subscribed to eventName (never back to
// the writer). One trailing param is dropped first if it is "" or an object holding
// only twoFactorCode/twoFactorMethod: RN appends one to every call (PROTOCOL.md §3.0)
// and no stream's own args end that way.
func (s *Server) Stream(name string, spec StreamSpec) {
	st := &stream{name: name, pub: "stream-" + name, spec: spec, events: map[string]map[*Conn]int{}}
	s.regMu.Lock()
	s.streams[name] = st
	s.pubs[st.pub] = s.streamPublication(st)
	s.methods[st.pub] = s.streamWrite(st)
	s.regMu.Unlock()
}

func (s *Server) stream(name string) *stream {
	s.regMu.RLock()
	defer s.regMu.RUnlock()
	return s.streams[name]
}

// Emit delivers {"msg":"changed","collection":"stream-<stream>","id":"id",
// "fields":{"eventName":…,"args":[…]}} to every connection subscribed to stream and
// eventName. The message is encoded once; Emit never blocks (a connection whose queue
// is full is dropped). An unknown stream or one without subscribers costs a map lookup.
func (s *Server) Emit(stream, eventName string, args ...any) {
	s.emit(stream, eventName, nil, nil, args)
}

// EmitFilter is Emit to the subscribers whose connection's current actor passes
// filter, e.g. __my_messages__ to those who may see the room, or private settings to
// admins. filter runs under the stream's read lock: keep it fast, and do not call the
// Server from it.
func (s *Server) EmitFilter(stream, eventName string, filter func(model.Actor) bool, args ...any) {
	s.emit(stream, eventName, nil, filter, args)
}

func (s *Server) emit(name, eventName string, except *Conn, filter func(model.Actor) bool, args []any) {
	st := s.stream(name)
	if st == nil {
		return
	}
	st.mu.RLock()
	n := len(st.events[eventName])
	st.mu.RUnlock()
	if n == 0 {
		return
	}
	if args == nil {
		args = []any{}
	}
	b, err := Marshal(changedStream{Msg: "changed", Collection: st.pub, ID: "id",
		Fields: streamFields{EventName: eventName, Args: args}})
	if err != nil {
		s.log.Error("ddp: cannot encode stream event", slog.String("stream", name),
			slog.String("event", eventName), slog.Any("error", err))
		return
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	for c := range st.events[eventName] {
		if c == except || (filter != nil && !filter(c.Actor())) {
			continue
		}
		c.enqueue(b)
	}
}

type changedStream struct {
	Msg        string       `json:"msg"`
	Collection string       `json:"collection"`
	ID         string       `json:"id"`
	Fields     streamFields `json:"fields"`
}

type streamFields struct {
	EventName string `json:"eventName"`
	Args      []any  `json:"args"`
}

func (st *stream) add(eventName string, c *Conn) {
	st.mu.Lock()
	defer st.mu.Unlock()
	set := st.events[eventName]
	if set == nil {
		set = map[*Conn]int{}
		st.events[eventName] = set
	}
	set[c]++
}

func (st *stream) remove(eventName string, c *Conn) {
	st.mu.Lock()
	defer st.mu.Unlock()
	set := st.events[eventName]
	if set[c]--; set[c] <= 0 {
		delete(set, c)
		if len(set) == 0 {
			delete(st.events, eventName)
		}
	}
}

// streamOptions is the object form of a stream subscription's second param.
type streamOptions struct {
	UseCollection bool              `json:"useCollection"`
	Args          []json.RawMessage `json:"args"`
}

// parseStreamOptions reads the second subscribe param in all its observed forms.
func parseStreamOptions(params []json.RawMessage) (useCollection bool, extra []json.RawMessage) {
	if len(params) < 2 {
		return false, nil
	}
	raw := bytes.TrimSpace(params[1])
	if len(raw) > 0 && raw[0] == '{' {
		var o streamOptions
		if json.Unmarshal(raw, &o) != nil {
			return false, nil
		}
		for _, a := range o.Args {
			if t := string(bytes.TrimSpace(a)); t != "null" && t != "false" {
				extra = append(extra, a)
			}
		}
		return o.UseCollection, extra
	}
	return string(raw) == "true", nil
}

// streamPublication is the publication "stream-<name>".
func (s *Server) streamPublication(st *stream) PublicationFunc {
	return func(ctx context.Context, sub *Sub, params []json.RawMessage) error {
		var eventName string
		if len(params) > 0 {
			eventName, _ = rawString(params[0])
		}
		if eventName == "" {
			return errInvalidEventName
		}
		useCollection, extra := parseStreamOptions(params)
		if st.spec.CanRead == nil {
			return errNotAllowed
		}
		if err := st.spec.CanRead(ctx, sub.Actor(), eventName, extra); err != nil {
			if e := model.AsError(err); e.Kind == model.KindInternal {
				return err
			}
			return errNotAllowed
		}
		sub.setEvent(eventName)
		st.add(eventName, sub.conn)
		sub.OnStop(func() { st.remove(eventName, sub.conn) })
		if useCollection {
			_ = sub.Added(st.pub, "id", map[string]string{"eventName": eventName})
		}
		return nil
	}
}

// streamWrite is the method "stream-<name>".
func (s *Server) streamWrite(st *stream) MethodFunc {
	return func(ctx context.Context, call *Call, params []json.RawMessage) (any, error) {
		if len(params) == 0 {
			return nil, nil
		}
		eventName, ok := rawString(params[0])
		if !ok || eventName == "" || st.spec.CanWrite == nil {
			return nil, nil
		}
		actor := call.Actor()
		if err := st.spec.CanWrite(ctx, actor, eventName); err != nil {
			level := slog.LevelDebug
			if model.AsError(err).Kind == model.KindInternal {
				level = slog.LevelError
			}
			s.log.LogAttrs(ctx, level, "ddp: stream write refused", slog.String("stream", st.name),
				slog.String("event", eventName), slog.String("user", actor.UserID), slog.Any("error", err))
			return nil, nil
		}
		args := stripFiller(params[1:])
		if st.spec.OnWrite != nil {
			st.spec.OnWrite(ctx, actor, eventName, args)
		}
		if !st.spec.NoRetransmit {
			out := make([]any, len(args))
			for i, a := range args {
				out[i] = a
			}
			s.emit(st.name, eventName, call.Conn(), nil, out)
		}
		return nil, nil
	}
}

// stripFiller drops one trailing "" or 2FA object ({twoFactorCode?, twoFactorMethod?}).
func stripFiller(args []json.RawMessage) []json.RawMessage {
	if len(args) == 0 {
		return args
	}
	last := bytes.TrimSpace(args[len(args)-1])
	if string(last) == `""` {
		return args[:len(args)-1]
	}
	if len(last) > 0 && last[0] == '{' {
		var m map[string]json.RawMessage
		if json.Unmarshal(last, &m) == nil && len(m) > 0 {
			for k := range m {
				if k != "twoFactorCode" && k != "twoFactorMethod" {
					return args
				}
			}
			return args[:len(args)-1]
		}
	}
	return args
}
