package docdb_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

// TestRoleHolders: only the subscriptions of the room holding room roles come back, by
// username; an empty roles array or none at all is no holder.
func TestRoleHolders(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	subs := docdb.NewSubscriptionsStore(s.Docs)
	now := time.Now().UTC().Truncate(time.Millisecond)
	roles := [][]string{nil, {"owner"}, {}, {"moderator", "owner"}, nil, {"leader"}}
	for i, r := range roles {
		for _, rid := range []string{"R1", "R2"} {
			sub := model.Subscription{ID: fmt.Sprintf("%s-%d", rid, i), RID: rid, U: model.UserRef{ID: fmt.Sprintf("u%d", i), Username: fmt.Sprintf("user%d", 9-i)},
				T: "c", Ts: now, UpdatedAt: now, Roles: r}
			if rid == "R2" {
				sub.Roles = nil
			}
			mustNoErr(t, subs.InsertSubscription(ctx, sub))
		}
	}
	got, err := subs.RoleHolders(ctx, "R1")
	mustNoErr(t, err)
	var names []string
	for _, sub := range got {
		names = append(names, sub.U.Username)
	}
	if fmt.Sprint(names) != "[user4 user6 user8]" {
		t.Fatalf("holders %v", names)
	}
	if got, err := subs.RoleHolders(ctx, "R2"); err != nil || len(got) != 0 {
		t.Fatalf("R2: %v %v", got, err)
	}
	if got, err := subs.RoleHolders(ctx, "nope"); err != nil || len(got) != 0 {
		t.Fatalf("unknown room: %v %v", got, err)
	}
}

// TestMembersPage: a room's subscriptions by username, searched and paged with the
// total; both admin queries are served by indexes.
func TestMembersPage(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	subs := docdb.NewSubscriptionsStore(s.Docs)
	now := time.Now().UTC().Truncate(time.Millisecond)
	for i := range 30 {
		for _, rid := range []string{"R1", "R2"} {
			mustNoErr(t, subs.InsertSubscription(ctx, model.Subscription{ID: fmt.Sprintf("%s-%d", rid, i), RID: rid,
				U: model.UserRef{ID: fmt.Sprintf("u%d", i), Username: fmt.Sprintf("User%02d", 29-i)}, T: "c", Ts: now, UpdatedAt: now}))
		}
	}
	for _, c := range []struct {
		text          string
		offset, count int
		total         int64
		first         string
		n             int
	}{
		{"", 0, 10, 30, "User00", 10},
		{"", 25, 10, 30, "User25", 5},
		{"user1", 0, 0, 10, "User10", 10},
		{" R02 ", 0, 5, 1, "User02", 1},
		{"nobody", 0, 5, 0, "", 0},
	} {
		got, total, err := subs.MembersPage(ctx, "R1", c.text, c.offset, c.count)
		mustNoErr(t, err)
		if total != c.total || len(got) != c.n || (c.n > 0 && got[0].U.Username != c.first) || (c.n > 0 && got[0].RID != "R1") {
			t.Fatalf("%+v: total %d, %d rows", c, total, len(got))
		}
	}
	db := rawDB(t, s)
	table := tableOf(t, db, docdb.Subscriptions)
	for _, c := range []struct {
		q     docdb.Query
		index string
	}{
		{docdb.RoleHoldersQuery, "outpost_subscription_rid_roles"},
		{docdb.Query{Where: docdb.F("rid") + " = ?", Order: docdb.F("u.username"), Limit: 25, Offset: 100}, "outpost_subscription_rid_username"},
	} {
		lines := explain(t, db, docdb.SelectSQL(c.q, table), "R1")
		if problems := planProblems(lines, table, c.index); len(problems) > 0 {
			t.Errorf("%s: %v", c.index, problems)
		}
	}
}
