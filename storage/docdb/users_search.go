package docdb

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/outpostchat/outpost/app/model"
)

// The users' search index: an FTS5 table with the trigram tokenizer over each user's
// username, name and email addresses, kept by triggers on the users table as the
// messages' index is (search.go). A trigram index finds any substring of three or more
// characters, ignoring case, without reading every user: the console's and users.list's
// "contains" search over 10,000 users read every document before.
const (
	userFTSTable = "outpost_users_fts"
	userFTSIDs   = "outpost_users_fts_ids"
)

// createUserSearch creates the users' search index and its triggers, filling it from the
// existing users when it is new.
func (db *DB) createUserSearch(ctx context.Context) error {
	var exists int
	if err := db.writer.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = ?`, userFTSIDs).Scan(&exists); err != nil {
		return fmt.Errorf("docdb: users' search index: %w", err)
	}
	for _, q := range userFTSSQL(db.tables[Users], exists == 0) {
		if _, err := db.writer.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("docdb: users' search index: %w", err)
		}
	}
	return nil
}

func userFTSSQL(table string, fill bool) []string {
	t := fmt.Sprintf("%q", table)
	field := func(row, path string) string { return row + "." + docColumn + "->>'$." + path + "'" }
	emails := func(row string) string {
		return `(SELECT group_concat(value->>'address', ' ') FROM json_each(` + row + `.` + docColumn + `->'$.emails'))`
	}
	add := func(row string) string {
		return `INSERT OR IGNORE INTO ` + userFTSIDs + ` (id) VALUES (` + field(row, "_id") + `);` +
			`INSERT INTO ` + userFTSTable + ` (rowid, username, name, emails) SELECT n, ` + field(row, "username") + `, ` +
			field(row, "name") + `, ` + emails(row) + ` FROM ` + userFTSIDs + ` WHERE id = ` + field(row, "_id") + `;`
	}
	remove := func(row string) string {
		return `DELETE FROM ` + userFTSTable + ` WHERE rowid IN (SELECT n FROM ` + userFTSIDs + ` WHERE id = ` + field(row, "_id") + `);` +
			`DELETE FROM ` + userFTSIDs + ` WHERE id = ` + field(row, "_id") + `;`
	}
	changed := field("OLD", "username") + " IS NOT " + field("NEW", "username") + " OR " + field("OLD", "name") + " IS NOT " +
		field("NEW", "name") + " OR " + emails("OLD") + " IS NOT " + emails("NEW") + " OR " + field("OLD", "_id") + " IS NOT " + field("NEW", "_id")
	out := []string{
		`CREATE TABLE IF NOT EXISTS ` + userFTSIDs + ` (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE)`,
		`CREATE VIRTUAL TABLE IF NOT EXISTS ` + userFTSTable + ` USING fts5(username, name, emails, tokenize = 'trigram')`,
		`DROP TRIGGER IF EXISTS ` + userFTSTable + `_insert`,
		`CREATE TRIGGER ` + userFTSTable + `_insert AFTER INSERT ON ` + t + ` BEGIN ` + remove("NEW") + add("NEW") + ` END`,
		`DROP TRIGGER IF EXISTS ` + userFTSTable + `_update`,
		`CREATE TRIGGER ` + userFTSTable + `_update AFTER UPDATE ON ` + t + ` WHEN ` + changed + ` BEGIN ` + remove("OLD") + add("NEW") + ` END`,
		`DROP TRIGGER IF EXISTS ` + userFTSTable + `_delete`,
		`CREATE TRIGGER ` + userFTSTable + `_delete AFTER DELETE ON ` + t + ` BEGIN ` + remove("OLD") + ` END`,
	}
	if fill {
		out = append(out,
			`INSERT OR IGNORE INTO `+userFTSIDs+` (id) SELECT `+field(t, "_id")+` FROM `+t,
			`INSERT INTO `+userFTSTable+` (rowid, username, name, emails) SELECT i.n, `+field(t, "username")+`, `+field(t, "name")+`, `+
				emails(t)+` FROM `+t+` JOIN `+userFTSIDs+` i ON i.id = `+field(t, "_id"),
		)
	}
	return out
}

// userSearchColumns are the user fields the search index holds, by UserCond field.
var userSearchColumns = map[string]string{"username": "username", "name": "name", "emails.address": "emails"}

// userSearchSQL answers a UserQuery's Any list through the search index when it is the
// index's kind of question: the same unanchored, case-ignoring "contains" text of at
// least three characters tested on indexed fields. ok is false otherwise.
func userSearchSQL(alts []model.UserCond) (where string, args []any, ok bool) {
	if len(alts) == 0 || alts[0].Match == nil {
		return "", nil, false
	}
	text := alts[0].Match.Text
	var cols []string
	for _, c := range alts {
		col, indexed := userSearchColumns[c.Field]
		if !indexed || c.Match == nil || c.Match.Text != text || !c.Match.Fold || c.Match.Start || c.Match.End {
			return "", nil, false
		}
		cols = append(cols, col)
	}
	if utf8.RuneCountInString(text) < 3 {
		return "", nil, false
	}
	match := "{" + strings.Join(cols, " ") + "} : \"" + strings.ReplaceAll(text, `"`, `""`) + "\""
	return docColumn + `->'_id' IN (SELECT json_quote(i.id) FROM ` + userFTSTable + ` f JOIN ` + userFTSIDs +
		` i ON i.n = f.rowid WHERE ` + userFTSTable + ` MATCH ?)`, []any{match}, true
}
