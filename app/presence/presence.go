// Package presence is users' status as Rocket.Chat 8.x computes it (its Presence
// service, ee/packages/presence): each live DDP connection of a user is online or away,
// the user's chosen status (statusDefault: online, away, busy or offline = invisible)
// combines with them into the status everyone sees, and every change is stored on the
// user document (status, statusConnection, statusDefault, statusText) and then announced
// on the hub as a streamhub.PresenceChanged.
//
// Connections live in memory only: the server forgets them when it stops, so Reset sets
// every user offline at start-up, as Rocket.Chat does. A connection with no method call
// for the user's idle limit turns away by itself (auto-away) and back online at its next
// call.
package presence

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// The statuses, as Rocket.Chat names them (UserStatus).
const (
	Online  = "online"
	Away    = "away"
	Busy    = "busy"
	Offline = "offline" // also the chosen status "invisible"
)

// Store keeps the presence fields of users; docdb.PresenceStore[User] implements it.
type Store interface {
	// PresenceUser reads a user; model.ErrNotFound if there is none.
	PresenceUser(ctx context.Context, uid string) (User, error)
	// SetPresence sets the given fields among status, statusConnection, statusDefault and
	// statusText, and _updatedAt; model.ErrNotFound if there is no such user.
	SetPresence(ctx context.Context, uid string, set map[string]string, at time.Time) error
	// OnlineByIDs returns the users among ids whose status is online, away or busy.
	OnlineByIDs(ctx context.Context, ids []string) ([]User, error)
	// Online returns every user with a username whose status is online, away or busy.
	Online(ctx context.Context) ([]User, error)
	// UpdatedSince returns the users with a username, but except, whose _updatedAt is at
	// or after since.
	UpdatedSince(ctx context.Context, since time.Time, except string) ([]User, error)
	// ResetPresence sets every user but those in keep offline and returns how many changed.
	ResetPresence(ctx context.Context, keep []string, at time.Time) (int64, error)
}

// Config is the settings the service reads; settings.Service satisfies it.
type Config interface {
	Bool(id string) bool
	String(id string) string
	Int(id string) int64
}

// Authz answers permission checks; authz.Service satisfies it.
type Authz interface {
	Can(ctx context.Context, actor model.Actor, permission, scope string) bool
}

// User is what presence reads of a users document.
type User struct {
	ID               string              `json:"_id"`
	Username         string              `json:"username,omitempty"`
	Name             string              `json:"name,omitempty"`
	Roles            []string            `json:"roles,omitempty"`
	Status           string              `json:"status,omitempty"`
	StatusConnection string              `json:"statusConnection,omitempty"`
	StatusDefault    string              `json:"statusDefault,omitempty"`
	StatusText       string              `json:"statusText,omitempty"`
	UTCOffset        *float64            `json:"utcOffset,omitempty"`
	AvatarETag       string              `json:"avatarETag,omitempty"`
	Settings         *model.UserSettings `json:"settings,omitempty"`
	UpdatedAt        time.Time           `json:"_updatedAt"`
}

// DefaultSweep is how often Start's goroutine looks for idle connections: a connection
// turns away at most this long after its idle limit.
const DefaultSweep = 10 * time.Second

// Service tracks connections and keeps users' status. Its methods are safe for
// concurrent use.
type Service struct {
	store  Store
	hub    *streamhub.Hub
	config Config
	authz  Authz
	log    *slog.Logger
	now    func() time.Time
	sweep  time.Duration

	mu     sync.Mutex
	users  map[string]*userConns // uid → the user's live connections
	closed bool

	// locks serialize the read-compute-write of one user's status (striped by uid), so
	// that two connections of a user changing at once cannot store a stale result.
	locks [64]sync.Mutex

	stop    context.CancelFunc
	stopped chan struct{}
}

// userConns are one user's live connections and their auto-away limit.
type userConns struct {
	conns map[string]*conn // connection id → state
	idle  time.Duration    // no method call for this long: away; 0 disables auto-away
}

// conn is one DDP connection of a user.
type conn struct {
	away bool      // the client said UserPresence:away (until UserPresence:online)
	idle bool      // auto-away: no method call for the idle limit
	last time.Time // the last method call
}

