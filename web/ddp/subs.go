package ddp

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/outpostchat/outpost/app/model"
)

// PublicationFunc implements a classic publication. It may send documents with
// sub.Added and keep sub to send more later (until its OnStop hooks run). Returning nil
// makes the subscription ready, unless it called sub.Stop; an error refuses it with
// nosub and the error.
type PublicationFunc func(ctx context.Context, sub *Sub, params []json.RawMessage) error

// Sub is one subscription of a connection.
type Sub struct {
	conn  *Conn
	id    string
	name  string
	actor model.Actor

	mu      sync.Mutex
	stopped bool
	onStop  []func()
	event   string // a stream subscription's eventName
}

// ID returns the client's subscription id.
func (s *Sub) ID() string { return s.id }

// Name returns the publication's name.
func (s *Sub) Name() string { return s.name }

// Actor returns who subscribed (the connection's user when it subscribed).
func (s *Sub) Actor() model.Actor { return s.actor }

// Conn returns the subscription's connection.
func (s *Sub) Conn() *Conn { return s.conn }

// Added sends a document of the subscription.
func (s *Sub) Added(collection, id string, fields any) error {
	if s.isStopped() {
		return ErrConnClosed
	}
	return s.conn.Added(collection, id, fields)
}

// Changed sends a change to a document of the subscription.
func (s *Sub) Changed(collection, id string, fields any, cleared ...string) error {
	if s.isStopped() {
		return ErrConnClosed
	}
	return s.conn.Changed(collection, id, fields, cleared...)
}

// Removed sends the removal of a document of the subscription.
func (s *Sub) Removed(collection, id string) error {
	if s.isStopped() {
		return ErrConnClosed
	}
	return s.conn.Removed(collection, id)
}

// OnStop registers fn to run when the subscription ends: unsub, Stop, or the
// connection closing. If it has ended already, fn runs now.
func (s *Sub) OnStop(fn func()) {
	s.mu.Lock()
	if !s.stopped {
		s.onStop = append(s.onStop, fn)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	fn()
}

// Stop ends the subscription from the server side: its OnStop hooks run and the client
// gets {"msg":"nosub","id":…}.
func (s *Sub) Stop() {
	if !s.end() {
		return
	}
	s.conn.mu.Lock()
	if s.conn.subs[s.id] == s {
		delete(s.conn.subs, s.id)
	}
	s.conn.mu.Unlock()
	s.conn.enqueue(nosubMsg(s.id, nil))
}

// setEvent records the eventName of a stream subscription.
func (s *Sub) setEvent(name string) {
	s.mu.Lock()
	s.event = name
	s.mu.Unlock()
}

// Event returns the eventName of a stream subscription, "" for other publications.
func (s *Sub) Event() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.event
}

func (s *Sub) isStopped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopped
}

// end marks the subscription stopped and runs its hooks; false if it had ended.
func (s *Sub) end() bool {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return false
	}
	s.stopped = true
	hooks := s.onStop
	s.onStop = nil
	s.mu.Unlock()
	for _, fn := range hooks {
		s.conn.runHook(fn)
	}
	return true
}

func nosubMsg(id string, e *meteorError) []byte {
	b, _ := Marshal(struct {
		Msg   string       `json:"msg"`
		ID    string       `json:"id"`
		Error *meteorError `json:"error,omitempty"`
	}{"nosub", id, e})
	return b
}

// handleSub validates a sub message and queues the subscription.
func (c *Conn) handleSub(m *inbound) {
	id, okID := rawString(m.ID)
	name, okName := rawString(m.Name)
	params, okParams := rawParams(m.Params)
	if !okID || !okName || !okParams {
		c.sendError("Malformed subscription", m)
		return
	}
	c.schedule(func() { c.runSub(id, name, params) })
}

// runSub starts a subscription: ready (one per sub id) or nosub with an error. A sub id
// that is already active is ignored, as Meteor does.
func (c *Conn) runSub(id, name string, params []json.RawMessage) {
	sub := &Sub{conn: c, id: id, name: name, actor: c.Actor()}
	c.mu.Lock()
	if _, dup := c.subs[id]; dup || c.subs == nil {
		c.mu.Unlock()
		return
	}
	c.subs[id] = sub
	c.mu.Unlock()

	ctx := c.srv.baseCtx
	var err error
	if fn, ok := c.srv.publication(name); ok {
		err = c.srv.runPublication(ctx, fn, sub, params)
	} else {
		err = errSubNotFound(name)
	}
	if err != nil {
		if sub.end() {
			c.dropSub(sub)
			c.enqueue(nosubMsg(id, c.srv.toMeteorError(ctx, err, "sub",
				slog.String("publication", name), slog.String("session", c.id), slog.String("user", sub.actor.UserID))))
		}
		return
	}
	if sub.isStopped() { // the publication called Stop: nosub went out
		return
	}
	b := append([]byte(`{"msg":"ready","subs":[`), appendString(nil, id)...)
	c.enqueue(append(b, ']', '}'))
}

func (c *Conn) dropSub(sub *Sub) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.subs[sub.id] == sub {
		delete(c.subs, sub.id)
	}
}

// runPublication calls a publication, turning a panic into an internal error.
func (s *Server) runPublication(ctx context.Context, fn PublicationFunc, sub *Sub, params []json.RawMessage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("ddp: panic in publication", slog.String("publication", sub.name),
				slog.String("panic", fmt.Sprint(r)), slog.String("stack", string(debug.Stack())))
			err = model.Internal(fmt.Errorf("panic in publication %s: %v", sub.name, r))
		}
	}()
	return fn(ctx, sub, params)
}

// handleUnsub queues the end of a subscription, acknowledged by nosub even when the id
// is unknown (as Meteor does).
func (c *Conn) handleUnsub(m *inbound) {
	id, ok := rawString(m.ID)
	if !ok {
		c.sendError("Malformed unsubscription", m)
		return
	}
	c.schedule(func() {
		c.mu.Lock()
		sub := c.subs[id]
		delete(c.subs, id)
		c.mu.Unlock()
		if sub != nil {
			sub.end()
		}
		c.enqueue(nosubMsg(id, nil))
	})
}
