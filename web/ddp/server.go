package ddp

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config's zero fields.
const (
	// DefaultMaxMessageBytes caps one inbound WebSocket frame: 1 MiB, the REST body limit
	// too. Rocket.Chat's own servers allow far more (ws and faye default to tens of MiB),
	// but no DDP message a client sends legitimately comes near it (a chat message is at
	// most 5,000 characters; files go over REST), and on a Raspberry Pi the limit is
	// what a hostile client can make the server buffer per connection.
	DefaultMaxMessageBytes = 1 << 20
	// DefaultSendQueue is how many outbound messages may wait for a slow client before
	// the connection is dropped.
	DefaultSendQueue = 256
	// DefaultMaxPending is how many methods and subscriptions may wait for their turn
	// on one connection before the server stops reading from it (backpressure).
	DefaultMaxPending = 64
	// DefaultPingInterval is the inbound silence after which the server pings (RC's 30 s).
	DefaultPingInterval = 30 * time.Second
	// DefaultPingTimeout is how long after its ping the server waits for any inbound
	// traffic before closing with 4000 "TIMEOUT".
	DefaultPingTimeout = 30 * time.Second
	// DefaultSockJSHeartbeat is SockJS's "h" frame interval.
	DefaultSockJSHeartbeat = 25 * time.Second
	// DefaultWriteTimeout bounds one frame write; a client that takes longer is dropped.
	DefaultWriteTimeout = 10 * time.Second
)

// Config tunes the DDP server. The zero value is usable: zero fields take the defaults
// above and a nil Logger discards.
type Config struct {
	Logger *slog.Logger
	// AllowedOrigins lists the browser origins allowed to open a WebSocket, as host
	// patterns (path.Match, case-insensitive; "scheme://host" patterns match the scheme
	// too). The request's own host is always allowed, and so is a request without an
	// Origin header (mobile apps, bots). Empty allows every origin, as Rocket.Chat's
	// default CORS does ("origins":["*:*"] in /sockjs/info).
	AllowedOrigins  []string
	MaxMessageBytes int64
	SendQueue       int
	MaxPending      int
	PingInterval    time.Duration
	PingTimeout     time.Duration
	SockJSHeartbeat time.Duration
	WriteTimeout    time.Duration
}

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxMessageBytes <= 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.SendQueue <= 0 {
		c.SendQueue = DefaultSendQueue
	}
	if c.MaxPending <= 0 {
		c.MaxPending = DefaultMaxPending
	}
	if c.PingInterval <= 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = DefaultPingTimeout
	}
	if c.SockJSHeartbeat <= 0 {
		c.SockJSHeartbeat = DefaultSockJSHeartbeat
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
}

// Server is the DDP streamer: it accepts DDP connections, runs registered methods and
// publications, and delivers stream events. Create it with New, register methods,
// publications and streams, mount Handler, and stop it with Shutdown. Its methods are
// safe for concurrent use.
type Server struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux

	regMu      sync.RWMutex
	methods    map[string]MethodFunc
	pubs       map[string]PublicationFunc
	streams    map[string]*stream
	bodyLimits map[string]methodBodyLimit // method.call bodies over the default (bridge.go)

	presence *presence
	sessions sessionHooks // OnSession and OnActivity (sessions.go)
	members  *memberCache // rooms of the users reading __my_messages__ (RegisterRoomStreams)

	connMu sync.Mutex
	conns  map[*Conn]struct{}
	byUser map[string]map[*Conn]struct{}
	closed bool
	live   sync.WaitGroup // one count per connection being served
	count  atomic.Int64

	// baseCtx is the parent of method and publication contexts. It outlives
	// connections (a method whose client left still finishes its write) and is cancelled
	// only when Shutdown runs out of time.
	baseCtx    context.Context
	cancelBase context.CancelFunc
}

// New returns a server with the built-in publications registered (see Publication).
func New(cfg Config) *Server {
	cfg.setDefaults()
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		mux:     http.NewServeMux(),
		methods: map[string]MethodFunc{},
		pubs:    map[string]PublicationFunc{},
		streams: map[string]*stream{},
		conns:   map[*Conn]struct{}{},
		byUser:  map[string]map[*Conn]struct{}{},
	}
	s.baseCtx, s.cancelBase = context.WithCancel(context.Background())
	s.presence = newPresence()
	s.registerBuiltins()
	s.mux.HandleFunc("GET /websocket", func(w http.ResponseWriter, r *http.Request) { s.serveWS(w, r, false) })
	s.mux.HandleFunc("GET /sockjs/info", sockjsInfo)
	s.mux.HandleFunc("OPTIONS /sockjs/info", sockjsInfo)
	s.mux.HandleFunc("GET /sockjs/{server}/{session}/websocket", s.serveSockJS)
	return s
}

