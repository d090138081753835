package messaging_test

import (
	"slices"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
)

// subEvents returns the users whose subscriptions changed among evs.
func subEvents(evs []streamhub.Event) []string {
	var out []string
	for _, ev := range evs {
		if s, ok := ev.(streamhub.SubscriptionChanged); ok {
			out = append(out, s.UserID)
		}
	}
	return out
}

func TestFollowAndReadThreads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, carol, dave := e.user("alice"), e.user("bob"), e.user("carol"), e.user("dave")
	ch := e.room("chan", model.RoomPublic, nil, alice, bob, carol)
	grp := e.room("grp", model.RoomPrivate, nil, alice)
	parent := e.send(alice, messaging.SendInput{RID: ch.ID, Msg: "thread"})
	reply := e.send(bob, messaging.SendInput{RID: ch.ID, TMID: parent.ID, Msg: "reply"})
	secret := e.send(alice, messaging.SendInput{RID: grp.ID, Msg: "secret"})
	e.events()

	// Following a reply follows its thread.
	if err := e.svc.Follow(e.ctx, carol, reply.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.msg(parent.ID); !slices.Contains(got.Replies, carol.UserID) {
		t.Fatalf("replies = %v", got.Replies)
	}
	if msgs, _ := saved(e.events()); len(msgs) != 1 || msgs[0].ID != parent.ID {
		t.Errorf("follow events: %+v", msgs)
	}
	e.send(alice, messaging.SendInput{RID: ch.ID, TMID: parent.ID, Msg: "for the followers"})
	if s := e.sub(ch.ID, carol); !slices.Contains(s.TUnread, parent.ID) {
		t.Fatalf("carol's tunread = %v", s.TUnread)
	}
	e.events()

	// readThreads clears the thread and, as it was the only one, the alert.
	if _, err := e.db.Collection(docdb.Subscriptions).Update(e.ctx, docdbSubQuery(ch.ID, carol.UserID), docdbSet("alert", true)); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ReadThread(e.ctx, carol, parent.ID); err != nil {
		t.Fatal(err)
	}
	if s := e.sub(ch.ID, carol); len(s.TUnread) != 0 || s.Alert {
		t.Errorf("carol after readThreads: tunread %v, alert %v", s.TUnread, s.Alert)
	}
	if got := subEvents(e.events()); len(got) != 1 || got[0] != carol.UserID {
		t.Errorf("readThreads events: %v", got)
	}
	// Nothing to clear: no write, no event.
	if err := e.svc.ReadThread(e.ctx, carol, parent.ID); err != nil || len(subEvents(e.events())) != 0 {
		t.Errorf("readThreads again: %v", err)
	}
	if err := e.svc.ReadThread(e.ctx, carol, "nope"); err != nil {
		t.Errorf("readThreads of an unknown thread: %v", err)
	}
	if err := e.svc.ReadThread(e.ctx, dave, secret.ID); code(err) != "error-not-allowed" {
		t.Errorf("readThreads in a group one cannot read: %v", err)
	}

	// Unfollow takes carol out of the followers and the thread out of her unread ones.
	e.send(alice, messaging.SendInput{RID: ch.ID, TMID: parent.ID, Msg: "again"})
	e.events()
	if err := e.svc.Unfollow(e.ctx, carol, parent.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.msg(parent.ID); slices.Contains(got.Replies, carol.UserID) {
		t.Errorf("replies after unfollow = %v", got.Replies)
	}
	if s := e.sub(ch.ID, carol); len(s.TUnread) != 0 {
		t.Errorf("carol's tunread after unfollow = %v", s.TUnread)
	}
	evs := e.events()
	if got := subEvents(evs); len(got) != 1 {
		t.Errorf("unfollow subscription events: %v", got)
	}
	if msgs, _ := saved(evs); len(msgs) != 1 {
		t.Errorf("unfollow message events: %v", msgs)
	}
	e.send(alice, messaging.SendInput{RID: ch.ID, TMID: parent.ID, Msg: "not for carol"})
	if s := e.sub(ch.ID, carol); len(s.TUnread) != 0 {
		t.Errorf("an unfollowed thread came back: %v", s.TUnread)
	}

	for _, c := range []struct {
		name string
		fn   func() error
		want string
	}{
		{"follow in a group one cannot read", func() error { return e.svc.Follow(e.ctx, dave, secret.ID) }, "error-not-allowed"},
		{"unfollow in a group one cannot read", func() error { return e.svc.Unfollow(e.ctx, dave, secret.ID) }, "error-not-allowed"},
		{"follow an unknown message", func() error { return e.svc.Follow(e.ctx, carol, "nope") }, "error-invalid-message"},
		{"follow anonymously", func() error { return e.svc.Follow(e.ctx, model.Anonymous, parent.ID) }, "error-invalid-user"},
	} {
		if err := c.fn(); code(err) != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
	e.set("Threads_enabled", false)
	if err := e.svc.Follow(e.ctx, carol, parent.ID); code(err) != "error-not-allowed" {
		t.Errorf("follow with threads off: %v", err)
	}
	if err := e.svc.ReadThread(e.ctx, carol, parent.ID); code(err) != "error-not-allowed" {
		t.Errorf("readThreads with threads off: %v", err)
	}
}

func TestSyncThreads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := e.user("alice"), e.user("bob")
	ch := e.room("chan", model.RoomPublic, nil, alice)
	grp := e.room("grp", model.RoomPrivate, nil, alice)
	since := time.Now().Add(-time.Minute)
	kept := e.send(alice, messaging.SendInput{RID: ch.ID, Msg: "kept thread"})
	e.send(alice, messaging.SendInput{RID: ch.ID, TMID: kept.ID, Msg: "r1"})
	gone := e.send(alice, messaging.SendInput{RID: ch.ID, Msg: "gone thread"})
	r := e.send(alice, messaging.SendInput{RID: ch.ID, TMID: gone.ID, Msg: "r2"})
	e.send(alice, messaging.SendInput{RID: ch.ID, Msg: "no thread"})
	// Deleting the only reply leaves tcount 0; the parent then goes to the trash.
	for _, id := range []string{r.ID, gone.ID} {
		if _, err := e.svc.Delete(e.ctx, alice, messaging.DeleteInput{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.svc.SyncThreads(e.ctx, alice, ch.ID, since)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Update) != 1 || res.Update[0].ID != kept.ID || len(res.Remove) != 1 || res.Remove[0].ID != gone.ID {
		t.Errorf("sync = %+v", res)
	}
	if res, _ := e.svc.SyncThreads(e.ctx, alice, ch.ID, time.Now().Add(time.Minute)); len(res.Update) != 0 || res.Update == nil || res.Remove == nil {
		t.Errorf("sync from the future = %+v", res)
	}
	if _, err := e.svc.SyncThreads(e.ctx, bob, grp.ID, since); code(err) != "error-not-allowed" {
		t.Errorf("sync of a group one cannot read: %v", err)
	}
}

func TestIgnoreUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")
	ch := e.room("chan", model.RoomPublic, nil, alice, bob)
	e.events()
	if err := e.svc.IgnoreUser(e.ctx, bob, messaging.IgnoreInput{RID: ch.ID, UserID: alice.UserID, Ignore: true}); err != nil {
		t.Fatal(err)
	}
	if s := e.sub(ch.ID, bob); len(s.Ignored) != 1 || s.Ignored[0] != alice.UserID {
		t.Errorf("ignored = %v", s.Ignored)
	}
	if got := subEvents(e.events()); len(got) != 1 || got[0] != bob.UserID {
		t.Errorf("events: %v", got)
	}
	if err := e.svc.IgnoreUser(e.ctx, bob, messaging.IgnoreInput{RID: ch.ID, UserID: alice.UserID, Ignore: true}); err != nil || len(subEvents(e.events())) != 0 {
		t.Errorf("ignoring twice: %v", err)
	}
	if err := e.svc.IgnoreUser(e.ctx, bob, messaging.IgnoreInput{RID: ch.ID, UserID: alice.UserID}); err != nil {
		t.Fatal(err)
	}
	if s := e.sub(ch.ID, bob); len(s.Ignored) != 0 {
		t.Errorf("ignored after unignore = %v", s.Ignored)
	}
	for _, c := range []struct {
		name  string
		actor model.Actor
		in    messaging.IgnoreInput
	}{
		{"the ignored user is not in the room", bob, messaging.IgnoreInput{RID: ch.ID, UserID: carol.UserID, Ignore: true}},
		{"the actor is not in the room", carol, messaging.IgnoreInput{RID: ch.ID, UserID: alice.UserID, Ignore: true}},
		{"unknown room", bob, messaging.IgnoreInput{RID: "nope", UserID: alice.UserID, Ignore: true}},
		{"no user", bob, messaging.IgnoreInput{RID: ch.ID, Ignore: true}},
	} {
		if err := e.svc.IgnoreUser(e.ctx, c.actor, c.in); code(err) != "error-invalid-subscription" {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestReportMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")
	ch := e.room("chan", model.RoomPublic, func(r *model.Room) { r.FName = "Channel" }, alice, bob)
	grp := e.room("grp", model.RoomPrivate, nil, alice)
	m := e.send(alice, messaging.SendInput{RID: ch.ID, Msg: "rude"})
	secret := e.send(alice, messaging.SendInput{RID: grp.ID, Msg: "secret"})
	for _, c := range []struct {
		name, id, text, want string
		actor                model.Actor
	}{
		{"blank description", m.ID, "  ", "error-invalid-description", bob},
		{"unknown message", "nope", "spam", "error-invalid-message_id", bob},
		{"private room, not a member", secret.ID, "spam", "error-invalid-message_id", carol},
	} {
		if err := e.svc.ReportMessage(e.ctx, c.actor, c.id, c.text); code(err) != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
	if err := e.svc.ReportMessage(e.ctx, bob, m.ID, "this is rude"); err != nil {
		t.Fatal(err)
	}
	var reports []docdb.Doc
	if err := e.db.Collection(docdb.ModerationReports).Find(e.ctx, docdb.Query{}, &reports); err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 {
		t.Fatalf("%d reports", len(reports))
	}
	var keys []string
	for _, f := range reports[0] {
		keys = append(keys, f.Key)
	}
	want := []string{"_id", "message", "description", "reportedBy", "room", "ts", "_updatedAt"}
	if !slices.Equal(keys, want) {
		t.Errorf("report keys = %v, want %v", keys, want)
	}
	var r messaging.Report
	if err := e.db.Collection(docdb.ModerationReports).FindOne(e.ctx, docdb.Query{}, &r); err != nil {
		t.Fatal(err)
	}
	if r.Message.ID != m.ID || r.Message.Msg != "rude" || r.Description != "this is rude" || r.ReportedBy.Username != "bob" ||
		r.Room.ID != ch.ID || r.Room.T != "c" || r.Room.FName != "Channel" || r.Ts.IsZero() {
		t.Errorf("report = %+v", r)
	}
}
