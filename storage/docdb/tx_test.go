package docdb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage"
	"github.com/outpostchat/outpost/storage/docdb"
)

// countIDs returns how many of the given _ids the collection holds.
func countIDs(t testing.TB, c *docdb.Collection, ids ...string) int {
	t.Helper()
	n := 0
	for _, id := range ids {
		var d docdb.Doc
		switch err := c.FindOne(context.Background(), docdb.ByID(id), &d); {
		case err == nil:
			n++
		case !errors.Is(err, model.ErrNotFound):
			t.Fatal(err)
		}
	}
	return n
}

func msg(id, rid string) docdb.Doc {
	return docdb.Doc{{Key: "_id", Value: id}, {Key: "rid", Value: rid}, {Key: "msg", Value: "hello"}, {Key: "ts", Value: time.UnixMilli(1700000000000).UTC()}}
}

func TestInTxCommitsAndRollsBack(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	rooms, msgs := s.Docs.Collection(docdb.Rooms), s.Docs.Collection(docdb.Messages)
	errBoom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		fn      func(ctx context.Context, id string) error
		wantErr func(error) bool
		kept    int // of the two documents
	}{
		{"commit", func(ctx context.Context, id string) error {
			if err := rooms.Insert(ctx, docdb.Doc{{Key: "_id", Value: id}}); err != nil {
				return err
			}
			return msgs.Insert(ctx, msg(id, id))
		}, func(err error) bool { return err == nil }, 2},
		{"error rolls back both", func(ctx context.Context, id string) error {
			if err := rooms.Insert(ctx, docdb.Doc{{Key: "_id", Value: id}}); err != nil {
				return err
			}
			if err := msgs.Insert(ctx, msg(id, id)); err != nil {
				return err
			}
			return errBoom
		}, func(err error) bool { return errors.Is(err, errBoom) }, 0},
		{"store error rolls back both", func(ctx context.Context, id string) error {
			if err := rooms.Insert(ctx, docdb.Doc{{Key: "_id", Value: id}}); err != nil {
				return err
			}
			if err := msgs.Insert(ctx, msg(id, id)); err != nil {
				return err
			}
			return msgs.Insert(ctx, msg(id, id)) // duplicate _id
		}, func(err error) bool { return errors.Is(err, model.ErrDuplicate) }, 0},
		{"panic rolls back both", func(ctx context.Context, id string) error {
			if err := rooms.Insert(ctx, docdb.Doc{{Key: "_id", Value: id}}); err != nil {
				return err
			}
			if err := msgs.Insert(ctx, msg(id, id)); err != nil {
				return err
			}
			panic("boom")
		}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "panic") }, 0},
		{"updates and deletes roll back too", func(ctx context.Context, id string) error {
			if _, err := rooms.Update(ctx, docdb.Query{}, docdb.U().Set("touched", true)); err != nil {
				return err
			}
			if _, err := msgs.Delete(ctx, docdb.Query{}); err != nil {
				return err
			}
			return errBoom
		}, func(err error) bool { return errors.Is(err, errBoom) }, 0},
		{"nested InTx joins the outer commit", func(ctx context.Context, id string) error {
			return s.Docs.InTx(ctx, func(ctx context.Context) error {
				if err := rooms.Insert(ctx, docdb.Doc{{Key: "_id", Value: id}}); err != nil {
					return err
				}
				return s.Docs.InTx(ctx, func(ctx context.Context) error { return msgs.Insert(ctx, msg(id, id)) })
			})
		}, func(err error) bool { return err == nil }, 2},
		{"outer error undoes a nested InTx", func(ctx context.Context, id string) error {
			if err := s.Docs.InTx(ctx, func(ctx context.Context) error {
				if err := rooms.Insert(ctx, docdb.Doc{{Key: "_id", Value: id}}); err != nil {
					return err
				}
				return msgs.Insert(ctx, msg(id, id))
			}); err != nil {
				return err
			}
			return errBoom
		}, func(err error) bool { return errors.Is(err, errBoom) }, 0},
		{"reads inside see the transaction's writes", func(ctx context.Context, id string) error {
			if err := rooms.Insert(ctx, docdb.Doc{{Key: "_id", Value: id}}); err != nil {
				return err
			}
			var d docdb.Doc
			if err := rooms.FindOne(ctx, docdb.ByID(id), &d); err != nil {
				return fmt.Errorf("read own write: %w", err)
			}
			// Outside the transaction (no tx in ctx), the write is not visible yet.
			if err := rooms.FindOne(context.Background(), docdb.ByID(id), &d); !errors.Is(err, model.ErrNotFound) {
				return fmt.Errorf("uncommitted write visible outside: %v", err)
			}
			return msgs.Insert(ctx, msg(id, id))
		}, func(err error) bool { return err == nil }, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := strings.ReplaceAll(tc.name, " ", "_")
			before, err := rooms.Count(context.Background(), docdb.Query{})
			mustNoErr(t, err)
			beforeMsgs, err := msgs.Count(context.Background(), docdb.Query{})
			mustNoErr(t, err)
			err = s.Docs.InTx(context.Background(), func(ctx context.Context) error { return tc.fn(ctx, id) })
			if !tc.wantErr(err) {
				t.Fatalf("InTx returned %v", err)
			}
			if got := countIDs(t, rooms, id) + countIDs(t, msgs, id); got != tc.kept {
				t.Errorf("%d of the 2 documents kept, want %d", got, tc.kept)
			}
			if tc.kept == 0 {
				after, _ := rooms.Count(context.Background(), docdb.Query{})
				afterMsgs, _ := msgs.Count(context.Background(), docdb.Query{})
				if after != before || afterMsgs != beforeMsgs {
					t.Errorf("a failed transaction changed the counts: rooms %d→%d, messages %d→%d", before, after, beforeMsgs, afterMsgs)
				}
				n, err := rooms.Count(context.Background(), docdb.Query{Where: docdb.F("touched") + " IS NOT NULL"})
				mustNoErr(t, err)
				if n != 0 {
					t.Errorf("a rolled-back update is visible on %d rooms", n)
				}
			}
			// The store keeps working after every outcome.
			mustNoErr(t, rooms.Insert(context.Background(), docdb.Doc{{Key: "_id", Value: id + "_after"}}))
		})
	}
}

