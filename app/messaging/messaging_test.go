package messaging_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

func TestSendCountersAndEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")
	room := e.room("chan", model.RoomPublic, nil, alice, bob, carol)
	e.events()

	// A plain message in a channel: alert and open for the others, no unread
	// (Unread_Count defaults to user_and_group_mentions_only).
	m := e.send(alice, messaging.SendInput{ID: "clientid1", RID: room.ID, Msg: "hello http://example.com #chan"})
	if m.ID != "clientid1" || m.U.Name != "Name alice" || !strings.HasPrefix(string(m.MD), `[{"type":"PARAGRAPH"`) || len(m.URLs) != 1 || len(m.Channels) != 1 {
		t.Fatalf("message = %+v", m)
	}
	if s := e.sub(room.ID, bob); !s.Alert || s.Unread != 0 {
		t.Errorf("bob after plain message: %+v", s)
	}
	if s := e.sub(room.ID, alice); s.Alert || s.LS == nil || !s.LS.Equal(m.Ts) {
		t.Errorf("sender's subscription: %+v", s)
	}
	r := e.roomDoc(room.ID)
	if r.Msgs != 1 || r.LastMessage == nil || r.LastMessage.ID != m.ID || r.LM == nil {
		t.Errorf("room after send: %+v", r)
	}
	evs := e.events()
	var saved, subs, rooms int
	for _, ev := range evs {
		switch ev := ev.(type) {
		case streamhub.MessageSaved:
			saved++
			if !ev.Inserted || ev.RID != room.ID {
				t.Errorf("MessageSaved = %+v", ev)
			}
		case streamhub.SubscriptionChanged:
			subs++
		case streamhub.RoomChanged:
			rooms++
			if len(ev.Members) != 3 {
				t.Errorf("RoomChanged members = %v", ev.Members)
			}
		}
	}
	if saved != 1 || subs != 3 || rooms != 1 {
		t.Errorf("events: %d saved, %d subscriptions, %d rooms: %v", saved, subs, rooms, evs)
	}

	// A second plain message changes nobody's subscription but the sender's.
	e.send(alice, messaging.SendInput{RID: room.ID, Msg: "again"})
	subs = 0
	for _, ev := range e.events() {
		if _, ok := ev.(streamhub.SubscriptionChanged); ok {
			subs++
		}
	}
	if subs != 1 {
		t.Errorf("second message changed %d subscriptions, want 1 (the sender's)", subs)
	}

	// A mention raises unread and userMentions of the mentioned only.
	mm := e.send(alice, messaging.SendInput{RID: room.ID, Msg: "hi @bob and @nobody"})
	if len(mm.Mentions) != 1 || mm.Mentions[0].ID != bob.UserID || mm.Mentions[0].Type != "user" {
		t.Errorf("mentions = %+v", mm.Mentions)
	}
	if s := e.sub(room.ID, bob); s.Unread != 1 || s.UserMentions != 1 {
		t.Errorf("bob after mention: %+v", s)
	}
	if s := e.sub(room.ID, carol); s.Unread != 0 {
		t.Errorf("carol after bob's mention: %+v", s)
	}
	var notified []string
	for _, ev := range e.events() {
		if n, ok := ev.(streamhub.Notification); ok {
			notified = append(notified, n.UserID)
		}
	}
	// Every other member: Accounts_Default_User_Preferences_desktopNotifications is "all".
	if !slices.Equal(notified, []string{bob.UserID, carol.UserID}) {
		t.Errorf("notified %v, want bob and carol", notified)
	}

	// @all raises groupMentions and unread of everyone else.
	e.send(bob, messaging.SendInput{RID: room.ID, Msg: "@all lunch"})
	if s := e.sub(room.ID, carol); s.Unread != 1 || s.GroupMentions != 1 {
		t.Errorf("carol after @all: %+v", s)
	}
	if s := e.sub(room.ID, bob); s.Unread != 0 || s.Alert {
		t.Errorf("the sender after @all: %+v", s)
	}

	// The same client _id again: the stored message back, nothing new.
	again, err := e.svc.Send(e.ctx, alice, messaging.SendInput{ID: "clientid1", RID: room.ID, Msg: "hello http://example.com #chan"})
	if err != nil || again.ID != "clientid1" || e.roomDoc(room.ID).Msgs != 4 {
		t.Errorf("resend = %+v, %v; msgs %d", again, err, e.roomDoc(room.ID).Msgs)
	}
	if _, err := e.svc.Send(e.ctx, bob, messaging.SendInput{ID: "clientid1", RID: room.ID, Msg: "x"}); code(err) != "error-duplicate-id" {
		t.Errorf("another user's _id: %v", err)
	}
}

