package messaging_test

import (
	"context"
	"slices"
	"testing"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

// TestUserDeletedErasure: Message_ErasureType decides what becomes of a deleted user's
// messages, and only theirs.
func TestUserDeletedErasure(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"Delete", "Unlink", "Keep"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if err := e.cfg.Set(e.ctx, model.System, "Message_ErasureType", kind); err != nil {
				t.Fatal(err)
			}
			var removed []string
			e.svc.SetOnFilesRemoved(func(_ context.Context, ids []string) { removed = append(removed, ids...) })
			alice, bob := e.user("alice"), e.user("bob")
			room := e.room("chan", model.RoomPublic, nil, alice, bob)
			e.send(alice, messaging.SendInput{ID: "a1", RID: room.ID, Msg: "one"})
			e.send(alice, messaging.SendInput{ID: "a2", RID: room.ID, Msg: "two"})
			e.send(bob, messaging.SendInput{ID: "b1", RID: room.ID, Msg: "mine"})
			file := model.Message{ID: "a3", RID: room.ID, Msg: "", U: model.UserRef{ID: alice.UserID, Username: "alice"},
				File: &model.FileRef{ID: "up1", Name: "x.png"}, Files: []model.FileRef{{ID: "up1"}, {ID: "thumb1"}}}
			if err := e.db.Collection(docdb.Messages).Insert(e.ctx, file); err != nil {
				t.Fatal(err)
			}
			e.events()

			if err := e.svc.UserDeleted(e.ctx, model.User{ID: alice.UserID, Username: "alice"}); err != nil {
				t.Fatal(err)
			}
			var msgs []model.Message
			if err := e.db.Collection(docdb.Messages).Find(e.ctx, docdb.Query{Where: docdb.F("rid") + " = ?", Args: []any{room.ID}, Order: docdb.F("_id")}, &msgs); err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, m := range msgs {
				ids = append(ids, m.ID)
			}
			var erased []streamhub.UserMessagesErased
			for _, ev := range e.events() {
				if x, ok := ev.(streamhub.UserMessagesErased); ok {
					erased = append(erased, x)
				}
			}
			switch kind {
			case "Delete":
				if !slices.Equal(ids, []string{"b1"}) {
					t.Errorf("messages left = %v, want only bob's", ids)
				}
				if !slices.Equal(removed, []string{"up1", "thumb1"}) {
					t.Errorf("files removed = %v", removed)
				}
				if len(erased) != 1 || erased[0].ErasureType != "Delete" || erased[0].UserID != alice.UserID || erased[0].ReplaceBy != nil {
					t.Errorf("events = %+v", erased)
				}
			case "Unlink":
				if len(msgs) != 4 {
					t.Fatalf("messages = %v", ids)
				}
				for _, m := range msgs {
					mine := m.ID == "b1"
					if mine != (m.U.ID == bob.UserID) || !mine && (m.U.ID != "rocket.cat" || m.U.Username != "rocket.cat" || m.U.Name != "" || m.Alias != "Removed User") {
						t.Errorf("message %s after unlink: u=%+v alias=%q", m.ID, m.U, m.Alias)
					}
				}
				if len(removed) != 0 {
					t.Errorf("files removed on unlink: %v", removed)
				}
				if len(erased) != 1 || erased[0].ReplaceBy == nil || erased[0].ReplaceBy.Alias != "Removed User" {
					t.Errorf("events = %+v", erased)
				}
			case "Keep":
				if len(msgs) != 4 || len(removed) != 0 || len(erased) != 0 {
					t.Errorf("keep changed something: messages %v, files %v, events %+v", ids, removed, erased)
				}
				for _, m := range msgs {
					if m.ID != "b1" && m.U.Username != "alice" {
						t.Errorf("message %s: u=%+v", m.ID, m.U)
					}
				}
			}
		})
	}
}

// TestDeleteUserErasesMessages: users.delete reaches the user's messages through the
// hook the binary wires (the default, Delete).
func TestDeleteUserErasesMessages(t *testing.T) {
	t.Parallel()
	a := wiretest.Open(t)
	boss := wiretest.Actor(t, a, "boss", "admin")
	ann := wiretest.Actor(t, a, "ann")
	ctx := context.Background()
	if _, err := a.Messaging.Send(ctx, ann, messaging.SendInput{ID: "ann1", RID: model.GeneralRoomID, Msg: "bye"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Accounts.DeleteUser(ctx, boss, accounts.UserRef{Username: "ann"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Messaging.Get(ctx, boss, "ann1"); err == nil {
		t.Error("ann's message is still there after users.delete")
	}
}
