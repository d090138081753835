package docdb_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

// TestUserSearchIndex: a "contains" search over username, name and email addresses
// finds what reading every user would, through the trigram index, as users are
// inserted, renamed and deleted (through FerretDB too), and from an index built over
// existing users at a restart.
func TestUserSearchIndex(t *testing.T) {
	t.Parallel()
	dir, err := mkShortTemp(t)
	mustNoErr(t, err)
	s, err := openAt(t, dir)
	mustNoErr(t, err)
	ctx := context.Background()
	users := docdb.NewUsersStore(s.Docs)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i := range 30 {
		u := model.User{ID: fmt.Sprintf("u%02d", i), Username: fmt.Sprintf("user%02d", i), Name: fmt.Sprintf("Person %02d", i),
			Emails: []model.Email{{Address: fmt.Sprintf("p%02d@Example.org", i)}}, Active: true, CreatedAt: now, UpdatedAt: now}
		if i == 7 {
			u.Name, u.Emails = `Special "Agent" Ödön`, append(u.Emails, model.Email{Address: "spy@agency.test"})
		}
		mustNoErr(t, users.Insert(ctx, u))
	}
	search := func(text string, fields ...string) []string {
		t.Helper()
		m := &model.TextMatch{Text: text, Fold: true}
		var conds []model.UserCond
		for _, f := range fields {
			conds = append(conds, model.UserCond{Field: f, Match: m})
		}
		got, total, err := users.ListUsers(ctx, model.UserQuery{Any: conds, Sort: []model.SortField{{Field: "username"}}, Limit: 100})
		mustNoErr(t, err)
		var names []string
		for _, u := range got {
			names = append(names, u.Username)
		}
		if int(total) != len(names) {
			t.Errorf("%q: total %d, %d users", text, total, len(names))
		}
		return names
	}
	all := []string{"username", "name", "emails.address"}
	check := func(what string, got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	check("name, any case", search("AGENT", all...), "user07")
	check("quotes in the text", search(`"Agent"`, all...), "user07")
	check("second email", search("agency", all...), "user07")
	check("email, any case", search("p12@example", all...), "user12")
	check("username only", search("er1", "username"), "user10", "user11", "user12", "user13", "user14", "user15", "user16", "user17", "user18", "user19")
	check("name only does not look at usernames", search("user1", "name"))
	check("two characters (no index)", search("29", all...), "user29")
	check("no match", search("zzz", all...))

	// Writes keep the index: a rename, a new email, a delete, a rename through FerretDB.
	_, err = users.UpdateFields(ctx, "u03", map[string]any{"name": "Quartermaster"}, nil)
	mustNoErr(t, err)
	check("renamed", search("quarter", all...), "user03")
	check("old name gone", search("person 03", all...))
	mustNoErr(t, users.Delete(ctx, "u04"))
	check("deleted", search("user04", all...))
	_, err = mongoDB(t, s).Collection(docdb.Users).UpdateOne(ctx, bson.M{"_id": "u05"}, bson.M{"$set": bson.M{"username": "fiveferret"}})
	mustNoErr(t, err)
	check("renamed through FerretDB", search("ferret", all...), "fiveferret")

	// Built from the users at a start when the index is new.
	closeStore(t, s)
	raw := rawWritable(t, dir)
	for _, q := range []string{`DROP TABLE outpost_users_fts`, `DROP TABLE outpost_users_fts_ids`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	mustNoErr(t, raw.Close())
	s, err = openAt(t, dir)
	mustNoErr(t, err)
	defer closeStore(t, s)
	users = docdb.NewUsersStore(s.Docs)
	check("rebuilt", search("quarter", all...), "user03")
	check("rebuilt, emails", search("AGENCY", all...), "user07")
	if got := search("user", "username"); len(got) != 28 || got[0] != "user00" || slices.Contains(got, "user05") {
		t.Errorf("rebuilt: %d users, first %v", len(got), got)
	}
}

// rawWritable opens the SQLite file of a closed store for writing.
func rawWritable(t testing.TB, dir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "db", docdb.FileName))
	if err != nil {
		t.Fatal(err)
	}
	return db
}
