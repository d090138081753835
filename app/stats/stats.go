// Package stats is the numbers of the admin dashboard: users, rooms, messages,
// connections, memory and disk use, sampled by the server every few minutes into an
// in-memory ring that holds the last 24 hours (for the dashboard's sparklines). A
// restart starts the history afresh.
//
// The counts that cost a scan (users online, messages today) are taken by the sampler,
// never by a page view: the dashboard shows the latest sample plus the few live figures
// that cost nothing (connections, memory, uptime).
package stats

import (
	"context"
	"io/fs"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// Store answers the counts; docdb.StatsStore implements it.
type Store interface {
	// CountUsers returns how many users there are, how many are connected (online,
	// away or busy) and how many logged in at or after since.
	CountUsers(ctx context.Context, since time.Time) (total, online, active int64, err error)
	// RoomsByType returns the number of rooms of each type and the sum of their
	// message counters.
	RoomsByType(ctx context.Context) (map[string]int64, int64, error)
	// CountMessagesSince counts the messages sent at or after since.
	CountMessagesSince(ctx context.Context, since time.Time) (int64, error)
}

// Connections counts the realtime connections open now; ddp.Server satisfies it.
type Connections interface {
	Connections() int
}

// Permissions is the check the dashboard asks; authz.Service satisfies it.
type Permissions interface {
	Can(ctx context.Context, actor model.Actor, permission, scope string) bool
}

// PermView is Rocket.Chat's permission for the Workspace (Info) page and
// /api/v1/statistics (apps/meteor/client/views/admin/sidebarItems.ts).
const PermView = "view-statistics"

// Sampling: every Interval, Keep samples (24 hours).
const (
	Interval = 5 * time.Minute
	Keep     = int(24 * time.Hour / Interval)
)

// Sample is the figures at one moment.
type Sample struct {
	At              time.Time
	Users           int64
	UsersOnline     int64
	UsersActiveWeek int64 // logged in during the last 7 days
	Rooms           map[string]int64
	Messages        int64 // Rocket.Chat's totalMessages: the sum of the rooms' counters
	MessagesToday   int64 // sent since local midnight
	Connections     int
	Memory          uint64 // bytes the Go runtime holds from the OS, less what it gave back
	Goroutines      int
	DataBytes       int64 // the whole data directory
	DBBytes         int64 // <data>/db: the SQLite store with its WAL
	FilesBytes      int64 // <data>/files: uploads and avatars
}

// RoomsTotal is the number of rooms of every type.
func (s Sample) RoomsTotal() int64 {
	var n int64
	for _, c := range s.Rooms {
		n += c
	}
	return n
}

// Service samples and keeps the history.
type Service struct {
	store Store
	perms Permissions
	dir   string
	log   *slog.Logger
	now   func() time.Time

	mu    sync.Mutex
	conns Connections
	ring  []Sample // oldest first, at most Keep
}

// New returns the statistics service over the data directory dir.
func New(store Store, perms Permissions, dir string, log *slog.Logger) *Service {
	return &Service{store: store, perms: perms, dir: dir, log: log, now: time.Now}
}

// SetConnections gives the service the realtime server to count connections of.
func (s *Service) SetConnections(c Connections) {
	s.mu.Lock()
	s.conns = c
	s.mu.Unlock()
}

// Start samples now and then every Interval until ctx ends.
func (s *Service) Start(ctx context.Context) {
	go func() {
		t := time.NewTicker(Interval)
		defer t.Stop()
		for {
			if _, err := s.Take(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("sampling statistics", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Take takes a sample now and adds it to the history.
func (s *Service) Take(ctx context.Context) (Sample, error) {
	now := s.now()
	sm := s.live(Sample{At: now})
	var err error
	if sm.Users, sm.UsersOnline, sm.UsersActiveWeek, err = s.store.CountUsers(ctx, now.Add(-7*24*time.Hour)); err != nil {
		return Sample{}, model.Internal(err)
	}
	if sm.Rooms, sm.Messages, err = s.store.RoomsByType(ctx); err != nil {
		return Sample{}, model.Internal(err)
	}
	y, m, d := now.Date()
	if sm.MessagesToday, err = s.store.CountMessagesSince(ctx, time.Date(y, m, d, 0, 0, 0, 0, now.Location())); err != nil {
		return Sample{}, model.Internal(err)
	}
	sm.DataBytes, sm.DBBytes, sm.FilesBytes = diskUse(s.dir)
	s.mu.Lock()
	if len(s.ring) >= Keep {
		s.ring = append(s.ring[:0], s.ring[len(s.ring)-Keep+1:]...)
	}
	s.ring = append(s.ring, sm)
	s.mu.Unlock()
	return sm, nil
}

// live fills the figures that cost nothing to read.
func (s *Service) live(sm Sample) Sample {
	s.mu.Lock()
	c := s.conns
	s.mu.Unlock()
	if c != nil {
		sm.Connections = c.Connections()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	sm.Memory = ms.Sys - ms.HeapReleased
	sm.Goroutines = runtime.NumGoroutine()
	return sm
}

// Dashboard is what the dashboard shows: Now is the latest sample with its live
// figures (connections, memory) read at the call; History the samples of the last 24
// hours, oldest first.
type Dashboard struct {
	Now     Sample
	History []Sample
}

// Dashboard returns the latest figures and the history (needs PermView). Before the
// first sample it takes one.
func (s *Service) Dashboard(ctx context.Context, actor model.Actor) (Dashboard, error) {
	if !s.perms.Can(ctx, actor, PermView, "") {
		return Dashboard{}, model.Forbidden("error-not-allowed")
	}
	s.mu.Lock()
	hist := append([]Sample(nil), s.ring...)
	s.mu.Unlock()
	if len(hist) == 0 {
		sm, err := s.Take(ctx)
		if err != nil {
			return Dashboard{}, err
		}
		hist = []Sample{sm}
	}
	now := s.live(hist[len(hist)-1])
	return Dashboard{Now: now, History: hist}, nil
}

// diskUse sums the sizes of the regular files under dir, under dir/db and under
// dir/files. Unreadable entries are skipped.
func diskUse(dir string) (all, db, files int64) {
	if dir == "" {
		return 0, 0, 0
	}
	dbDir, filesDir := filepath.Join(dir, "db")+string(filepath.Separator), filepath.Join(dir, "files")+string(filepath.Separator)
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		n := info.Size()
		all += n
		switch {
		case strings.HasPrefix(path, dbDir):
			db += n
		case strings.HasPrefix(path, filesDir):
			files += n
		}
		return nil
	})
	return all, db, files
}
