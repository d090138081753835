package docdb_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

// TestUpdateOperators applies each operator to a fresh copy of one document and checks
// the whole stored result, types included.
func TestUpdateOperators(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	c := s.Docs.Collection(docdb.Rooms)
	ctx := context.Background()
	when := time.UnixMilli(1700000000000).UTC()
	base := func(id string) docdb.Doc {
		return docdb.Doc{
			{Key: "_id", Value: id},
			{Key: "name", Value: "general"},
			{Key: "msgs", Value: int32(5)},
			{Key: "max", Value: int32(math.MaxInt32)},
			{Key: "min", Value: int32(math.MinInt32)},
			{Key: "long", Value: int64(1) << 40},
			{Key: "ratio", Value: 0.5},
			{Key: "u", Value: docdb.Doc{{Key: "_id", Value: "U1"}, {Key: "username", Value: "ann"}}},
			{Key: "tags", Value: []any{"a", "b", "a"}},
			{Key: "nums", Value: []any{int32(1), int32(2), int32(1)}},
			{Key: "nothing", Value: nil},
			{Key: "unknown", Value: docdb.Doc{{Key: "kept", Value: true}, {Key: "when", Value: when}}},
		}
	}
	with := func(d docdb.Doc, key string, v any) docdb.Doc {
		d.Set(key, v)
		return d
	}
	without := func(d docdb.Doc, key string) docdb.Doc {
		d.Delete(key)
		return d
	}
	for _, tc := range []struct {
		name string
		u    *docdb.Update
		want func(id string) docdb.Doc
	}{
		{"set existing keeps position", docdb.U().Set("name", "random"), func(id string) docdb.Doc { return with(base(id), "name", "random") }},
		{"set new appends", docdb.U().Set("topic", "hi"), func(id string) docdb.Doc { return with(base(id), "topic", "hi") }},
		{"set changes type", docdb.U().Set("msgs", "many"), func(id string) docdb.Doc { return with(base(id), "msgs", "many") }},
		{"set struct", docdb.U().Set("lastMessage", model.Email{Address: "x"}), func(id string) docdb.Doc {
			return with(base(id), "lastMessage", docdb.Doc{{Key: "address", Value: "x"}, {Key: "verified", Value: false}})
		}},
		{"set nil", docdb.U().Set("name", nil), func(id string) docdb.Doc { return with(base(id), "name", nil) }},
		{"set time", docdb.U().Set("lm", when.Add(1500*time.Microsecond)), func(id string) docdb.Doc { return with(base(id), "lm", when.Add(time.Millisecond)) }},
		{"set nested existing", docdb.U().Set("u.username", "bob"), func(id string) docdb.Doc {
			return with(base(id), "u", docdb.Doc{{Key: "_id", Value: "U1"}, {Key: "username", Value: "bob"}})
		}},
		{"set nested creates parents", docdb.U().Set("a.b.c", 1), func(id string) docdb.Doc {
			return with(base(id), "a", docdb.Doc{{Key: "b", Value: docdb.Doc{{Key: "c", Value: int32(1)}}}})
		}},
		{"set nested under null", docdb.U().Set("nothing.x", true), func(id string) docdb.Doc {
			return with(base(id), "nothing", docdb.Doc{{Key: "x", Value: true}})
		}},
		{"unset", docdb.U().Unset("name").Unset("u.username"), func(id string) docdb.Doc {
			return with(without(base(id), "name"), "u", docdb.Doc{{Key: "_id", Value: "U1"}})
		}},
		{"unset missing is a no-op", docdb.U().Unset("absent").Unset("absent.deep").Unset("u.absent"), base},
		{"inc int32", docdb.U().Inc("msgs", 1), func(id string) docdb.Doc { return with(base(id), "msgs", int32(6)) }},
		{"inc negative", docdb.U().Inc("msgs", -10), func(id string) docdb.Doc { return with(base(id), "msgs", int32(-5)) }},
		{"inc overflows to int64", docdb.U().Inc("max", 1), func(id string) docdb.Doc { return with(base(id), "max", int64(math.MaxInt32)+1) }},
		{"dec underflows to int64", docdb.U().Inc("min", -1), func(id string) docdb.Doc { return with(base(id), "min", int64(math.MinInt32)-1) }},
		{"inc int64 stays int64", docdb.U().Inc("long", 1), func(id string) docdb.Doc { return with(base(id), "long", int64(1)<<40+1) }},
		{"inc by large int gives int64", docdb.U().Inc("msgs", int64(1)<<33), func(id string) docdb.Doc { return with(base(id), "msgs", int64(1)<<33+5) }},
		{"inc int by double", docdb.U().Inc("msgs", 0.5), func(id string) docdb.Doc { return with(base(id), "msgs", 5.5) }},
		{"inc double by int", docdb.U().Inc("ratio", 2), func(id string) docdb.Doc { return with(base(id), "ratio", 2.5) }},
		{"inc missing counts from zero", docdb.U().Inc("unread", 3), func(id string) docdb.Doc { return with(base(id), "unread", int32(3)) }},
		{"inc nested missing", docdb.U().Inc("stats.n", 1), func(id string) docdb.Doc {
			return with(base(id), "stats", docdb.Doc{{Key: "n", Value: int32(1)}})
		}},
		{"push", docdb.U().Push("tags", "c"), func(id string) docdb.Doc { return with(base(id), "tags", []any{"a", "b", "a", "c"}) }},
		{"push document", docdb.U().Push("tags", map[string]any{"k": 1}), func(id string) docdb.Doc {
			return with(base(id), "tags", []any{"a", "b", "a", docdb.Doc{{Key: "k", Value: int32(1)}}})
		}},
		{"push creates array", docdb.U().Push("pinned", "m1"), func(id string) docdb.Doc { return with(base(id), "pinned", []any{"m1"}) }},
		{"addToSet new", docdb.U().AddToSet("tags", "c"), func(id string) docdb.Doc { return with(base(id), "tags", []any{"a", "b", "a", "c"}) }},
		{"addToSet present", docdb.U().AddToSet("tags", "b"), base},
		{"addToSet creates array", docdb.U().AddToSet("u.roles", "owner"), func(id string) docdb.Doc {
			return with(base(id), "u", docdb.Doc{{Key: "_id", Value: "U1"}, {Key: "username", Value: "ann"}, {Key: "roles", Value: []any{"owner"}}})
		}},
		{"pull removes every match", docdb.U().Pull("tags", "a"), func(id string) docdb.Doc { return with(base(id), "tags", []any{"b"}) }},
		{"pull numbers", docdb.U().Pull("nums", 1), func(id string) docdb.Doc { return with(base(id), "nums", []any{int32(2)}) }},
		{"pull absent value", docdb.U().Pull("tags", "z"), base},
		{"pull missing field", docdb.U().Pull("absent", "z"), base},
		{"several operators in order", docdb.U().Set("name", "x").Inc("msgs", 1).Unset("ratio").Push("tags", "d").Pull("tags", "a"), func(id string) docdb.Doc {
			return with(with(with(without(base(id), "ratio"), "name", "x"), "msgs", int32(6)), "tags", []any{"b", "d"})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := "r_" + tc.name
			mustNoErr(t, c.Insert(ctx, base(id)))
			var returned docdb.Doc
			mustNoErr(t, c.UpdateOne(ctx, id, tc.u, &returned))
			var stored docdb.Doc
			mustNoErr(t, c.FindOne(ctx, docdb.ByID(id), &stored))
			want := tc.want(id)
			if !docdb.SameTree(stored, want) {
				t.Errorf("stored:\n got %#v\nwant %#v", stored, want)
			}
			if !docdb.SameTree(returned, stored) {
				t.Errorf("UpdateOne returned\n %#v\nbut stored\n %#v", returned, stored)
			}
		})
	}
}

