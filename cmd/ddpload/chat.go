package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// chatOptions are the chat mode's settings besides the spec.
type chatOptions struct {
	prefix   string        // of usernames and room names: "load-"
	password string        // of the load users
	drain    time.Duration // how long to wait after the last send for results and deliveries
	maxRate  int           // most messages one user may be due to send in any second
}

// chatResult is what one chat run measured.
type chatResult struct {
	plan *chatPlan

	setup                      time.Duration // users, rooms, logins, connections, subscriptions
	usersCreated, roomsCreated int
	connected, connFailed      int
	subsReady, subsFailed      int

	sent, notSent, results, accepted, unanswered int
	errorsByCode                                 map[string]int
	window                                       time.Duration // the scheduled sending time
	backlog                                      time.Duration // last accepted result after the last scheduled send
	lagP99, lagMax                               time.Duration // how late the tool sent, against the schedule

	expected, received int64           // (message, subscriber) deliveries
	late               int64           // deliveries after the drain ended: not counted
	lat                []time.Duration // delivery latencies, sorted
	rtt                []time.Duration // sendMessage round trips, sorted
	dropped            int             // connections lost during the run

	serverStart, serverPeak procStatus
	serverHWM               int64
	serverOK                bool
	cpu                     cpuUse
	clientEnd               procStatus
	errors                  []string
}

// acceptedRate is accepted messages per second of the scheduled window.
func (r *chatResult) acceptedRate() float64 {
	if r.window <= 0 {
		return 0
	}
	return float64(r.accepted) / r.window.Seconds()
}

// ledger holds the send time of every message of a run, as nanoseconds since start
// plus one (0: not sent), and per room how many of its messages were accepted.
type ledger struct {
	tag      string
	start    time.Time
	sent     []atomic.Int64
	accepted []atomic.Int64 // by room
	results  atomic.Int64   // answers to sendMessage, with or without error
	received atomic.Int64   // deliveries
	stopped  atomic.Bool    // the drain is over: later answers and deliveries do not count
	late     atomic.Int64   // deliveries after that
}

func newLedger(tag string, messages, rooms int) *ledger {
	return &ledger{tag: tag, sent: make([]atomic.Int64, messages), accepted: make([]atomic.Int64, rooms)}
}

func (l *ledger) markSent(k int, t time.Time) { l.sent[k].Store(int64(t.Sub(l.start)) + 1) }

// since returns how long after message k's send t is; ok is false for a message not sent.
func (l *ledger) since(k int, t time.Time) (time.Duration, bool) {
	if k < 0 || k >= len(l.sent) {
		return 0, false
	}
	s := l.sent[k].Load()
	if s == 0 {
		return 0, false
	}
	return t.Sub(l.start) - time.Duration(s-1), true
}

// chatConn is one user's connection during a run. The reader goroutine owns
// everything below sendq until it ends.
type chatConn struct {
	c     *ddpConn
	user  int
	rooms []int // the rooms whose message stream is ready
	sendq chan int
	done  chan struct{} // closed when the reader ends

	seen         []uint64 // bitset of the messages received
	lat, rtt     []time.Duration
	errorsByCode map[string]int
	errorSample  map[string]string // code → one reason
	lastAccepted time.Duration     // since the ledger's start
	unknown      int               // stream events of messages not of this run
	readErr      error
	sendErr      error // set by the sender goroutine
}

// chatFrame is the part of a server message the reader looks at.
type chatFrame struct {
	Msg        string          `json:"msg"`
	ID         json.RawMessage `json:"id"`
	Collection string          `json:"collection"`
	Error      *struct {
		Error  any    `json:"error"`
		Reason string `json:"reason"`
	} `json:"error"`
	Fields struct {
		Args []struct {
			ID string `json:"_id"`
		} `json:"args"`
	} `json:"fields"`
}

