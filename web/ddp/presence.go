package ddp

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
)

// presencePublication is stream-user-presence, which is not keyed by event name
// (PROTOCOL.md §2.2): a connection watches a set of user ids.
const presencePublication = "stream-user-presence"

// maxPresenceWatch caps the user ids one connection may watch; further ids are ignored.
const maxPresenceWatch = 10000

// presence indexes which connections watch which users.
type presence struct {
	mu       sync.RWMutex
	watchers map[string]map[*Conn]struct{} // uid → watching connections
	byConn   map[*Conn]*presenceWatch
}

// presenceWatch is one connection's watch: the subscription that stays open and the
// uids it watches.
type presenceWatch struct {
	main *Sub
	uids map[string]struct{}
}

func newPresence() *presence {
	return &presence{watchers: map[string]map[*Conn]struct{}{}, byConn: map[*Conn]*presenceWatch{}}
}

// presenceChange is the second subscribe param: {"added":[uid…],"removed":[uid…]}.
type presenceChange struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// subscribePresence implements stream-user-presence as Rocket.Chat does: the first
// subscription of a connection stays open (ready) and owns the watched set; later ones
// only add and remove uids and are stopped at once (the client sees nosub). When the
// first one ends, the connection watches nobody. Logged-in users only.
func (s *Server) subscribePresence(_ context.Context, sub *Sub, params []json.RawMessage) error {
	if sub.Actor().IsAnonymous() {
		return errNotAllowed
	}
	var change presenceChange
	if len(params) > 1 {
		if raw := bytes.TrimSpace(params[1]); len(raw) > 0 && raw[0] == '{' {
			if err := json.Unmarshal(raw, &change); err != nil {
				s.log.Debug("ddp: bad stream-user-presence params", slog.Any("error", err))
			}
		}
	}
	p := s.presence
	c := sub.conn
	p.mu.Lock()
	w := p.byConn[c]
	main := w == nil
	if main {
		w = &presenceWatch{main: sub, uids: map[string]struct{}{}}
		p.byConn[c] = w
	}
	for _, uid := range change.Added {
		if _, ok := w.uids[uid]; ok || uid == "" || len(w.uids) >= maxPresenceWatch {
			continue
		}
		w.uids[uid] = struct{}{}
		set := p.watchers[uid]
		if set == nil {
			set = map[*Conn]struct{}{}
			p.watchers[uid] = set
		}
		set[c] = struct{}{}
	}
	for _, uid := range change.Removed {
		if _, ok := w.uids[uid]; ok {
			delete(w.uids, uid)
			p.unwatchLocked(uid, c)
		}
	}
	p.mu.Unlock()
	if !main {
		sub.Stop()
		return nil
	}
	sub.OnStop(func() { p.drop(c, sub) })
	return nil
}

// drop ends the watch of c when its main subscription ends.
func (p *presence) drop(c *Conn, main *Sub) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.byConn[c]
	if w == nil || w.main != main {
		return
	}
	for uid := range w.uids {
		p.unwatchLocked(uid, c)
	}
	delete(p.byConn, c)
}

func (p *presence) unwatchLocked(uid string, c *Conn) {
	if set := p.watchers[uid]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(p.watchers, uid)
		}
	}
}

// EmitPresence delivers a presence change of uid to the connections watching it:
// {"msg":"changed","collection":"stream-user-presence","id":uid,
// "fields":{"uid":uid,"args":[args…],"eventName":uid}}. Rocket.Chat's args are one
// array [username, status 0-3, statusText], so call
// EmitPresence(uid, []any{"alice", 1, "In a meeting"}). Never blocks.
func (s *Server) EmitPresence(uid string, args ...any) {
	p := s.presence
	p.mu.RLock()
	n := len(p.watchers[uid])
	p.mu.RUnlock()
	if n == 0 {
		return
	}
	if args == nil {
		args = []any{}
	}
	b, err := Marshal(presenceMsg{Msg: "changed", Collection: presencePublication, ID: uid,
		Fields: presenceFields{UID: uid, Args: args, EventName: uid}})
	if err != nil {
		s.log.Error("ddp: cannot encode presence event", slog.String("uid", uid), slog.Any("error", err))
		return
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	for c := range p.watchers[uid] {
		c.enqueue(b)
	}
}

type presenceMsg struct {
	Msg        string         `json:"msg"`
	Collection string         `json:"collection"`
	ID         string         `json:"id"`
	Fields     presenceFields `json:"fields"`
}

type presenceFields struct {
	UID       string `json:"uid"`
	Args      []any  `json:"args"`
	EventName string `json:"eventName"`
}
