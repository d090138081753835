package streamhub_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/streamhub"
)

// testEvent is an event on any topic, numbered so tests can check order.
type testEvent struct {
	topic string
	n     int
}

func (e testEvent) Topic() string { return e.topic }

// queued returns the events waiting in sub's queue without blocking. Publish enqueues
// before it returns, so this sees everything published so far.
func queued(t *testing.T, sub *streamhub.Subscription) []testEvent {
	t.Helper()
	var got []testEvent
	for {
		select {
		case ev, ok := <-sub.C():
			if !ok {
				return got
			}
			got = append(got, ev.(testEvent))
		default:
			return got
		}
	}
}

// ended reports whether sub's channel is closed, without blocking; call it once the
// queue is empty.
func ended(sub *streamhub.Subscription) bool {
	select {
	case _, ok := <-sub.C():
		return !ok
	default:
		return false
	}
}

func TestSettingChanged(t *testing.T) {
	t.Parallel()
	hub := streamhub.New(nil)
	sub := hub.Subscribe(1, streamhub.TopicSettings)
	want := streamhub.SettingChanged{ID: "Site_Name", Value: "Outpost", Public: true}
	if want.Topic() != "settings" {
		t.Fatalf("Topic() = %q, want settings", want.Topic())
	}
	hub.Publish(want)
	if got := <-sub.C(); got != want {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

func TestOrder(t *testing.T) {
	t.Parallel()
	const n = 1000
	hub := streamhub.New(nil)
	sub := hub.Subscribe(n, "a")
	for i := range n {
		hub.Publish(testEvent{"a", i})
	}
	got := queued(t, sub)
	if len(got) != n {
		t.Fatalf("got %d events, want %d", len(got), n)
	}
	for i, ev := range got {
		if ev.n != i {
			t.Fatalf("event %d is number %d", i, ev.n)
		}
	}
}

func TestTopics(t *testing.T) {
	t.Parallel()
	published := []string{"a", "b", "c", "settings"}
	tests := []struct {
		name   string
		topics []string
		want   []string // topics received, in order
	}{
		{"none", nil, nil},
		{"one", []string{"a"}, []string{"a"}},
		{"two", []string{"b", "a"}, []string{"a", "b"}},
		{"unknown", []string{"z"}, nil},
		{"duplicate", []string{"a", "a"}, []string{"a"}},
		{"wildcard", []string{streamhub.All}, published},
		{"wildcard and topic, once each", []string{"a", streamhub.All, "c"}, published},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hub := streamhub.New(nil)
			sub := hub.Subscribe(10, tt.topics...)
			for _, topic := range published {
				hub.Publish(testEvent{topic: topic})
			}
			var got []string
			for _, ev := range queued(t, sub) {
				got = append(got, ev.topic)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("received %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAddRemove(t *testing.T) {
	t.Parallel()
	hub := streamhub.New(nil)
	sub := hub.Subscribe(10)
	steps := []struct {
		do    func()
		topic string
		want  int // events received from publishing on topic
	}{
		{func() {}, "a", 0},
		{func() { sub.Add("a") }, "a", 1},
		{func() { sub.Add("b", streamhub.All) }, "b", 1},
		{func() {}, "c", 1},
		{func() { sub.Remove(streamhub.All) }, "c", 0},
		{func() { sub.Remove("a") }, "a", 0},
		{func() { sub.Remove("a", "nothing") }, "b", 1},
	}
	for i, step := range steps {
		step.do()
		hub.Publish(testEvent{topic: step.topic})
		if got := len(queued(t, sub)); got != step.want {
			t.Fatalf("step %d: got %d events on %q, want %d", i, got, step.topic, step.want)
		}
	}
	if err := sub.Err(); err != nil {
		t.Fatalf("Err() = %v on a live subscription", err)
	}
}

func TestRemoveKeepsQueuedEvents(t *testing.T) {
	t.Parallel()
	hub := streamhub.New(nil)
	sub := hub.Subscribe(10, "a")
	hub.Publish(testEvent{"a", 1})
	sub.Remove("a")
	hub.Publish(testEvent{"a", 2})
	if got := queued(t, sub); len(got) != 1 || got[0].n != 1 {
		t.Fatalf("got %v, want the one event published before Remove", got)
	}
}

// TestSlowSubscriberDropped publishes to a subscriber that never reads, from a
// goroutine: if Publish ever waited for it, the publisher would never finish.
func TestSlowSubscriberDropped(t *testing.T) {
	t.Parallel()
	const n = 100
	var logs syncBuffer
	hub := streamhub.New(slog.New(slog.NewTextHandler(&logs, nil)))
	fast := hub.Subscribe(n, "a")
	slow := hub.Subscribe(2, "a")

	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			hub.Publish(testEvent{"a", i})
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("Publish blocked on a full subscriber")
	}

	if got := queued(t, fast); len(got) != n {
		t.Errorf("fast subscriber got %d events, want %d", len(got), n)
	}
	if err := fast.Err(); err != nil {
		t.Errorf("fast.Err() = %v, want nil", err)
	}
	got := queued(t, slow)
	if len(got) != 2 || got[0].n != 0 || got[1].n != 1 {
		t.Errorf("slow subscriber got %v, want events 0 and 1", got)
	}
	if !ended(slow) {
		t.Error("slow subscriber's channel is still open")
	}
	if err := slow.Err(); !errors.Is(err, streamhub.ErrOverflow) {
		t.Errorf("slow.Err() = %v, want ErrOverflow", err)
	}
	if log := logs.String(); strings.Count(log, "level=WARN") != 1 || !strings.Contains(log, "buffer=2") {
		t.Errorf("want one warning about the dropped subscriber, logged:\n%s", log)
	}
}

func TestSubscriptionClose(t *testing.T) {
	t.Parallel()
	hub := streamhub.New(nil)
	sub := hub.Subscribe(10, "a", streamhub.All)
	other := hub.Subscribe(10, "a")
	hub.Publish(testEvent{"a", 1})
	sub.Close()
	sub.Close()
	sub.Add("b")
	hub.Publish(testEvent{"a", 2})
	hub.Publish(testEvent{"b", 3})

	if got := queued(t, sub); len(got) != 1 || got[0].n != 1 {
		t.Errorf("closed subscription yielded %v, want only event 1", got)
	}
	if !ended(sub) {
		t.Error("channel still open after Close")
	}
	if err := sub.Err(); !errors.Is(err, streamhub.ErrClosed) {
		t.Errorf("Err() = %v, want ErrClosed", err)
	}
	if got := queued(t, other); len(got) != 2 {
		t.Errorf("other subscription got %v, want events 1 and 2", got)
	}
}

func TestHubClose(t *testing.T) {
	t.Parallel()
	hub := streamhub.New(nil)
	subs := []*streamhub.Subscription{
		hub.Subscribe(1, "a"),
		hub.Subscribe(1),
		hub.Subscribe(1, streamhub.All),
	}
	hub.Close()
	hub.Close()
	subs = append(subs, hub.Subscribe(1, "a"))
	for _, sub := range subs {
		sub.Add("b")
	}
	hub.Publish(testEvent{topic: "a"})
	hub.Publish(testEvent{topic: "b"})
	for i, sub := range subs {
		sub.Close()
		if !ended(sub) {
			t.Errorf("subscription %d: channel open after hub.Close", i)
		}
		if err := sub.Err(); !errors.Is(err, streamhub.ErrClosed) {
			t.Errorf("subscription %d: Err() = %v, want ErrClosed", i, err)
		}
	}
}

// TestConcurrent runs publishers while subscriptions come, change and go. Two
// wildcard subscribers must see the same events in the same order, and each
// publisher's events in the order it published them.
func TestConcurrent(t *testing.T) {
	t.Parallel()
	const publishers, each = 4, 500
	hub := streamhub.New(nil)
	a := hub.Subscribe(publishers*each, streamhub.All)
	b := hub.Subscribe(publishers*each, streamhub.All)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() { // churn
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			sub := hub.Subscribe(1, "p0")
			sub.Add("p1", streamhub.All)
			sub.Remove("p0")
			queued(t, sub)
			if i%2 == 0 {
				sub.Close()
			}
		}
	})
	var pubs sync.WaitGroup
	for p := range publishers {
		pubs.Go(func() {
			for i := range each {
				hub.Publish(testEvent{fmt.Sprintf("p%d", p), i})
			}
		})
	}
	pubs.Wait()
	close(stop)
	wg.Wait()
	hub.Close()

	gotA, gotB := queued(t, a), queued(t, b)
	if len(gotA) != publishers*each {
		t.Fatalf("got %d events, want %d", len(gotA), publishers*each)
	}
	if !slices.Equal(gotA, gotB) {
		t.Fatal("two subscribers saw different orders")
	}
	next := map[string]int{}
	for _, ev := range gotA {
		if ev.n != next[ev.topic] {
			t.Fatalf("%s: got event %d, want %d", ev.topic, ev.n, next[ev.topic])
		}
		next[ev.topic]++
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