// TestGroupCommit: concurrent transactions share commits, each is acknowledged with its
// own outcome, and a failing one among them undoes only itself.
func TestGroupCommit(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	msgs, subs := s.Docs.Collection(docdb.Messages), s.Docs.Collection(docdb.Subscriptions)
	const n = 200
	errBoom := errors.New("boom")
	failing := map[int]bool{13: true, 77: true, 150: true}
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			id := fmt.Sprintf("g%03d", i)
			errs[i] = s.Docs.InTx(context.Background(), func(ctx context.Context) error {
				if err := msgs.Insert(ctx, msg(id, "R")); err != nil {
					return err
				}
				if err := subs.Insert(ctx, docdb.Doc{{Key: "_id", Value: id}, {Key: "rid", Value: "R"}, {Key: "u", Value: docdb.Doc{{Key: "_id", Value: id}}}}); err != nil {
					return err
				}
				if failing[i] {
					return errBoom
				}
				return nil
			})
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		id := fmt.Sprintf("g%03d", i)
		got := countIDs(t, msgs, id) + countIDs(t, subs, id)
		switch {
		case failing[i] && !errors.Is(errs[i], errBoom):
			t.Errorf("%s: InTx = %v, want boom", id, errs[i])
		case failing[i] && got != 0:
			t.Errorf("%s: failed transaction left %d documents", id, got)
		case !failing[i] && errs[i] != nil:
			t.Errorf("%s: InTx = %v", id, errs[i])
		case !failing[i] && got != 2:
			t.Errorf("%s: %d of 2 documents present", id, got)
		}
	}
	total, err := msgs.Count(context.Background(), docdb.Query{Where: docdb.F("rid") + " = ?", Args: []any{"R"}})
	mustNoErr(t, err)
	if total != n-int64(len(failing)) {
		t.Errorf("%d messages, want %d", total, n-len(failing))
	}
}