// New returns the presence service. hub may be nil (nothing is announced).
func New(store Store, hub *streamhub.Hub, config Config, authz Authz, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, hub: hub, config: config, authz: authz, log: log,
		now: time.Now, sweep: DefaultSweep, users: map[string]*userConns{}}
}

// Start runs the auto-away sweep until Close (or ctx's end).
func (s *Service) Start(ctx context.Context) {
	s.mu.Lock()
	if s.stop != nil || s.closed {
		s.mu.Unlock()
		return
	}
	ctx, s.stop = context.WithCancel(ctx)
	s.stopped = make(chan struct{})
	every := s.sweep
	s.mu.Unlock()
	go func() {
		defer close(s.stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.sweepIdle(ctx)
			}
		}
	}()
}

// Close stops the sweep and makes later connection changes no-ops: call it once the
// DDP server has shut down, before the store closes. The next start's Reset sets
// everybody offline.
func (s *Service) Close() {
	s.mu.Lock()
	s.closed = true
	stop, stopped := s.stop, s.stopped
	s.mu.Unlock()
	if stop != nil {
		stop()
		<-stopped
	}
}

// Connect records a new logged-in connection of uid (online) and updates the user's
// status. Errors are logged: a connection never fails because of presence.
func (s *Service) Connect(ctx context.Context, uid, connID string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	uc := s.users[uid]
	if uc == nil {
		uc = &userConns{conns: map[string]*conn{}, idle: s.defaultIdle()}
		s.users[uid] = uc
	}
	uc.conns[connID] = &conn{last: s.now()}
	s.mu.Unlock()
	s.logErr(s.update(ctx, uid, change{}), "connect", uid)
}

// Disconnect forgets a connection of uid (logout or end) and updates the user's status:
// offline once the last one is gone.
func (s *Service) Disconnect(ctx context.Context, uid, connID string) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if uc := s.users[uid]; uc != nil {
		delete(uc.conns, connID)
		if len(uc.conns) == 0 {
			delete(s.users, uid)
		}
	}
	s.mu.Unlock()
	s.logErr(s.update(ctx, uid, change{}), "disconnect", uid)
}

// SetConnectionStatus sets one connection online or away (UserPresence:online and
// UserPresence:away) and counts as activity. An unknown connection is ignored, as
// Rocket.Chat does.
func (s *Service) SetConnectionStatus(ctx context.Context, uid, connID, status string) error {
	if status != Online && status != Away {
		return invalidStatus()
	}
	s.mu.Lock()
	c := s.connLocked(uid, connID)
	if c != nil {
		c.away, c.idle, c.last = status == Away, false, s.now()
	}
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	return s.update(ctx, uid, change{})
}

// Activity records a method call on a connection. It only touches memory, unless the
// connection was idle (auto-away): then the user may turn online again.
func (s *Service) Activity(uid, connID string) {
	s.mu.Lock()
	c := s.connLocked(uid, connID)
	wake := false
	if c != nil {
		c.last = s.now()
		wake = c.idle && !c.away
		c.idle = false
	}
	s.mu.Unlock()
	if wake {
		s.logErr(s.update(context.Background(), uid, change{}), "activity", uid)
	}
}

func (s *Service) connLocked(uid, connID string) *conn {
	if uc := s.users[uid]; uc != nil && !s.closed {
		return uc.conns[connID]
	}
	return nil
}

// sweepIdle turns away the connections idle for longer than their user's limit, and
// updates those users.
func (s *Service) sweepIdle(ctx context.Context) {
	now := s.now()
	var changed []string
	s.mu.Lock()
	for uid, uc := range s.users {
		if uc.idle <= 0 {
			continue
		}
		turned := false
		for _, c := range uc.conns {
			if !c.idle && now.Sub(c.last) >= uc.idle {
				c.idle = true
				turned = turned || !c.away
			}
		}
		if turned {
			changed = append(changed, uid)
		}
	}
	s.mu.Unlock()
	for _, uid := range changed {
		s.logErr(s.update(ctx, uid, change{}), "auto-away", uid)
	}
}

// connectionStatus is the status of uid's connections (Rocket.Chat's statusConnection):
// online if any is online, away if all are away (or idle), offline without any. It
// also takes the user's auto-away preferences for the sweep.
func (s *Service) connectionStatus(u User) string {
	idle := s.idleLimit(u)
	s.mu.Lock()
	defer s.mu.Unlock()
	uc := s.users[u.ID]
	if uc == nil || len(uc.conns) == 0 {
		return Offline
	}
	uc.idle = idle
	for _, c := range uc.conns {
		if !c.away && !c.idle {
			return Online
		}
	}
	return Away
}

