package docdb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/storage/docdb"
)

// TestMessageQueryPlans: history, sync, thread, threads-list and trash queries of the
// messages store search an index, without a sort.
func TestMessageQueryPlans(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	msgs := s.Docs.Collection(docdb.Messages)
	mustNoErr(t, s.Docs.InTx(ctx, func(ctx context.Context) error {
		for i := range 300 {
			ts := time.UnixMilli(int64(1700000000000 + i)).UTC()
			d := docdb.Doc{{Key: "_id", Value: fmt.Sprintf("m%03d", i)}, {Key: "rid", Value: fmt.Sprintf("room%d", i%7)}, {Key: "msg", Value: "hello world"},
				{Key: "ts", Value: ts}, {Key: "_updatedAt", Value: ts}}
			if i%10 == 0 {
				d = append(d, docdb.Field{Key: "tmid", Value: "m000"})
			}
			if err := msgs.Insert(ctx, d); err != nil {
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
	}{
		{"history", docdb.Messages, "outpost_message_rid_ts", docdb.HistoryQuery("room1", &at, nil, false, false, false, 0, 50)},
		{"history between, ascending", docdb.Messages, "outpost_message_rid_ts", docdb.HistoryQuery("room1", &at, &at, true, true, true, 0, 1)},
		{"sync by _updatedAt", docdb.Messages, "outpost_message_rid_updated", docdb.ChangedQuery("room1", "", &at, nil, true, 0, 50)},
		{"sync cursor previous", docdb.Messages, "outpost_message_rid_updated", docdb.ChangedQuery("room1", "", nil, &at, true, 0, 21)},
		{"thread replies", docdb.Messages, "outpost_message_tmid_ts", docdb.ThreadMessagesQuery("m000", false, 0, 50)},
		{"threads list", docdb.Messages, "outpost_message_rid_tlm", docdb.ThreadsQuery("room1", "", nil, "", 0, 50)},
		{"deleted messages", docdb.Trash, "outpost_trash_message_rid_deleted", docdb.DeletedQuery("room1", "", &at, nil, false, 0, 50)},
	} {
		t.Run(p.name, func(t *testing.T) {
			table := tableOf(t, db, p.collection)
			q := docdb.SelectSQL(p.q, table)
			lines := explain(t, db, q, p.q.Args...)
			t.Logf("%s\n  → %s", q, strings.Join(lines, " | "))
			for _, problem := range planProblems(lines, table, p.index) {
				t.Error(problem)
			}
		})
	}
	// Search goes through the full-text index, not a scan of the messages.
	q, ok := docdb.SearchQuery("room1", "hello", 0, 20)
	if !ok {
		t.Fatal("no search query")
	}
	lines := explain(t, db, docdb.SelectSQL(q, tableOf(t, db, docdb.Messages)), q.Args...)
	joined := strings.Join(lines, " | ")
	if !strings.Contains(joined, "VIRTUAL TABLE INDEX") || strings.Contains(joined, "SCAN "+tableOf(t, db, docdb.Messages)) {
		t.Errorf("search plan: %s", joined)
	}
}
