package ddp

import "sync"

// SessionFunc is told when a connection starts or stops being logged in as a user: up
// is true when it logs in as uid (Call.SetUser), false when it logs out of uid or ends
// while logged in as uid. A connection that logs in as another user reports the old one
// down first. Changes of the same user (new roles) report nothing. It runs on the
// goroutine that made the change (the connection's method goroutine, or its own when it
// ends), after the change, and must not block for long.
type SessionFunc func(c *Conn, uid string, up bool)

// ActivityFunc is told of every method call on a logged-in connection, before the
// method runs, with the method's name. It runs on the connection's method goroutine and
// must be cheap: it delays every call.
type ActivityFunc func(c *Conn, uid, method string)

// sessionHooks are the OnSession and OnActivity hooks of a server; the zero value has
// none.
type sessionHooks struct {
	mu       sync.RWMutex
	session  []SessionFunc
	activity []ActivityFunc
	// watched holds the connections with an OnClose hook that reports their end: one per
	// connection, registered at its first login.
	watched sync.Map // *Conn → struct{}
}

// OnSession registers fn to hear of logins, logouts and ends of logged-in connections
// (presence counts connections with it). Register before serving.
func (s *Server) OnSession(fn SessionFunc) {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	s.sessions.session = append(s.sessions.session, fn)
}

// OnActivity registers fn to hear of every method call on a logged-in connection
// (presence's auto-away uses it). Register before serving.
func (s *Server) OnActivity(fn ActivityFunc) {
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	s.sessions.activity = append(s.sessions.activity, fn)
}

// sessionChanged reports that c went from being logged in as old to uid ("" is
// nobody); Conn.setUser calls it.
func (s *Server) sessionChanged(c *Conn, old, uid string) {
	if old == uid {
		return
	}
	if old != "" {
		s.reportSession(c, old, false)
	}
	if uid == "" {
		return
	}
	s.reportSession(c, uid, true)
	// After the up report: a connection that has already ended runs the hook at once,
	// and its down report must come last.
	if _, seen := s.sessions.watched.LoadOrStore(c, struct{}{}); !seen {
		c.OnClose(func() {
			s.sessions.watched.Delete(c)
			if u := c.Actor().UserID; u != "" {
				s.reportSession(c, u, false)
			}
		})
	}
}

func (s *Server) reportSession(c *Conn, uid string, up bool) {
	s.sessions.mu.RLock()
	fns := s.sessions.session
	s.sessions.mu.RUnlock()
	for _, fn := range fns {
		fn(c, uid, up)
	}
}

// methodActivity reports a method call about to run on a DDP connection.
func (s *Server) methodActivity(call *Call) {
	uid := call.actor.UserID
	if uid == "" || call.conn == nil {
		return
	}
	s.sessions.mu.RLock()
	fns := s.sessions.activity
	s.sessions.mu.RUnlock()
	for _, fn := range fns {
		fn(call.conn, uid, call.method)
	}
}