// TestUpdateErrorsLeaveDocument: an operator that cannot apply fails the whole update
// and changes nothing, not even the operators before it.
func TestUpdateErrorsLeaveDocument(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	c := s.Docs.Collection(docdb.Rooms)
	ctx := context.Background()
	orig := docdb.Doc{{Key: "_id", Value: "e"}, {Key: "name", Value: "n"}, {Key: "msgs", Value: int32(1)}, {Key: "tags", Value: []any{"a"}}}
	mustNoErr(t, c.Insert(ctx, orig))
	for _, tc := range []struct {
		name string
		u    *docdb.Update
	}{
		{"inc a string", docdb.U().Set("name", "changed").Inc("name", 1)},
		{"inc by a string", docdb.U().Inc("msgs", "1")},
		{"push onto a string", docdb.U().Push("name", "x")},
		{"addToSet onto a number", docdb.U().AddToSet("msgs", "x")},
		{"pull from a string", docdb.U().Pull("name", "x")},
		{"set under a string", docdb.U().Set("name.first", "x")},
		{"set under an array", docdb.U().Set("tags.x", "x")},
		{"unsupported value", docdb.U().Set("ch", make(chan int))},
		{"invalid UTF-8", docdb.U().Set("name", "\xff")},
		{"NaN", docdb.U().Set("ratio", math.NaN())},
		{"$ key through a map", docdb.U().Set("meta", map[string]any{"$where": 1})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := c.UpdateOne(ctx, "e", tc.u, nil); err == nil {
				t.Error("UpdateOne succeeded")
			}
			if n, err := c.Update(ctx, docdb.ByID("e"), tc.u); err == nil {
				t.Errorf("Update succeeded on %d", n)
			}
			var d docdb.Doc
			mustNoErr(t, c.FindOne(ctx, docdb.ByID("e"), &d))
			if !docdb.SameTree(d, orig) {
				t.Errorf("document changed: %#v", d)
			}
		})
	}
}

