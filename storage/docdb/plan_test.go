package docdb_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/storage/docdb"
)

// explain returns the detail lines of EXPLAIN QUERY PLAN for query.
func explain(t testing.TB, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, detail)
	}
	mustNoErr(t, rows.Err())
	return out
}

// TestQueryPlans: every hot query is an index search: no table scan, no full index scan,
// no sort for ORDER BY. The SQL is exactly what the store runs (docdb.SelectSQL etc.).
func TestQueryPlans(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	// Some data, so the plans are those of a used database (no ANALYZE, as in production).
	msgs := s.Docs.Collection(docdb.Messages)
	mustNoErr(t, s.Docs.InTx(ctx, func(ctx context.Context) error {
		for i := range 300 {
			rid := fmt.Sprintf("room%d", i%7)
			if err := msgs.Insert(ctx, docdb.Doc{{Key: "_id", Value: fmt.Sprintf("m%03d", i)}, {Key: "rid", Value: rid}, {Key: "msg", Value: "x"}, {Key: "ts", Value: time.UnixMilli(int64(1700000000000 + i)).UTC()}}); err != nil {
				return err
			}
			if err := s.Docs.Collection(docdb.Subscriptions).Insert(ctx, docdb.Doc{{Key: "_id", Value: fmt.Sprintf("s%03d", i)}, {Key: "rid", Value: rid}, {Key: "u", Value: docdb.Doc{{Key: "_id", Value: fmt.Sprintf("u%d", i)}}}}); err != nil {
				return err
			}
		}
		return nil
	}))
	db := rawDB(t, s)

	type plan struct {
		name       string
		collection string
		sql        func(table string) string
		args       []any
		index      string // the index the plan must search; "_id_" means FerretDB's <table>__id_
	}
	sel := func(q docdb.Query) func(string) string {
		return func(tb string) string { return docdb.SelectSQL(q, tb) }
	}
	byRID := docdb.Query{Where: docdb.F("rid") + " = ?"}
	var plans []plan
	for _, c := range []string{docdb.Users, docdb.Rooms, docdb.Subscriptions, docdb.Messages, docdb.Settings} {
		plans = append(plans,
			plan{"find by _id", c, sel(docdb.ByID("x")), []any{"x"}, "_id_"},
			plan{"UpdateOne by _id", c, func(tb string) string { return fmt.Sprintf(docdb.UpdateOneSQL, tb) }, []any{int64(1), "x"}, "_id_"},
			plan{"delete by _id", c, func(tb string) string { return docdb.DeleteSQL(docdb.ByID("x"), tb) }, []any{"x"}, "_id_"},
		)
	}
	plans = append(plans,
		plan{"message history", docdb.Messages, sel(docdb.Query{Where: docdb.F("rid") + " = ?", Order: docdb.F("ts") + " DESC", Limit: 50}), []any{"room1"}, "outpost_message_rid_ts"},
		plan{"message history before ts", docdb.Messages, sel(docdb.Query{Where: docdb.F("rid") + " = ? AND " + docdb.F("ts") + " < ?", Order: docdb.F("ts") + " DESC", Limit: 50}), []any{"room1", int64(1700000000100)}, "outpost_message_rid_ts"},
		plan{"message history after ts, ascending", docdb.Messages, sel(docdb.Query{Where: docdb.F("rid") + " = ? AND " + docdb.F("ts") + " > ?", Order: docdb.F("ts"), Limit: 50}), []any{"room1", int64(1700000000100)}, "outpost_message_rid_ts"},
		plan{"a user's messages", docdb.Messages, sel(docdb.UserMessagesQuery("u1")), []any{"u1"}, "outpost_message_uid"},
		plan{"messages in room count", docdb.Messages, func(tb string) string { return docdb.CountSQL(byRID, tb) }, []any{"room1"}, "outpost_message_rid_"}, // any (rid, …) index
		plan{"subscriptions by rid", docdb.Subscriptions, sel(byRID), []any{"room1"}, "outpost_subscription_rid"},
		plan{"subscriptions by u._id", docdb.Subscriptions, sel(docdb.Query{Where: docdb.F("u._id") + " = ?"}), []any{"u1"}, "outpost_subscription_uid"},
		plan{"subscription by rid and u._id", docdb.Subscriptions, sel(docdb.Query{Where: docdb.F("rid") + " = ? AND " + docdb.F("u._id") + " = ?", Limit: 1}), []any{"room1", "u1"}, "outpost_subscription_"},
		// UsersStore.ByUsername: case-insensitive, on the lower() expression index.
		plan{"user by username", docdb.Users, sel(docdb.Query{Where: "lower(" + docdb.F("username") + ") = lower(?)", Limit: 1}), []any{"Ann"}, "outpost_users_username"},
		plan{"room by name", docdb.Rooms, sel(docdb.Query{Where: docdb.F("name") + " = ?", Limit: 1}), []any{"general"}, "outpost_room_name"},
	)
	for _, p := range plans {
		t.Run(p.collection+"/"+p.name, func(t *testing.T) {
			table := tableOf(t, db, p.collection)
			want := p.index
			if want == "_id_" {
				want = table + "__id_"
			}
			q := p.sql(table)
			lines := explain(t, db, q, p.args...)
			t.Logf("%s\n  → %s", q, strings.Join(lines, " | "))
			for _, problem := range planProblems(lines, table, want) {
				t.Error(problem)
			}
		})
	}

	// The check itself catches a scan, a sort and a search on the wrong index.
	table := tableOf(t, db, docdb.Messages)
	for _, q := range []string{
		docdb.SelectSQL(docdb.Query{Where: docdb.F("msg") + " = ?"}, table),
		docdb.SelectSQL(docdb.Query{Where: docdb.F("rid") + " = ?", Order: docdb.F("msg")}, table),
		docdb.SelectSQL(docdb.ByID("x"), table),
	} {
		if problems := planProblems(explain(t, db, q, "x"), table, "outpost_message_rid_ts"); len(problems) == 0 {
			t.Errorf("planProblems found nothing wrong with %s", q)
		}
	}
}