// subscribe sends a sub and waits for its ready (or nosub).
func (c *ddpConn) subscribe(ctx context.Context, name string, params ...any) error {
	c.nextID++
	id := "s" + strconv.Itoa(c.nextID)
	b, err := json.Marshal(map[string]any{"msg": "sub", "id": id, "name": name, "params": params})
	if err != nil {
		return err
	}
	if err := c.write(ctx, b); err != nil {
		return err
	}
	for range maxFramesPerCall {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			return err
		}
		var m struct {
			Msg   string          `json:"msg"`
			ID    string          `json:"id"`
			Subs  []string        `json:"subs"`
			Error json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("bad frame %.80q: %w", data, err)
		}
		switch {
		case m.Msg == "ping":
			if err := c.write(ctx, pongFor(json.RawMessage(strconv.Quote(m.ID)))); err != nil {
				return err
			}
		case m.Msg == "ready" && slices.Contains(m.Subs, id):
			return nil
		case m.Msg == "nosub" && m.ID == id:
			return &subRefused{fmt.Sprintf("sub %s %v: nosub %.200s", name, params[0], m.Error)}
		}
	}
	return fmt.Errorf("sub %s: no ready", name)
}

// subRefused is a nosub answer to a sub: the connection is fine.
type subRefused struct{ msg string }

func (e *subRefused) Error() string { return e.msg }

// setUpChatConn connects user u, logs it in with its token and subscribes to the
// message stream of each of its rooms; failed subscriptions are errors in subErrs.
func setUpChatConn(ctx context.Context, addr string, u int, token string, rids []string, rooms []int) (*chatConn, []error, error) {
	c, err := connectAndLogin(ctx, addr, resumeParams(token))
	if err != nil {
		return nil, nil, err
	}
	cc := &chatConn{c: c, user: u, errorsByCode: map[string]int{}, errorSample: map[string]string{}, done: make(chan struct{})}
	var subErrs []error
	sctx, cancel := context.WithTimeout(ctx, perConnSetupLimit)
	defer cancel()
	for _, r := range rooms {
		err := c.subscribe(sctx, "stream-room-messages", rids[r], map[string]any{"useCollection": false, "args": []any{}})
		if err != nil {
			if !errors.As(err, new(*subRefused)) {
				c.closeNow()
				return nil, nil, err
			}
			subErrs = append(subErrs, err)
			continue
		}
		cc.rooms = append(cc.rooms, r)
	}
	return cc, subErrs, nil
}

// read is the connection's reader: it answers pings, records sendMessage results and
// message deliveries, until the socket ends.
func (cc *chatConn) read(ctx context.Context, p *chatPlan, l *ledger, messages int) {
	defer close(cc.done)
	cc.seen = make([]uint64, (messages+63)/64)
	for {
		_, data, err := cc.c.ws.Read(ctx)
		now := time.Now()
		if err != nil {
			cc.readErr = err
			return
		}
		var f chatFrame
		if err := json.Unmarshal(data, &f); err != nil {
			cc.readErr = fmt.Errorf("bad frame %.80q: %w", data, err)
			return
		}
		switch f.Msg {
		case "ping":
			_ = cc.c.write(ctx, pongFor(f.ID))
		case "result":
			cc.result(f, now, p, l)
		case "changed":
			if f.Collection != "stream-room-messages" || len(f.Fields.Args) == 0 {
				continue
			}
			k, ok := messageSeq(l.tag, f.Fields.Args[0].ID)
			if !ok || k >= messages {
				cc.unknown++
				continue
			}
			if l.stopped.Load() {
				l.late.Add(1)
				continue
			}
			if cc.seen[k/64]&(1<<(k%64)) != 0 {
				continue // the same message again (an update): the first delivery counts
			}
			d, ok := l.since(k, now)
			if !ok {
				cc.unknown++
				continue
			}
			cc.seen[k/64] |= 1 << (k % 64)
			cc.lat = append(cc.lat, d)
			l.received.Add(1)
		}
	}
}