func TestUpdateMany(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	c := s.Docs.Collection(docdb.Subscriptions)
	ctx := context.Background()
	for i, rid := range []string{"A", "A", "A", "B", "B"} {
		mustNoErr(t, c.Insert(ctx, docdb.Doc{{Key: "_id", Value: string(rune('a' + i))}, {Key: "rid", Value: rid}, {Key: "u", Value: docdb.Doc{{Key: "_id", Value: string(rune('a' + i))}}}, {Key: "unread", Value: int32(i)}}))
	}
	ridIs := func(rid string) docdb.Query {
		return docdb.Query{Where: docdb.F("rid") + " = ?", Args: []any{rid}}
	}
	n, err := c.Update(ctx, ridIs("A"), docdb.U().Inc("unread", 10).Set("alert", true))
	mustNoErr(t, err)
	if n != 3 {
		t.Errorf("Update on room A changed %d, want 3", n)
	}
	n, err = c.Update(ctx, ridIs("none"), docdb.U().Set("alert", true))
	mustNoErr(t, err)
	if n != 0 {
		t.Errorf("Update on no match changed %d", n)
	}
	if _, err := c.Update(ctx, docdb.Query{Limit: 1}, docdb.U().Set("x", 1)); err == nil {
		t.Error("Update with a limit succeeded")
	}
	var subs []docdb.Doc
	mustNoErr(t, c.Find(ctx, docdb.Query{Order: docdb.F("_id")}, &subs))
	for i, d := range subs {
		unread, _ := d.Get("unread")
		alert, hasAlert := d.Get("alert")
		if i < 3 && (unread != int32(i+10) || alert != true) || i >= 3 && (unread != int32(i) || hasAlert) {
			t.Errorf("%d: %#v", i, d)
		}
	}
	n, err = c.Delete(ctx, ridIs("B"))
	mustNoErr(t, err)
	if n != 2 {
		t.Errorf("Delete room B removed %d, want 2", n)
	}
}

