package docdb_test

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

// The console's listings (users by role and status, a role's holders, rooms, a room
// search) give what the former full reads gave, and their plans walk an index to the
// page instead of reading and sorting every document.

// TestUsersWithRoleSameAsScan: a role's holders, paged, are those a json_each scan of
// every user finds, in the same order, whether the store walks the username index (a
// role most users hold) or picks the holders (a rare one).
func TestUsersWithRoleSameAsScan(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	users := docdb.NewUsersStore(s.Docs)
	mustNoErr(t, s.Docs.InTx(ctx, func(ctx context.Context) error {
		for i := range 60 {
			roles := []string{"user"}
			switch {
			case i%20 == 0:
				roles = append(roles, "admin", "admin") // a role twice counts once
			case i%7 == 0:
				roles = nil
			case i%11 == 0:
				roles = []string{"bot"}
			}
			// Usernames out of _id order, some differing only in case.
			name := fmt.Sprintf("u%02d", (i*37)%60)
			if i%9 == 0 {
				name = strings.ToUpper(name) + "x"
			}
			u := model.User{ID: fmt.Sprintf("id%02d", 59-i), Username: name, Roles: roles, CreatedAt: now, UpdatedAt: now,
				Active: i%3 != 0, Status: []string{"online", "away", ""}[i%3]}
			if err := users.Insert(ctx, u); err != nil {
				return err
			}
		}
		return nil
	}))
	// The reference: every user read, tested in Go, sorted by username then _id.
	var all []model.User
	mustNoErr(t, s.Docs.Collection(docdb.Users).Find(ctx, docdb.Query{}, &all))
	holders := func(role string) []model.User {
		var out []model.User
		for _, u := range all {
			if slices.Contains(u.Roles, role) {
				out = append(out, u)
			}
		}
		slices.SortFunc(out, func(a, b model.User) int { return cmp.Or(cmp.Compare(a.Username, b.Username), cmp.Compare(a.ID, b.ID)) })
		return out
	}
	roleStore := docdb.NewUserRolesStore(s.Docs)
	for _, role := range []string{"user", "admin", "bot", "nobody"} {
		want := holders(role)
		n, err := roleStore.CountWithRole(ctx, role)
		mustNoErr(t, err)
		if n != int64(len(want)) {
			t.Errorf("%s: CountWithRole %d, want %d", role, n, len(want))
		}
		for _, page := range [][2]int{{0, 25}, {10, 5}, {40, 25}, {0, 0}, {3, 0}, {200, 10}} {
			off, count := page[0], page[1]
			end := len(want)
			if count > 0 {
				end = min(end, off+count)
			}
			var wantIDs []string
			for _, u := range want[min(off, len(want)):max(end, min(off, len(want)))] {
				wantIDs = append(wantIDs, u.ID)
			}
			got, total, err := users.ListUsers(ctx, model.UserQuery{All: []model.UserCond{{Field: "roles", Equals: role}}, Sort: []model.SortField{{Field: "username"}}, Offset: off, Limit: count})
			mustNoErr(t, err)
			got2, total2, err := roleStore.UsersWithRole(ctx, role, off, count)
			mustNoErr(t, err)
			for name, g := range map[string][]model.User{"ListUsers": got, "UsersWithRole": got2} {
				var ids []string
				for _, u := range g {
					ids = append(ids, u.ID)
				}
				if !slices.Equal(ids, wantIDs) {
					t.Errorf("%s %s offset %d count %d: %v, want %v", name, role, off, count, ids, wantIDs)
				}
			}
			if total != int64(len(want)) || total2 != int64(len(want)) {
				t.Errorf("%s offset %d: totals %d and %d, want %d", role, off, total, total2, len(want))
			}
		}
	}
	// The two ways are both taken: "user" (most users) walks, "admin" (three) picks.
	if !docdb.RoleWalks(40, 60, 0, 25) || docdb.RoleWalks(3, 60, 0, 25) {
		t.Error("roleWalks: a common role should walk, a rare one pick")
	}
	// A role with the console's other filters: walked for a common role, picked for a
	// rare one, the same users either way.
	for _, role := range []string{"user", "admin"} {
		for _, active := range []bool{true, false} {
			for _, status := range []string{"", "online"} {
				var want []string
				for _, u := range holders(role) {
					if u.Active == active && (status == "" || u.Status == status) {
						want = append(want, u.ID)
					}
				}
				conds := []model.UserCond{{Field: "active", Equals: active}, {Field: "roles", Equals: role}}
				if status != "" {
					conds = append(conds, model.UserCond{Field: "status", Equals: status})
				}
				for _, page := range [][2]int{{0, 25}, {4, 3}, {0, 0}} {
					got, total, err := users.ListUsers(ctx, model.UserQuery{All: conds, Sort: []model.SortField{{Field: "username"}}, Offset: page[0], Limit: page[1]})
					mustNoErr(t, err)
					var ids []string
					for _, u := range got {
						ids = append(ids, u.ID)
					}
					end := len(want)
					if page[1] > 0 {
						end = min(end, page[0]+page[1])
					}
					w := want[min(page[0], len(want)):max(end, min(page[0], len(want)))]
					if !slices.Equal(ids, w) || total != int64(len(want)) {
						t.Errorf("%s active %v status %q page %v: %v (%d), want %v (%d)", role, active, status, page, ids, total, w, len(want))
					}
				}
			}
		}
	}
}