func TestSendDirectCountsAll(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := e.user("alice"), e.user("bob")
	dm := e.room("dm", model.RoomDirect, nil, alice, bob)
	e.send(alice, messaging.SendInput{RID: dm.ID, Msg: "one"})
	e.send(alice, messaging.SendInput{RID: dm.ID, Msg: "two"})
	if s := e.sub(dm.ID, bob); s.Unread != 2 || !s.Alert {
		t.Errorf("bob in a DM: %+v", s)
	}
	n := 0
	for _, ev := range e.events() {
		if _, ok := ev.(streamhub.Notification); ok {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d notifications, want 2", n)
	}
}

func TestSendRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, mod, out := e.user("alice"), e.user("bob"), e.user("mod"), e.user("out")
	e.room("chan", model.RoomPublic, nil, alice, bob)
	e.room("priv", model.RoomPrivate, nil, alice)
	e.room("arch", model.RoomPublic, func(r *model.Room) { r.Archived = true }, alice)
	e.room("ro", model.RoomPublic, func(r *model.Room) { r.RO = true; r.Unmuted = []string{"bob"} }, alice, bob, mod)
	e.room("muted", model.RoomPublic, func(r *model.Room) { r.Muted = []string{"alice"} }, alice)
	e.room("blk", model.RoomDirect, nil, alice, bob)
	if _, err := e.db.Collection("rocketchat_subscription").Update(e.ctx, docdbSubQuery("blk", alice.UserID), docdbSet("blocker", true)); err != nil {
		t.Fatal(err)
	}
	parent := e.send(alice, messaging.SendInput{RID: "chan", Msg: "parent"})
	if err := e.cfg.Set(e.ctx, model.System, "Message_MaxAllowedSize", int64(10)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		actor model.Actor
		in    messaging.SendInput
		code  string
	}{
		{"anonymous", model.Anonymous, messaging.SendInput{RID: "chan", Msg: "x"}, "error-invalid-user"},
		{"unknown room", alice, messaging.SendInput{RID: "nope", Msg: "x"}, "error-invalid-room"},
		{"private non-member", out, messaging.SendInput{RID: "priv", Msg: "x"}, "error-not-allowed"},
		{"archived", alice, messaging.SendInput{RID: "arch", Msg: "x"}, "error-room-archived"},
		{"read-only", alice, messaging.SendInput{RID: "ro", Msg: "x"}, "You can't send messages because the room is readonly."},
		{"muted", alice, messaging.SendInput{RID: "muted", Msg: "x"}, "error-user-muted"},
		{"blocked DM", alice, messaging.SendInput{RID: "blk", Msg: "x"}, "room_is_blocked"},
		{"too long", alice, messaging.SendInput{RID: "chan", Msg: strings.Repeat("é", 11)}, "error-message-size-exceeded"},
		{"tshow without tmid", alice, messaging.SendInput{RID: "chan", Msg: "x", TShow: true}, "invalid-params"},
		{"unknown thread", alice, messaging.SendInput{RID: "chan", Msg: "x", TMID: "nope"}, "error-invalid-message"},
		{"thread in another room", alice, messaging.SendInput{RID: "priv", Msg: "x", TMID: parent.ID}, "error-invalid-message"},
		{"impersonation", alice, messaging.SendInput{RID: "chan", Msg: "x", Alias: "boss"}, "error-not-allowed"},
		{"bad client id", alice, messaging.SendInput{ID: "a b", RID: "chan", Msg: "x"}, "error-invalid-message-id"},
		{"client ts far off", alice, messaging.SendInput{RID: "chan", Msg: "x", Ts: ptr(time.Now().Add(-time.Hour))}, "error-message-ts-out-of-sync"},
	} {
		if _, err := e.svc.Send(e.ctx, c.actor, c.in); code(err) != c.code {
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		}
	}
	// Unmuted users may talk in a read-only room.
	if _, err := e.svc.Send(e.ctx, bob, messaging.SendInput{RID: "ro", Msg: "ok"}); err != nil {
		t.Errorf("unmuted user in read-only room: %v", err)
	}
	// A refused message tells the sender with an ephemeral message.
	found := false
	for _, ev := range e.events() {
		if em, ok := ev.(streamhub.EphemeralMessage); ok && em.UserID == alice.UserID {
			found = true
		}
	}
	if !found {
		t.Error("no ephemeral message for a refused send")
	}
	// Rate limit: 5 a second, then too many.
	var last error
	for range 6 {
		last = e.svc.CheckSendRate(e.ctx, bob)
	}
	if code(last) != "error-too-many-requests" {
		t.Errorf("sixth send in a second: %v", last)
	}
}

