package backups_test

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/backups"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

var bg = context.Background()

func TestRunListOpenDelete(t *testing.T) {
	t.Parallel()
	a := wiretest.Open(t)
	boss := wiretest.Actor(t, a, "boss", "admin")
	joe := wiretest.Actor(t, a, "joe")
	s := a.Backups

	// Without run-import nothing is allowed.
	if err := s.Run(bg, joe); model.AsError(err).Kind != model.KindForbidden {
		t.Fatalf("joe runs: %v", err)
	}
	if _, err := s.Status(bg, joe); model.AsError(err).Kind != model.KindForbidden {
		t.Fatalf("joe's status: %v", err)
	}
	if _, err := s.List(bg, joe); model.AsError(err).Kind != model.KindForbidden {
		t.Fatalf("joe lists: %v", err)
	}
	if _, _, err := s.Open(bg, joe, "x"); model.AsError(err).Kind != model.KindForbidden {
		t.Fatalf("joe opens: %v", err)
	}
	if err := s.Delete(bg, joe, "x"); model.AsError(err).Kind != model.KindForbidden {
		t.Fatalf("joe deletes: %v", err)
	}

	// One at a time: Run marks the run before it returns.
	if err := s.Run(bg, boss); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(bg, boss); !errors.Is(err, backups.ErrRunning) {
		t.Fatalf("a second run: %v", err)
	}
	st, err := s.Status(bg, boss)
	if err != nil || (!st.Running && st.Last == nil) {
		t.Fatalf("status %+v %v", st, err)
	}
	s.Wait()
	st, _ = s.Status(bg, boss)
	if st.Running || st.Last == nil || st.Last.Err != "" || st.Last.By != "boss" || st.Last.Backup.Size == 0 {
		t.Fatalf("after the run: %+v %+v", st, st.Last)
	}
	list, err := s.List(bg, boss)
	if err != nil || len(list) != 1 || list[0].Name != st.Last.Backup.Name {
		t.Fatalf("list %v %v", list, err)
	}
	r, b, err := s.Open(bg, boss, list[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, r)
	r.Close()
	if n != b.Size {
		t.Fatalf("read %d of %d", n, b.Size)
	}
	for _, name := range []string{"nope", "../outpost.lock", ""} {
		if _, _, err := s.Open(bg, boss, name); model.AsError(err).Kind != model.KindNotFound {
			t.Errorf("open %q: %v", name, err)
		}
	}
	if err := s.Delete(bg, boss, list[0].Name); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(bg, boss, list[0].Name); model.AsError(err).Kind != model.KindNotFound {
		t.Fatalf("deleted twice: %v", err)
	}
}

// TestCloseStopsRun: closing the service while a backup runs ends it, without an
// archive, and a run after Close is refused.
func TestCloseStopsRun(t *testing.T) {
	t.Parallel()
	a := wiretest.Open(t)
	boss := wiretest.Actor(t, a, "boss", "admin")
	s := a.Backups
	if err := s.Run(bg, boss); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return")
	}
	st, _ := s.Status(bg, boss)
	if st.Running || st.Last == nil {
		t.Fatalf("after Close: %+v", st)
	}
	if err := s.Run(bg, boss); err == nil {
		t.Fatal("a run after Close started")
	}
}
