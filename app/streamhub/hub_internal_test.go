package streamhub

import "testing"

// TestIndexEmptied checks that topics nobody listens to any more leave no entry
// behind: DDP sessions come and go per room, and the index must not grow with them.
func TestIndexEmptied(t *testing.T) {
	t.Parallel()
	h := New(nil)
	removed := h.Subscribe(1, "a", All)
	removed.Remove("a", All)
	closed := h.Subscribe(1, "b", All)
	closed.Close()
	dropped := h.Subscribe(1, "c", "d")
	h.Publish(SettingChanged{})
	h.Publish(testTopic("c"))
	h.Publish(testTopic("c"))
	if dropped.Err() != ErrOverflow {
		t.Fatalf("dropped.Err() = %v, want ErrOverflow", dropped.Err())
	}
	live := h.Subscribe(1)
	if len(h.topics) != 0 || len(h.all) != 0 || len(h.subs) != 2 {
		t.Fatalf("index left: %d topics, %d wildcard, %d subscriptions (want 0, 0, 2)",
			len(h.topics), len(h.all), len(h.subs))
	}
	live.Close()
	removed.Close()
	if len(h.subs) != 0 {
		t.Fatalf("%d subscriptions left after closing all", len(h.subs))
	}
}

type testTopic string

func (t testTopic) Topic() string { return string(t) }