// result records the answer to sendMessage call "m<k>".
func (cc *chatConn) result(f chatFrame, now time.Time, p *chatPlan, l *ledger) {
	var id string
	if json.Unmarshal(f.ID, &id) != nil || len(id) < 2 || id[0] != 'm' {
		return
	}
	k, err := strconv.Atoi(id[1:])
	if err != nil {
		return
	}
	d, ok := l.since(k, now)
	if !ok || l.stopped.Load() {
		return
	}
	l.results.Add(1)
	cc.rtt = append(cc.rtt, d)
	if f.Error != nil {
		code := fmt.Sprint(f.Error.Error)
		cc.errorsByCode[code]++
		if _, ok := cc.errorSample[code]; !ok {
			cc.errorSample[code] = f.Error.Reason
		}
		return
	}
	l.accepted[p.room(k)].Add(1)
	cc.lastAccepted = now.Sub(l.start)
}

// sendLoop writes the sendMessage calls queued for this connection, noting each send
// time just before the write.
func (cc *chatConn) sendLoop(ctx context.Context, p *chatPlan, l *ledger, rids []string) {
	buf := make([]byte, 0, 256)
	for k := range cc.sendq {
		if cc.sendErr != nil {
			continue
		}
		buf = appendSendMessage(buf[:0], l.tag, k, rids[p.room(k)], cc.user)
		l.markSent(k, time.Now())
		if err := cc.c.write(ctx, buf); err != nil {
			cc.sendErr = err
		}
	}
}

// appendSendMessage appends the DDP frame of message k: method sendMessage, call id
// "m<k>", params [{_id, rid, msg}].
func appendSendMessage(b []byte, tag string, k int, rid string, user int) []byte {
	b = append(b, `{"msg":"method","id":"m`...)
	b = strconv.AppendInt(b, int64(k), 10)
	b = append(b, `","method":"sendMessage","params":[{"_id":"`...)
	b = append(b, messageID(tag, k)...)
	b = append(b, `","rid":`...)
	b = strconv.AppendQuote(b, rid)
	b = append(b, `,"msg":"load test message `...)
	b = strconv.AppendInt(b, int64(k), 10)
	b = append(b, ` from user `...)
	b = strconv.AppendInt(b, int64(user+1), 10)
	b = append(b, `: the quick brown fox jumps over the lazy dog"}]}`...)
	return b
}

