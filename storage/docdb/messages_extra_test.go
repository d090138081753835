package docdb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

// TestMessageListPlans: the pinned, starred, mentioned and thread-sync lists search
// an index. Pinned messages come in index order; starred and mentioned messages are
// found through their side tables (a user's few messages are then sorted), never by
// reading the room.
func TestMessageListPlans(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	msgs := s.Docs.Collection(docdb.Messages)
	mustNoErr(t, s.Docs.InTx(ctx, func(ctx context.Context) error {
		for i := range 300 {
			ts := time.UnixMilli(int64(1700000000000 + i)).UTC()
			m := model.Message{ID: fmt.Sprintf("m%03d", i), RID: fmt.Sprintf("room%d", i%7), Msg: "x", Ts: ts, UpdatedAt: ts,
				Pinned: i%20 == 0, Mentions: []model.Mention{{ID: fmt.Sprintf("u%d", i%5), Username: "u"}}}
			if i%3 == 0 {
				m.Starred = []model.IDRef{{ID: "u1"}}
			}
			if err := msgs.Insert(ctx, m); err != nil {
				return err
			}
		}
		return nil
	}))
	db := rawDB(t, s)
	at := time.UnixMilli(1700000000100)
	for _, p := range []struct {
		name, collection, index string
		q                       docdb.Query
		sorted                  bool // the plan may sort (a user's few matches)
	}{
		{"pinned", docdb.Messages, "outpost_message_rid_pinned_ts", docdb.PinnedQuery("room1", 0, 50), false},
		{"threads changed", docdb.Messages, "outpost_message_rid_updated", docdb.ThreadsChangedQuery("room1", at, 1000), false},
		{"threads deleted", docdb.Trash, "outpost_trash_message_rid_deleted", docdb.ThreadsDeletedQuery("room1", at, 1000), false},
		{"mentioned", docdb.Messages, "outpost_message_mentions", docdb.MentionedQuery("room1", "u1", 0, 50), true},
	} {
		t.Run(p.name, func(t *testing.T) {
			table := tableOf(t, db, p.collection)
			q := docdb.SelectSQL(p.q, table)
			lines := explain(t, db, q, p.q.Args...)
			joined := strings.Join(lines, " | ")
			t.Logf("%s\n  → %s", q, joined)
			if !p.sorted {
				for _, problem := range planProblems(lines, table, p.index) {
					t.Error(problem)
				}
				return
			}
			for _, l := range lines {
				if strings.HasPrefix(l, "SCAN ") {
					t.Errorf("scan: %s", l)
				}
			}
			if !strings.Contains(joined, "SEARCH "+p.index+" ") || !strings.Contains(joined, "SEARCH "+table+" USING INDEX "+table+"__id_") {
				t.Errorf("plan does not search %s then the messages by _id: %s", p.index, joined)
			}
		})
	}
}

// TestStarredPlan: a room's starred messages are found on the (rid, starred) index,
// past the room's other messages, then the user's are sorted.
func TestStarredPlan(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	db := rawDB(t, s)
	table := tableOf(t, db, docdb.Messages)
	q := docdb.StarredQuery("room1", "u1", 0, 50)
	lines := explain(t, db, docdb.SelectSQL(q, table), q.Args...)
	joined := strings.Join(lines, " | ")
	t.Log(joined)
	if !strings.Contains(joined, "SEARCH "+table+" USING INDEX outpost_message_rid_starred (<expr>=? AND <expr>>?)") || strings.Contains(joined, "SCAN "+table) {
		t.Errorf("starred plan: %s", joined)
	}
}

