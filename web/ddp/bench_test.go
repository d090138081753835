package ddp

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// fakeConn is a connection without a socket: what Emit sees of a subscriber.
func fakeConn(s *Server, queue int) *Conn {
	c := &Conn{srv: s, id: model.NewID(), writing: true, subs: map[string]*Sub{}} // no writer: the benchmark drains out
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.user.Store(&session{actor: model.Actor{UserID: c.id}})
	return c
}

// benchMessage is shaped like a chat message as stream-room-messages carries it.
type benchMessage struct {
	ID        string           `json:"_id"`
	RID       string           `json:"rid"`
	Msg       string           `json:"msg"`
	TS        time.Time        `json:"ts"`
	U         benchUser        `json:"u"`
	UpdatedAt time.Time        `json:"_updatedAt"`
	Mentions  []benchUser      `json:"mentions"`
	Channels  []string         `json:"channels"`
	MD        []map[string]any `json:"md,omitempty"`
	Groupable bool             `json:"groupable,omitempty"`
	TMID      string           `json:"tmid,omitempty"`
}

type benchUser struct {
	ID       string `json:"_id"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
}

func newBenchMessage() benchMessage {
	ts := time.UnixMilli(1700000000000)
	return benchMessage{
		ID: "k7mQ2wXn9PpLr4Ty8", RID: "GENERAL", Msg: "Hello @bob, the deploy on the field kit is done ✅",
		TS: ts, UpdatedAt: ts, U: benchUser{ID: "U1", Username: "alice", Name: "Alice"},
		Mentions: []benchUser{{ID: "U2", Username: "bob", Name: "Bob"}}, Channels: []string{},
		MD: []map[string]any{{"type": "PARAGRAPH", "value": []any{map[string]any{"type": "PLAIN_TEXT", "value": "Hello "}}}},
	}
}

// BenchmarkEmit measures Emit of a message to n subscribers of its event. The
// subscribers' queues are emptied off the clock: the figure is the publisher's cost
// (encode once, enqueue n times).
func BenchmarkEmit(b *testing.B) {
	const queue = 64
	for _, n := range []int{1, 100, 10000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			s := New(Config{})
			s.Stream("room-messages", StreamSpec{})
			st := s.stream("room-messages")
			conns := make([]*Conn, n)
			for i := range conns {
				conns[i] = fakeConn(s, queue)
				st.add("GENERAL", conns[i])
			}
			msg := newBenchMessage()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if i%queue == 0 {
					b.StopTimer()
					for _, c := range conns {
						for c.takeOut() != nil {
						}
					}
					b.StartTimer()
				}
				s.Emit("room-messages", "GENERAL", msg)
			}
			for _, c := range conns {
				if c.stopping.Load() {
					b.Fatal("a subscriber overflowed")
				}
			}
		})
	}
}

func BenchmarkMarshalMessage(b *testing.B) {
	msg := newBenchMessage()
	b.Run("ejson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Marshal(msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) { // for comparison (dates as strings)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(msg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkUnmarshalMessage(b *testing.B) {
	data, _ := Marshal(newBenchMessage())
	plain, _ := json.Marshal(newBenchMessage())
	b.Run("ejson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m benchMessage
			if err := Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ejson-no-wrappers", func(b *testing.B) { // the fast path: no "$ in the input
		b.ReportAllocs()
		for b.Loop() {
			var m benchMessage
			if err := Unmarshal(plain, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m benchMessage
			if err := json.Unmarshal(plain, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