// runChat sets up the spec's users and rooms over the REST API as the admin, connects
// every user, sends on schedule and measures.
func runChat(ctx context.Context, cfg *config, spec chatSpec, opt chatOptions) (*chatResult, error) {
	p, err := newChatPlan(spec)
	if err != nil {
		return nil, err
	}
	if most, u := p.maxUserRate(); most > opt.maxRate {
		return nil, fmt.Errorf("%s: user %s would send %d messages within one second, above the server's %d/s per user: raise -users or -rooms, or lower -rate",
			spec.name, userName(opt.prefix, u), most, opt.maxRate)
	}
	r := &chatResult{plan: p, errorsByCode: map[string]int{}}
	fmt.Fprintf(cfg.stderr, "%s: %s\n", spec.name, p)
	setupStart := time.Now()

	adminID, adminToken, err := restLogin(ctx, cfg.addr, cfg.user, cfg.password)
	if err != nil {
		return nil, err
	}
	admin := newRESTClient(cfg.addr, adminID, adminToken)
	users := make([]loadUser, spec.users)
	names := make([]string, spec.users)
	for i := range users {
		names[i] = userName(opt.prefix, i)
		users[i].name = names[i]
	}
	// users.create and login each spend a bcrypt on the server: one call per CPU.
	conc := max(2, runtime.NumCPU())
	ids, created, err := admin.ensureUsers(ctx, names, opt.password, conc)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	for i := range users {
		users[i].id = ids[i]
	}
	r.usersCreated = created
	fmt.Fprintf(cfg.stderr, "%s: %d users ready (%d created) in %v\n", spec.name, spec.users, created, time.Since(setupStart).Round(time.Millisecond))
	rids, made, err := admin.ensureRooms(ctx, p, users, opt.prefix, 4)
	if err != nil {
		return nil, fmt.Errorf("rooms: %w", err)
	}
	r.roomsCreated = made
	t := time.Now()
	if err := loginUsers(ctx, cfg.addr, users, opt.password, conc); err != nil {
		return nil, fmt.Errorf("logins: %w", err)
	}
	fmt.Fprintf(cfg.stderr, "%s: %d rooms ready (%d created); users logged in over DDP in %v\n", spec.name, spec.rooms, made, time.Since(t).Round(time.Millisecond))

	l := newLedger(model.RandomString(idTagLen), p.messages, spec.rooms)
	conns, fails := connectChat(ctx, cfg, p, users, rids, l)
	defer func() {
		for _, cc := range conns {
			if cc != nil {
				cc.c.closeNow()
			}
		}
	}()
	r.setup = time.Since(setupStart)
	subscribers := make([]int64, spec.rooms)
	for _, cc := range conns {
		if cc == nil {
			r.connFailed++
			continue
		}
		r.connected++
		r.subsReady += len(cc.rooms)
		for _, room := range cc.rooms {
			subscribers[room]++
		}
	}
	for _, rs := range p.roomsOf {
		r.subsFailed += len(rs)
	}
	r.subsFailed -= r.subsReady
	fmt.Fprintf(cfg.stderr, "%s: %d/%d connected, %d subscriptions ready, %d failed; set up in %v; sending for %v\n",
		spec.name, r.connected, spec.users, r.subsReady, r.subsFailed, r.setup.Round(time.Millisecond), spec.duration)

	runCtx, stopConns := context.WithCancel(ctx)
	defer stopConns()
	var senders sync.WaitGroup
	for _, cc := range conns {
		if cc != nil {
			cc.sendq = make(chan int, 256)
			senders.Go(func() { cc.sendLoop(runCtx, p, l, rids) })
		}
	}

	rss := startRSSSampler(cfg)
	r.serverStart = rss.first
	cpu0 := sampleCPU(cfg.serverPID)
	l.start = time.Now()
	lags := scheduleSends(runCtx, p, l.start, func(k int) bool {
		cc := conns[p.sender(k)]
		if cc == nil {
			return false
		}
		select {
		case cc.sendq <- k:
			return true
		default:
			return false // the tool's queue is full: the connection is stuck
		}
	})
	for _, cc := range conns {
		if cc != nil {
			close(cc.sendq)
		}
	}
	senders.Wait()
	for k := range l.sent {
		if l.sent[k].Load() != 0 {
			r.sent++
		}
	}
	r.notSent = p.messages - r.sent

	// Drain: wait for every answer and every delivery, at most opt.drain.
	expected := func() int64 {
		var n int64
		for room := range l.accepted {
			n += l.accepted[room].Load() * subscribers[room]
		}
		return n
	}
	deadline := time.Now().Add(opt.drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if l.results.Load() >= int64(r.sent) && l.received.Load() >= expected() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	l.stopped.Store(true)
	r.cpu = cpuBetween(cpu0, sampleCPU(cfg.serverPID), time.Since(l.start), runtime.NumCPU())
	r.serverPeak, r.serverOK = rss.stop()
	r.serverHWM = r.serverPeak.HWM
	r.clientEnd, _ = readStatus(selfPID)
	r.expected = expected()
	r.received = l.received.Load()
	r.results = int(l.results.Load())

	// A reader that has already ended lost its connection during the run.
	var dropped tally
	for _, cc := range conns {
		if cc == nil {
			continue
		}
		select {
		case <-cc.done:
			dropped.add(cc.readErr)
		default:
			if cc.sendErr != nil {
				dropped.add(fmt.Errorf("send: %w", cc.sendErr))
			}
		}
	}
	stopConns()
	var lat, rtt []time.Duration
	var lastAccepted time.Duration
	samples := map[string]string{}
	for _, cc := range conns {
		if cc == nil {
			continue
		}
		cc.c.closeNow()
		<-cc.done
		lat = append(lat, cc.lat...)
		rtt = append(rtt, cc.rtt...)
		lastAccepted = max(lastAccepted, cc.lastAccepted)
		for code, n := range cc.errorsByCode {
			r.errorsByCode[code] += n
			samples[code] = cc.errorSample[code]
		}
	}
	r.late = l.late.Load()
	r.dropped = dropped.total()
	r.lat, r.rtt = sortedDurations(lat), sortedDurations(rtt)
	for room := range l.accepted {
		r.accepted += int(l.accepted[room].Load())
	}
	r.unanswered = r.sent - r.results
	r.window = p.window()
	if lastDue := p.at(p.messages - 1); lastAccepted > lastDue {
		r.backlog = lastAccepted - lastDue
	}
	sortedLags := sortedDurations(lags)
	r.lagP99, r.lagMax = percentile(sortedLags, 99), percentile(sortedLags, 100)
	r.errors = append(fails.top(3), prefixed("dropped: ", dropped.top(3))...)
	for _, code := range slices.Sorted(maps.Keys(samples)) {
		r.errors = append(r.errors, fmt.Sprintf("sendMessage error %s: %q", code, samples[code]))
	}
	return r, nil
}

// connectChat opens every user's connection (cfg.dialConc at a time) and subscribes it
// to its rooms, starting each connection's reader once it is set up.
func connectChat(ctx context.Context, cfg *config, p *chatPlan, users []loadUser, rids []string, l *ledger) ([]*chatConn, *tally) {
	conns := make([]*chatConn, len(users))
	fails := &tally{}
	readCtx := context.WithoutCancel(ctx) // readers end when their sockets are closed
	sem := make(chan struct{}, min(cfg.dialConc, 100))
	var wg sync.WaitGroup
	for u := range users {
		if users[u].token == "" {
			fails.add(fmt.Errorf("%s: no token (REST login failed)", users[u].name))
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			fails.add(ctx.Err())
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			cc, subErrs, err := setUpChatConn(ctx, cfg.addr, u, users[u].token, rids, p.roomsOf[u])
			if err != nil {
				fails.add(fmt.Errorf("%s: %w", users[u].name, err))
				return
			}
			for _, e := range subErrs {
				fails.add(e)
			}
			go cc.read(readCtx, p, l, p.messages)
			conns[u] = cc
		})
	}
	wg.Wait()
	return conns, fails
}