func TestThreads(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")
	room := e.room("chan", model.RoomPublic, nil, alice, bob, carol)
	parent := e.send(alice, messaging.SendInput{RID: room.ID, Msg: "parent"})
	r1 := e.send(bob, messaging.SendInput{RID: room.ID, Msg: "reply", TMID: parent.ID})
	// A reply to a reply goes to the root thread.
	r2 := e.send(carol, messaging.SendInput{RID: room.ID, Msg: "nested", TMID: r1.ID})
	if r2.TMID != parent.ID {
		t.Errorf("nested reply tmid = %q", r2.TMID)
	}
	p, err := e.svc.Get(e.ctx, alice, parent.ID)
	if err != nil || p.TCount != 2 || p.TLM == nil || len(p.Replies) != 3 {
		t.Fatalf("parent = %+v, %v", p, err)
	}
	if s := e.sub(room.ID, alice); len(s.TUnread) != 1 || s.TUnread[0] != parent.ID {
		t.Errorf("alice's tunread = %v", s.TUnread)
	}
	if r := e.roomDoc(room.ID); r.Msgs != 3 || r.LastMessage.ID != parent.ID {
		t.Errorf("thread-only replies must not become lastMessage: msgs %d last %s", r.Msgs, r.LastMessage.ID)
	}
	page, err := e.svc.ThreadMessages(e.ctx, alice, parent.ID, 0, 10)
	if err != nil || page.Total != 2 || page.Items[0].ID != r1.ID {
		t.Errorf("thread messages = %+v, %v", page, err)
	}
	list, err := e.svc.ThreadWithReplies(e.ctx, alice, parent.ID, 0, 0)
	if err != nil || len(list) != 3 || list[0].ID != parent.ID || list[1].ID != r2.ID {
		t.Errorf("getThreadMessages = %v, %v", ids(list), err)
	}
	threads, err := e.svc.Threads(e.ctx, carol, messaging.ThreadsInput{RID: room.ID, Type: "following"})
	if err != nil || threads.Total != 1 {
		t.Errorf("following threads = %+v, %v", threads, err)
	}
	threads, _ = e.svc.Threads(e.ctx, alice, messaging.ThreadsInput{RID: room.ID, Type: "unread"})
	if threads.Total != 1 {
		t.Errorf("alice's unread threads = %d", threads.Total)
	}
	threads, _ = e.svc.Threads(e.ctx, alice, messaging.ThreadsInput{RID: room.ID, Text: "PAR"})
	if threads.Total != 1 {
		t.Errorf("threads matching text = %d", threads.Total)
	}
	// History without thread messages leaves the replies out.
	h, err := e.svc.History(e.ctx, alice, messaging.HistoryInput{RID: room.ID, ShowThreadMessages: false})
	if err != nil || len(h.Messages) != 1 {
		t.Errorf("history without threads = %v, %v", ids(h.Messages), err)
	}
	// Deleting a reply counts it out of the thread.
	if _, err := e.svc.Delete(e.ctx, carol, messaging.DeleteInput{ID: r2.ID}); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.svc.Get(e.ctx, alice, parent.ID); p.TCount != 1 {
		t.Errorf("tcount after delete = %d", p.TCount)
	}
	// Deleting a thread parent with replies leaves a "message removed".
	if _, err := e.svc.Delete(e.ctx, alice, messaging.DeleteInput{ID: parent.ID}); err != nil {
		t.Fatal(err)
	}
	if p, _ := e.svc.Get(e.ctx, alice, parent.ID); p.T != "rm" || p.Msg != "" {
		t.Errorf("deleted parent = %+v", p)
	}
}

func TestEditDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, admin, out := e.user("alice"), e.user("bob"), e.user("admin", "admin"), e.user("out")
	room := e.room("grp", model.RoomPrivate, nil, alice, bob, admin)
	m1 := e.send(alice, messaging.SendInput{RID: room.ID, Msg: "first"})
	m2 := e.send(alice, messaging.SendInput{RID: room.ID, Msg: "second"})

	up, err := e.svc.Update(e.ctx, alice, messaging.UpdateInput{ID: m2.ID, RID: room.ID, Msg: "second @bob"})
	if err != nil || up.EditedAt == nil || up.EditedBy.ID != alice.UserID || len(up.Mentions) != 1 {
		t.Fatalf("update = %+v, %v", up, err)
	}
	if r := e.roomDoc(room.ID); r.LastMessage.Msg != "second @bob" {
		t.Errorf("lastMessage after edit = %q", r.LastMessage.Msg)
	}
	for _, c := range []struct {
		name  string
		actor model.Actor
		in    messaging.UpdateInput
		code  string
	}{
		{"another's message", bob, messaging.UpdateInput{ID: m1.ID, Msg: "x"}, "error-action-not-allowed"},
		{"non-member", out, messaging.UpdateInput{ID: m1.ID, Msg: "x"}, "error-not-allowed"},
		{"unknown", alice, messaging.UpdateInput{ID: "nope", Msg: "x"}, `No message found with the id of "nope".`},
		{"wrong room", alice, messaging.UpdateInput{ID: m1.ID, RID: "other", Msg: "x"}, "The room id provided does not match where the message is from."},
	} {
		if _, err := e.svc.Update(e.ctx, c.actor, c.in); code(err) != c.code {
			t.Errorf("update %s: %v, want %s", c.name, err, c.code)
		}
	}
	if _, err := e.svc.Update(e.ctx, admin, messaging.UpdateInput{ID: m1.ID, Msg: "edited by admin"}); err != nil {
		t.Errorf("admin edit: %v", err)
	}
	e.svc.SetClock(func() time.Time { return time.Now().Add(10 * time.Minute) })
	if err := e.cfg.Set(e.ctx, model.System, "Message_AllowEditing_BlockEditInMinutes", int64(5)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Update(e.ctx, alice, messaging.UpdateInput{ID: m1.ID, Msg: "late"}); code(err) != "error-message-editing-blocked" {
		t.Errorf("late edit: %v", err)
	}
	e.svc.SetClock(time.Now)

	if _, err := e.svc.Delete(e.ctx, bob, messaging.DeleteInput{ID: m2.ID}); code(err) != "error-action-not-allowed" {
		t.Errorf("bob deletes alice's message: %v", err)
	}
	if _, err := e.svc.Delete(e.ctx, bob, messaging.DeleteInput{ID: m2.ID, AsUser: true}); !strings.Contains(code(err), "force-delete-message") {
		t.Errorf("bob deletes as alice: %v", err)
	}
	before := time.Now().Add(-time.Second)
	if _, err := e.svc.Delete(e.ctx, alice, messaging.DeleteInput{ID: m2.ID, RID: room.ID}); err != nil {
		t.Fatal(err)
	}
	r := e.roomDoc(room.ID)
	if r.Msgs != 1 || r.LastMessage == nil || r.LastMessage.ID != m1.ID {
		t.Errorf("room after deleting the last message: msgs %d, last %+v", r.Msgs, r.LastMessage)
	}
	del, err := e.svc.Deleted(e.ctx, alice, room.ID, before, 0, 10)
	if err != nil || del.Total != 1 || del.Items[0].ID != m2.ID {
		t.Errorf("deleted = %+v, %v", del, err)
	}
	sync, err := e.svc.Sync(e.ctx, bob, messaging.SyncInput{RID: room.ID, LastUpdate: &before})
	if err != nil || len(sync.Deleted) != 1 || len(sync.Updated) != 1 {
		t.Errorf("sync = %+v, %v", sync, err)
	}
	if _, err := e.svc.Sync(e.ctx, out, messaging.SyncInput{RID: room.ID, LastUpdate: &before}); code(err) != "error-not-allowed" {
		t.Errorf("sync by a non-member: %v", err)
	}
	if _, err := e.svc.Delete(e.ctx, admin, messaging.DeleteInput{ID: m1.ID}); err != nil {
		t.Errorf("admin deletes: %v", err)
	}
	if r := e.roomDoc(room.ID); r.LastMessage != nil || r.Msgs != 0 {
		t.Errorf("room after deleting everything: %+v", r)
	}
	var deleted int
	for _, ev := range e.events() {
		if _, ok := ev.(streamhub.MessageDeleted); ok {
			deleted++
		}
	}
	if deleted != 2 {
		t.Errorf("%d MessageDeleted events, want 2", deleted)
	}
}

func TestHistoryAndSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, out := e.user("alice"), e.user("out")
	room := e.room("grp", model.RoomPrivate, nil, alice)
	base := time.Now().UTC().Truncate(time.Millisecond).Add(-30 * time.Second)
	var sent []model.Message
	for i := range 30 {
		ts := base.Add(time.Duration(i) * 100 * time.Millisecond)
		e.svc.SetClock(func() time.Time { return ts })
		sent = append(sent, e.send(alice, messaging.SendInput{RID: room.ID, Msg: fmt.Sprintf("message number %d about Café", i)}))
	}
	e.svc.SetClock(time.Now)
	h, err := e.svc.History(e.ctx, alice, messaging.HistoryInput{RID: room.ID, Count: 10, ShowThreadMessages: true})
	if err != nil || len(h.Messages) != 10 || h.Messages[0].ID != sent[29].ID {
		t.Fatalf("history = %v, %v", ids(h.Messages), err)
	}
	h, _ = e.svc.History(e.ctx, alice, messaging.HistoryInput{RID: room.ID, Count: 5, Latest: &sent[10].Ts, Oldest: &sent[2].Ts, Unreads: true, ShowThreadMessages: true})
	if len(h.Messages) != 5 || h.Messages[0].ID != sent[9].ID || h.FirstUnread == nil || h.FirstUnread.ID != sent[3].ID || *h.UnreadNotLoaded != 2 {
		t.Errorf("history with unreads = %v first %v notLoaded %v", ids(h.Messages), h.FirstUnread, h.UnreadNotLoaded)
	}
	lh, err := e.svc.LoadHistory(e.ctx, alice, room.ID, nil, 20, &sent[5].Ts, true)
	if err != nil || len(lh.Messages) != 20 || lh.FirstUnread.ID != sent[6].ID || lh.UnreadNotLoaded != 4 {
		t.Errorf("loadHistory = %d msgs, first %v, notLoaded %d, %v", len(lh.Messages), lh.FirstUnread, lh.UnreadNotLoaded, err)
	}
	next, _ := e.svc.LoadNext(e.ctx, alice, room.ID, &sent[27].Ts, 10)
	if len(next) != 2 || next[0].ID != sent[28].ID {
		t.Errorf("loadNext = %v", ids(next))
	}
	sur, err := e.svc.LoadSurrounding(e.ctx, alice, sent[15].ID, 5)
	if err != nil || len(sur.Messages) != 7 || !sur.MoreAfter || !sur.MoreBefore {
		t.Errorf("loadSurrounding = %v %+v", ids(sur.Messages), err)
	}
	missed, _ := e.svc.LoadMissed(e.ctx, alice, room.ID, sent[25].Ts)
	if len(missed) != 4 {
		t.Errorf("loadMissed = %v", ids(missed))
	}
	page, _ := e.svc.Messages(e.ctx, alice, room.ID, 5, 10, true)
	if page.Total != 30 || page.Items[0].ID != sent[5].ID {
		t.Errorf("messages page = %v total %d", ids(page.Items), page.Total)
	}
	// The cursor form of sync walks everything in pages.
	seen, cursor := 0, ""
	for range 10 {
		res, err := e.svc.Sync(e.ctx, alice, messaging.SyncInput{RID: room.ID, Type: "UPDATED", Next: cursor, Count: 12})
		if err != nil {
			t.Fatal(err)
		}
		seen += len(res.Updated)
		if res.Cursor.Next == nil {
			break
		}
		cursor = *res.Cursor.Next
	}
	if seen != 30 {
		t.Errorf("cursor sync saw %d messages, want 30", seen)
	}
	if _, err := e.svc.Sync(e.ctx, alice, messaging.SyncInput{RID: room.ID, Type: "BOTH"}); code(err) != "error-type-param-not-supported" {
		t.Errorf("bad sync type: %v", err)
	}
	for _, c := range []struct {
		text string
		n    int
	}{{"number 7", 1}, {"cafe", 30}, {"numb", 30}, {`"OR" AND *`, 0}, {"nothing", 0}} {
		got, err := e.svc.Search(e.ctx, alice, room.ID, c.text, 0, 50)
		if err != nil || len(got) != c.n {
			t.Errorf("search %q = %d messages, %v; want %d", c.text, len(got), err, c.n)
		}
	}
	// An edit is searchable at once, a deleted message no longer.
	if _, err := e.svc.Update(e.ctx, alice, messaging.UpdateInput{ID: sent[0].ID, Msg: "zebra"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Search(e.ctx, alice, room.ID, "zebra", 0, 10); len(got) != 1 {
		t.Errorf("search after edit = %d", len(got))
	}
	if _, err := e.svc.Delete(e.ctx, alice, messaging.DeleteInput{ID: sent[0].ID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Search(e.ctx, alice, room.ID, "zebra", 0, 10); len(got) != 0 {
		t.Errorf("search after delete = %d", len(got))
	}
	// Nobody outside a private room reads it.
	if _, err := e.svc.History(e.ctx, out, messaging.HistoryInput{RID: room.ID}); code(err) != "error-not-allowed" {
		t.Errorf("history by a non-member: %v", err)
	}
	if _, err := e.svc.Search(e.ctx, out, room.ID, "cafe", 0, 10); code(err) != "error-not-allowed" {
		t.Errorf("search by a non-member: %v", err)
	}
	if _, err := e.svc.Get(e.ctx, out, sent[3].ID); code(err) != "error-not-allowed" {
		t.Errorf("get by a non-member: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func ids(ms []model.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}
