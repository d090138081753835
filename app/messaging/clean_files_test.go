package messaging_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
)

// TestCleanHistoryRemovesFiles: a cleaning hands the files (file and files) of the
// messages it selects to the files-removed hook, once, after its transaction: with
// filesOnly those of the file messages (pinned ones kept under excludePinned), whose
// file and files are unset and whose attachments become the prune notice; without it
// those of every deleted message. A refused cleaning removes nothing.
func TestCleanHistoryRemovesFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	boss := e.user("boss", "admin")
	ann := e.user("ann")
	room := e.room("grp", model.RoomPrivate, nil, boss, ann)
	var removed [][]string
	e.svc.SetOnFilesRemoved(func(_ context.Context, ids []string) { removed = append(removed, ids) })
	withFiles := func(msg, id string, pinned bool) model.Message {
		m := e.send(ann, messaging.SendInput{RID: room.ID, Msg: msg})
		u := docdb.U().Set("file", map[string]any{"_id": id, "name": id + ".png"}).
			Set("files", []map[string]any{{"_id": id, "name": id + ".png"}, {"_id": id + "-thumb", "name": "thumb-" + id + ".png"}}).
			Set("attachments", []map[string]any{{"title": id + ".png", "type": "file"}})
		if pinned {
			u.Set("pinned", true)
		}
		if _, err := e.db.Collection(docdb.Messages).Update(e.ctx, docdb.ByID(m.ID), u); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		return m
	}
	pinned := withFiles("pinned", "f0", true)
	first := withFiles("one", "f1", false)
	text := e.send(ann, messaging.SendInput{RID: room.ID, Msg: "text"})
	second := withFiles("two", "f2", false)
	all := messaging.CleanInput{RID: room.ID, Oldest: time.Unix(0, 0), Latest: time.Now().Add(time.Hour), Inclusive: true, ExcludePinned: true}

	in := all
	in.FilesOnly = true
	if _, err := e.svc.CleanHistory(e.ctx, ann, in); code(err) != "error-not-allowed" || len(removed) != 0 {
		t.Fatalf("refused: %v, removed %v", err, removed)
	}
	e.events()
	n, err := e.svc.CleanHistory(e.ctx, boss, in)
	if err != nil || n != 2 {
		t.Fatalf("filesOnly: %d, %v", n, err)
	}
	if want := [][]string{{"f1", "f1-thumb", "f2", "f2-thumb"}}; !slices.EqualFunc(removed, want, slices.Equal) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	for _, id := range []string{first.ID, second.ID} {
		m, err := e.svc.Get(e.ctx, boss, id)
		if err != nil || m.File != nil || m.Files != nil || len(m.Attachments) != 1 ||
			m.Attachments[0]["color"] != "#FD745E" || m.Attachments[0]["text"] != "_File removed by prune_" {
			t.Errorf("pruned %s: %+v, %v", id, m, err)
		}
	}
	if m, err := e.svc.Get(e.ctx, boss, pinned.ID); err != nil || m.File == nil || m.File.ID != "f0" {
		t.Errorf("pinned: %+v, %v", m, err)
	}
	saved := 0
	for _, ev := range e.events() {
		if ms, ok := ev.(streamhub.MessageSaved); ok {
			if m, ok := ms.Message.(model.Message); ok && (m.ID == first.ID || m.ID == second.ID) {
				saved++
			}
		}
	}
	if saved != 2 {
		t.Errorf("%d MessageSaved events for the pruned messages, want 2", saved)
	}

	// Deleting everything, pinned included: only f0 is left to remove; the text and the
	// pruned messages have no file.
	removed = nil
	in = all
	in.ExcludePinned = false
	if n, err := e.svc.CleanHistory(e.ctx, boss, in); err != nil || n != 4 {
		t.Fatalf("clean: %d, %v", n, err)
	}
	if want := [][]string{{"f0", "f0-thumb"}}; !slices.EqualFunc(removed, want, slices.Equal) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	if _, err := e.svc.Get(e.ctx, boss, text.ID); err == nil {
		t.Errorf("text message survived")
	}
}