// scheduleSends hands message k to send at start + p.at(k), for every k, catching up
// at once when behind (open loop: a slow server does not slow the offered rate). It
// returns how late each message was handed over; send false means it could not be.
func scheduleSends(ctx context.Context, p *chatPlan, start time.Time, send func(k int) bool) []time.Duration {
	lags := make([]time.Duration, 0, p.messages)
	for k := range p.messages {
		due := start.Add(p.at(k))
		if wait := time.Until(due); wait > 100*time.Microsecond {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return lags
			}
		}
		if send(k) {
			lags = append(lags, max(time.Since(due), 0))
		}
	}
	return lags
}

// rssSampler samples the server's RSS every rssEvery until stopped, keeping the peak.
type rssSampler struct {
	first procStatus
	ok    bool
	stopc chan struct{}
	done  chan procStatus
}

const rssEvery = 100 * time.Millisecond

func startRSSSampler(cfg *config) *rssSampler {
	s := &rssSampler{stopc: make(chan struct{}), done: make(chan procStatus, 1)}
	s.first, s.ok = sampleServer(cfg)
	go func() {
		peak := s.first
		tick := time.NewTicker(rssEvery)
		defer tick.Stop()
		for {
			select {
			case <-s.stopc:
				if st, ok := sampleServer(cfg); ok {
					peak = maxRSS(peak, st)
				}
				s.done <- peak
				return
			case <-tick.C:
				if st, ok := sampleServer(cfg); ok {
					peak = maxRSS(peak, st)
				}
			}
		}
	}()
	return s
}

// stop returns the highest RSS seen (with the latest HWM and thread count).
func (s *rssSampler) stop() (procStatus, bool) {
	close(s.stopc)
	return <-s.done, s.ok
}

func maxRSS(peak, st procStatus) procStatus {
	st.RSS = max(st.RSS, peak.RSS)
	return st
}
