package docdb

import (
	"context"
	"strings"
	"unicode"

	"github.com/outpostchat/outpost/app/model"
)

// The full-text index of messages (a searchIndex, fts.go) holds the text of user
// messages; system messages never match.
var messageSearch = searchIndex{
	table: "outpost_message_fts", collection: Messages, tokenize: "unicode61 remove_diacritics 2",
	columns: []searchColumn{{name: "msg", path: "msg"}, {name: "rid", path: "rid", unindexed: true}},
	indexed: func(row string) string {
		field := func(path string) string { return row + "." + docColumn + "->>'$." + path + "'" }
		return field("t") + " IS NULL AND coalesce(" + field("msg") + ", '') != ''"
	},
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
		Where: messageSearch.matching(" AND f.rid = ?") + ` AND ` + F("rid") + ` = ? AND ` + msgVisible,
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
