package docdb

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The rooms' search index: an FTS5 table with the trigram tokenizer over each room's
// name, fname and (direct messages) member usernames, kept by triggers on the rooms
// table as the users' index is (users_search.go). The console's room searches (its
// rooms list, the uploads page's room filter) read every room before. The index only
// narrows the candidates: it folds case beyond ASCII and joins usernames with spaces,
// so it may find a few rooms too many, never too few; each query then applies its own
// exact test to those candidates, so results are what a scan gives.
const (
	roomFTSTable = "outpost_rooms_fts"
	roomFTSIDs   = "outpost_rooms_fts_ids"
)

// createRoomSearch creates the rooms' search index and its triggers, filling it from
// the existing rooms when it is new.
func (db *DB) createRoomSearch(ctx context.Context) error {
	var exists int
	if err := db.writer.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = ?`, roomFTSIDs).Scan(&exists); err != nil {
		return fmt.Errorf("docdb: rooms' search index: %w", err)
	}
	for _, q := range roomFTSSQL(db.tables[Rooms], exists == 0) {
		if _, err := db.writer.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("docdb: rooms' search index: %w", err)
		}
	}
	return nil
}

func roomFTSSQL(table string, fill bool) []string {
	t := fmt.Sprintf("%q", table)
	field := func(row, path string) string { return row + "." + docColumn + "->>'$." + path + "'" }
	usernames := func(row string) string {
		return `(SELECT group_concat(value, ' ') FROM json_each(` + row + `.` + docColumn + `->'$.usernames'))`
	}
	add := func(row string) string {
		return `INSERT OR IGNORE INTO ` + roomFTSIDs + ` (id) VALUES (` + field(row, "_id") + `);` +
			`INSERT INTO ` + roomFTSTable + ` (rowid, name, fname, usernames) SELECT n, ` + field(row, "name") + `, ` +
			field(row, "fname") + `, ` + usernames(row) + ` FROM ` + roomFTSIDs + ` WHERE id = ` + field(row, "_id") + `;`
	}
	remove := func(row string) string {
		return `DELETE FROM ` + roomFTSTable + ` WHERE rowid IN (SELECT n FROM ` + roomFTSIDs + ` WHERE id = ` + field(row, "_id") + `);` +
			`DELETE FROM ` + roomFTSIDs + ` WHERE id = ` + field(row, "_id") + `;`
	}
	// A room changes at every message (lm, msgs, lastMessage): the trigger compares the
	// indexed fields first and leaves the index alone unless one changed.
	changed := field("OLD", "name") + " IS NOT " + field("NEW", "name") + " OR " + field("OLD", "fname") + " IS NOT " +
		field("NEW", "fname") + " OR " + "OLD." + docColumn + "->'$.usernames' IS NOT NEW." + docColumn + "->'$.usernames' OR " +
		field("OLD", "_id") + " IS NOT " + field("NEW", "_id")
	out := []string{
		`CREATE TABLE IF NOT EXISTS ` + roomFTSIDs + ` (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)`,
		`CREATE VIRTUAL TABLE IF NOT EXISTS ` + roomFTSTable + ` USING fts5(name, fname, usernames, tokenize = 'trigram')`,
		`DROP TRIGGER IF EXISTS ` + roomFTSTable + `_insert`,
		`CREATE TRIGGER ` + roomFTSTable + `_insert AFTER INSERT ON ` + t + ` BEGIN ` + remove("NEW") + add("NEW") + ` END`,
		`DROP TRIGGER IF EXISTS ` + roomFTSTable + `_update`,
		`CREATE TRIGGER ` + roomFTSTable + `_update AFTER UPDATE ON ` + t + ` WHEN ` + changed + ` BEGIN ` + remove("OLD") + add("NEW") + ` END`,
		`DROP TRIGGER IF EXISTS ` + roomFTSTable + `_delete`,
		`CREATE TRIGGER ` + roomFTSTable + `_delete AFTER DELETE ON ` + t + ` BEGIN ` + remove("OLD") + ` END`,
	}
	if fill {
		out = append(out,
			`INSERT OR IGNORE INTO `+roomFTSIDs+` (id) SELECT `+field(t, "_id")+` FROM `+t,
			`INSERT INTO `+roomFTSTable+` (rowid, name, fname, usernames) SELECT i.n, `+field(t, "name")+`, `+field(t, "fname")+`, `+
				usernames(t)+` FROM `+t+` JOIN `+roomFTSIDs+` i ON i.id = `+field(t, "_id"),
		)
	}
	return out
}

// roomCandidates is the condition "the room may contain text in one of the columns
// (name, fname, usernames)", answered by the search index, for a text of three
// characters or more; ok is false for a shorter text, which the index cannot search.
// The caller still applies its exact test.
func roomCandidates(text string, columns ...string) (where string, args []any, ok bool) {
	if utf8.RuneCountInString(text) < 3 {
		return "", nil, false
	}
	match := "{" + strings.Join(columns, " ") + "} : \"" + strings.ReplaceAll(text, `"`, `""`) + "\""
	return docColumn + `->'_id' IN (SELECT json_quote(i.id) FROM ` + roomFTSTable + ` f JOIN ` + roomFTSIDs +
		` i ON i.n = f.rowid WHERE ` + roomFTSTable + ` MATCH ?)`, []any{match}, true
}
