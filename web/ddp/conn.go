package ddp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/outpostchat/outpost/app/model"
)

// WebSocket close codes the server sends (RFC 6455 and Rocket.Chat's DDP streamer).
const (
	CloseNormal          = 1000
	CloseGoingAway       = 1001 // server shutting down
	CloseProtocolError   = 1002 // first message not connect; unsupported version; after logout
	CloseUnsupportedData = 1007 // a frame that is not DDP
	CloseMessageTooBig   = 1009 // a frame over Config.MaxMessageBytes
	CloseSlowConsumer    = 1013 // send queue full (sent only if the socket still takes it)
	CloseTimeout         = 4000 // no traffic after the server's ping
)

// Errors of Conn.Send.
var (
	ErrConnClosed   = errors.New("ddp: connection closed")
	ErrSlowConsumer = errors.New("ddp: send queue full, connection dropped")
)

// supportedVersions are the DDP versions the server speaks, preferred first.
var supportedVersions = []string{"1", "pre2", "pre1"}

var serverIDMsg = []byte(`{"server_id":"0"}`)

// session is who a connection is logged in as.
type session struct {
	actor model.Actor
	token string
}

// Conn is one client's DDP connection. Its exported methods are safe for concurrent use.
//
// Goroutines: the HTTP handler's goroutine reads, one goroutine writes; methods and
// subscriptions run one at a time, in arrival order, on a goroutine started when work
// arrives and gone when the queue is empty.
type Conn struct {
	srv    *Server
	ws     *websocket.Conn
	sockjs bool
	id     string
	remote string
	header http.Header

	ctx    context.Context // the connection's life; cancelled to drop it
	cancel context.CancelFunc

	// Outbound frames wait in out; a writer goroutine exists only while there are
	// some (or a close to do), as jobs do.
	outMu       sync.Mutex
	out         []outFrame    // nil when none wait
	writing     bool          // a flush goroutine is running
	flushDone   chan struct{} // closed when that goroutine ends
	writersDone bool          // the connection ended: no more flush goroutines
	closeReq    bool          // Close asked: close the socket once out is written
	beat        *time.Timer   // DDP heartbeat
	sockBeat    *time.Timer   // SockJS "h" frames
	pingAt      int64         // when our unanswered ping went out; 0 if none; onBeat only
	stopping    atomic.Bool   // Close or abort called: accept nothing more
	lastRead    atomic.Int64  // unix nanoseconds of the last inbound frame
	connected   bool          // handshake done; reader goroutine only

	user atomic.Pointer[session]

	mu          sync.Mutex
	closeCode   int
	closeReason string
	closeAsked  bool
	ended       bool
	subs        map[string]*Sub
	onClose     []func()

	jobsMu  sync.Mutex
	jobs    []func()
	working bool
	workers sync.WaitGroup
	slots   chan struct{} // one token per queued job: MaxPending bounds the queue
}

