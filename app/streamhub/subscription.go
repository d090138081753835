package streamhub

// Subscription is one subscriber's queue of events. Its methods are safe for
// concurrent use.
type Subscription struct {
	hub *Hub
	id  uint64 // names it in logs
	ch  chan Event

	// Guarded by hub.mu.
	topics map[string]struct{}
	all    bool  // topics holds All
	err    error // why it ended; nil while live
}

// C returns the channel the subscription's events arrive on, in publish order. It is
// closed when the subscription ends; events already queued can still be received, then
// [Subscription.Err] tells why it ended.
func (s *Subscription) C() <-chan Event { return s.ch }

// Add subscribes to topics too. It does nothing on an ended subscription.
func (s *Subscription) Add(topics ...string) {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	if s.err != nil {
		return
	}
	for _, t := range topics {
		s.hub.index(s, t)
	}
}

// Remove unsubscribes from topics; events of theirs already queued stay queued.
func (s *Subscription) Remove(topics ...string) {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	for _, t := range topics {
		s.hub.unindex(s, t)
	}
}

// Close ends the subscription with [ErrClosed] and closes its channel. Closing an
// ended subscription does nothing.
func (s *Subscription) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.hub.drop(s, ErrClosed)
}

// Err returns nil while the subscription is live, then why it ended: [ErrOverflow] if
// the hub dropped it because its queue was full, [ErrClosed] otherwise.
func (s *Subscription) Err() error {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	return s.err
}
