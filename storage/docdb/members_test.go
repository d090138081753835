package docdb_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

// TestListUsersIn: the members of a room are read in one query through the _id index,
// filtered by status and text, paged with the right total.
func TestListUsersIn(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	users := docdb.NewUsersStore(s.Docs)
	now := time.Now().UTC().Truncate(time.Millisecond)
	statuses := []string{"online", "away", "", "offline", "busy"}
	var ids []string
	for i := range 40 {
		u := model.User{ID: fmt.Sprintf("u%02d", i), Username: fmt.Sprintf("user%02d", i), Name: fmt.Sprintf("Name %02d", i),
			Status: statuses[i%len(statuses)], Active: true, CreatedAt: now, UpdatedAt: now}
		if i == 7 {
			u.Name = "Special Agent"
		}
		mustNoErr(t, users.Insert(ctx, u))
		if i%2 == 1 {
			ids = append(ids, u.ID) // the "room": odd users only
		}
	}
	byName := []model.SortField{{Field: "username"}}
	text := func(s string) []model.UserCond {
		m := &model.TextMatch{Text: s, Fold: true}
		return []model.UserCond{{Field: "username", Match: m}, {Field: "name", Match: m}}
	}
	for _, c := range []struct {
		name     string
		statuses []string
		q        model.UserQuery
		total    int64
		first    string
		n        int
	}{
		{"all", nil, model.UserQuery{Sort: byName}, 20, "user01", 20},
		{"page", nil, model.UserQuery{Sort: byName, Offset: 5, Limit: 3}, 20, "user11", 3},
		{"offline counts unset", []string{"offline"}, model.UserQuery{Sort: byName}, 8, "user03", 8},
		{"online", []string{"online"}, model.UserQuery{Sort: byName}, 4, "user05", 4},
		{"text in name, any case", nil, model.UserQuery{Any: text("AGENT"), Sort: byName}, 1, "user07", 1},
		{"text and status", []string{"away"}, model.UserQuery{Any: text("user1"), Sort: byName}, 1, "user11", 1},
	} {
		got, total, err := users.ListUsersIn(ctx, ids, c.statuses, c.q)
		if err != nil || total != c.total || len(got) != c.n || (c.n > 0 && got[0].Username != c.first) {
			var names []string
			for _, u := range got {
				names = append(names, u.Username)
			}
			t.Errorf("%s: %v total %d err %v; want %d starting %s, total %d", c.name, names, total, err, c.n, c.first, c.total)
		}
		for _, u := range got {
			if !slices.Contains(ids, u.ID) {
				t.Errorf("%s: %s is not in the room", c.name, u.Username)
			}
		}
	}
	if got, total, err := users.ListUsersIn(ctx, nil, nil, model.UserQuery{}); err != nil || total != 0 || len(got) != 0 {
		t.Errorf("no ids: %v %d %v", got, total, err)
	}

	// The plan: a search of the _id index per id, never a scan of the users table.
	db := rawDB(t, s)
	table := tableOf(t, db, docdb.Users)
	q := docdb.SelectSQL(docdb.Query{Where: `_ferretdb_sjson->'_id' IN (SELECT json_quote(value) FROM json_each(?))`, Order: docdb.F("username")}, table)
	lines := explain(t, db, q, `["u01","u03"]`)
	used := false
	for _, l := range lines {
		if strings.HasPrefix(l, "SCAN "+table) {
			t.Errorf("scan: %s", l)
		}
		used = used || strings.HasPrefix(l, "SEARCH "+table+" USING INDEX "+table+"__id_")
	}
	if !used {
		t.Errorf("no search on the _id index: %q", lines)
	}
}