func TestUpdateOneMissing(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	var d docdb.Doc
	if err := s.Docs.Collection(docdb.Rooms).UpdateOne(context.Background(), "absent", docdb.U().Set("x", 1), &d); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("UpdateOne on a missing _id = %v, want ErrNotFound", err)
	}
	if d != nil {
		t.Errorf("UpdateOne filled out: %#v", d)
	}
	if err := s.Docs.Collection(docdb.Rooms).FindOne(context.Background(), docdb.ByID("absent"), &d); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("FindOne on a missing _id = %v, want ErrNotFound", err)
	}
}

// TestUniqueViolations: FerretDB's unique indexes (_id_, and rid_1_u._id_1 on
// subscriptions) hold for docdb's writes, and their violations are model.ErrDuplicate.
func TestUniqueViolations(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	c := s.Docs.Collection(docdb.Subscriptions)
	ctx := context.Background()
	sub := func(id, rid, uid string) docdb.Doc {
		return docdb.Doc{{Key: "_id", Value: id}, {Key: "rid", Value: rid}, {Key: "u", Value: docdb.Doc{{Key: "_id", Value: uid}, {Key: "username", Value: uid}}}}
	}
	mustNoErr(t, c.Insert(ctx, sub("s1", "R1", "U1")))
	mustNoErr(t, c.Insert(ctx, sub("s2", "R1", "U2")))
	mustNoErr(t, c.Insert(ctx, sub("s3", "R2", "U1")))
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"insert same _id", func() error { return c.Insert(ctx, sub("s1", "R9", "U9")) }},
		{"insert same rid and u._id", func() error { return c.Insert(ctx, sub("s4", "R1", "U1")) }},
		{"UpdateOne onto a taken pair", func() error { return c.UpdateOne(ctx, "s2", docdb.U().Set("u._id", "U1"), nil) }},
		{"UpdateOne onto a taken _id", func() error { return c.UpdateOne(ctx, "s2", docdb.U().Set("_id", "s1"), nil) }},
		{"Update onto a taken pair", func() error {
			_, err := c.Update(ctx, docdb.Query{Where: docdb.F("rid") + " = ?", Args: []any{"R2"}}, docdb.U().Set("rid", "R1"))
			return err
		}},
		{"inside a transaction", func() error {
			return s.Docs.InTx(ctx, func(ctx context.Context) error {
				if err := c.Insert(ctx, sub("s5", "R5", "U5")); err != nil {
					return err
				}
				return c.Insert(ctx, sub("s6", "R5", "U5"))
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, model.ErrDuplicate) {
				t.Errorf("got %v, want ErrDuplicate", err)
			}
		})
	}
	n, err := c.Count(ctx, docdb.Query{})
	mustNoErr(t, err)
	if n != 3 {
		t.Errorf("%d subscriptions after the violations, want 3", n)
	}
	// Same user in another room, and a subscription without u, are fine.
	mustNoErr(t, c.Insert(ctx, sub("s7", "R3", "U1")))
	mustNoErr(t, c.Insert(ctx, docdb.Doc{{Key: "_id", Value: "s8"}, {Key: "rid", Value: "R1"}}))
}

// TestUpdatePreservesUnknownFields: an update through a struct-shaped store keeps every
// field neither the update nor the struct names, as written by Rocket.Chat.
func TestUpdatePreservesUnknownFields(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	mc := mongoDB(t, s).Collection(docdb.Users)
	c := s.Docs.Collection(docdb.Users)
	doc := rcUser("keepFields0000001")
	_, err := mc.InsertOne(ctx, doc)
	mustNoErr(t, err)

	var u model.User
	mustNoErr(t, c.FindOne(ctx, docdb.ByID("keepFields0000001"), &u))
	at := time.UnixMilli(1700000555000).UTC()
	mustNoErr(t, c.UpdateOne(ctx, u.ID, docdb.U().Set("name", "Renamed").Set("_updatedAt", at).Inc("loginCount", 1), nil))
	setField(doc, "name", "Renamed")
	setField(doc, "_updatedAt", at)
	doc = append(doc, bson.E{Key: "loginCount", Value: int32(1)})
	sameBSON(t, findRaw(t, mc, u.ID), doc)
}