// TestGroupCommitPanicAmongOthers: a transaction that panics while others wait for the
// same commit undoes only itself.
func TestGroupCommitPanicAmongOthers(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	msgs := s.Docs.Collection(docdb.Messages)
	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("p%02d", i)
			errs[i] = s.Docs.InTx(context.Background(), func(ctx context.Context) error {
				if err := msgs.Insert(ctx, msg(id, "R")); err != nil {
					return err
				}
				if i%10 == 3 {
					panic("boom " + id)
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i := range n {
		id := fmt.Sprintf("p%02d", i)
		panicked := i%10 == 3
		if got := countIDs(t, msgs, id); panicked != (errs[i] != nil) || got != map[bool]int{true: 0, false: 1}[panicked] {
			t.Errorf("%s: err %v, %d documents", id, errs[i], got)
		}
	}
}

func TestInTxCancelledContext(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := s.Docs.InTx(ctx, func(ctx context.Context) error {
		ran = true
		return s.Docs.Collection(docdb.Rooms).Insert(ctx, docdb.Doc{{Key: "_id", Value: "cancelled"}})
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("InTx with a cancelled ctx = %v, want context.Canceled", err)
	}
	if ran {
		t.Error("fn ran although ctx was cancelled before InTx")
	}
	if err := s.Docs.Collection(docdb.Rooms).Insert(ctx, docdb.Doc{{Key: "_id", Value: "cancelled2"}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Insert with a cancelled ctx = %v", err)
	}
	if n := countIDs(t, s.Docs.Collection(docdb.Rooms), "cancelled", "cancelled2"); n != 0 {
		t.Errorf("%d documents written under a cancelled ctx", n)
	}
}

// TestCloseAndReopen: writes after Close fail with ErrClosed, committed data survives a
// reopen, and a second Open of a directory in use fails with ErrLocked.
func TestCloseAndReopen(t *testing.T) {
	t.Parallel()
	dir, err := mkShortTemp(t)
	mustNoErr(t, err)
	ctx := context.Background()
	s, err := openAt(t, dir)
	mustNoErr(t, err)

	if _, err := openAt(t, dir); !errors.Is(err, storage.ErrLocked) {
		t.Errorf("second Open of a directory in use = %v, want ErrLocked", err)
	}

	// Many writes queued at once, then Close: every acknowledged write is on disk.
	var wg sync.WaitGroup
	acked := make([]bool, 100)
	for i := range acked {
		wg.Go(func() {
			acked[i] = s.Docs.Collection(docdb.Messages).Insert(ctx, msg(fmt.Sprintf("c%03d", i), "R")) == nil
		})
	}
	wg.Wait()
	mustNoErr(t, s.Docs.Collection(docdb.Users).Insert(ctx, model.User{ID: "u1", Username: "ann", CreatedAt: time.UnixMilli(5).UTC(), Roles: []string{"user"}}))
	closeStore(t, s)

	if err := s.Docs.Collection(docdb.Rooms).Insert(ctx, docdb.Doc{{Key: "_id", Value: "late"}}); !errors.Is(err, docdb.ErrClosed) {
		t.Errorf("Insert after Close = %v, want ErrClosed", err)
	}
	if err := s.Docs.InTx(ctx, func(context.Context) error { return nil }); !errors.Is(err, docdb.ErrClosed) {
		t.Errorf("InTx after Close = %v, want ErrClosed", err)
	}
	if _, err := s.Docs.Collection(docdb.Rooms).Update(ctx, docdb.Query{}, docdb.U().Set("x", 1)); !errors.Is(err, docdb.ErrClosed) {
		t.Errorf("Update after Close = %v, want ErrClosed", err)
	}
	if err := s.Docs.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}

	s2, err := openAt(t, dir)
	mustNoErr(t, err)
	defer closeStore(t, s2)
	for i, ok := range acked {
		id := fmt.Sprintf("c%03d", i)
		if !ok {
			t.Errorf("%s was not acknowledged", id)
		} else if countIDs(t, s2.Docs.Collection(docdb.Messages), id) != 1 {
			t.Errorf("acknowledged %s lost across Close and reopen", id)
		}
	}
	var u model.User
	mustNoErr(t, s2.Docs.Collection(docdb.Users).FindOne(ctx, docdb.ByID("u1"), &u))
	if u.Username != "ann" || !u.CreatedAt.Equal(time.UnixMilli(5)) || len(u.Roles) != 1 {
		t.Errorf("reopened user = %+v", u)
	}
	mustNoErr(t, s2.Docs.Collection(docdb.Rooms).Insert(ctx, docdb.Doc{{Key: "_id", Value: "after-reopen"}}))
}

// TestCloseWaitsForQueuedTransactions: Close while transactions are running lets every
// queued one finish with a definite answer: committed (and then on disk) or ErrClosed.
func TestCloseWaitsForQueuedTransactions(t *testing.T) {
	t.Parallel()
	dir, err := mkShortTemp(t)
	mustNoErr(t, err)
	ctx := context.Background()
	s, err := openAt(t, dir)
	mustNoErr(t, err)
	const n = 300
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Docs.Collection(docdb.Messages).Insert(ctx, msg(fmt.Sprintf("q%03d", i), "R"))
		})
	}
	time.Sleep(2 * time.Millisecond)
	closeStore(t, s)
	wg.Wait()
	s2, err := openAt(t, dir)
	mustNoErr(t, err)
	defer closeStore(t, s2)
	for i, err := range errs {
		id := fmt.Sprintf("q%03d", i)
		got := countIDs(t, s2.Docs.Collection(docdb.Messages), id)
		switch {
		case err == nil && got != 1:
			t.Errorf("%s acknowledged but lost", id)
		case err != nil && !errors.Is(err, docdb.ErrClosed):
			t.Errorf("%s: %v, want nil or ErrClosed", id, err)
		case err != nil && got != 0:
			t.Errorf("%s failed with %v but was written", id, err)
		}
	}
}
