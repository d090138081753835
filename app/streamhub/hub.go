package streamhub

import (
	"errors"
	"log/slog"
	"sync"
)

// All is the wildcard topic: a subscription to it receives every event.
const All = "*"

var (
	// ErrOverflow is the Err of a subscription dropped because its queue was full.
	ErrOverflow = errors.New("streamhub: subscriber queue full")
	// ErrClosed is the Err of a subscription ended by its Close or the hub's.
	ErrClosed = errors.New("streamhub: subscription closed")
)

// Hub routes published events to the subscriptions of their topic. It is safe for
// concurrent use. The zero Hub is not usable; call [New].
type Hub struct {
	log *slog.Logger

	mu     sync.Mutex
	subs   map[*Subscription]struct{}            // every live subscription
	topics map[string]map[*Subscription]struct{} // topic → its subscribers, All excluded
	all    map[*Subscription]struct{}            // subscribers to All
	nextID uint64
	closed bool
}

// New returns a hub that logs dropped subscribers to logger; a nil logger discards.
func New(logger *slog.Logger) *Hub {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Hub{
		log:    logger,
		subs:   make(map[*Subscription]struct{}),
		topics: make(map[string]map[*Subscription]struct{}),
		all:    make(map[*Subscription]struct{}),
	}
}

// Subscribe returns a subscription to topics (possibly none yet, see
// [Subscription.Add]) whose queue holds bufferSize events; a bufferSize below 1 counts
// as 1. On a closed hub it returns a subscription that is already closed.
func (h *Hub) Subscribe(bufferSize int, topics ...string) *Subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextID++
	s := &Subscription{
		hub:    h,
		id:     h.nextID,
		ch:     make(chan Event, max(bufferSize, 1)),
		topics: make(map[string]struct{}, len(topics)),
	}
	if h.closed {
		s.err = ErrClosed
		close(s.ch)
		return s
	}
	h.subs[s] = struct{}{}
	for _, t := range topics {
		h.index(s, t)
	}
	return s
}

// Publish delivers ev, which must not be nil, to every subscription of ev.Topic() and
// of [All]. It never waits for a subscriber: one whose queue is full is dropped with
// [ErrOverflow] instead. Publishing after Close does nothing.
func (h *Hub) Publish(ev Event) {
	topic := ev.Topic()
	var dropped []*Subscription
	h.mu.Lock()
	for s := range h.topics[topic] {
		if !s.all { // otherwise it gets ev below, once
			dropped = h.send(s, ev, dropped)
		}
	}
	for s := range h.all {
		dropped = h.send(s, ev, dropped)
	}
	h.mu.Unlock()
	for _, s := range dropped {
		h.log.Warn("streamhub: dropped a subscriber whose queue is full",
			"sub", s.id, "topic", topic, "buffer", cap(s.ch))
	}
}

// Close closes every subscription with [ErrClosed]; later subscriptions start closed.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for s := range h.subs {
		h.drop(s, ErrClosed)
	}
}

// send enqueues ev for s or, if its queue is full, drops s and appends it to dropped.
// The caller holds h.mu.
func (h *Hub) send(s *Subscription, ev Event, dropped []*Subscription) []*Subscription {
	select {
	case s.ch <- ev:
		return dropped
	default:
		h.drop(s, ErrOverflow)
		return append(dropped, s)
	}
}

// drop ends s with err, unless it has ended already. The caller holds h.mu.
func (h *Hub) drop(s *Subscription, err error) {
	if s.err != nil {
		return
	}
	for t := range s.topics {
		h.unindex(s, t)
	}
	delete(h.subs, s)
	s.err = err
	close(s.ch)
}

// index adds topic to s. The caller holds h.mu.
func (h *Hub) index(s *Subscription, topic string) {
	if _, ok := s.topics[topic]; ok {
		return
	}
	s.topics[topic] = struct{}{}
	if topic == All {
		s.all = true
		h.all[s] = struct{}{}
		return
	}
	set := h.topics[topic]
	if set == nil {
		set = make(map[*Subscription]struct{})
		h.topics[topic] = set
	}
	set[s] = struct{}{}
}

// unindex removes topic from s, and the topic from the hub when s was its last
// subscriber. The caller holds h.mu.
func (h *Hub) unindex(s *Subscription, topic string) {
	if _, ok := s.topics[topic]; !ok {
		return
	}
	delete(s.topics, topic)
	if topic == All {
		s.all = false
		delete(h.all, s)
		return
	}
	set := h.topics[topic]
	delete(set, s)
	if len(set) == 0 {
		delete(h.topics, topic)
	}
}
