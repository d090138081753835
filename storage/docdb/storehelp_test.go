package docdb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	_ "modernc.org/sqlite" // the read-only connections the plan tests explain queries on

	"github.com/outpostchat/outpost/storage"
	"github.com/outpostchat/outpost/storage/docdb"
)

// openAt opens the data directory dir; the caller closes the store (closeStore), which
// lets a test close and reopen the same directory.
func openAt(t testing.TB, dir string) (*storage.Store, error) {
	t.Helper()
	return storage.Open(context.Background(), storage.Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

func closeStore(t testing.TB, s *storage.Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Errorf("closing the store: %v", err)
	}
}

// mongoDB connects the Mongo driver to the store's FerretDB and returns Outpost's database.
func mongoDB(t testing.TB, s *storage.Store) *mongo.Database {
	t.Helper()
	ctx := context.Background()
	cl, err := mongo.Connect(ctx, options.Client().ApplyURI(s.Mongo.URI()).SetTimeout(30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cl.Disconnect(context.Background()) })
	return cl.Database("rocketchat")
}

// rawDB opens the store's SQLite file read-only, beside the store's own connections.
func rawDB(t testing.TB, s *storage.Store) *sql.DB {
	t.Helper()
	path := filepath.Join(s.Dir, "db", docdb.FileName)
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&"+url.Values{"_pragma": {"busy_timeout(10000)"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// tableOf returns the SQLite table FerretDB created for a collection.
func tableOf(t testing.TB, db *sql.DB, collection string) string {
	t.Helper()
	var table string
	if err := db.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = ?`, collection).Scan(&table); err != nil {
		t.Fatalf("table of %s: %v", collection, err)
	}
	return table
}

// findRaw reads one document by _id through FerretDB.
func findRaw(t testing.TB, c *mongo.Collection, id any) bson.Raw {
	t.Helper()
	raw, err := c.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		t.Fatalf("FerretDB find %s %v: %v", c.Name(), id, err)
	}
	return raw
}

// sameBSON compares a document read from FerretDB with the expected one element by
// element (key, BSON type, value bytes), then byte for byte.
func sameBSON(t testing.TB, got bson.Raw, want bson.D) {
	t.Helper()
	wb, err := bson.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	wantRaw := bson.Raw(wb)
	ge, err := got.Elements()
	if err != nil {
		t.Fatal(err)
	}
	we, _ := wantRaw.Elements()
	var diffs []string
	for i := range max(len(ge), len(we)) {
		switch {
		case i >= len(ge):
			diffs = append(diffs, fmt.Sprintf("missing %s", we[i]))
		case i >= len(we):
			diffs = append(diffs, fmt.Sprintf("unexpected %s", ge[i]))
		case ge[i].Key() != we[i].Key():
			diffs = append(diffs, fmt.Sprintf("element %d: key %q, want %q", i, ge[i].Key(), we[i].Key()))
		case ge[i].Value().Type != we[i].Value().Type:
			diffs = append(diffs, fmt.Sprintf("%s: BSON type %s, want %s (%s vs %s)", ge[i].Key(), ge[i].Value().Type, we[i].Value().Type, ge[i].Value(), we[i].Value()))
		case !ge[i].Value().Equal(we[i].Value()):
			diffs = append(diffs, fmt.Sprintf("%s: %s, want %s", ge[i].Key(), ge[i].Value(), we[i].Value()))
		}
	}
	if len(diffs) == 0 && !bytesEqual(got, wantRaw) {
		diffs = append(diffs, fmt.Sprintf("documents differ:\n got %s\nwant %s", got, wantRaw))
	}
	for _, d := range diffs {
		t.Error(d)
	}
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// mustNoErr fails the test on err.
func mustNoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// isDuplicateKey reports whether err is FerretDB's duplicate key error (E11000).
func isDuplicateKey(err error) bool {
	var we mongo.WriteException
	return mongo.IsDuplicateKeyError(err) || errors.As(err, &we) && we.HasErrorCode(11000)
}
