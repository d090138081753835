package docdb

import "github.com/outpostchat/outpost/app/model"

// The users' search index (a searchIndex, fts.go): the trigram tokenizer over each
// user's username, name and email addresses. A trigram index finds any substring of
// three or more characters, ignoring case, without reading every user: the console's and
// users.list's "contains" search over 10,000 users read every document before.
var userSearch = searchIndex{
	table: "outpost_users_fts", collection: Users, tokenize: "trigram",
	columns: []searchColumn{{name: "username", path: "username"}, {name: "name", path: "name"},
		{name: "emails", path: "emails", array: true, each: "address"}},
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
	return userSearch.contains(text, cols...)
}