func newConn(s *Server, r *http.Request, sockjs bool) *Conn {
	c := &Conn{
		srv:    s,
		sockjs: sockjs,
		id:     model.NewID(),
		remote: r.RemoteAddr,
		header: r.Header.Clone(),
		subs:   map[string]*Sub{},
		slots:  make(chan struct{}, s.cfg.MaxPending),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.user.Store(&session{})
	c.touch()
	return c
}

// serveWS upgrades the request and serves the connection until it ends.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, sockjs bool) {
	if s.isClosed() {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	c := newConn(s, r, sockjs)
	ws, err := websocket.Accept(smallBuffers{w}, r, &websocket.AcceptOptions{
		InsecureSkipVerify: len(s.cfg.AllowedOrigins) == 0,
		OriginPatterns:     s.cfg.AllowedOrigins,
		OnPingReceived:     func(context.Context, []byte) bool { c.touch(); return true },
		OnPongReceived:     func(context.Context, []byte) { c.touch() },
	})
	if err != nil { // Accept has answered (400, 403, 426…)
		c.cancel()
		s.log.Debug("ddp: upgrade refused", slog.String("remote", r.RemoteAddr), slog.Any("error", err))
		return
	}
	c.ws = ws
	if !s.register(c) {
		c.cancel()
		_ = ws.Close(CloseGoingAway, "server shutting down")
		return
	}
	// The socket is hijacked: serve it on a fresh goroutine and let the HTTP handler
	// return, so net/http's per-request state and the handler's deep stack are freed.
	go func() {
		defer c.cancel()
		c.serve()
	}()
}

func (c *Conn) serve() {
	log := c.srv.log
	log.Debug("ddp: connection opened", slog.String("session", c.id), slog.String("remote", c.remote), slog.Bool("sockjs", c.sockjs))
	c.ws.SetReadLimit(c.srv.cfg.MaxMessageBytes)
	c.startWriter()
	err := c.readLoop()
	c.finish()
	c.mu.Lock()
	code, reason := c.closeCode, c.closeReason
	c.mu.Unlock()
	log.Debug("ddp: connection closed", slog.String("session", c.id), slog.String("user", c.Actor().UserID),
		slog.Int("code", code), slog.String("reason", reason), slog.Any("read_error", err))
}

// readLoop reads frames until the connection fails or closes. After Close it keeps
// reading (and ignoring) so that the close handshake and abort still work.
func (c *Conn) readLoop() error {
	for {
		typ, data, err := c.ws.Read(c.ctx)
		if err != nil {
			if errors.Is(err, websocket.ErrMessageTooBig) {
				c.setCloseInfo(CloseMessageTooBig, "message too big")
			}
			return err
		}
		c.touch()
		if c.stopping.Load() {
			continue
		}
		if typ != websocket.MessageText {
			c.Close(CloseUnsupportedData, "UNSUPPORTED_DATA")
			continue
		}
		msgs, err := parseFrame(data, c.sockjs)
		if err != nil {
			c.Close(CloseUnsupportedData, "UNSUPPORTED_DATA")
			continue
		}
		for i := range msgs {
			if c.stopping.Load() {
				break
			}
			c.handle(&msgs[i])
		}
	}
}

// handle dispatches one inbound message. Pings are answered at once; methods,
// subscriptions and unsubscriptions queue up in order.
func (c *Conn) handle(m *inbound) {
	kind, _ := rawString(m.Msg)
	if !c.connected {
		if kind != "connect" {
			c.Close(CloseProtocolError, "CLOSE_PROTOCOL_ERROR")
			return
		}
		c.connect(m)
		return
	}
	switch kind {
	case "ping":
		c.pong(m.ID)
	case "pong":
	case "method":
		c.handleMethod(m)
	case "sub":
		c.handleSub(m)
	case "unsub":
		c.handleUnsub(m)
	default:
		c.sendError("Bad request", m)
	}
}

// connect negotiates the version as Meteor does: the client's version must be in its
// support list and be the first version of that list the server speaks. A missing
// support list counts as [version].
func (c *Conn) connect(m *inbound) {
	version, ok := rawString(m.Version)
	support := []string{version}
	if !isNull(m.Support) && json.Unmarshal(m.Support, &support) != nil {
		ok = false
	}
	if !ok || !slices.Contains(support, version) {
		c.fail(supportedVersions[0])
		return
	}
	want := supportedVersions[0]
	for _, v := range support {
		if slices.Contains(supportedVersions, v) {
			want = v
			break
		}
	}
	if version != want {
		c.fail(want)
		return
	}
	c.connected = true
	b := append([]byte(`{"msg":"connected","session":`), appendString(nil, c.id)...)
	c.enqueue(append(b, '}'))
}

func (c *Conn) fail(version string) {
	b := append([]byte(`{"msg":"failed","version":`), appendString(nil, version)...)
	c.enqueue(append(b, '}'))
	c.Close(CloseProtocolError, "unsupported DDP version")
}

// pong answers a ping, echoing its id when it has one.
func (c *Conn) pong(id json.RawMessage) {
	if isNull(id) {
		c.enqueue([]byte(`{"msg":"pong"}`))
		return
	}
	b := make([]byte, 0, 24+len(id))
	b = append(b, `{"msg":"pong","id":`...)
	b = append(b, id...)
	c.enqueue(append(b, '}'))
}

// sendError sends DDP's {"msg":"error"} about a message the server cannot act on.
func (c *Conn) sendError(reason string, m *inbound) {
	b := append([]byte(`{"msg":"error","reason":`), appendString(nil, reason)...)
	b = append(b, `,"offendingMessage":`...)
	b = append(b, m.raw...)
	c.enqueue(append(b, '}'))
}

// touch records inbound traffic for the heartbeat.
func (c *Conn) touch() { c.lastRead.Store(time.Now().UnixNano()) }

// schedule queues a method or subscription job behind the connection's earlier ones.
// When MaxPending jobs wait already it blocks the reader (backpressure) until one
// finishes or the connection ends.
func (c *Conn) schedule(job func()) {
	select {
	case c.slots <- struct{}{}:
	case <-c.ctx.Done():
		return
	}
	c.jobsMu.Lock()
	c.jobs = append(c.jobs, job)
	if !c.working {
		c.working = true
		c.workers.Add(1)
		go c.work()
	}
	c.jobsMu.Unlock()
}

// work runs queued jobs in order until the queue is empty. Jobs of a closing
// connection are skipped.
func (c *Conn) work() {
	defer c.workers.Done()
	for {
		c.jobsMu.Lock()
		if len(c.jobs) == 0 {
			c.working = false
			c.jobs = nil
			c.jobsMu.Unlock()
			return
		}
		job := c.jobs[0]
		c.jobs[0] = nil
		c.jobs = c.jobs[1:]
		c.jobsMu.Unlock()
		if !c.stopping.Load() {
			c.runJob(job)
		}
		<-c.slots
	}
}

// runJob runs one job; a panic that escaped it is logged and the connection goes on.
func (c *Conn) runJob(job func()) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.log.Error("ddp: panic in connection job", slog.String("session", c.id),
				slog.String("panic", fmt.Sprint(r)), slog.String("stack", string(debug.Stack())))
		}
	}()
	job()
}