// planProblems lists what is wrong with a plan that must search table on index.
func planProblems(lines []string, table, index string) []string {
	var problems []string
	used := false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "SCAN "):
			problems = append(problems, "scan: "+l)
		case strings.Contains(l, "TEMP B-TREE"):
			problems = append(problems, "sort: "+l)
		case strings.HasPrefix(l, "SEARCH "+table+" USING ") && strings.Contains(l, "INDEX "+index):
			used = true
		}
	}
	if !used {
		problems = append(problems, fmt.Sprintf("no search on index %s: %q", index, lines))
	}
	return problems
}

// TestIDLookupPlans: docdb's idWhere (`_ferretdb_sjson->'_id' = json_quote(?)`) is the
// expression FerretDB's unique _id index is built on (`_ferretdb_sjson->"_id"`, the
// double-quoted "_id" being read as a string), so it searches that index. FerretDB's own
// lookups (`_ferretdb_sjson->'$._id' = ?`, in find, update and delete by _id) are a
// different expression and scan the table unless another index covers them; the test
// logs which, as that decides how long a write through the Mongo face holds SQLite's
// write lock.
func TestIDLookupPlans(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	db := rawDB(t, s)
	for _, c := range docdb.Schema {
		table := tableOf(t, db, c.Name)
		ours := explain(t, db, docdb.SelectSQL(docdb.ByID("x"), table), "x")
		for _, p := range planProblems(ours, table, table+"__id_") {
			t.Errorf("%s: docdb's _id lookup: %s", c.Name, p)
		}
		ferret := explain(t, db, `UPDATE "`+table+`" SET _ferretdb_sjson = ? WHERE _ferretdb_sjson->'$._id' = ?`, "{}", `"x"`)
		t.Logf("%s: FerretDB's update by _id: %q", c.Name, ferret)
	}
}
