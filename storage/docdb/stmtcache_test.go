package docdb_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/outpostchat/outpost/storage/docdb"
)

// TestNestedSameQuery: a query run again while its own rows are still being read (a
// Collection.Each callback that runs the same Find) reads every row both times, on the
// reader pool and inside a write transaction, with prepared statements kept for both.
func TestNestedSameQuery(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx := context.Background()
	c := s.Docs.Collection(docdb.Settings)
	for i := range 5 {
		mustNoErr(t, c.Insert(ctx, docdb.Doc{{Key: "_id", Value: fmt.Sprintf("nested%d", i)}, {Key: "group", Value: "Nested"}}))
	}
	q := docdb.Query{Where: docdb.F("group") + " = ?", Args: []any{"Nested"}, Order: docdb.F("_id")}
	run := func(ctx context.Context) error {
		outer := 0
		err := c.Each(ctx, q, func(docdb.Doc) error {
			outer++
			var inner []docdb.Doc
			if err := c.Find(ctx, q, &inner); err != nil {
				return err
			}
			if len(inner) != 5 {
				return fmt.Errorf("inner read %d rows, want 5", len(inner))
			}
			return nil
		})
		if err == nil && outer != 5 {
			err = fmt.Errorf("outer read %d rows, want 5", outer)
		}
		return err
	}
	for range 2 { // the second time, from the statement caches
		mustNoErr(t, run(ctx))
		mustNoErr(t, s.Docs.InTx(ctx, run))
	}
}