// enqueue hands an encoded message to the writer without ever blocking. A connection
// whose queue is full is dropped.
func (c *Conn) enqueue(b []byte) bool {
	if c.stopping.Load() {
		return false
	}
	return c.push(outFrame{b: b})
}

// finish tears the connection down once the reader is done: stop the writer, wait for
// the running job, end the subscriptions, unregister, run the OnClose hooks.
func (c *Conn) finish() {
	c.stopping.Store(true)
	c.cancel()
	c.stopTimers()
	c.stopWriters()
	_ = c.ws.CloseNow()
	c.workers.Wait()
	c.mu.Lock()
	c.ended = true
	subs := c.subs
	c.subs = nil
	c.mu.Unlock()
	for _, sub := range subs {
		sub.end()
	}
	c.srv.unregister(c)
	c.mu.Lock()
	hooks := c.onClose
	c.onClose = nil
	c.mu.Unlock()
	for _, fn := range hooks {
		c.runHook(fn)
	}
}

func (c *Conn) runHook(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.log.Error("ddp: panic in OnClose hook", slog.String("session", c.id),
				slog.String("panic", fmt.Sprint(r)), slog.String("stack", string(debug.Stack())))
		}
	}()
	fn()
}

// abort drops the connection at once, without flushing: for a client that cannot keep
// up, and for Shutdown when time runs out.
func (c *Conn) abort(reason string) {
	c.setCloseInfo(CloseSlowConsumer, reason)
	c.stopping.Store(true)
	c.cancel()
}

// setCloseInfo records why the connection closes; the first reason wins.
func (c *Conn) setCloseInfo(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closeCode == 0 {
		c.closeCode, c.closeReason = code, reason
	}
}