// effective combines the connections' status with the chosen one (processStatus):
// without connections the user is offline; a chosen busy, away or offline (invisible)
// wins over connected ones; online (or none chosen) shows the connections' status.
func effective(connection, chosen string) string {
	if connection == Offline {
		return Offline
	}
	if chosen == "" || chosen == Online {
		return connection
	}
	return chosen
}

// change is what an update sets besides what the connections decide.
type change struct {
	chosen *string // a new statusDefault
	text   *string // a new statusText
}

// update recomputes uid's status from its connections and c, stores the fields that
// changed, and announces a change of status or status text once it is stored.
func (s *Service) update(ctx context.Context, uid string, c change) error {
	l := s.lockOf(uid)
	l.Lock()
	defer l.Unlock()
	u, err := s.store.PresenceUser(ctx, uid)
	if errors.Is(err, model.ErrNotFound) {
		return errNoUser()
	}
	if err != nil {
		return model.Internal(err)
	}
	connection := s.connectionStatus(u)
	chosen, text := u.StatusDefault, u.StatusText
	if c.chosen != nil {
		chosen = *c.chosen
	}
	if c.text != nil {
		text = *c.text
	}
	status := effective(connection, chosen)
	set := map[string]string{}
	put := func(field, old, v string) {
		if old != v {
			set[field] = v
		}
	}
	put("status", u.Status, status)
	put("statusConnection", u.StatusConnection, connection)
	if c.chosen != nil {
		put("statusDefault", u.StatusDefault, chosen)
	}
	if c.text != nil {
		put("statusText", u.StatusText, text)
	}
	if len(set) == 0 {
		return nil
	}
	if err := s.store.SetPresence(ctx, uid, set, s.now().UTC().Truncate(time.Millisecond)); err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return errNoUser()
		}
		return model.Internal(err)
	}
	if status != u.Status || text != u.StatusText {
		s.publish(u, status, text)
	}
	return nil
}

func (s *Service) lockOf(uid string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(uid))
	return &s.locks[h.Sum32()%uint32(len(s.locks))]
}

// publish announces a user's new status, unless presence broadcast is off
// (Presence_broadcast_disabled, or Troubleshoot_Disable_Presence_Broadcast, which in
// Rocket.Chat stops the broadcast without telling clients).
func (s *Service) publish(u User, status, text string) {
	if s.hub == nil || s.flag(settingBroadcastDisabled) || s.flag(settingTroubleshootBroadcast) {
		return
	}
	s.hub.Publish(streamhub.PresenceChanged{UserID: u.ID, Username: u.Username, Name: u.Name,
		Status: status, StatusText: text, Roles: u.Roles})
}

func (s *Service) logErr(err error, what, uid string) {
	if err != nil {
		s.log.Warn("presence update failed", "on", what, "user", uid, "err", err)
	}
}

// defaultIdle is the idle limit of a user without preferences.
func (s *Service) defaultIdle() time.Duration {
	return s.idleLimit(User{})
}

// idleLimit is the user's auto-away limit: their preferences enableAutoAway and
// idleTimeLimit (seconds), else the Accounts_Default_User_Preferences_* settings; 0 when
// auto-away is off.
func (s *Service) idleLimit(u User) time.Duration {
	var prefs map[string]any
	if u.Settings != nil {
		prefs = u.Settings.Preferences
	}
	enabled := s.flag(settingAutoAway)
	if b, ok := prefBool(prefs["enableAutoAway"]); ok {
		enabled = b
	}
	secs := float64(s.number(settingIdleTimeLimit))
	if n, ok := prefNumber(prefs["idleTimeLimit"]); ok && n > 0 {
		secs = n
	}
	if !enabled || secs <= 0 {
		return 0
	}
	return time.Duration(secs * float64(time.Second))
}

func prefBool(v any) (bool, bool) {
	switch b := v.(type) {
	case bool:
		return b, true
	case string:
		return b == "true", b == "true" || b == "false"
	}
	return false, false
}

func prefNumber(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case int:
		return float64(n), true
	}
	return 0, false
}
