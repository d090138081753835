package docdb_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/docdb"
)

// TestCleanAndFilesQueryPlans: history with hidden system message types still reads
// outpost_message_rid_ts; a history cleaning selects by it too; a room's files read
// outpost_uploads_rid_name, without a sort for the default order.
func TestCleanAndFilesQueryPlans(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	mustNoErr(t, s.Docs.InTx(ctx, func(ctx context.Context) error {
		for i := range 300 {
			ts := time.UnixMilli(int64(1700000000000 + i)).UTC()
			d := docdb.Doc{{Key: "_id", Value: fmt.Sprintf("m%03d", i)}, {Key: "rid", Value: fmt.Sprintf("room%d", i%7)},
				{Key: "msg", Value: "hello"}, {Key: "ts", Value: ts}, {Key: "_updatedAt", Value: ts}}
			if i%5 == 0 {
				d = append(d, docdb.Field{Key: "t", Value: "uj"})
			}
			if err := s.Docs.Collection(docdb.Messages).Insert(ctx, d); err != nil {
				return err
			}
			f := docdb.Doc{{Key: "_id", Value: fmt.Sprintf("f%03d", i)}, {Key: "rid", Value: fmt.Sprintf("room%d", i%7)},
				{Key: "name", Value: fmt.Sprintf("file%03d.png", i)}}
			if err := s.Docs.Collection(docdb.Uploads).Insert(ctx, f); err != nil {
				return err
			}
		}
		return nil
	}))
	db := rawDB(t, s)
	at := time.UnixMilli(1700000000100)
	hidden := []string{"uj", "ul", "user-muted"}
	for _, p := range []struct {
		name, collection, index string
		q                       docdb.Query
	}{
		{"history hiding types", docdb.Messages, "outpost_message_rid_ts", docdb.HistoryQueryHiding("room1", &at, nil, false, false, false, 0, 50, hidden)},
		{"history between hiding types", docdb.Messages, "outpost_message_rid_ts", docdb.HistoryQueryHiding("room1", &at, &at, true, true, true, 0, 1, hidden)},
		{"clean history", docdb.Messages, "outpost_message_rid_ts", docdb.CleanQuery("room1", at.Add(-time.Hour), at, true, true, true, true, false, []string{"joe"}, 10)},
		{"room files", docdb.Uploads, "outpost_uploads_rid_name", docdb.RoomFilesQuery("room1", nil, 0, 50)},
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
	// The hidden types are really left out, and messages without t stay.
	ms := docdb.NewMessagesStore(s.Docs)
	got, err := ms.History(ctx, "room0", nil, nil, false, true, false, 0, 0, []string{"uj"})
	mustNoErr(t, err)
	all, err := ms.CountHistory(ctx, "room0", nil, nil, false, true, nil)
	mustNoErr(t, err)
	for _, m := range got {
		if m.T == "uj" {
			t.Errorf("hidden type listed: %+v", m)
		}
	}
	if len(got) == 0 || int64(len(got)) >= all {
		t.Errorf("history hiding uj: %d of %d", len(got), all)
	}
	files, total, err := ms.RoomFiles(ctx, "room1", []model.SortField{{Field: "name", Desc: true}}, 1, 2)
	mustNoErr(t, err)
	if total != 43 || len(files) != 2 || files[0]["name"] != "file288.png" {
		t.Errorf("room files: total %d, %v", total, files)
	}
}
