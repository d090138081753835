package docdb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

func subDoc(id, rid, uid string) docdb.Doc {
	return docdb.Doc{{Key: "_id", Value: id}, {Key: "rid", Value: rid}, {Key: "u", Value: docdb.Doc{{Key: "_id", Value: uid}, {Key: "username", Value: "user-" + uid}}}, {Key: "open", Value: false}}
}

// TestRestartUnderFerretDB: data and indexes docdb created survive a restart, FerretDB
// shows Mongo tools only its own indexes, serves and changes the same documents, keeps
// docdb's indexes right while it writes, and enforces the unique {rid, u._id} index.
func TestRestartUnderFerretDB(t *testing.T) {
	t.Parallel()
	dir, err := mkShortTemp(t)
	mustNoErr(t, err)
	ctx := context.Background()

	s1, err := openAt(t, dir)
	mustNoErr(t, err)
	subs := s1.Docs.Collection(docdb.Subscriptions)
	mustNoErr(t, subs.Insert(ctx, subDoc("s1", "R1", "U1")))
	mustNoErr(t, subs.Insert(ctx, subDoc("s2", "R1", "U2")))
	mustNoErr(t, s1.Docs.Collection(docdb.Messages).Insert(ctx, msg("m1", "R1")))
	mustNoErr(t, s1.Docs.Collection(docdb.Users).Insert(ctx, model.User{ID: "U1", Username: "Ann", Roles: []string{"user"}}))
	before := sqliteIndexes(t, rawDB(t, s1))
	closeStore(t, s1)

	s, err := openAt(t, dir)
	mustNoErr(t, err)
	// Registered before mongoDB's cleanup, so the client disconnects first: FerretDB
	// waits about 3s for connected clients when it stops.
	t.Cleanup(func() { closeStore(t, s) })
	raw := rawDB(t, s)
	if after := sqliteIndexes(t, raw); !slices.Equal(before, after) {
		t.Errorf("SQLite indexes changed across the restart:\n%q\n%q", before, after)
	}
	for _, want := range []string{"outpost_subscription_rid", "outpost_subscription_uid", "outpost_message_rid_ts", "outpost_users_username", "outpost_room_name"} {
		if !slices.Contains(before, want) {
			t.Errorf("index %s missing from the SQLite file", want)
		}
	}

	mdb := mongoDB(t, s)
	msubs := mdb.Collection(docdb.Subscriptions)

	// listIndexes shows FerretDB's indexes only.
	specs, err := msubs.Indexes().ListSpecifications(ctx)
	mustNoErr(t, err)
	var names []string
	for _, sp := range specs {
		names = append(names, sp.Name)
		if sp.Name == "rid_1_u._id_1" {
			if sp.Unique == nil || !*sp.Unique {
				t.Errorf("rid_1_u._id_1 is not unique: %+v", sp)
			}
			if want := bson.Raw(mustMarshal(t, bson.D{{Key: "rid", Value: int32(1)}, {Key: "u._id", Value: int32(1)}})); !bytesEqual(sp.KeysDocument, want) {
				t.Errorf("rid_1_u._id_1 keys %s, want %s", sp.KeysDocument, want)
			}
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"_id_", "rid_1_u._id_1"}) {
		t.Errorf("listIndexes on subscriptions = %q, want _id_ and rid_1_u._id_1", names)
	}
	for _, c := range docdb.Schema {
		specs, err := mdb.Collection(c.Name).Indexes().ListSpecifications(ctx)
		mustNoErr(t, err)
		for _, sp := range specs {
			if strings.HasPrefix(sp.Name, "outpost_") {
				t.Errorf("%s: listIndexes shows %s", c.Name, sp.Name)
			}
		}
	}

	// What mongodump and Compass ask for works.
	colls, err := mdb.ListCollectionNames(ctx, bson.D{})
	mustNoErr(t, err)
	for _, c := range docdb.Schema {
		if !slices.Contains(colls, c.Name) {
			t.Errorf("listCollections misses %s", c.Name)
		}
		cur, err := mdb.Collection(c.Name).Find(ctx, bson.D{})
		mustNoErr(t, err)
		var all []bson.Raw
		mustNoErr(t, cur.All(ctx, &all))
		mustNoErr(t, mdb.RunCommand(ctx, bson.D{{Key: "collStats", Value: c.Name}}).Err())
	}
	mustNoErr(t, mdb.RunCommand(ctx, bson.D{{Key: "dbStats", Value: 1}}).Err())

	// FerretDB reads docdb's documents.
	var got struct {
		RID string `bson:"rid"`
		U   struct {
			ID string `bson:"_id"`
		} `bson:"u"`
	}
	mustNoErr(t, msubs.FindOne(ctx, bson.D{{Key: "_id", Value: "s1"}}).Decode(&got))
	if got.RID != "R1" || got.U.ID != "U1" {
		t.Errorf("FerretDB read s1 as %+v", got)
	}
	if n, err := msubs.CountDocuments(ctx, bson.D{{Key: "rid", Value: "R1"}}); err != nil || n != 2 {
		t.Errorf("FerretDB count in R1 = %d, %v", n, err)
	}

	// FerretDB writes; docdb sees them, through its own indexes.
	_, err = msubs.InsertOne(ctx, bson.D{{Key: "_id", Value: "s3"}, {Key: "rid", Value: "R2"}, {Key: "u", Value: bson.D{{Key: "_id", Value: "U1"}}}})
	mustNoErr(t, err)
	res, err := msubs.UpdateOne(ctx, bson.D{{Key: "_id", Value: "s1"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "open", Value: true}, {Key: "rid", Value: "R3"}}}})
	mustNoErr(t, err)
	if res.ModifiedCount != 1 {
		t.Errorf("FerretDB update modified %d", res.ModifiedCount)
	}
	del, err := msubs.DeleteOne(ctx, bson.D{{Key: "_id", Value: "s2"}})
	mustNoErr(t, err)
	if del.DeletedCount != 1 {
		t.Errorf("FerretDB delete removed %d", del.DeletedCount)
	}
	c := s.Docs.Collection(docdb.Subscriptions)
	ridIs := func(rid string) docdb.Query {
		return docdb.Query{Where: docdb.F("rid") + " = ?", Args: []any{rid}, Order: docdb.F("_id")}
	}
	for rid, want := range map[string][]string{"R1": nil, "R2": {"s3"}, "R3": {"s1"}} {
		var docs []docdb.Doc
		mustNoErr(t, c.Find(ctx, ridIs(rid), &docs))
		var ids []string
		for _, d := range docs {
			id, _ := d.Get("_id")
			ids = append(ids, id.(string))
		}
		if !slices.Equal(ids, want) {
			t.Errorf("docdb finds %q in %s, want %q", ids, rid, want)
		}
	}
	var s1doc docdb.Doc
	mustNoErr(t, c.FindOne(ctx, docdb.ByID("s1"), &s1doc))
	if open, _ := s1doc.Get("open"); open != true {
		t.Errorf("docdb does not see FerretDB's update: %#v", s1doc)
	}
	var uidSubs []docdb.Doc
	mustNoErr(t, c.Find(ctx, docdb.Query{Where: docdb.F("u._id") + " = ?", Args: []any{"U1"}}, &uidSubs))
	if len(uidSubs) != 2 {
		t.Errorf("docdb finds %d subscriptions of U1, want 2 (s1, s3)", len(uidSubs))
	}

	// The unique index holds for FerretDB's writes, against docdb's documents too.
	_, err = msubs.InsertOne(ctx, bson.D{{Key: "_id", Value: "s4"}, {Key: "rid", Value: "R2"}, {Key: "u", Value: bson.D{{Key: "_id", Value: "U1"}}}})
	if !isDuplicateKey(err) {
		t.Errorf("FerretDB inserted a second {rid: R2, u._id: U1}: %v", err)
	}
	_, err = msubs.InsertOne(ctx, bson.D{{Key: "_id", Value: "s5"}, {Key: "rid", Value: "R3"}, {Key: "u", Value: bson.D{{Key: "_id", Value: "U1"}, {Key: "username", Value: "other"}}}})
	if !isDuplicateKey(err) {
		t.Errorf("FerretDB inserted a second {rid: R3, u._id: U1} (s1 was written by docdb): %v", err)
	}
	if _, err = msubs.InsertOne(ctx, bson.D{{Key: "_id", Value: "s1"}}); !isDuplicateKey(err) {
		t.Errorf("FerretDB inserted a second _id s1: %v", err)
	}
	if err := c.Insert(ctx, subDoc("s6", "R2", "U1")); !errors.Is(err, model.ErrDuplicate) {
		t.Errorf("docdb inserted a second {rid: R2, u._id: U1} (s3 was written by FerretDB): %v", err)
	}

	// FerretDB can still create and drop indexes beside docdb's.
	mmsgs := mdb.Collection(docdb.Messages)
	name, err := mmsgs.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "ts", Value: 1}}, Options: options.Index().SetName("ts_1")})
	mustNoErr(t, err)
	_, err = mmsgs.InsertOne(ctx, bson.D{{Key: "_id", Value: "m2"}, {Key: "rid", Value: "R1"}, {Key: "ts", Value: time.UnixMilli(5).UTC()}})
	mustNoErr(t, err)
	_, err = mmsgs.Indexes().DropOne(ctx, name)
	mustNoErr(t, err)

	var ok string
	mustNoErr(t, raw.QueryRow("PRAGMA integrity_check").Scan(&ok))
	if ok != "ok" {
		t.Errorf("integrity_check after FerretDB's writes: %s", ok)
	}
	if after := sqliteIndexes(t, raw); !slices.Equal(before, after) {
		t.Errorf("SQLite indexes after FerretDB's index changes:\n%q\nwant\n%q", after, before)
	}
}

