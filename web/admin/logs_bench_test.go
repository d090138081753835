package admin_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/logbuf"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// BenchmarkLogsPage10k renders the Logs page over a full buffer (2,000 lines, about
// 300 bytes each) at 10,000 users and 1,000 rooms: unfiltered, by level, by text, and a
// page back; it reports p50 and p99 as benchPage does.
func BenchmarkLogsPage10k(b *testing.B) {
	a := wiretest.Open(b)
	a.Logs = logbuf.New(logbuf.DefaultSize)
	log := slog.New(a.Logs.Wrap(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelDebug})))
	levels := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelInfo, slog.LevelWarn, slog.LevelError}
	for i := range logbuf.DefaultSize {
		log.Log(context.Background(), levels[i%len(levels)], "http request", "svc", "web", "method", "GET",
			"path", fmt.Sprintf("/api/v1/rooms.info/%s", model.NewID()), "status", 200, "duration", time.Duration(i)*time.Microsecond,
			"user", model.RandomString(17), "detail", model.RandomString(150))
	}
	wiretest.User(b, a, "boss", "admin")
	seed(b, a, 10000, 1000)
	h := wiretest.Handler(b, a)
	uid, token := wiretest.Login(b, a, "boss")
	cookie := "outpost_admin=" + uid + "." + token
	paths := []string{"/admin/logs", "/admin/logs?level=warn", "/admin/logs?q=rooms.info", "/admin/logs?before=1000"}
	measurePages(b, h, cookie, paths...)
}
