package messaging_test

import (
	"fmt"
	"testing"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
)

// BenchmarkSend sends plain messages into rooms of 10, 50 and 500 members over the
// real store: one transaction each (insert, room, the changed subscriptions), events
// after commit.
func BenchmarkSend(b *testing.B) {
	for _, n := range []int{10, 50, 500} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			e := newEnv(b)
			members := make([]model.Actor, n)
			for i := range members {
				members[i] = e.user(fmt.Sprintf("u%03d", i))
			}
			room := e.room("bench", model.RoomPublic, func(r *model.Room) { r.UsersCount = int64(n) }, members...)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := e.svc.Send(e.ctx, members[i%n], messaging.SendInput{RID: room.ID, Msg: "hello there"}); err != nil {
					b.Fatal(err)
				}
				e.events()
			}
		})
	}
}
