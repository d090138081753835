package ddp_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/web/ddp"
)

// BenchmarkMethodRoundTrip is one method call and its answer over a real loopback
// WebSocket: parse, queue, run, encode, write, read.
func BenchmarkMethodRoundTrip(b *testing.B) {
	srv := newServer(b, ddp.Config{}, registerTestMethods)
	c := srv.connected(b)
	b.ReportAllocs()
	for b.Loop() {
		c.call("1", "echo", `"GENERAL"`, `{"ts":{"$date":1700000000000}}`)
	}
}

// BenchmarkEmitDelivered measures Emit to n real connections until every one of them
// has read the event (end-to-end fan-out, client reads included).
func BenchmarkEmitDelivered(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			srv := newServer(b, ddp.Config{}, func(s *ddp.Server) { s.Stream("room-messages", ddp.StreamSpec{CanRead: anyone}) })
			clients := make([]*client, n)
			for i := range clients {
				clients[i] = srv.connected(b)
				clients[i].sub("s", "stream-room-messages", `"GENERAL"`)
			}
			got := make(chan struct{}, n)
			stop := make(chan struct{})
			for _, c := range clients {
				go func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						if _, _, err := c.ws.Read(b.Context()); err != nil {
							return
						}
						got <- struct{}{}
					}
				}()
			}
			msg := map[string]any{"_id": "M1", "rid": "GENERAL", "msg": strings.Repeat("x", 200)}
			for b.Loop() {
				srv.Emit("room-messages", "GENERAL", msg)
				for range n {
					<-got
				}
			}
			close(stop)
		})
	}
}
