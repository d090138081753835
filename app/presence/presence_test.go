package presence

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/storage/storetest"
)

var (
	_ Store  = (*docdb.PresenceStore[User])(nil)
	_ Authz  = (*authz.Service)(nil)
	_ Config = (*settings.Service)(nil)
)

// clock is a fake clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is the presence service wired as cmd/outpost wires it, over a real store with
// an admin (boss) and a user (joe), its events captured.
type fixture struct {
	svc    *Service
	cfg    *settings.Service
	users  *docdb.UsersStore
	store  *docdb.PresenceStore[User]
	events *streamhub.Subscription
	clock  *clock
	boss   model.Actor
	joe    model.Actor
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	hub := streamhub.New(nil)
	t.Cleanup(hub.Close)
	log := slog.New(slog.DiscardHandler)
	cfg := settings.New(docdb.NewSettingsStore(st.Docs), hub, log)
	if err := cfg.Register(ctx, slices.Concat(accounts.Settings(), accounts.UserSettings(), Settings())...); err != nil {
		t.Fatal(err)
	}
	az := authz.New(docdb.NewRolesStore[authz.Role](st.Docs), docdb.NewPermissionsStore[authz.Permission](st.Docs),
		docdb.NewUserRolesStore(st.Docs), docdb.NewSubscriptionRolesStore(st.Docs), st.Docs, hub, log)
	if err := az.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	acc := accounts.New(docdb.NewUsersStore(st.Docs), st.Docs, cfg, log)
	acc.SetBcryptCost(bcrypt.MinCost)
	f := &fixture{cfg: cfg, users: docdb.NewUsersStore(st.Docs), store: docdb.NewPresenceStore[User](st.Docs),
		clock: &clock{t: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}}
	for _, nu := range []accounts.NewUser{
		{Username: "boss", Email: "boss@example.com", Password: "pw", Name: "The Boss", Roles: []string{"admin"}},
		{Username: "joe", Email: "joe@example.com", Password: "pw", Name: "Joe"},
	} {
		u, err := acc.CreateUser(ctx, model.System, nu)
		if err != nil {
			t.Fatal(err)
		}
		if nu.Username == "boss" {
			f.boss = accounts.ActorOf(u)
		} else {
			f.joe = accounts.ActorOf(u)
		}
	}
	f.svc = New(f.store, hub, cfg, az, log)
	f.svc.now = f.clock.now
	f.events = hub.Subscribe(64, streamhub.TopicPresence)
	t.Cleanup(f.svc.Close)
	return f
}

// expectEvents checks the presence events published so far ("username:status" or
// "username:status:text"), in order.
func (f *fixture) expectEvents(t *testing.T, want ...string) {
	t.Helper()
	got := []string{}
	for {
		select {
		case ev := <-f.events.C():
			e := ev.(streamhub.PresenceChanged)
			s := e.Username + ":" + e.Status
			if e.StatusText != "" {
				s += ":" + e.StatusText
			}
			got = append(got, s)
			continue
		default:
		}
		break
	}
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events = %q, want %q", got, want)
	}
}

// expectUser checks the stored status, statusConnection and statusDefault of a user.
func (f *fixture) expectUser(t *testing.T, uid, status, connection, chosen string) {
	t.Helper()
	u, err := f.store.PresenceUser(context.Background(), uid)
	if err != nil {
		t.Fatal(err)
	}
	if u.Status != status || u.StatusConnection != connection || u.StatusDefault != chosen {
		t.Fatalf("user %s: status %q, statusConnection %q, statusDefault %q; want %q, %q, %q",
			u.Username, u.Status, u.StatusConnection, u.StatusDefault, status, connection, chosen)
	}
}

func expectCode(t *testing.T, err error, kind model.Kind, code string) {
	t.Helper()
	var e *model.Error
	if !errors.As(err, &e) || e.Kind != kind || e.Code != code {
		t.Fatalf("error = %v, want %s [%s]", err, kind, code)
	}
}

func TestConnectionsMakeTheStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	joe := f.joe.UserID
	f.svc.Connect(ctx, joe, "c1")
	f.expectUser(t, joe, "online", "online", "")
	f.svc.Connect(ctx, joe, "c2")
	f.expectEvents(t, "joe:online")

	// Online while any connection is online; away once all are.
	must(t, f.svc.SetConnectionStatus(ctx, joe, "c1", "away"))
	f.expectUser(t, joe, "online", "online", "")
	must(t, f.svc.SetConnectionStatus(ctx, joe, "c2", "away"))
	f.expectUser(t, joe, "away", "away", "")
	must(t, f.svc.SetConnectionStatus(ctx, joe, "c1", "online"))
	f.expectEvents(t, "joe:away", "joe:online")
	expectCode(t, f.svc.SetConnectionStatus(ctx, joe, "c1", "busy"), model.KindInvalid, "error-invalid-status")
	must(t, f.svc.SetConnectionStatus(ctx, joe, "unknown-connection", "away")) // ignored

	// Offline once the last connection is gone, not before.
	f.svc.Disconnect(ctx, joe, "c1")
	f.expectUser(t, joe, "away", "away", "") // c2 is still there, and away
	f.svc.Disconnect(ctx, joe, "c2")
	f.expectUser(t, joe, "offline", "offline", "")
	f.expectEvents(t, "joe:away", "joe:offline")
	f.svc.Disconnect(ctx, joe, "c2") // again: nothing changes, nothing is written
	f.expectEvents(t)
}

func TestChosenStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	joe := f.joe.UserID

	// Without connections the chosen status is stored, but the user stays offline.
	must(t, f.svc.SetDefaultStatus(ctx, f.joe, "busy"))
	f.expectUser(t, joe, "offline", "offline", "busy")
	f.expectEvents(t)
	f.svc.Connect(ctx, joe, "c1")
	f.expectUser(t, joe, "busy", "online", "busy")
	must(t, f.svc.SetConnectionStatus(ctx, joe, "c1", "away"))
	f.expectUser(t, joe, "busy", "away", "busy") // busy wins over away connections
	must(t, f.svc.SetStatus(ctx, f.joe, "", "offline", nil))
	f.expectUser(t, joe, "offline", "away", "offline") // invisible
	must(t, f.svc.SetStatus(ctx, f.joe, f.joe.UserID, "online", nil))
	f.expectUser(t, joe, "away", "away", "online") // back to the connections' status
	must(t, f.svc.SetDefaultStatus(ctx, f.joe, "away"))
	must(t, f.svc.SetConnectionStatus(ctx, joe, "c1", "online"))
	f.expectUser(t, joe, "away", "online", "away")
	f.expectEvents(t, "joe:busy", "joe:offline", "joe:away")

	// The status text: trimmed and cut to 120 characters, "" clears it, nil keeps it.
	long := " " + strings.Repeat("é", 130) + " "
	must(t, f.svc.SetStatus(ctx, f.joe, "", "", &long))
	u, _ := f.store.PresenceUser(ctx, joe)
	if u.StatusText != strings.Repeat("é", 120) {
		t.Fatalf("statusText = %q", u.StatusText)
	}
	lunch := "lunch"
	must(t, f.svc.SetStatus(ctx, f.joe, "", "busy", &lunch))
	must(t, f.svc.SetStatus(ctx, f.joe, "", "busy", nil))
	f.expectEvents(t, "joe:away:"+strings.Repeat("é", 120), "joe:busy:lunch")
	if info, err := f.svc.Status(ctx, f.joe, ""); err != nil || info != (StatusInfo{ID: joe, Status: "busy", Message: "lunch", ConnectionStatus: "online"}) {
		t.Fatalf("own status = %+v, %v", info, err)
	}
	if info, err := f.svc.Status(ctx, f.boss, joe); err != nil || info != (StatusInfo{ID: joe, Status: "busy", Message: "lunch"}) {
		t.Fatalf("joe's status seen by boss = %+v, %v", info, err)
	}
	empty := ""
	must(t, f.svc.SetStatus(ctx, f.joe, "", "", &empty))
	f.expectEvents(t, "joe:busy")

	// Refusals, with Rocket.Chat's codes.
	expectCode(t, f.svc.SetStatus(ctx, f.joe, "", "dancing", nil), model.KindInvalid, "error-invalid-status")
	expectCode(t, f.svc.SetDefaultStatus(ctx, f.joe, ""), model.KindInvalid, "error-invalid-status")
	expectCode(t, f.svc.SetStatus(ctx, f.joe, f.boss.UserID, "busy", nil), model.KindForbidden, "error-unauthorized")
	expectCode(t, f.svc.SetStatus(ctx, model.Anonymous, "", "busy", nil), model.KindUnauthorized, "error-invalid-user")
	expectCode(t, f.svc.SetStatus(ctx, f.boss, "nobody", "busy", nil), model.KindInvalid, "error-invalid-user")
	_, err := f.svc.Status(ctx, f.joe, "nobody")
	expectCode(t, err, model.KindInvalid, "error-invalid-user")
	must(t, f.cfg.Set(ctx, model.System, "Accounts_AllowInvisibleStatusOption", false))
	expectCode(t, f.svc.SetStatus(ctx, f.joe, "", "offline", nil), model.KindInvalid, "error-status-not-allowed")
	must(t, f.cfg.Set(ctx, model.System, "Accounts_AllowUserStatusMessageChange", false))
	expectCode(t, f.svc.SetStatus(ctx, f.joe, "", "", &lunch), model.KindInvalid, "error-not-allowed")
	f.expectEvents(t)

	// edit-other-user-info lets an admin set someone else's status.
	must(t, f.svc.SetStatus(ctx, f.boss, joe, "online", nil))
	f.expectUser(t, joe, "online", "online", "online")
	f.expectEvents(t, "joe:online")
}

