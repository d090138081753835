// Package backups runs backups of the data directory for the admin console: one at a
// time, in the background, with its progress and last result kept for the page that
// shows them; it lists, opens and deletes the archives. The archives themselves are
// made by an Archiver (storage/backup), the same code `outpost backup` runs.
//
// Rocket.Chat has no backup feature (its admins run mongodump); the console puts
// backups beside Import, so the permission is Rocket.Chat's run-import, held by admins.
package backups

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// Perm is the permission every operation needs.
const Perm = "run-import"

// Archiver makes and keeps the archives; storage/backup.Archiver implements it.
type Archiver interface {
	// Create writes a new archive, calling progress as it goes.
	Create(ctx context.Context, progress func(phase string, done, total int64)) (model.Backup, error)
	// List returns the archives, newest first.
	List(ctx context.Context) ([]model.Backup, error)
	// Open opens an archive for reading; a not-found error for an unknown name.
	Open(ctx context.Context, name string) (io.ReadSeekCloser, model.Backup, error)
	// Delete removes an archive; a not-found error for an unknown name.
	Delete(ctx context.Context, name string) error
}

// Permissions is the check the service asks; authz.Service satisfies it.
type Permissions interface {
	Can(ctx context.Context, actor model.Actor, permission, scope string) bool
}

// Status is the running backup, if any, and the last one that ended.
type Status struct {
	Running bool
	Started time.Time // of the running backup
	By      string    // who started it
	Phase   string    // storage/backup's phase: database, files, finish
	Done    int64     // files archived so far, in the files phase
	Total   int64     // files to archive
	Last    *Result   // the last backup that ended since the server started; nil if none
}

// Result is how a backup ended.
type Result struct {
	Backup   model.Backup // the archive, when it succeeded
	Started  time.Time
	Finished time.Time
	By       string
	Err      string // the failure, for an administrator; "" on success
}

// Service runs and lists backups.
type Service struct {
	arch  Archiver
	perms Permissions
	log   *slog.Logger
	now   func() time.Time

	ctx    context.Context // the runs' context, canceled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	status Status
}

// New returns the service. Close it before closing the store.
func New(arch Archiver, perms Permissions, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{arch: arch, perms: perms, log: log, now: time.Now, ctx: ctx, cancel: cancel}
}

func (s *Service) check(ctx context.Context, actor model.Actor) error {
	if !s.perms.Can(ctx, actor, Perm, "") {
		return model.Forbidden("error-not-allowed")
	}
	return nil
}

// ErrRunning is the conflict of starting a backup while one runs.
var ErrRunning = &model.Error{Kind: model.KindConflict, Code: "error-backup-running", Message: "A backup is already running; wait for it to end."}

// Run starts a backup in the background and returns at once; ErrRunning while one
// runs. Status shows its progress and result.
func (s *Service) Run(ctx context.Context, actor model.Actor) error {
	if err := s.check(ctx, actor); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return model.Invalid("error-server-stopping", "The server is stopping.")
	}
	if s.status.Running {
		return ErrRunning
	}
	started := s.now()
	s.status = Status{Running: true, Started: started, By: actor.Username, Phase: "database", Last: s.status.Last}
	s.wg.Add(1)
	go s.run(started, actor.Username)
	return nil
}

func (s *Service) run(started time.Time, by string) {
	defer s.wg.Done()
	b, err := s.arch.Create(s.ctx, func(phase string, done, total int64) {
		s.mu.Lock()
		s.status.Phase, s.status.Done, s.status.Total = phase, done, total
		s.mu.Unlock()
	})
	res := &Result{Backup: b, Started: started, Finished: s.now(), By: by}
	if err != nil {
		res.Err = err.Error()
		if errors.Is(err, context.Canceled) {
			res.Err = "stopped: the server was shutting down"
		}
		s.log.Error("backup failed", "by", by, "err", err)
	} else {
		s.log.Info("backup done", "by", by, "name", b.Name, "size", b.Size, "took", res.Finished.Sub(started).Round(time.Millisecond))
	}
	s.mu.Lock()
	s.status = Status{Last: res}
	s.mu.Unlock()
}

// Status returns the running backup and the last result.
func (s *Service) Status(ctx context.Context, actor model.Actor) (Status, error) {
	if err := s.check(ctx, actor); err != nil {
		return Status{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	if st.Last != nil {
		last := *st.Last
		st.Last = &last
	}
	return st, nil
}

// List returns the archives, newest first.
func (s *Service) List(ctx context.Context, actor model.Actor) ([]model.Backup, error) {
	if err := s.check(ctx, actor); err != nil {
		return nil, err
	}
	list, err := s.arch.List(ctx)
	if err != nil {
		return nil, model.Internal(err)
	}
	return list, nil
}

// Open opens the archive name for download.
func (s *Service) Open(ctx context.Context, actor model.Actor, name string) (io.ReadSeekCloser, model.Backup, error) {
	if err := s.check(ctx, actor); err != nil {
		return nil, model.Backup{}, err
	}
	r, b, err := s.arch.Open(ctx, name)
	return r, b, domain(err)
}

// Delete removes the archive name.
func (s *Service) Delete(ctx context.Context, actor model.Actor, name string) error {
	if err := s.check(ctx, actor); err != nil {
		return err
	}
	return domain(s.arch.Delete(ctx, name))
}

// domain passes the archiver's domain errors (not found) on and wraps the others.
func domain(err error) error {
	var e *model.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return model.Internal(err)
}

// Close stops a running backup (its partial archive is removed) and waits for it.
func (s *Service) Close() {
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
}

// Wait waits for the running backup, if any, to end (for tests and the CLI).
func (s *Service) Wait() {
	s.wg.Wait()
}
