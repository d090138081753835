package docdb

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A search index: an FTS5 table over fields of a collection's documents, kept by
// triggers on the collection's table, so every write keeps it right, in the writer's
// transaction and through FerretDB too (whose connections know only SQLite's built-in
// functions). FTS5 rows are keyed by an integer, so a small table <table>_ids gives each
// indexed document one (the collection table's rowids are not stable across VACUUM). A
// new index is filled from the existing documents once; from then on the triggers keep
// it. The messages' (search.go), the users' (users_search.go) and the rooms'
// (rooms_search.go) indexes are searchIndexes.
type searchIndex struct {
	table      string // the FTS5 table
	collection string
	columns    []searchColumn
	tokenize   string
	// indexed, when set, is the condition a document in row (OLD, NEW or the table)
	// meets to be indexed.
	indexed func(row string) string
}

// searchColumn is one column of a search index: a field's text or, for an array field,
// its elements (each: that key of each element; "" the elements themselves) joined with
// spaces.
type searchColumn struct {
	name, path string
	array      bool
	each       string
	unindexed  bool // stored (for a filter), not searched
}

// searchIndexes are created, in this order, with the collections' indexes.
var searchIndexes = []searchIndex{messageSearch, userSearch, roomSearch}

func (ix searchIndex) ids() string { return ix.table + "_ids" }

// value is the column's value for the document in row.
func (c searchColumn) value(row string) string {
	if !c.array {
		return row + "." + docColumn + "->>'$." + c.path + "'"
	}
	v := "value"
	if c.each != "" {
		v = "value->>'" + c.each + "'"
	}
	return `(SELECT group_concat(` + v + `, ' ') FROM json_each(` + row + `.` + docColumn + `->'$.` + c.path + `'))`
}

// create creates the index and its triggers (again at every start, so their text
// follows the code), filling the index when it is new.
func (ix searchIndex) create(ctx context.Context, db *DB) error {
	var exists int
	if err := db.writer.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = ?`, ix.ids()).Scan(&exists); err != nil {
		return fmt.Errorf("docdb: search index %s: %w", ix.table, err)
	}
	for _, q := range ix.sql(db.tables[ix.collection], exists == 0) {
		if _, err := db.writer.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("docdb: search index %s: %w", ix.table, err)
		}
	}
	return nil
}

// sql returns the statements that create the tables and (re)create the triggers; fill
// adds those that index the existing documents.
func (ix searchIndex) sql(table string, fill bool) []string {
	t := fmt.Sprintf("%q", table)
	id := func(row string) string { return row + "." + docColumn + "->>'$._id'" }
	var names, specs, changed []string
	for _, c := range ix.columns {
		names = append(names, c.name)
		spec := c.name
		if c.unindexed {
			spec += " UNINDEXED"
		}
		specs = append(specs, spec)
		changed = append(changed, "OLD."+docColumn+"->'$."+c.path+"' IS NOT NEW."+docColumn+"->'$."+c.path+"'")
	}
	changed = append(changed, id("OLD")+" IS NOT "+id("NEW"))
	values := func(row string) string {
		var vs []string
		for _, c := range ix.columns {
			vs = append(vs, c.value(row))
		}
		return strings.Join(vs, ", ")
	}
	when, and := func(string) string { return "" }, func(string) string { return "" }
	if ix.indexed != nil {
		when = func(row string) string { return " WHERE " + ix.indexed(row) }
		and = func(row string) string { return " AND " + ix.indexed(row) }
		changed = append(changed, "("+ix.indexed("OLD")+") IS NOT ("+ix.indexed("NEW")+")")
	}
	cols := strings.Join(names, ", ")
	add := func(row string) string {
		return `INSERT OR IGNORE INTO ` + ix.ids() + ` (id) SELECT ` + id(row) + when(row) + `;` +
			`INSERT INTO ` + ix.table + ` (rowid, ` + cols + `) SELECT n, ` + values(row) + ` FROM ` + ix.ids() +
			` WHERE id = ` + id(row) + and(row) + `;`
	}
	remove := func(row string) string {
		return `DELETE FROM ` + ix.table + ` WHERE rowid IN (SELECT n FROM ` + ix.ids() + ` WHERE id = ` + id(row) + `);` +
			`DELETE FROM ` + ix.ids() + ` WHERE id = ` + id(row) + `;`
	}
	out := []string{
		`CREATE TABLE IF NOT EXISTS ` + ix.ids() + ` (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)`,
		`CREATE VIRTUAL TABLE IF NOT EXISTS ` + ix.table + ` USING fts5(` + strings.Join(specs, ", ") + `, tokenize = '` + ix.tokenize + `')`,
		`DROP TRIGGER IF EXISTS ` + ix.table + `_insert`,
		`CREATE TRIGGER ` + ix.table + `_insert AFTER INSERT ON ` + t + ` BEGIN ` + remove("NEW") + add("NEW") + ` END`,
		// Only a change to what the index holds touches it: rooms change at every message.
		`DROP TRIGGER IF EXISTS ` + ix.table + `_update`,
		`CREATE TRIGGER ` + ix.table + `_update AFTER UPDATE ON ` + t + ` WHEN ` + strings.Join(changed, " OR ") +
			` BEGIN ` + remove("OLD") + add("NEW") + ` END`,
		`DROP TRIGGER IF EXISTS ` + ix.table + `_delete`,
		`CREATE TRIGGER ` + ix.table + `_delete AFTER DELETE ON ` + t + ` BEGIN ` + remove("OLD") + ` END`,
	}
	if fill {
		out = append(out,
			`INSERT OR IGNORE INTO `+ix.ids()+` (id) SELECT `+id(t)+` FROM `+t+when(t),
			`INSERT INTO `+ix.table+` (rowid, `+cols+`) SELECT i.n, `+values(t)+` FROM `+t+` JOIN `+ix.ids()+` i ON i.id = `+id(t),
		)
	}
	return out
}

// matching is the condition "the document is among the index's matches for the MATCH
// argument", with extra conditions on the index's row f.
func (ix searchIndex) matching(extra string) string {
	return docColumn + `->'_id' IN (SELECT json_quote(i.id) FROM ` + ix.table + ` f JOIN ` + ix.ids() +
		` i ON i.n = f.rowid WHERE ` + ix.table + ` MATCH ?` + extra + `)`
}

// contains is the condition "the document holds text in one of the columns", through
// a trigram index, for a text of three characters or more; ok is false for a shorter
// text, which the index cannot search.
func (ix searchIndex) contains(text string, columns ...string) (where string, args []any, ok bool) {
	if utf8.RuneCountInString(text) < 3 {
		return "", nil, false
	}
	match := "{" + strings.Join(columns, " ") + "} : \"" + strings.ReplaceAll(text, `"`, `""`) + "\""
	return ix.matching(""), []any{match}, true
}
