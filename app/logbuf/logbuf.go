// Package logbuf keeps the server's latest log records in memory for the admin console's
// Logs page: an slog.Handler wrapper that passes every record on to the handler it wraps
// (stdout or stderr, unchanged) and also keeps a copy, rendered as text, in a ring of a
// fixed number of lines. Subscribers receive new lines on a bounded channel; a
// subscriber that falls behind loses lines and never slows logging.
//
// Rocket.Chat's View Logs does the same with its stdout: it keeps the last 1,000
// writes in a queue (apps/meteor/server/lib/logger/logQueue.ts) and pushes new ones on
// the "stdout" stream to holders of view-logs.
//
// Memory is bounded: Size lines of at most MaxLine bytes each. Attribute values whose
// key looks like a secret (password, token, secret…) are kept masked.
package logbuf

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults: the number of lines kept and the longest line kept, in bytes (message and
// attributes together; longer lines are cut and marked with "…").
const (
	DefaultSize = 2000
	MaxLine     = 2048
)

// Line is one log record as the console shows it.
type Line struct {
	Seq   uint64 // 1 for the first record since the start, then one more for each
	Time  time.Time
	Level slog.Level
	Svc   string // the svc attribute: the service that logged it
	Msg   string
	Attrs string // the other attributes as key=value, space-separated, secrets masked
}

// Buffer is the ring of recent lines and its subscribers. The zero value is not usable;
// use New.
type Buffer struct {
	mu    sync.Mutex
	lines []Line // a ring: lines[(next-1)%len] is the newest once full
	n     int    // how many are held
	seq   uint64 // the last Seq given
	subs  map[*Subscription]struct{}
}

// New returns a buffer keeping the last size lines (DefaultSize when size <= 0).
func New(size int) *Buffer {
	if size <= 0 {
		size = DefaultSize
	}
	return &Buffer{lines: make([]Line, size), subs: map[*Subscription]struct{}{}}
}

// Size is how many lines the buffer keeps at most.
func (b *Buffer) Size() int { return len(b.lines) }

// add stores l, giving it the next Seq, and offers it to every subscriber.
func (b *Buffer) add(l Line) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	l.Seq = b.seq
	b.lines[(b.seq-1)%uint64(len(b.lines))] = l
	b.n = min(b.n+1, len(b.lines))
	for s := range b.subs {
		select {
		case s.c <- l:
		default:
			s.dropped.Add(1)
		}
	}
}

// Subscription receives the lines logged after Subscribe. Its channel is closed by
// Close.
type Subscription struct {
	C       <-chan Line
	c       chan Line
	b       *Buffer
	dropped atomic.Uint64
	once    sync.Once
}

// Subscribe returns a subscription whose channel holds up to size lines (at least 1);
// lines that find it full are counted in Dropped and lost for this subscriber. Close it
// when done.
func (b *Buffer) Subscribe(size int) *Subscription {
	c := make(chan Line, max(size, 1))
	s := &Subscription{C: c, c: c, b: b}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// Dropped returns and resets the count of lines lost since the last call.
func (s *Subscription) Dropped() uint64 { return s.dropped.Swap(0) }

// Close ends the subscription and closes its channel; it may be called more than once.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.b.mu.Lock()
		delete(s.b.subs, s)
		close(s.c)
		s.b.mu.Unlock()
	})
}

// Subscribers is how many subscriptions are open.
func (b *Buffer) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// Query selects lines. The zero value is the newest 100 lines of any level.
type Query struct {
	Level    slog.Level // the least level shown; the zero value is info, so set it: slog.LevelDebug for all
	Text     string     // case-insensitive substring of the message, svc or attributes; "" for any
	Before   uint64     // only lines older than this Seq; 0 for the newest
	After    uint64     // only lines newer than this Seq (catching up a stream); 0 for any
	Limit    int        // the most lines returned; <= 0 means 100
	MaxBytes int        // stop before the text returned passes this many bytes; <= 0 for no bound
}

// Page is the lines a query selected, oldest first, and whether older ones match too.
type Page struct {
	Lines []Line
	More  bool   // older matching lines exist: ask again with Before set to Lines[0].Seq
	Last  uint64 // the newest Seq logged so far (0 when nothing was)
}

// Match reports whether l passes the query's level and text (lowered) filters.
func (q Query) match(l *Line, lowered string) bool {
	if l.Level < q.Level {
		return false
	}
	if lowered == "" {
		return true
	}
	return containsFold(l.Msg, lowered) || containsFold(l.Svc, lowered) || containsFold(l.Attrs, lowered)
}

// Match reports whether l passes the query's level and text filters (its Before, After
// and Limit do not apply).
func (q Query) Match(l Line) bool { return q.match(&l, strings.ToLower(q.Text)) }

// containsFold reports whether s contains lowered, ignoring case.
func containsFold(s, lowered string) bool {
	if len(lowered) > len(s) {
		return false
	}
	return strings.Contains(strings.ToLower(s), lowered)
}

// Lines returns the newest lines the query selects, oldest first.
func (b *Buffer) Lines(q Query) Page {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	lowered := strings.ToLower(q.Text)
	b.mu.Lock()
	held := make([]Line, 0, b.n) // copied under the lock, filtered outside it
	for i := range b.n {
		seq := b.seq - uint64(i)
		if q.Before != 0 && seq >= q.Before {
			continue
		}
		if seq <= q.After {
			break
		}
		held = append(held, b.lines[(seq-1)%uint64(len(b.lines))])
	}
	p := Page{Last: b.seq}
	b.mu.Unlock()

	var out []Line
	size := 0
	for i := range held { // newest first
		l := &held[i]
		if !q.match(l, lowered) {
			continue
		}
		n := len(l.Msg) + len(l.Attrs) + len(l.Svc) + 64
		if len(out) == limit || (q.MaxBytes > 0 && len(out) > 0 && size+n > q.MaxBytes) {
			p.More = true
			break
		}
		size += n
		out = append(out, *l)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	p.Lines = out
	return p
}

// Wrap returns a handler that passes every record to next and keeps a copy in b. It is
// enabled exactly when next is, so the buffer holds what the server's log shows.
func (b *Buffer) Wrap(next slog.Handler) slog.Handler {
	return &handler{next: next, buf: b}
}

// handler is the slog.Handler of Wrap.
type handler struct {
	next   slog.Handler
	buf    *Buffer
	svc    string // the svc attribute given by With, outside any group
	attrs  string // attributes given by With, rendered
	prefix string // the open groups, as "a.b."
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	err := h.next.Handle(ctx, r)
	l := Line{Time: r.Time, Level: r.Level, Svc: h.svc, Msg: r.Message}
	var sb strings.Builder
	sb.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		if h.prefix == "" && a.Key == "svc" {
			l.Svc = a.Value.Resolve().String()
			return true
		}
		writeAttr(&sb, h.prefix, a)
		return sb.Len() < MaxLine
	})
	l.Attrs = sb.String()
	cut(&l)
	h.buf.add(l)
	return err
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	h2 := *h
	h2.next = h.next.WithAttrs(as)
	var sb strings.Builder
	sb.WriteString(h.attrs)
	for _, a := range as {
		if h.prefix == "" && a.Key == "svc" {
			h2.svc = a.Value.Resolve().String()
			continue
		}
		writeAttr(&sb, h.prefix, a)
	}
	h2.attrs = sb.String()
	return &h2
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.next = h.next.WithGroup(name)
	h2.prefix = h.prefix + name + "."
	return &h2
}