// TestMessagesExtraStore: the array edits, the lists and the side tables follow every
// write.
func TestMessagesExtraStore(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	st := docdb.NewMessagesStore(s.Docs)
	now := time.UnixMilli(1700000000000).UTC()
	for _, m := range []model.Message{
		{ID: "a", RID: "r", Msg: "hi @bob", Ts: now, Mentions: []model.Mention{{ID: "bob", Username: "bob"}}},
		{ID: "b", RID: "r", Msg: "hidden @bob", Ts: now.Add(time.Second), Hidden: true, Mentions: []model.Mention{{ID: "bob"}}},
		{ID: "c", RID: "other", Msg: "elsewhere @bob", Ts: now, Mentions: []model.Mention{{ID: "bob"}}},
		{ID: "d", RID: "r", Msg: "plain", Ts: now.Add(2 * time.Second)},
	} {
		m.UpdatedAt = m.Ts
		mustNoErr(t, st.InsertMessage(ctx, m))
	}
	list := func(fn func(ctx context.Context, rid, uid string, offset, limit int) ([]model.Message, int64, error), uid string) string {
		t.Helper()
		msgs, n, err := fn(ctx, "r", uid, 0, 10)
		mustNoErr(t, err)
		var ids []string
		for _, m := range msgs {
			ids = append(ids, m.ID)
		}
		return fmt.Sprintf("%s/%d", strings.Join(ids, ","), n)
	}
	if got := list(st.Mentioned, "bob"); got != "a/1" {
		t.Errorf("mentioned = %s", got)
	}
	// An edit that drops the mention drops it from the side table.
	_, err := st.UpdateMessage(ctx, "a", map[string]any{"msg": "hi"}, []string{"mentions"})
	mustNoErr(t, err)
	if got := list(st.Mentioned, "bob"); got != "/0" {
		t.Errorf("mentioned after the edit = %s", got)
	}

	// Stars: {_id} documents added once and pulled by _id.
	later := now.Add(time.Minute)
	for _, uid := range []string{"ann", "bob", "ann"} {
		_, err := st.EditMessageArrays(ctx, "d", map[string]any{"starred": map[string]any{"_id": uid}}, nil, later)
		mustNoErr(t, err)
	}
	m, err := st.Message(ctx, "d")
	mustNoErr(t, err)
	if len(m.Starred) != 2 || !m.UpdatedAt.Equal(later) {
		t.Errorf("starred = %+v, _updatedAt %v", m.Starred, m.UpdatedAt)
	}
	if got := list(st.Starred, "ann"); got != "d/1" {
		t.Errorf("ann's starred = %s", got)
	}
	_, err = st.EditMessageArrays(ctx, "d", nil, map[string]any{"starred": map[string]any{"_id": "ann"}}, later)
	mustNoErr(t, err)
	if got := list(st.Starred, "ann"); got != "/0" {
		t.Errorf("ann's starred after unstar = %s", got)
	}
	if got := list(st.Starred, "bob"); got != "d/1" {
		t.Errorf("bob's starred = %s", got)
	}
	// Trashing a message takes it out of the side tables.
	mustNoErr(t, st.TrashMessage(ctx, "d", later))
	if got := list(st.Starred, "bob"); got != "/0" {
		t.Errorf("bob's starred after the delete = %s", got)
	}
	if _, err := st.EditMessageArrays(ctx, "nope", map[string]any{"replies": "x"}, nil, later); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("edit of an unknown message: %v", err)
	}

	// Subscriptions: add, pull and set in one write.
	sub := model.Subscription{ID: "s1", RID: "r", U: model.UserRef{ID: "bob"}, T: "c", Ts: now, Alert: true,
		TUnread: []string{"t1", "t2"}, TUnreadUser: []string{"t1"}, UpdatedAt: now}
	mustNoErr(t, s.Docs.Collection(docdb.Subscriptions).Insert(ctx, sub))
	got, err := st.EditSubscription(ctx, "r", "bob", map[string]string{"ignored": "ann"},
		map[string]string{"tunread": "t1", "tunreadUser": "t1", "tunreadGroup": "t1"}, map[string]any{"alert": false}, later)
	mustNoErr(t, err)
	if strings.Join(got.TUnread, ",") != "t2" || len(got.TUnreadUser) != 0 || got.Alert || strings.Join(got.Ignored, ",") != "ann" || !got.UpdatedAt.Equal(later) {
		t.Errorf("subscription = %+v", got)
	}
	if _, err := st.EditSubscription(ctx, "r", "nobody", nil, nil, nil, later); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("edit of an unknown subscription: %v", err)
	}

	// Reports go to Rocket.Chat's collection.
	mustNoErr(t, st.InsertReport(ctx, map[string]any{"_id": "rep1", "description": "spam", "ts": now}))
	var doc docdb.Doc
	mustNoErr(t, s.Docs.Collection(docdb.ModerationReports).FindOne(ctx, docdb.ByID("rep1"), &doc))
	if v, _ := doc.Get("description"); v != "spam" {
		t.Errorf("report = %v", doc)
	}
}
