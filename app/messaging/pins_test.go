package messaging_test

import (
	"testing"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

func TestPin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, boss, outsider := e.user("alice"), e.user("bob"), e.user("boss", "admin"), e.user("outsider", "admin")
	ch := e.room("chan", model.RoomPublic, nil, alice, bob, boss)
	quote := map[string]any{"message_link": "https://chat.example/chan?msg=x", "text": "quoted",
		"attachments": []any{map[string]any{"message_link": "https://chat.example/chan?msg=y", "attachments": []any{
			map[string]any{"message_link": "https://chat.example/chan?msg=z", "attachments": []any{map[string]any{"message_link": "https://chat.example/chan?msg=w"}}},
		}}}}
	m := e.send(alice, messaging.SendInput{RID: ch.ID, Msg: "pin me", Attachments: []map[string]any{quote, quote}})
	msgs := e.roomDoc(ch.ID).Msgs
	e.events()

	if _, err := e.svc.Pin(e.ctx, bob, m.ID); code(err) != "not-authorized" {
		t.Errorf("pin without pin-message: %v", err)
	}
	note, err := e.svc.Pin(e.ctx, boss, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if note.T != "message_pinned" || note.Msg != "" || note.U.ID != boss.UserID || note.RID != ch.ID || len(note.Attachments) != 1 {
		t.Fatalf("system message = %+v", note)
	}
	a := note.Attachments[0]
	nested, _ := a["attachments"].([]any)
	if a["text"] != "pin me" || a["author_name"] != "alice" || a["author_icon"] != "/avatar/alice" || len(nested) != 1 {
		t.Errorf("quote = %+v", a)
	}
	// Quotes nest at most two deep below the pinned message's own attachments.
	depth := 0
	for cur := nested; len(cur) > 0; depth++ {
		next, _ := cur[0].(map[string]any)["attachments"].([]any)
		cur = next
	}
	if depth != 3 {
		t.Errorf("quote chain depth %d, want 3 (the attachment and two nested)", depth)
	}
	got := e.msg(m.ID)
	if !got.Pinned || got.PinnedAt == nil || got.PinnedBy == nil || got.PinnedBy.Username != "boss" {
		t.Errorf("pinned message = %+v", got)
	}
	if r := e.roomDoc(ch.ID); r.Msgs != msgs+1 || r.LastMessage == nil || !r.LastMessage.Pinned {
		t.Errorf("room after pin: msgs %d (was %d), lastMessage %+v", r.Msgs, msgs, r.LastMessage)
	}
	var inserted, changed int
	for _, ev := range e.events() {
		if s, ok := ev.(streamhub.MessageSaved); ok {
			if s.Inserted {
				inserted++
			} else {
				changed++
			}
		}
	}
	if inserted != 1 || changed != 1 {
		t.Errorf("events: %d inserted, %d changed", inserted, changed)
	}

	// Pinning again answers the pinned message and writes nothing.
	again, err := e.svc.Pin(e.ctx, boss, m.ID)
	if err != nil || again.ID != m.ID || e.roomDoc(ch.ID).Msgs != msgs+1 {
		t.Errorf("pin again = %+v, %v", again, err)
	}
	p, err := e.svc.Pinned(e.ctx, bob, ch.ID, 0, 0)
	if err != nil || p.Total != 1 || len(p.Items) != 1 || p.Items[0].ID != m.ID {
		t.Errorf("pinned list = %+v, %v", p, err)
	}

	// Unpin needs a subscription: an admin outside the room does not find the message.
	if err := e.svc.Unpin(e.ctx, outsider, m.ID); code(err) != "error-invalid-message" {
		t.Errorf("unpin by a non-member: %v", err)
	}
	if err := e.svc.Unpin(e.ctx, bob, m.ID); code(err) != "not-authorized" {
		t.Errorf("unpin without pin-message: %v", err)
	}
	if err := e.svc.Unpin(e.ctx, boss, "nope"); code(err) != "error-message-not-found" {
		t.Errorf("unpin of an unknown message: %v", err)
	}
	if err := e.svc.Unpin(e.ctx, boss, m.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.msg(m.ID); got.Pinned {
		t.Errorf("still pinned: %+v", got)
	}
	if p, _ := e.svc.Pinned(e.ctx, bob, ch.ID, 0, 0); p.Total != 0 || len(p.Items) != 0 {
		t.Errorf("pinned after unpin = %+v", p)
	}

	e.set("Message_AllowPinning", false)
	if _, err := e.svc.Pin(e.ctx, boss, m.ID); code(err) != "error-action-not-allowed" {
		t.Errorf("pin with pinning off: %v", err)
	}
	if err := e.svc.Unpin(e.ctx, boss, m.ID); code(err) != "error-action-not-allowed" {
		t.Errorf("unpin with pinning off: %v", err)
	}
}

func TestPinPrivateRoom(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, boss := e.user("alice"), e.user("boss", "admin")
	grp := e.room("grp", model.RoomPrivate, nil, alice)
	m := e.send(alice, messaging.SendInput{RID: grp.ID, Msg: "secret"})
	// An admin holds pin-message everywhere but may not read the group.
	if _, err := e.svc.Pin(e.ctx, boss, m.ID); code(err) != "not-authorized" {
		t.Errorf("pin in a group one cannot read: %v", err)
	}
	if _, err := e.svc.Pinned(e.ctx, boss, grp.ID, 0, 0); code(err) != "error-not-allowed" {
		t.Errorf("pinned list of a group one cannot read: %v", err)
	}
	if _, err := e.svc.Pinned(e.ctx, boss, "nope", 0, 0); code(err) != "error-not-allowed" {
		t.Errorf("pinned list of an unknown room: %v", err)
	}
}

func TestStar(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")
	ch := e.room("chan", model.RoomPublic, nil, alice, bob)
	other := e.room("other", model.RoomPublic, nil, alice, bob)
	m := e.send(alice, messaging.SendInput{RID: ch.ID, Msg: "star me"})
	e.send(alice, messaging.SendInput{RID: ch.ID, Msg: "not me"})
	e.events()

	ok, err := e.svc.Star(e.ctx, bob, messaging.StarInput{ID: m.ID, RID: ch.ID, Starred: true})
	if err != nil || !ok {
		t.Fatalf("star = %v, %v", ok, err)
	}
	if ok, err := e.svc.Star(e.ctx, alice, messaging.StarInput{ID: m.ID, Starred: true}); err != nil || !ok {
		t.Fatalf("star by alice = %v, %v", ok, err)
	}
	if got := e.msg(m.ID); len(got.Starred) != 2 || got.Starred[0].ID != bob.UserID {
		t.Errorf("starred = %+v", got.Starred)
	}
	if msgs, _ := saved(e.events()); len(msgs) != 2 {
		t.Errorf("events: %+v", msgs)
	}
	if p, err := e.svc.Starred(e.ctx, bob, ch.ID, 0, 0); err != nil || p.Total != 1 || p.Items[0].ID != m.ID {
		t.Errorf("bob's starred = %+v, %v", p, err)
	}
	if ok, err := e.svc.Star(e.ctx, bob, messaging.StarInput{ID: m.ID, RID: ch.ID}); err != nil || !ok {
		t.Fatalf("unstar = %v, %v", ok, err)
	}
	if got := e.msg(m.ID); len(got.Starred) != 1 || got.Starred[0].ID != alice.UserID {
		t.Errorf("starred after bob's unstar = %+v", got.Starred)
	}
	if p, _ := e.svc.Starred(e.ctx, bob, ch.ID, 0, 0); p.Total != 0 {
		t.Errorf("bob's starred after unstar = %+v", p)
	}

	// Not subscribed, or the message is elsewhere: false, nothing written.
	for _, c := range []struct {
		name  string
		actor model.Actor
		in    messaging.StarInput
	}{
		{"not subscribed", carol, messaging.StarInput{ID: m.ID, Starred: true}},
		{"message in another room", bob, messaging.StarInput{ID: m.ID, RID: other.ID, Starred: true}},
	} {
		if ok, err := e.svc.Star(e.ctx, c.actor, c.in); ok || err != nil {
			t.Errorf("%s: %v, %v", c.name, ok, err)
		}
	}
	if got := e.msg(m.ID); len(got.Starred) != 1 {
		t.Errorf("starred changed by refused stars: %+v", got.Starred)
	}
	if _, err := e.svc.Star(e.ctx, bob, messaging.StarInput{ID: "nope", Starred: true}); code(err) != "error-message-not-found" {
		t.Errorf("unknown message: %v", err)
	}
	e.set("Message_AllowStarring", false)
	if _, err := e.svc.Star(e.ctx, bob, messaging.StarInput{ID: m.ID, Starred: true}); code(err) != "error-action-not-allowed" {
		t.Errorf("starring off: %v", err)
	}
}

func TestStarredAndMentionedPrivacy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")
	grp := e.room("grp", model.RoomPrivate, nil, alice, bob)
	e.send(alice, messaging.SendInput{RID: grp.ID, Msg: "hi @bob"})
	e.send(alice, messaging.SendInput{RID: grp.ID, Msg: "plain"})
	e.send(alice, messaging.SendInput{RID: grp.ID, Msg: "@bob again and @carol"})
	p, err := e.svc.Mentioned(e.ctx, bob, grp.ID, 0, 1)
	if err != nil || p.Total != 2 || len(p.Items) != 1 || p.Items[0].Msg != "@bob again and @carol" {
		t.Errorf("bob's mentions = %+v, %v", p, err)
	}
	if p, err := e.svc.Mentioned(e.ctx, alice, grp.ID, 0, 0); err != nil || p.Total != 0 || p.Items == nil {
		t.Errorf("alice's mentions = %+v, %v", p, err)
	}
	// carol is mentioned but not a member: she reads nothing of the group.
	if _, err := e.svc.Mentioned(e.ctx, carol, grp.ID, 0, 0); code(err) != "error-not-allowed" {
		t.Errorf("mentions in a group one cannot read: %v", err)
	}
	if _, err := e.svc.Starred(e.ctx, carol, grp.ID, 0, 0); code(err) != "error-not-allowed" {
		t.Errorf("starred in a group one cannot read: %v", err)
	}
}