func TestAutoAway(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	joe, boss := f.joe.UserID, f.boss.UserID
	f.svc.Connect(ctx, joe, "j1")
	f.svc.Connect(ctx, joe, "j2")
	f.svc.Connect(ctx, boss, "b1")
	f.expectEvents(t, "joe:online", "boss:online")

	// The default limit is Accounts_Default_User_Preferences_idleTimeLimit, 300 s.
	f.clock.advance(200 * time.Second)
	f.svc.Activity(joe, "j2") // j2 stays busy, j1 does not
	f.clock.advance(100 * time.Second)
	f.svc.sweepIdle(ctx)
	f.expectEvents(t, "boss:away") // joe still has j2, active 100 s ago
	f.expectUser(t, boss, "away", "away", "")
	f.clock.advance(200 * time.Second)
	f.svc.sweepIdle(ctx)
	f.expectEvents(t, "joe:away")

	// Any method call brings the connection back.
	f.svc.Activity(boss, "b1")
	f.expectUser(t, boss, "online", "online", "")
	f.svc.Activity(boss, "b1") // no longer idle: nothing to write
	f.expectEvents(t, "boss:online")

	// A connection the client set away stays away until UserPresence:online.
	must(t, f.svc.SetConnectionStatus(ctx, joe, "j1", "away"))
	f.svc.Activity(joe, "j1")
	f.expectEvents(t)
	must(t, f.svc.SetConnectionStatus(ctx, joe, "j1", "online"))
	f.expectEvents(t, "joe:online")

	// The user's own preferences: a shorter limit, or no auto-away at all.
	_, err := f.users.UpdateFields(ctx, joe, map[string]any{"settings.preferences.idleTimeLimit": 60}, nil)
	must(t, err)
	_, err = f.users.UpdateFields(ctx, boss, map[string]any{"settings.preferences.enableAutoAway": false}, nil)
	must(t, err)
	f.svc.Activity(joe, "j1") // no change, so the new preference is read at the next update
	must(t, f.svc.SetConnectionStatus(ctx, joe, "j1", "online"))
	must(t, f.svc.SetConnectionStatus(ctx, boss, "b1", "online"))
	f.clock.advance(61 * time.Second)
	f.svc.sweepIdle(ctx)
	f.expectEvents(t, "joe:away")
	f.clock.advance(time.Hour)
	f.svc.sweepIdle(ctx)
	f.expectEvents(t)
	f.expectUser(t, boss, "online", "online", "")

	// Auto-away off for everyone by default.
	must(t, f.cfg.Set(ctx, model.System, "Accounts_Default_User_Preferences_enableAutoAway", false))
	f.svc.Connect(ctx, joe, "j3") // re-reads joe's preferences: none says enableAutoAway
	f.expectEvents(t, "joe:online")
	f.clock.advance(time.Hour)
	f.svc.sweepIdle(ctx)
	f.expectEvents(t)
}

