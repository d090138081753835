package docdb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

// TestRoomQueryPlans: the room and subscription queries of app/rooms search an index.
func TestRoomQueryPlans(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	db := rawDB(t, s)
	sel := func(q docdb.Query) func(string) string {
		return func(tb string) string { return docdb.SelectSQL(q, tb) }
	}
	for _, p := range []struct {
		name, collection string
		sql              func(string) string
		args             []any
		index            string
	}{
		{"room by name ignoring case", docdb.Rooms, sel(docdb.Query{Where: "lower(" + docdb.F("name") + ") = lower(?)", Limit: 1}), []any{"General"}, "outpost_room_name_lower"},
		{"default rooms", docdb.Rooms, sel(docdb.Query{Where: docdb.F("default") + " = 1", Order: docdb.F("name")}), nil, "outpost_room_default"},
		{"members by username", docdb.Subscriptions, sel(docdb.Query{Where: docdb.F("rid") + " = ?", Order: docdb.F("u.username")}), []any{"r"}, "outpost_subscription_rid_username"},
		{"trash since", docdb.Trash, sel(docdb.Query{Where: docdb.F("__collection__") + " = ? AND " + docdb.F("_deletedAt") + " > ?"}), []any{"x", int64(1)}, "outpost_trash_collection_deleted"},
	} {
		t.Run(p.name, func(t *testing.T) {
			table := tableOf(t, db, p.collection)
			lines := explain(t, db, p.sql(table), p.args...)
			for _, problem := range planProblems(lines, table, p.index) {
				t.Error(problem)
			}
		})
	}
	// A direct message by member: the uids side table, then the _id index.
	table := tableOf(t, db, docdb.Rooms)
	lines := explain(t, db, docdb.SelectSQL(docdb.Query{Where: docdb.InMultiKey("outpost_room_uids")}, table), "u1")
	if joined := strings.Join(lines, " | "); strings.Contains(joined, "SCAN ") {
		t.Errorf("room by member scans: %s", joined)
	}
}

func TestRoomsAndSubscriptionsStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openStore(t)
	rs, ss := docdb.NewRoomsStore(s.Docs), docdb.NewSubscriptionsStore(s.Docs)
	users := docdb.NewUsersStore(s.Docs)
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := users.Insert(ctx, model.User{ID: "u1", Username: "ann", Roles: []string{"user"}}); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(rs.InsertRoom(ctx, model.Room{ID: "r1", T: "c", Name: "Dev", Default: true, Ts: now, UpdatedAt: now}))
	must(rs.InsertRoom(ctx, model.Room{ID: "d1", T: "d", UIDs: []string{"u2", "u1"}, Ts: now, UpdatedAt: now}))
	if r, err := rs.RoomByName(ctx, "dev"); err != nil || r.ID != "r1" {
		t.Fatalf("by name: %v %v", r, err)
	}
	if d, err := rs.DefaultRooms(ctx); err != nil || len(d) != 1 {
		t.Fatalf("default: %v %v", d, err)
	}
	if r, err := rs.DirectRoomWith(ctx, []string{"u1", "u2"}); err != nil || r.ID != "d1" {
		t.Fatalf("dm: %v %v", r, err)
	}
	if _, err := rs.DirectRoomWith(ctx, []string{"u1"}); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("dm of one: %v", err)
	}
	sub := model.Subscription{ID: "s1", RID: "r1", U: model.UserRef{ID: "u1", Username: "ann"}, T: "c", Ts: now, UpdatedAt: now}
	must(ss.InsertSubscription(ctx, sub))
	if err := ss.InsertSubscription(ctx, model.Subscription{ID: "s2", RID: "r1", U: sub.U}); !errors.Is(err, model.ErrDuplicate) {
		t.Fatalf("second subscription: %v", err)
	}
	var u struct {
		Rooms []string `json:"__rooms"`
	}
	must(s.Docs.Collection(docdb.Users).FindOne(ctx, docdb.ByID("u1"), &u))
	if len(u.Rooms) != 1 || u.Rooms[0] != "r1" {
		t.Fatalf("__rooms = %v", u.Rooms)
	}
	got, err := ss.UpdateSubscription(ctx, "r1", "u1", map[string]any{"f": true}, nil)
	if err != nil || !got.F {
		t.Fatalf("update: %+v %v", got, err)
	}
	if _, err := ss.DeleteSubscription(ctx, "r1", "u1", now); err != nil {
		t.Fatal(err)
	}
	must(s.Docs.Collection(docdb.Users).FindOne(ctx, docdb.ByID("u1"), &u))
	if len(u.Rooms) != 0 {
		t.Fatalf("__rooms after delete = %v", u.Rooms)
	}
	rm, err := ss.SubscriptionsRemovedSince(ctx, "u1", now.Add(-time.Second))
	if err != nil || !rm["s1"].Equal(now) {
		t.Fatalf("removed subs = %v %v", rm, err)
	}
	must(rs.DeleteRoom(ctx, "d1", now))
	must(rs.InsertRoom(ctx, model.Room{ID: "d1", T: "d", Ts: now, UpdatedAt: now}))
	must(rs.DeleteRoom(ctx, "d1", now.Add(time.Second))) // a second deletion keeps the latest copy
	rooms, err := rs.RoomsRemovedSince(ctx, now.Add(-time.Second))
	if err != nil || len(rooms) != 1 || !rooms["d1"].Equal(now.Add(time.Second)) {
		t.Fatalf("removed rooms = %v %v", rooms, err)
	}
}
