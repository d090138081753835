package messaging_test

import (
	"slices"
	"testing"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
)

// notified sends msg (in thread tmid when set) as from and returns whom it notified.
func (e *env) notified(from model.Actor, rid, msg, tmid string) []string {
	e.t.Helper()
	e.events()
	e.send(from, messaging.SendInput{RID: rid, Msg: msg, TMID: tmid})
	var out []string
	for _, ev := range e.events() {
		if n, ok := ev.(streamhub.Notification); ok {
			out = append(out, n.UserID)
		}
	}
	slices.Sort(out)
	return out
}

func (e *env) setSub(rid string, m model.Actor, field string, v any) {
	e.t.Helper()
	sub := e.sub(rid, m)
	if _, err := e.db.Collection(docdb.Subscriptions).Update(e.ctx, docdb.ByID(sub.ID), docdb.U().Set(field, v)); err != nil {
		e.t.Fatal(err)
	}
}

// TestNotifications: whom a message notifies follows Rocket.Chat's
// sendNotificationsOnMessage and shouldNotifyDesktop.
func TestNotifications(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, carol, dave := e.user("alice"), e.user("bob"), e.user("carol"), e.user("dave")
	room := e.room("chan", model.RoomPublic, func(r *model.Room) { r.UsersCount = 4 }, alice, bob, carol, dave)
	dm := e.room("dm", model.RoomDirect, func(r *model.Room) { r.UsersCount = 2; r.UIDs = []string{alice.UserID, bob.UserID} }, alice, bob)
	all := []string{bob.UserID, carol.UserID, dave.UserID}
	check := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: notified %v, want %v", what, got, want)
		}
	}

	// The server default "all": every other member.
	check("plain message", e.notified(alice, room.ID, "hello", ""), all)

	// A member's own choices: nothing, mentions, off, ignoring the sender, busy.
	e.setSub(room.ID, bob, "desktopNotifications", "nothing")
	e.setSub(room.ID, carol, "desktopNotifications", "mentions")
	check("bob nothing, carol mentions", e.notified(alice, room.ID, "hello", ""), []string{dave.UserID})
	check("carol mentioned", e.notified(alice, room.ID, "hi @carol", ""), []string{carol.UserID, dave.UserID})
	check("@here reaches mentions", e.notified(alice, room.ID, "@here lunch", ""), []string{carol.UserID, dave.UserID})
	e.setSub(room.ID, carol, "muteGroupMentions", true)
	check("muted group mentions", e.notified(alice, room.ID, "@all lunch", ""), []string{dave.UserID})
	e.setSub(room.ID, dave, "disableNotifications", true)
	check("dave turned them off", e.notified(alice, room.ID, "hi @dave @carol", ""), []string{carol.UserID})
	e.setSub(room.ID, carol, "ignored", []any{alice.UserID})
	check("carol ignores alice", e.notified(alice, room.ID, "hi @carol", ""), nil)

	// A fresh room: busy members get nothing.
	room2 := e.room("chan2", model.RoomPublic, func(r *model.Room) { r.UsersCount = 3 }, alice, bob, carol)
	if _, err := e.db.Collection(docdb.Users).Update(e.ctx, docdb.ByID(carol.UserID), docdb.U().Set("status", "busy")); err != nil {
		t.Fatal(err)
	}
	check("carol busy", e.notified(alice, room2.ID, "hello", ""), []string{bob.UserID})

	// Threads: only the thread's followers.
	parent := e.send(alice, messaging.SendInput{RID: room2.ID, Msg: "a thread"})
	check("first reply", e.notified(bob, room2.ID, "reply", parent.ID), []string{alice.UserID})
	check("reply from a follower", e.notified(alice, room2.ID, "back", parent.ID), []string{bob.UserID})

	// The server default "mentions": channels notify the mentioned, direct messages
	// the other member.
	wset(t, e, "Accounts_Default_User_Preferences_desktopNotifications", "mentions")
	check("default mentions, plain", e.notified(alice, room2.ID, "hello", ""), nil)
	check("default mentions, mention", e.notified(alice, room2.ID, "hi @bob", ""), []string{bob.UserID})
	check("default mentions, direct", e.notified(alice, dm.ID, "psst", ""), []string{bob.UserID})
	wset(t, e, "Accounts_Default_User_Preferences_desktopNotifications", "nothing")
	check("default nothing, direct", e.notified(alice, dm.ID, "psst", ""), nil)
	wset(t, e, "Accounts_Default_User_Preferences_desktopNotifications", "all")

	// A room over Notifications_Max_Room_Members: only mentions, no group mentions.
	wset(t, e, "Notifications_Max_Room_Members", int64(2))
	check("crowded, plain", e.notified(alice, room2.ID, "hello", ""), nil)
	check("crowded, @all", e.notified(alice, room2.ID, "@all hello", ""), nil)
	check("crowded, mention", e.notified(alice, room2.ID, "hey @bob", ""), []string{bob.UserID})
	check("crowded, direct", e.notified(alice, dm.ID, "psst", ""), []string{bob.UserID})
}

func wset(t *testing.T, e *env, id string, v any) {
	t.Helper()
	if err := e.cfg.Set(e.ctx, model.System, id, v); err != nil {
		t.Fatal(err)
	}
}
