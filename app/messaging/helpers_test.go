package messaging_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

var _ messaging.Store = (*docdb.MessagesStore)(nil)

// env is the messaging service as the binary wires it (wiretest), with users and rooms
// the test inserts into the store.
type env struct {
	t   testing.TB
	ctx context.Context
	db  *docdb.DB
	svc *messaging.Service
	cfg *settings.Service
	hub *streamhub.Hub
	ev  *streamhub.Subscription
}

func newEnv(t testing.TB) *env {
	t.Helper()
	a := wiretest.Open(t)
	return &env{t: t, ctx: context.Background(), db: a.Store.Docs, svc: a.Messaging, cfg: a.Settings, hub: a.Hub, ev: a.Hub.Subscribe(100000, streamhub.All)}
}

// user inserts a user and returns it as an actor.
func (e *env) user(name string, roles ...string) model.Actor {
	e.t.Helper()
	if len(roles) == 0 {
		roles = []string{"user"}
	}
	u := model.User{ID: "u-" + name, Username: name, Name: "Name " + name, Type: "user", Active: true, Roles: roles, Status: "offline"}
	if err := docdb.NewUsersStore(e.db).Insert(e.ctx, u); err != nil {
		e.t.Fatal(err)
	}
	return model.Actor{UserID: u.ID, Username: name, Roles: roles}
}

// room inserts a room with the given members subscribed.
func (e *env) room(id, t string, mod func(*model.Room), members ...model.Actor) model.Room {
	e.t.Helper()
	r := model.Room{ID: id, T: t, Name: id, Ts: time.Now().UTC().Truncate(time.Millisecond), UpdatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if mod != nil {
		mod(&r)
	}
	if err := e.db.Collection(docdb.Rooms).Insert(e.ctx, r); err != nil {
		e.t.Fatal(err)
	}
	for _, m := range members {
		e.subscribe(r, m)
	}
	return r
}

func (e *env) subscribe(r model.Room, m model.Actor) {
	e.t.Helper()
	sub := model.Subscription{ID: fmt.Sprintf("s-%s-%s", r.ID, m.UserID), RID: r.ID, U: model.UserRef{ID: m.UserID, Username: m.Username},
		Name: r.Name, T: r.T, Ts: r.Ts, Open: true, UpdatedAt: r.Ts}
	if err := e.db.Collection(docdb.Subscriptions).Insert(e.ctx, sub); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) sub(rid string, m model.Actor) model.Subscription {
	e.t.Helper()
	var sub model.Subscription
	if err := e.db.Collection(docdb.Subscriptions).FindOne(e.ctx, docdb.ByID(fmt.Sprintf("s-%s-%s", rid, m.UserID)), &sub); err != nil {
		e.t.Fatal(err)
	}
	return sub
}

func (e *env) roomDoc(rid string) model.Room {
	e.t.Helper()
	var r model.Room
	if err := e.db.Collection(docdb.Rooms).FindOne(e.ctx, docdb.ByID(rid), &r); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// events drains the events published so far.
func (e *env) events() []streamhub.Event {
	var out []streamhub.Event
	for {
		select {
		case ev := <-e.ev.C():
			out = append(out, ev)
		default:
			return out
		}
	}
}

func (e *env) send(a model.Actor, in messaging.SendInput) model.Message {
	e.t.Helper()
	m, err := e.svc.Send(e.ctx, a, in)
	if err != nil {
		e.t.Fatalf("send %+v: %v", in, err)
	}
	return m
}

// code is the Rocket.Chat code (or message, when there is none) of err.
func code(err error) string {
	if err == nil {
		return ""
	}
	e := model.AsError(err)
	if e.Code == "" {
		return e.Message
	}
	return e.Code
}

func docdbSubQuery(rid, uid string) docdb.Query {
	return docdb.Query{Where: docdb.F("rid") + " = ? AND " + docdb.F("u._id") + " = ?", Args: []any{rid, uid}}
}

func docdbSet(k string, v any) *docdb.Update { return docdb.U().Set(k, v) }