// TestAdminRoomsPageSameAsMemory: the rooms list in its default order (default rooms
// first, then by name, then _id) and its kinds, paged by the store, is what sorting
// every room in memory gives.
func TestAdminRoomsPageSameAsMemory(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	rooms := docdb.NewRoomsStore(s.Docs)
	types := []string{"c", "p", "d", "l"}
	mustNoErr(t, s.Docs.InTx(ctx, func(ctx context.Context) error {
		for i := range 70 {
			r := model.Room{ID: fmt.Sprintf("r%02d", (i*31)%70), T: types[i%4], Name: fmt.Sprintf("room-%02d", (i*13)%50), Ts: now, Default: i%9 == 0}
			switch {
			case r.T == "d":
				r.Name, r.Usernames = "", []string{"ann", fmt.Sprintf("bob%d", i)} // direct messages have no name: sorted by _id
			case i%10 == 1:
				r.Prid = "r00"
			case i%10 == 3:
				r.TeamMain, r.TeamID = true, "team"
			}
			if err := rooms.InsertRoom(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}))
	var all []model.Room
	mustNoErr(t, s.Docs.Collection(docdb.Rooms).Find(ctx, docdb.Query{}, &all))
	slices.SortFunc(all, func(a, b model.Room) int {
		if a.Default != b.Default {
			if a.Default {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	kinds := []struct {
		types              []string
		discussions, teams bool
	}{{nil, false, false}, {[]string{"c"}, false, false}, {[]string{"d"}, false, false}, {nil, true, false}, {nil, false, true}, {[]string{"p"}, true, true}, {[]string{"x"}, false, false}}
	for _, k := range kinds {
		var want []string
		for _, r := range all {
			if k.types == nil && !k.discussions && !k.teams || slices.Contains(k.types, r.T) || k.discussions && r.Prid != "" || k.teams && r.TeamMain {
				want = append(want, r.ID)
			}
		}
		for _, page := range [][2]int{{0, 25}, {0, 3}, {5, 4}, {8, 10}, {25, 25}, {0, 0}, {200, 5}} {
			off, count := page[0], page[1]
			got, total, err := rooms.AdminRoomsPage(ctx, k.types, k.discussions, k.teams, off, count)
			mustNoErr(t, err)
			end := len(want)
			if count > 0 {
				end = min(end, off+count)
			}
			w := want[min(off, len(want)):max(end, min(off, len(want)))]
			var ids []string
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, w) || total != int64(len(want)) {
				t.Errorf("%v offset %d count %d: %v (%d), want %v (%d)", k, off, count, ids, total, w, len(want))
			}
		}
	}
	// The search index finds rooms by name, fname and members, at least those a scan finds.
	for _, text := range []string{"room-1", "ROOM-0", "bob1", "ann", "zzz", "ro"} {
		got, err := rooms.RoomsMatching(ctx, text)
		mustNoErr(t, err)
		ids := map[string]bool{}
		for _, r := range got {
			ids[r.ID] = true
		}
		low := strings.ToLower(text)
		for _, r := range all {
			hit := strings.Contains(strings.ToLower(r.Name), low) || slices.ContainsFunc(r.Usernames, func(u string) bool { return strings.Contains(u, low) })
			if hit && !ids[r.ID] {
				t.Errorf("%q: room %s (%s %v) not found", text, r.ID, r.Name, r.Usernames)
			}
		}
	}
	// A rename reaches the index; a deleted room leaves it.
	_, err := rooms.UpdateRoom(ctx, "r05", map[string]any{"name": "renamed-zeta"}, nil)
	mustNoErr(t, err)
	mustNoErr(t, rooms.DeleteRoom(ctx, "r06", now))
	for text, want := range map[string]int{"zeta": 1, "renamed": 1} {
		got, err := rooms.RoomsMatching(ctx, text)
		mustNoErr(t, err)
		if len(got) != want || got[0].ID != "r05" {
			t.Errorf("%q after the rename: %d rooms", text, len(got))
		}
	}
}

// TestAdminPagePlans: the listings walk an index in order and stop at the page: no
// sort, no scan of a table, subqueries searched.
func TestAdminPagePlans(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	db := rawDB(t, s)
	users, rooms, subs := tableOf(t, db, docdb.Users), tableOf(t, db, docdb.Rooms), tableOf(t, db, docdb.Subscriptions)
	for _, c := range []struct {
		name, sql, walks string
		args             []any
	}{
		{"users holding a common role", docdb.SelectSQL(docdb.Query{Where: docdb.RoleWalkCond, Order: docdb.UsernameOrder, Limit: 25, Offset: 50}, users),
			"outpost_users_username_sort", []any{"user"}},
		{"active users holding a common role", docdb.SelectSQL(docdb.Query{Where: "(" + docdb.F("active") + " = 1) AND " + docdb.RoleWalkCond, Order: docdb.UsernameOrder, Limit: 25}, users),
			"outpost_users_username_sort", []any{"user"}},
		{"deactivated users, counted from the index", docdb.CountSQL(docdb.Query{Where: "coalesce(" + docdb.F("active") + ", 0) = 0"}, users),
			"COVERING INDEX outpost_users_username_sort", nil},
		{"active users of a status holding a common role, counted", docdb.CountSQL(docdb.Query{Where: docdb.F("status") + " = ? AND (" + docdb.F("active") + " = 1) AND " + docdb.RoleWalkCond}, users),
			"COVERING INDEX outpost_users_status_username", []any{"online", "user"}},
		{"users of a status", docdb.SelectSQL(docdb.Query{Where: docdb.F("status") + " = ?", Order: docdb.UsernameOrder, Limit: 25}, users),
			"outpost_users_status_username", []any{"online"}},
		{"users of a status, counted", docdb.CountSQL(docdb.Query{Where: docdb.F("status") + " = ?"}, users),
			"outpost_users_status_username", []any{"online"}},
		{"rooms, not default", docdb.SelectSQL(docdb.Query{Where: docdb.AdminRoomsOthers, Order: docdb.F("name") + ", " + docdb.F("_id"), Limit: 25, Offset: 100}, rooms),
			"outpost_room_admin", nil},
		{"a room role's holders in every room", docdb.SelectSQL(docdb.Query{Where: docdb.RoomRoleWhere(subs)}, subs),
			"outpost_subscription_rid_roles", []any{"owner"}},
		{"default rooms", docdb.SelectSQL(docdb.Query{Where: docdb.F("default") + " = 1", Order: docdb.F("name") + ", " + docdb.F("_id")}, rooms),
			"outpost_room_default", nil},
	} {
		lines := explain(t, db, c.sql, c.args...)
		t.Logf("%s: %s\n  → %s", c.name, c.sql, strings.Join(lines, " | "))
		used := false
		for _, l := range lines {
			if strings.Contains(l, "INDEX "+strings.TrimPrefix(c.walks, "COVERING INDEX ")) && (!strings.HasPrefix(c.walks, "COVERING") || strings.Contains(l, c.walks)) {
				used = true
			}
			// The default rooms (a handful) are sorted by _id within a name.
			lastTerm := c.walks == "outpost_room_default" && strings.Contains(l, "TEMP B-TREE FOR LAST TERM")
			f := strings.Fields(l)
			tableScan := f[0] == "SCAN" && slices.Contains([]string{users, rooms, subs}, f[1]) && !strings.Contains(l, "INDEX")
			if strings.Contains(l, "TEMP B-TREE") && !lastTerm || tableScan {
				t.Errorf("%s: %s", c.name, l)
			}
		}
		if !used {
			t.Errorf("%s: not on %s: %q", c.name, c.walks, lines)
		}
	}
	// A role's holders are counted from the side table's primary key alone.
	lines := explain(t, db, `SELECT count(*) FROM outpost_users_roles WHERE key = ?`, "user")
	if len(lines) != 1 || !strings.Contains(lines[0], "SEARCH outpost_users_roles USING") {
		t.Errorf("holders count: %q", lines)
	}
}

// TestMigrationAdminUserIndexes: a store from before migration 2, with the users'
// (status) index and the (username, _id) one, gets the (status, username, _id, active) index
// and the widened username index at its next start, and no (status) index.
func TestMigrationAdminUserIndexes(t *testing.T) {
	t.Parallel()
	dir, err := mkShortTemp(t)
	mustNoErr(t, err)
	s1, err := openAt(t, dir)
	mustNoErr(t, err)
	table := tableOf(t, rawDB(t, s1), docdb.Users)
	closeStore(t, s1)

	w, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "db", docdb.FileName))
	mustNoErr(t, err)
	for _, q := range []string{
		`DROP INDEX outpost_users_username_sort`,
		`DROP INDEX outpost_users_status_username`,
		fmt.Sprintf(`CREATE INDEX outpost_users_username_sort ON %q (%s, %s)`, table, docdb.F("username"), docdb.F("_id")),
		fmt.Sprintf(`CREATE INDEX outpost_users_status ON %q (%s)`, table, docdb.F("status")),
		`PRAGMA user_version = 1`,
	} {
		_, err := w.Exec(q)
		mustNoErr(t, err)
	}
	mustNoErr(t, w.Close())

	s2, err := openAt(t, dir)
	mustNoErr(t, err)
	t.Cleanup(func() { closeStore(t, s2) })
	db := rawDB(t, s2)
	var def string
	mustNoErr(t, db.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'outpost_users_username_sort'`).Scan(&def))
	if !strings.Contains(def, "$.active") || !strings.Contains(def, "$.status") {
		t.Errorf("username index after the migration: %s", def)
	}
	var n int
	mustNoErr(t, db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('outpost_users_status', 'outpost_users_status_username')`).Scan(&n))
	if n != 1 {
		t.Errorf("%d of the status indexes, want only the new one", n)
	}
}
