package streamhub_test

import (
	"fmt"
	"testing"

	"github.com/outpostchat/outpost/app/streamhub"
)

// BenchmarkPublish measures Publish with n subscribers on the event's topic. Their
// queues are emptied off the clock, so the figures are the publisher's cost alone.
func BenchmarkPublish(b *testing.B) {
	const queue = 1024
	for _, n := range []int{0, 1, 100, 1000} {
		b.Run(fmt.Sprintf("subscribers=%d", n), func(b *testing.B) {
			hub := streamhub.New(nil)
			defer hub.Close()
			subs := make([]*streamhub.Subscription, n)
			for i := range subs {
				subs[i] = hub.Subscribe(queue, streamhub.TopicSettings)
			}
			var ev streamhub.Event = streamhub.SettingChanged{ID: "Site_Name", Value: "Outpost"}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if i%queue == 0 {
					b.StopTimer()
					for _, s := range subs {
						for len(s.C()) > 0 {
							<-s.C()
						}
					}
					b.StartTimer()
				}
				hub.Publish(ev)
			}
			for _, s := range subs {
				if s.Err() != nil {
					b.Fatal("a subscriber overflowed")
				}
			}
		})
	}
}
