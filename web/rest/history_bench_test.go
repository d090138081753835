package rest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// BenchmarkHistory is the CPU of one GET channels.history (newest 50) through the whole
// HTTP stack without the network: sign-in lookup, room access, the store read, the
// message mapping and the JSON answer. ddpload -mode history measures the same route
// over TCP at 1M messages; this isolates the server's share.
func BenchmarkHistory(b *testing.B) {
	a := wiretest.Open(b)
	actor := wiretest.Actor(b, a, "bench")
	ctx := context.Background()
	for i := range 200 {
		text := fmt.Sprintf("message %d with plain words only, about as long as the load tool sends, nothing else in it at all %d", i, i)
		if _, err := a.Messaging.Send(ctx, actor, messaging.SendInput{RID: model.GeneralRoomID, Msg: text}); err != nil {
			b.Fatal(err)
		}
	}
	h := wiretest.Handler(b, a)
	hdr := wiretest.Header(b, a, "bench")
	req := httptest.NewRequest("GET", "/api/v1/channels.history?roomId=GENERAL&count=50", nil)
	req.Header = hdr
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
