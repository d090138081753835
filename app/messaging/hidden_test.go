package messaging_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

// insertSystem stores a system message of type typ in the room.
func (e *env) insertSystem(rid, typ string, ts time.Time) {
	e.t.Helper()
	m := model.Message{ID: fmt.Sprintf("sys-%s-%s-%d", rid, typ, ts.UnixNano()), RID: rid, T: typ, Ts: ts, UpdatedAt: ts,
		U: model.UserRef{ID: "u-x", Username: "x"}}
	if err := e.db.Collection(docdb.Messages).Insert(e.ctx, m); err != nil {
		e.t.Fatal(err)
	}
}

func types(msgs []model.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.T)
	}
	return out
}

func TestHiddenSystemMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann := e.user("ann")
	plain := e.room("plain", model.RoomPublic, nil, ann)
	own := e.room("own", model.RoomPublic, func(r *model.Room) { r.SysMes = []string{"au"} }, ann)
	base := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
	for _, rid := range []string{plain.ID, own.ID} {
		for i, typ := range []string{"uj", "au", "user-muted", "ul"} {
			e.insertSystem(rid, typ, base.Add(time.Duration(i)*time.Millisecond))
		}
		e.send(ann, messaging.SendInput{RID: rid, Msg: "hi"})
	}
	history := func(rid string) []string {
		t.Helper()
		h, err := e.svc.History(e.ctx, ann, messaging.HistoryInput{RID: rid, Count: 50})
		if err != nil {
			t.Fatal(err)
		}
		return types(h.Messages)
	}
	if got := fmt.Sprint(history(plain.ID)); got != "[ ul user-muted au uj]" {
		t.Errorf("nothing hidden: %s", got)
	}
	// settings.Set takes no list value yet (app/settings has no multiSelect type), so the
	// value is written as an admin's restore or mongosh would, then loaded.
	if _, err := e.db.Collection(docdb.Settings).Update(e.ctx, docdb.ByID("Hide_System_Messages"),
		docdb.U().Set("value", []string{"uj", "mute_unmute"})); err != nil {
		t.Fatal(err)
	}
	if err := e.cfg.Load(e.ctx); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(history(plain.ID)); got != "[ ul au]" {
		t.Errorf("setting hides uj and mute_unmute: %s", got)
	}
	// A room with its own list ignores the setting.
	if got := fmt.Sprint(history(own.ID)); got != "[ ul user-muted uj]" {
		t.Errorf("room sysMes hides au: %s", got)
	}
	lh, err := e.svc.LoadHistory(e.ctx, ann, plain.ID, nil, 50, &base, true)
	if err != nil || fmt.Sprint(types(lh.Messages)) != "[ ul au]" {
		t.Errorf("loadHistory: %v, %v", types(lh.Messages), err)
	}
}