// sqliteIndexes lists the names of the indexes in the SQLite file, sorted.
func sqliteIndexes(t testing.TB, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name`)
	mustNoErr(t, err)
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		mustNoErr(t, rows.Scan(&n))
		names = append(names, n)
	}
	mustNoErr(t, rows.Err())
	return names
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := bson.Marshal(v)
	mustNoErr(t, err)
	return b
}

// TestConcurrentWritersBothFaces: while Outpost writes through docdb, an admin's writes
// through FerretDB (mongosh, a small mongorestore) go through too: SQLite's locks with
// busy timeouts serialise the two writers, and no write is lost or refused.
func TestConcurrentWritersBothFaces(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	mc := mongoDB(t, s).Collection(docdb.Messages)
	c := s.Docs.Collection(docdb.Messages)
	const writers, perWriter, ferretOps = 8, 25, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter+2*ferretOps)
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				id := fmt.Sprintf("d%d_%02d", w, i)
				errs <- s.Docs.InTx(ctx, func(ctx context.Context) error {
					if err := c.Insert(ctx, msg(id, "R")); err != nil {
						return err
					}
					return c.UpdateOne(ctx, id, docdb.U().Inc("docdbTouches", 1), nil)
				})
			}
		})
	}
	wg.Go(func() {
		for i := range ferretOps {
			id := fmt.Sprintf("f%02d", i)
			_, err := mc.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "rid", Value: "R"}})
			errs <- err
			_, err = mc.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "ferretTouches", Value: int32(1)}}}})
			errs <- err
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	want := int64(writers*perWriter + ferretOps)
	total, err := c.Count(ctx, docdb.Query{Where: docdb.F("rid") + " = ?", Args: []any{"R"}})
	mustNoErr(t, err)
	if total != want {
		t.Errorf("docdb counts %d messages, want %d", total, want)
	}
	touched, err := c.Count(ctx, docdb.Query{Where: docdb.F("ferretTouches") + " = 1"})
	mustNoErr(t, err)
	if touched != ferretOps {
		t.Errorf("%d of FerretDB's updates visible, want %d", touched, ferretOps)
	}
}

// TestMultiKeyFilledOnce: a side table is filled from the documents when it is created;
// later starts leave it to its triggers instead of reading the whole collection again
// (a start over a million messages must not parse them all).
func TestMultiKeyFilledOnce(t *testing.T) {
	t.Parallel()
	dir, err := mkShortTemp(t)
	mustNoErr(t, err)
	ctx := context.Background()
	s1, err := openAt(t, dir)
	mustNoErr(t, err)
	mustNoErr(t, s1.Docs.Collection(docdb.Users).Insert(ctx, model.User{ID: "U1", Username: "ann", Roles: []string{"user"}}))
	closeStore(t, s1)

	// Empty the side table behind the store's back: only a refill could bring the row back.
	w, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "db", docdb.FileName))
	mustNoErr(t, err)
	_, err = w.Exec(`DELETE FROM outpost_users_roles`)
	mustNoErr(t, err)
	mustNoErr(t, w.Close())

	s2, err := openAt(t, dir)
	mustNoErr(t, err)
	t.Cleanup(func() { closeStore(t, s2) })
	var n int
	mustNoErr(t, rawDB(t, s2).QueryRow(`SELECT count(*) FROM outpost_users_roles`).Scan(&n))
	if n != 0 {
		t.Errorf("the existing side table was refilled at start (%d rows)", n)
	}
	// Its triggers still work.
	mustNoErr(t, s2.Docs.Collection(docdb.Users).Insert(ctx, model.User{ID: "U2", Username: "bob", Roles: []string{"user"}}))
	mustNoErr(t, rawDB(t, s2).QueryRow(`SELECT count(*) FROM outpost_users_roles WHERE id = 'U2'`).Scan(&n))
	if n != 1 {
		t.Errorf("a new user's role is missing from the side table")
	}
}

// TestMigrationWidensHistoryIndex: a store from before migration 1, whose history
// index is (rid, ts), gets the index Schema defines at its next start.
func TestMigrationWidensHistoryIndex(t *testing.T) {
	t.Parallel()
	dir, err := mkShortTemp(t)
	mustNoErr(t, err)
	s1, err := openAt(t, dir)
	mustNoErr(t, err)
	table := tableOf(t, rawDB(t, s1), docdb.Messages)
	closeStore(t, s1)

	w, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "db", docdb.FileName))
	mustNoErr(t, err)
	for _, q := range []string{
		`DROP INDEX outpost_message_rid_ts`,
		fmt.Sprintf(`CREATE INDEX outpost_message_rid_ts ON %q (%s, %s)`, table, docdb.F("rid"), docdb.F("ts")),
		`PRAGMA user_version = 0`,
	} {
		_, err := w.Exec(q)
		mustNoErr(t, err)
	}
	mustNoErr(t, w.Close())

	s2, err := openAt(t, dir)
	mustNoErr(t, err)
	t.Cleanup(func() { closeStore(t, s2) })
	var def string
	mustNoErr(t, rawDB(t, s2).QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'outpost_message_rid_ts'`).Scan(&def))
	if !strings.Contains(def, "$._hidden") || !strings.Contains(def, "$.tshow") {
		t.Errorf("history index after the migration: %s", def)
	}
}
