package docdb

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/outpostchat/outpost/app/model"
)

// The full-text index of messages: an FTS5 table over the text of user messages, kept
// by triggers on the messages table, so every write (in the writer's transaction, and
// through FerretDB too, whose connections know only SQLite's built-in functions) keeps
// it right. FTS5 rows are keyed by an integer, so a small table gives each indexed
// message one (rowids of the collection's own table are not stable across VACUUM).
const (
	ftsTable = "outpost_message_fts"
	ftsIDs   = "outpost_message_fts_ids"
	// trashMessagesIndex serves chat.syncMessages' and getDeletedMessages' trash queries.
	trashMessagesIndex = "outpost_trash_message_rid_deleted"
)

// createMessageIndexes creates the trash index for deleted messages and the full-text
// index of messages, filling the latter from existing messages when it is new.
func (db *DB) createMessageIndexes(ctx context.Context) error {
	trash := Index{Name: trashMessagesIndex, Fields: []string{"__collection__", "rid", "_deletedAt"}}
	if _, err := db.writer.ExecContext(ctx, indexSQL(db.tables[Trash], trash)); err != nil {
		return fmt.Errorf("docdb: index %s: %w", trash.Name, err)
	}
	var exists int
	if err := db.writer.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = ?`, ftsIDs).Scan(&exists); err != nil {
		return fmt.Errorf("docdb: full-text index: %w", err)
	}
	for _, q := range ftsSQL(db.tables[Messages], exists == 0) {
		if _, err := db.writer.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("docdb: full-text index: %w", err)
		}
	}
	return nil
}

// ftsSQL returns the statements that create the full-text tables and (re)create their
// triggers; fill adds the statements that index the existing messages.
func ftsSQL(table string, fill bool) []string {
	t := fmt.Sprintf("%q", table)
	field := func(row, path string) string { return row + "." + docColumn + "->>'$." + path + "'" }
	// Only user messages with text are indexed; system messages never match.
	indexed := func(row string) string {
		return field(row, "t") + " IS NULL AND coalesce(" + field(row, "msg") + ", '') != ''"
	}
	add := func(row string) string {
		return `INSERT OR IGNORE INTO ` + ftsIDs + ` (id) SELECT ` + field(row, "_id") + ` WHERE ` + indexed(row) + `;` +
			`INSERT INTO ` + ftsTable + ` (rowid, msg, rid) SELECT n, ` + field(row, "msg") + `, ` + field(row, "rid") +
			` FROM ` + ftsIDs + ` WHERE id = ` + field(row, "_id") + ` AND ` + indexed(row) + `;`
	}
	remove := func(row string) string {
		return `DELETE FROM ` + ftsTable + ` WHERE rowid IN (SELECT n FROM ` + ftsIDs + ` WHERE id = ` + field(row, "_id") + `);` +
			`DELETE FROM ` + ftsIDs + ` WHERE id = ` + field(row, "_id") + `;`
	}
	changed := field("OLD", "msg") + " IS NOT " + field("NEW", "msg") + " OR " + field("OLD", "t") + " IS NOT " + field("NEW", "t") +
		" OR " + field("OLD", "rid") + " IS NOT " + field("NEW", "rid")
	out := []string{
		`CREATE TABLE IF NOT EXISTS ` + ftsIDs + ` (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)`,
		`CREATE VIRTUAL TABLE IF NOT EXISTS ` + ftsTable + ` USING fts5(msg, rid UNINDEXED, tokenize = 'unicode61 remove_diacritics 2')`,
		`DROP TRIGGER IF EXISTS ` + ftsTable + `_insert`,
		`CREATE TRIGGER ` + ftsTable + `_insert AFTER INSERT ON ` + t + ` BEGIN ` + remove("NEW") + add("NEW") + ` END`,
		`DROP TRIGGER IF EXISTS ` + ftsTable + `_update`,
		`CREATE TRIGGER ` + ftsTable + `_update AFTER UPDATE ON ` + t + ` WHEN ` + changed + ` BEGIN ` + remove("OLD") + add("NEW") + ` END`,
		`DROP TRIGGER IF EXISTS ` + ftsTable + `_delete`,
		`CREATE TRIGGER ` + ftsTable + `_delete AFTER DELETE ON ` + t + ` BEGIN ` + remove("OLD") + ` END`,
	}
	if fill {
		out = append(out,
			`INSERT OR IGNORE INTO `+ftsIDs+` (id) SELECT `+field(t, "_id")+` FROM `+t+` WHERE `+indexed(t),
			`INSERT INTO `+ftsTable+` (rowid, msg, rid) SELECT i.n, `+field(t, "msg")+`, `+field(t, "rid")+` FROM `+t+` JOIN `+ftsIDs+` i ON i.id = `+field(t, "_id"),
		)
	}
	return out
}

// matchQuery turns a user's search text into an FTS5 query: every word must occur,
// each as a prefix; FTS5 syntax in the text has no effect. "" when there is no word.
func matchQuery(text string) string {
	var terms []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		terms = append(terms, `"`+w+`"*`)
	}
	return strings.Join(terms, " ")
}

// SearchQuery is the query Search runs (exported for the plan tests); ok is false when
// the text holds no word.
func SearchQuery(rid, text string, offset, limit int) (q Query, ok bool) {
	match := matchQuery(text)
	if match == "" {
		return Query{}, false
	}
	return Query{
		Where: docColumn + `->'_id' IN (SELECT json_quote(i.id) FROM ` + ftsTable + ` f JOIN ` + ftsIDs + ` i ON i.n = f.rowid WHERE ` +
			ftsTable + ` MATCH ? AND f.rid = ?) AND ` + F("rid") + ` = ? AND ` + msgVisible,
		Args:  []any{match, rid, rid},
		Order: F("ts") + " DESC", Offset: offset, Limit: limit,
	}, true
}

// Search finds a room's visible user messages holding every word of text (as a
// prefix, ignoring case and diacritics), newest first.
func (s *MessagesStore) Search(ctx context.Context, rid, text string, offset, count int) ([]model.Message, error) {
	q, ok := SearchQuery(rid, text, offset, count)
	if !ok {
		return nil, nil
	}
	var out []model.Message
	err := s.msgs.Find(ctx, q, &out)
	return out, err
}
