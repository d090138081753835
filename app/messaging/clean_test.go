package messaging_test

import (
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
)

func TestCleanHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	boss := e.user("boss", "admin")
	ann := e.user("ann")
	out := e.user("out", "admin")
	room := e.room("grp", model.RoomPrivate, nil, boss, ann)
	e.room("other", model.RoomPrivate, nil, boss)
	var sent []model.Message
	for i, who := range []model.Actor{boss, ann, boss, ann, boss} {
		m := e.send(who, messaging.SendInput{RID: room.ID, Msg: "m" + string(rune('0'+i))})
		sent = append(sent, m)
		time.Sleep(2 * time.Millisecond)
	}
	if _, err := e.db.Collection(docdb.Messages).Update(e.ctx, docdb.ByID(sent[0].ID), docdbSet("pinned", true)); err != nil {
		t.Fatal(err)
	}
	all := messaging.CleanInput{RID: room.ID, Oldest: sent[0].Ts.Add(-time.Hour), Latest: time.Now().Add(time.Hour), Inclusive: true}

	// Failure paths first: nothing may change.
	for _, c := range []struct {
		name  string
		actor model.Actor
		in    messaging.CleanInput
		code  string
	}{
		{"anonymous", model.Actor{}, all, "error-invalid-user"},
		{"no permission", ann, all, "error-not-allowed"},
		{"no room", boss, messaging.CleanInput{}, "error-room-not-found"},
		{"unknown room", boss, messaging.CleanInput{RID: "nope", Latest: all.Latest}, "error-room-not-found"},
	} {
		if _, err := e.svc.CleanHistory(e.ctx, c.actor, c.in); code(err) != c.code {
			t.Errorf("%s: err %v, want %s", c.name, err, c.code)
		}
	}
	// An admin holds the permission but still cannot clean a private room they are not in.
	if _, err := e.svc.CleanHistory(e.ctx, out, all); code(err) != "error-not-allowed" {
		t.Errorf("non-member admin: %v", err)
	}
	e.events()

	// Ann's messages only, with a limit of one: the oldest goes, its id in the event.
	in := all
	in.Users, in.Limit, in.ExcludePinned = []string{"ann"}, 1, true
	n, err := e.svc.CleanHistory(e.ctx, boss, in)
	if err != nil || n != 1 {
		t.Fatalf("clean ann limit 1: %d, %v", n, err)
	}
	if _, err := e.svc.Get(e.ctx, boss, sent[1].ID); err == nil {
		t.Errorf("message %s still there", sent[1].ID)
	}
	var bulk *streamhub.MessagesBulkDeleted
	for _, ev := range e.events() {
		if b, ok := ev.(streamhub.MessagesBulkDeleted); ok {
			bulk = &b
		}
	}
	if bulk == nil || bulk.RID != room.ID {
		t.Fatalf("no bulk event: %+v", bulk)
	}
	if ids, _ := bulk.Payload["ids"].([]string); len(ids) != 1 || ids[0] != sent[1].ID {
		t.Errorf("payload ids %v", bulk.Payload["ids"])
	}
	if ts, _ := bulk.Payload["ts"].(map[string]any); ts["$gte"] == nil || ts["$lte"] == nil || bulk.Payload["excludePinned"] != true {
		t.Errorf("payload %v", bulk.Payload)
	}

	// Everything else but the pinned message; msgs and lastMessage follow.
	in = all
	in.ExcludePinned = true
	if n, err = e.svc.CleanHistory(e.ctx, boss, in); err != nil || n != 3 {
		t.Fatalf("clean all but pinned: %d, %v", n, err)
	}
	r := e.roomDoc(room.ID)
	if r.Msgs != 1 || r.LastMessage == nil || r.LastMessage.ID != sent[0].ID {
		t.Errorf("room after clean: msgs %d, last %+v", r.Msgs, r.LastMessage)
	}
	// Deleted messages are in the trash, so sync reports them.
	del, err := e.svc.Deleted(e.ctx, boss, room.ID, time.Unix(0, 0), 0, 50)
	if err != nil || del.Total != 4 {
		t.Errorf("deleted: %+v, %v", del, err)
	}
	// Nothing left to clean: count 0, no event, the room untouched.
	before := e.roomDoc(room.ID).UpdatedAt
	e.events()
	if n, err = e.svc.CleanHistory(e.ctx, boss, in); err != nil || n != 0 {
		t.Errorf("second clean: %d, %v", n, err)
	}
	if len(e.events()) != 0 || !e.roomDoc(room.ID).UpdatedAt.Equal(before) {
		t.Errorf("an empty clean changed something")
	}
	// The pinned one goes without excludePinned; the other room keeps its messages.
	if n, err = e.svc.CleanHistory(e.ctx, boss, all); err != nil || n != 1 {
		t.Errorf("clean pinned: %d, %v", n, err)
	}
	if r := e.roomDoc(room.ID); r.Msgs != 0 || r.LastMessage != nil {
		t.Errorf("emptied room: msgs %d, last %+v", r.Msgs, r.LastMessage)
	}
}

func TestCleanHistoryFilesOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	boss := e.user("boss", "admin")
	room := e.room("grp", model.RoomPrivate, nil, boss)
	plain := e.send(boss, messaging.SendInput{RID: room.ID, Msg: "text"})
	withFile := e.send(boss, messaging.SendInput{RID: room.ID, Msg: "file"})
	if _, err := e.db.Collection(docdb.Messages).Update(e.ctx, docdb.ByID(withFile.ID), docdbSet("file", map[string]any{"_id": "f1", "name": "a.png"})); err != nil {
		t.Fatal(err)
	}
	n, err := e.svc.CleanHistory(e.ctx, boss, messaging.CleanInput{RID: room.ID, Oldest: time.Unix(0, 0), Latest: time.Now().Add(time.Hour), FilesOnly: true})
	if err != nil || n != 1 {
		t.Fatalf("files only: %d, %v", n, err)
	}
	m, err := e.svc.Get(e.ctx, boss, withFile.ID)
	if err != nil || len(m.Attachments) != 1 || m.Attachments[0]["text"] != "_File removed by prune_" {
		t.Errorf("pruned message: %+v, %v", m, err)
	}
	if _, err := e.svc.Get(e.ctx, boss, plain.ID); err != nil {
		t.Errorf("plain message gone: %v", err)
	}
	if r := e.roomDoc(room.ID); r.Msgs != 2 {
		t.Errorf("msgs %d", r.Msgs)
	}
}
