package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/audit"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

func TestRecordAndList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := wiretest.Open(t)
	boss := wiretest.Actor(t, a, "boss", "admin")
	joe := wiretest.Actor(t, a, "joe")
	if err := a.Audit.Record(ctx, boss, audit.Record{}); model.AsError(err).Kind != model.KindInvalid {
		t.Fatalf("no action: %v", err)
	}
	long := strings.Repeat("é", 600)
	for _, act := range []string{"one", "two", "three"} {
		if err := a.Audit.Record(ctx, boss, audit.Record{Action: act, Target: long, Addr: "192.0.2.7", Via: "admin", Fields: map[string]string{"k": "v"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Audit.List(ctx, joe, 0, 10); model.AsError(err).Kind != model.KindForbidden {
		t.Fatalf("a plain user reads the log: %v", err)
	}
	p, err := a.Audit.List(ctx, boss, -5, 2)
	if err != nil || p.Total != 3 || len(p.Entries) != 2 || p.Entries[0].Action != "three" || p.Entries[0].Actor.Username != "boss" ||
		p.Entries[0].Addr != "192.0.2.7" || p.Entries[0].Fields["k"] != "v" {
		t.Fatalf("page %+v, %v", p, err)
	}
	if tg := p.Entries[0].Target; len(tg) > 520 || !strings.HasSuffix(tg, "…") || !strings.HasPrefix(tg, "é") {
		t.Fatalf("a long target is kept as %d bytes", len(tg))
	}
}