func TestStartSweeps(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.svc.sweep = time.Millisecond
	f.svc.Connect(ctx, f.joe.UserID, "c1")
	f.expectEvents(t, "joe:online")
	f.clock.advance(time.Hour)
	f.svc.Start(ctx)
	select {
	case ev := <-f.events.C():
		if e := ev.(streamhub.PresenceChanged); e.Status != "away" {
			t.Fatalf("event = %+v", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the sweep did not turn the idle connection away")
	}
	f.svc.Close()
	f.svc.Connect(ctx, f.joe.UserID, "c2") // closed: ignored
	f.expectEvents(t)
}

func TestResetAtStart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	at := f.clock.now()
	// What a previous run left behind: users online with nobody connected.
	must(t, f.store.SetPresence(ctx, f.boss.UserID, map[string]string{"status": "busy", "statusConnection": "online", "statusDefault": "busy"}, at))
	must(t, f.store.SetPresence(ctx, f.joe.UserID, map[string]string{"status": "online", "statusConnection": "online"}, at))
	must(t, f.svc.Reset(ctx))
	f.expectUser(t, f.boss.UserID, "offline", "offline", "busy")
	f.expectUser(t, f.joe.UserID, "offline", "offline", "")
	f.expectEvents(t)

	// A user connected in this run keeps their status.
	f.svc.Connect(ctx, f.joe.UserID, "c1")
	must(t, f.store.SetPresence(ctx, f.boss.UserID, map[string]string{"status": "online", "statusConnection": "online"}, at))
	must(t, f.svc.Reset(ctx))
	f.expectUser(t, f.joe.UserID, "online", "online", "")
	f.expectUser(t, f.boss.UserID, "offline", "offline", "busy")
}

func TestPresenceQuery(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	joe, boss := f.joe.UserID, f.boss.UserID
	must(t, f.svc.Reset(ctx))
	f.svc.Connect(ctx, joe, "c1")
	lunch := "lunch"
	must(t, f.svc.SetStatus(ctx, f.joe, "", "busy", &lunch))

	names := func(r Result) string {
		var out []string
		for _, u := range r.Users {
			out = append(out, u.Username+":"+u.Status+":"+u.StatusText)
		}
		return strings.Join(out, ",")
	}
	r, err := f.svc.Presence(ctx, f.boss, Query{IDs: []string{joe, boss, joe, "nobody"}})
	if err != nil || r.Full || names(r) != "joe:busy:lunch" {
		t.Fatalf("by ids = %+v, %v", r, err)
	}
	if r.Users[0].Name != "Joe" || r.Users[0].ID != joe {
		t.Fatalf("user = %+v", r.Users[0])
	}
	r, err = f.svc.Presence(ctx, f.boss, Query{})
	if err != nil || !r.Full || names(r) != "joe:busy:lunch" {
		t.Fatalf("full = %+v, %v", r, err)
	}
	// A recent from gives the users changed since, offline ones too, but not the caller.
	from := f.clock.now()
	f.clock.advance(time.Second)
	f.svc.Connect(ctx, boss, "c2")
	f.svc.Disconnect(ctx, joe, "c1")
	r, err = f.svc.Presence(ctx, f.boss, Query{From: from})
	if err != nil || r.Full || names(r) != "joe:offline:lunch" {
		t.Fatalf("from = %+v, %v", r, err)
	}
	f.clock.advance(10 * time.Minute) // too old: the full list
	r, err = f.svc.Presence(ctx, f.joe, Query{From: from})
	if err != nil || !r.Full || names(r) != "boss:online:" {
		t.Fatalf("old from = %+v, %v", r, err)
	}
	if _, err := f.svc.Presence(ctx, model.Anonymous, Query{}); err == nil {
		t.Fatal("anonymous users.presence answered")
	}
}

func TestBroadcastDisabled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	must(t, f.cfg.Set(ctx, model.System, "Presence_broadcast_disabled", true))
	f.svc.Connect(ctx, f.joe.UserID, "c1")
	f.expectUser(t, f.joe.UserID, "online", "online", "") // still stored
	f.expectEvents(t)
	r, err := f.svc.Presence(ctx, f.boss, Query{})
	if err != nil || !r.Full || len(r.Users) != 0 || r.Users == nil {
		t.Fatalf("users.presence with broadcast disabled = %+v, %v", r, err)
	}
	must(t, f.cfg.Set(ctx, model.System, "Presence_broadcast_disabled", false))
	must(t, f.cfg.Set(ctx, model.System, "Troubleshoot_Disable_Presence_Broadcast", true))
	f.svc.Disconnect(ctx, f.joe.UserID, "c1")
	f.expectEvents(t)
	must(t, f.cfg.Set(ctx, model.System, "Troubleshoot_Disable_Presence_Broadcast", false))
	f.svc.Connect(ctx, f.joe.UserID, "c1")
	f.expectEvents(t, "joe:online")
}

func TestSettingsDefaultsWithoutRegistration(t *testing.T) {
	t.Parallel()
	s := New(nil, nil, nil, nil, nil)
	if !s.flag(settingAllowInvisible) || !s.flag(settingAllowStatusMessage) || s.flag(settingBroadcastDisabled) {
		t.Fatal("unregistered settings do not read as Rocket.Chat's defaults")
	}
	if got := s.idleLimit(User{}); got != 300*time.Second {
		t.Fatalf("default idle limit = %v", got)
	}
	for _, st := range Settings() {
		if st.ID == settingAllowStatusMessage {
			t.Fatal("Accounts_AllowUserStatusMessageChange is app/accounts' to register")
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
