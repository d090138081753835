package messaging_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
)

// saved returns the MessageSaved events among evs, and how many RoomChanged there are.
func saved(evs []streamhub.Event) ([]model.Message, int) {
	var msgs []model.Message
	rooms := 0
	for _, ev := range evs {
		switch ev := ev.(type) {
		case streamhub.MessageSaved:
			if m, ok := ev.Message.(model.Message); ok {
				msgs = append(msgs, m)
			}
		case streamhub.RoomChanged:
			rooms++
		}
	}
	return msgs, rooms
}

func (e *env) msg(id string) model.Message {
	e.t.Helper()
	var m model.Message
	if err := e.db.Collection(docdb.Messages).FindOne(e.ctx, docdb.ByID(id), &m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) set(id string, v any) {
	e.t.Helper()
	if err := e.cfg.Set(e.ctx, model.System, id, v); err != nil {
		e.t.Fatal(err)
	}
}

func TestReact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, carol := e.user("alice"), e.user("bob"), e.user("carol")
	ch := e.room("chan", model.RoomPublic, nil, alice, bob)
	grp := e.room("grp", model.RoomPrivate, nil, alice)
	m := e.send(alice, messaging.SendInput{RID: ch.ID, Msg: "hello"})
	secret := e.send(alice, messaging.SendInput{RID: grp.ID, Msg: "secret"})
	e.events()

	// A toggle adds bob's reaction; the message is the room's lastMessage, so the
	// room follows.
	if err := e.svc.React(e.ctx, bob, messaging.ReactInput{Emoji: "smile", MessageID: m.ID}); err != nil {
		t.Fatal(err)
	}
	got := e.msg(m.ID)
	if r := got.Reactions[":smile:"]; len(r.Usernames) != 1 || r.Usernames[0] != "bob" || r.Names != nil {
		t.Fatalf("reactions = %+v", got.Reactions)
	}
	if !got.UpdatedAt.After(m.UpdatedAt) && !got.UpdatedAt.Equal(m.UpdatedAt) {
		t.Errorf("_updatedAt went back: %v", got.UpdatedAt)
	}
	if lm := e.roomDoc(ch.ID).LastMessage; lm == nil || len(lm.Reactions[":smile:"].Usernames) != 1 {
		t.Errorf("room lastMessage = %+v", lm)
	}
	msgs, rooms := saved(e.events())
	if len(msgs) != 1 || len(msgs[0].Reactions) != 1 || rooms != 1 {
		t.Errorf("events: %+v, %d rooms", msgs, rooms)
	}

	// shouldReact true when already reacted changes nothing and says nothing.
	if err := e.svc.React(e.ctx, bob, messaging.ReactInput{Emoji: ":smile:", MessageID: m.ID, ShouldReact: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := saved(e.events()); len(msgs) != 0 {
		t.Errorf("a no-op published %v", msgs)
	}
	// A second user under the same emoji, then both toggle off: the key goes, then
	// the whole map.
	if err := e.svc.React(e.ctx, alice, messaging.ReactInput{Emoji: ":smile:", MessageID: m.ID}); err != nil {
		t.Fatal(err)
	}
	if r := e.msg(m.ID).Reactions[":smile:"]; len(r.Usernames) != 2 {
		t.Fatalf("two reactions: %+v", r)
	}
	for _, a := range []model.Actor{bob, alice} {
		if err := e.svc.React(e.ctx, a, messaging.ReactInput{Emoji: "smile", MessageID: m.ID, ShouldReact: ptr(false)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.msg(m.ID); got.Reactions != nil {
		t.Errorf("reactions after removing all: %+v", got.Reactions)
	}

	for _, c := range []struct {
		name  string
		actor model.Actor
		in    messaging.ReactInput
		want  string
	}{
		{"bad emoji", bob, messaging.ReactInput{Emoji: "<img src=x>", MessageID: m.ID}, "error-not-allowed"},
		{"empty emoji", bob, messaging.ReactInput{Emoji: "::", MessageID: m.ID}, "error-not-allowed"},
		{"unknown message", bob, messaging.ReactInput{Emoji: "smile", MessageID: "nope"}, "error-message-not-found"},
		{"private room, not a member", carol, messaging.ReactInput{Emoji: "smile", MessageID: secret.ID}, "not-authorized"},
		{"anonymous", model.Anonymous, messaging.ReactInput{Emoji: "smile", MessageID: m.ID}, "error-invalid-user"},
	} {
		if err := e.svc.React(e.ctx, c.actor, c.in); code(err) != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}
}

func TestReactRoomRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob, boss := e.user("alice"), e.user("bob"), e.user("boss", "admin")
	ro := e.room("ro", model.RoomPublic, func(r *model.Room) { r.RO = true }, alice, bob, boss)
	roOK := e.room("rook", model.RoomPublic, func(r *model.Room) { r.RO, r.ReactWhenReadOnly = true, true }, alice, bob)
	muted := e.room("muted", model.RoomPublic, func(r *model.Room) { r.Muted = []string{"bob"} }, alice, bob)
	archived := e.room("arch", model.RoomPublic, nil, alice, bob)
	msgIn := func(rid string) string {
		m := model.Message{ID: "m-" + rid, RID: rid, Msg: "x", U: model.UserRef{ID: alice.UserID, Username: "alice"}}
		if err := e.db.Collection(docdb.Messages).Insert(e.ctx, m); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	ids := map[string]string{}
	for _, r := range []model.Room{ro, roOK, muted, archived} {
		ids[r.ID] = msgIn(r.ID)
	}
	if _, err := e.db.Collection(docdb.Rooms).Update(e.ctx, docdb.ByID(archived.ID), docdbSet("archived", true)); err != nil {
		t.Fatal(err)
	}
	e.events()
	for _, c := range []struct {
		name  string
		actor model.Actor
		rid   string
		want  string
	}{
		{"read-only", bob, ro.ID, "error-not-allowed"},
		{"read-only, post-readonly", boss, ro.ID, ""},
		{"read-only with reactWhenReadOnly", bob, roOK.ID, ""},
		{"muted", bob, muted.ID, "error-not-allowed"},
		{"not muted", alice, muted.ID, ""},
		{"archived", bob, archived.ID, "error-room-archived"},
	} {
		if err := e.svc.React(e.ctx, c.actor, messaging.ReactInput{Emoji: "+1", MessageID: ids[c.rid]}); code(err) != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	var ephemeral int
	for _, ev := range e.events() {
		if em, ok := ev.(streamhub.EphemeralMessage); ok && em.UserID == bob.UserID {
			ephemeral++
		}
	}
	if ephemeral != 1 {
		t.Errorf("the muted user got %d ephemeral messages, want 1", ephemeral)
	}
}

func TestReactRealNamesAndConcurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.set("UI_Use_Real_Name", true)
	const n = 12
	users := make([]model.Actor, n)
	for i := range users {
		users[i] = e.user(fmt.Sprintf("u%02d", i))
	}
	ch := e.room("chan", model.RoomPublic, nil, users...)
	m := e.send(users[0], messaging.SendInput{RID: ch.ID, Msg: "react to me"})
	// Every user reacts at once, under two emoji: no reaction is lost (the map is
	// rewritten whole in one transaction each time).
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			emoji := []string{"tada", ":thumbsup:"}[i%2]
			errs <- e.svc.React(e.ctx, u, messaging.ReactInput{Emoji: emoji, MessageID: m.ID})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := e.msg(m.ID)
	total := 0
	for k, r := range got.Reactions {
		total += len(r.Usernames)
		if len(r.Names) != len(r.Usernames) {
			t.Errorf("%s: names %v for usernames %v", k, r.Names, r.Usernames)
		}
		for i, u := range r.Usernames {
			if r.Names[i] != "Name "+u {
				t.Errorf("%s: name of %s = %q", k, u, r.Names[i])
			}
		}
	}
	if total != n || len(got.Reactions) != 2 {
		t.Errorf("reactions = %+v", got.Reactions)
	}
}
