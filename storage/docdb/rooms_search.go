package docdb

// The rooms' search index (a searchIndex, fts.go): the trigram tokenizer over each
// room's name, fname and (direct messages) member usernames. The console's room
// searches (its rooms list, the uploads page's room filter) read every room before. The index only
// narrows the candidates: it folds case beyond ASCII and joins usernames with spaces,
// so it may find a few rooms too many, never too few; each query then applies its own
// exact test to those candidates, so results are what a scan gives.
var roomSearch = searchIndex{
	table: "outpost_rooms_fts", collection: Rooms, tokenize: "trigram",
	columns: []searchColumn{{name: "name", path: "name"}, {name: "fname", path: "fname"},
		{name: "usernames", path: "usernames", array: true}},
}
