package stats_test

import (
	"context"
	"testing"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/stats"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

var _ stats.Store = (*docdb.StatsStore)(nil)

type conns int

func (c conns) Connections() int { return int(c) }

func TestDashboard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := wiretest.Open(t)
	boss := wiretest.Actor(t, a, "boss", "admin")
	joe := wiretest.Actor(t, a, "joe")
	wiretest.Login(t, a, "joe")
	// Two "joined" system messages and this one.
	if _, err := a.Messaging.Send(ctx, joe, messagingInput(model.GeneralRoomID, "hello")); err != nil {
		t.Fatal(err)
	}
	a.Stats.SetConnections(conns(3))
	if _, err := a.Stats.Dashboard(ctx, joe); model.AsError(err).Kind != model.KindForbidden {
		t.Fatalf("a plain user sees the dashboard: %v", err)
	}
	d, err := a.Stats.Dashboard(ctx, boss)
	if err != nil {
		t.Fatal(err)
	}
	n := d.Now
	if n.Users != 2 || n.UsersActiveWeek != 1 || n.Rooms["c"] != 1 || n.Messages != 3 || n.MessagesToday != 3 || n.Connections != 3 ||
		n.Memory == 0 || n.DBBytes == 0 || n.DataBytes < n.DBBytes || len(d.History) != 1 {
		t.Fatalf("dashboard %+v (history %d)", n, len(d.History))
	}
	for range stats.Keep + 3 {
		if _, err := a.Stats.Take(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if d, _ = a.Stats.Dashboard(ctx, boss); len(d.History) != stats.Keep {
		t.Fatalf("history holds %d samples", len(d.History))
	}
}

func messagingInput(rid, msg string) messaging.SendInput {
	return messaging.SendInput{RID: rid, Msg: msg}
}