// Handler serves GET /websocket (raw DDP), GET /sockjs/info and
// GET /sockjs/{server}/{session}/websocket (SockJS framing). Mount it on "/websocket"
// and "/sockjs/" wrapped in web.LongLived.
func (s *Server) Handler() http.Handler { return s.mux }

// Method registers fn as the DDP method name, replacing any earlier one. Register before
// serving; a method registered later is seen by later calls.
func (s *Server) Method(name string, fn MethodFunc) {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	s.methods[name] = fn
}

// Publication registers fn as the classic publication name, replacing any earlier one
// (including the built-ins: "meteor.loginServiceConfiguration" and
// "meteor_autoupdate_clientVersions" answer ready with no documents until replaced).
func (s *Server) Publication(name string, fn PublicationFunc) {
	s.regMu.Lock()
	defer s.regMu.Unlock()
	s.pubs[name] = fn
}

func (s *Server) registerBuiltins() {
	empty := func(context.Context, *Sub, []json.RawMessage) error { return nil }
	s.pubs["meteor.loginServiceConfiguration"] = empty
	s.pubs["meteor_autoupdate_clientVersions"] = empty
	s.pubs[presencePublication] = s.subscribePresence
}

func (s *Server) method(name string) (MethodFunc, bool) {
	s.regMu.RLock()
	defer s.regMu.RUnlock()
	fn, ok := s.methods[name]
	return fn, ok
}

func (s *Server) publication(name string) (PublicationFunc, bool) {
	s.regMu.RLock()
	defer s.regMu.RUnlock()
	fn, ok := s.pubs[name]
	return fn, ok
}

// Connections returns the number of open DDP connections.
func (s *Server) Connections() int { return int(s.count.Load()) }

// ConnsOfUser returns the open connections logged in as uid (for force_logout: emit the
// event, then Close them).
func (s *Server) ConnsOfUser(uid string) []*Conn {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	out := make([]*Conn, 0, len(s.byUser[uid]))
	for c := range s.byUser[uid] {
		out = append(out, c)
	}
	return out
}

// register adds a new connection; false after Shutdown began.
func (s *Server) register(c *Conn) bool {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.live.Add(1)
	s.count.Add(1)
	return true
}

// unregister removes an ended connection.
func (s *Server) unregister(c *Conn) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if _, ok := s.conns[c]; !ok {
		return
	}
	delete(s.conns, c)
	s.unindexUserLocked(c, c.Actor().UserID)
	s.count.Add(-1)
	s.live.Done()
}

// indexUser moves c from the user index of old to that of uid.
func (s *Server) indexUser(c *Conn, old, uid string) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if _, ok := s.conns[c]; !ok {
		return
	}
	s.unindexUserLocked(c, old)
	if uid == "" {
		return
	}
	set := s.byUser[uid]
	if set == nil {
		set = map[*Conn]struct{}{}
		s.byUser[uid] = set
	}
	set[c] = struct{}{}
}

func (s *Server) unindexUserLocked(c *Conn, uid string) {
	if set := s.byUser[uid]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(s.byUser, uid)
		}
	}
}

func (s *Server) isClosed() bool {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	return s.closed
}

// Shutdown stops accepting connections and closes every open one with 1001 "server
// shutting down", after what is already queued for it. It waits for them to end (a
// client that does not answer the close handshake holds it up to 5 s); if ctx ends
// first it drops the rest, cancels running methods and returns ctx's error, at most
// half a second later. Shutdown does not wait for REST method.call requests, which the
// HTTP server drains. Calling it again is harmless.
func (s *Server) Shutdown(ctx context.Context) error {
	s.connMu.Lock()
	s.closed = true
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.connMu.Unlock()
	for _, c := range conns {
		c.Close(CloseGoingAway, "server shutting down")
	}
	done := make(chan struct{})
	go func() {
		s.live.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancelBase()
		return nil
	case <-ctx.Done():
	}
	s.cancelBase()
	for _, c := range conns {
		c.abort("server shutting down")
	}
	select { // dropped connections end in milliseconds; do not hold the process for long
	case <-done:
	case <-time.After(500 * time.Millisecond):
		s.log.Warn("ddp: connections still open after shutdown", slog.Int("connections", s.Connections()))
	}
	return ctx.Err()
}
