package rooms_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

var (
	_ rooms.RoomStore         = (*docdb.RoomsStore)(nil)
	_ rooms.SubscriptionStore = (*docdb.SubscriptionsStore)(nil)
	_ rooms.UserStore         = (*docdb.UsersStore)(nil)
	_ rooms.Authorizer        = (*authz.Service)(nil)
	_ rooms.Config            = (*settings.Service)(nil)
)

type env struct {
	rooms *rooms.Service
	acc   *accounts.Service
	hub   *streamhub.Hub
	users map[string]model.Actor // by username: admin boss, users ann, bob, cat
}

// newEnv wires the services as cmd/outpost does (wiretest), with an admin (boss) and
// three users (ann, bob, cat) who joined #general on creation.
func newEnv(t *testing.T) *env {
	t.Helper()
	a := wiretest.Open(t)
	if err := a.Rooms.Seed(context.Background()); err != nil { // idempotent
		t.Fatal(err)
	}
	e := &env{rooms: a.Rooms, acc: a.Accounts, hub: a.Hub, users: map[string]model.Actor{}}
	for _, name := range []string{"boss", "ann", "bob", "cat"} {
		roles := []string{"user"}
		if name == "boss" {
			roles = []string{"admin"}
		}
		e.users[name] = accounts.ActorOf(wiretest.NewUser(t, a, accounts.NewUser{Username: name, Name: "N " + name, Roles: roles}))
	}
	return e
}

func code(err error) string {
	var e *model.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "other: " + err.Error()
	}
	return ""
}

func TestGeneralAndDefaultRooms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ann := e.users["ann"]
	r, sub, err := e.rooms.Access(ctx, ann, model.GeneralRoomID)
	if err != nil || sub == nil || r.Name != "general" || !r.Default || r.UsersCount != 4 || r.Msgs != 4 {
		t.Fatalf("general = %+v sub %v err %v", r, sub, err)
	}
	if _, _, err := e.rooms.Access(ctx, ann, "nope"); code(err) != "error-invalid-room" {
		t.Fatalf("unknown room: %v", err)
	}
	sync, err := e.rooms.Subscriptions(ctx, ann, time.Time{})
	if err != nil || len(sync.Update) != 1 || sync.Update[0].RID != model.GeneralRoomID {
		t.Fatalf("subscriptions = %+v %v", sync, err)
	}
}

func TestCreateJoinLeaveKick(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ann, bob, cat := e.users["ann"], e.users["bob"], e.users["cat"]
	events := e.hub.Subscribe(256, streamhub.All)
	defer events.Close()

	pub, err := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "c", Name: "dev", Members: []string{"bob", "nobody"}})
	if err != nil || pub.UsersCount != 2 || pub.U.Username != "ann" {
		t.Fatalf("create = %+v %v", pub, err)
	}
	for _, c := range []struct {
		in   rooms.NewRoom
		code string
	}{
		{rooms.NewRoom{Type: "c", Name: "DEV"}, "error-duplicate-channel-name"},
		{rooms.NewRoom{Type: "c", Name: "bad name!"}, "error-invalid-room-name"},
		{rooms.NewRoom{Type: "c", Name: " "}, "error-invalid-name"},
		{rooms.NewRoom{Type: "x", Name: "x"}, "error-invalid-room-type"},
	} {
		if _, err := e.rooms.Create(ctx, ann, c.in); code(err) != c.code {
			t.Errorf("create %+v: %v, want %s", c.in, err, c.code)
		}
	}
	sub, _ := e.rooms.Subscription(ctx, ann, pub.ID)
	if sub == nil || !slices.Equal(sub.Roles, []string{"owner"}) || sub.LS == nil || !sub.Open {
		t.Fatalf("owner sub = %+v", sub)
	}
	priv, err := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "p", Name: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	// cat is no member: may preview the channel, not read the group, not join it.
	if _, s, err := e.rooms.Access(ctx, cat, pub.ID); err != nil || s != nil {
		t.Fatalf("preview: %v %v", s, err)
	}
	if _, _, err := e.rooms.Access(ctx, cat, priv.ID); code(err) != "error-not-allowed" {
		t.Fatalf("private access: %v", err)
	}
	if _, err := e.rooms.Join(ctx, cat, priv.ID, ""); code(err) != "error-not-allowed" {
		t.Fatalf("join private: %v", err)
	}
	if _, err := e.rooms.Join(ctx, cat, pub.ID, ""); err != nil {
		t.Fatal(err)
	}
	// The last owner cannot leave; others can.
	if err := e.rooms.Leave(ctx, ann, pub.ID); code(err) != "error-you-are-last-owner" {
		t.Fatalf("last owner leaves: %v", err)
	}
	if err := e.rooms.Leave(ctx, cat, pub.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.rooms.Leave(ctx, cat, pub.ID); code(err) != "error-user-not-in-room" {
		t.Fatalf("leave twice: %v", err)
	}
	// bob may not kick; ann (owner) may; ann cannot be kicked as the last owner.
	if _, err := e.rooms.Kick(ctx, bob, pub.ID, ann.UserID); code(err) != "error-not-allowed" {
		t.Fatalf("bob kicks: %v", err)
	}
	if _, err := e.rooms.AddUsers(ctx, bob, priv.ID, []string{"cat"}, false); code(err) != "error-not-allowed" {
		t.Fatalf("non-member adds: %v", err)
	}
	if _, err := e.rooms.AddUsers(ctx, ann, priv.ID, []string{"cat"}, false); err != nil {
		t.Fatal(err)
	}
	if err := e.rooms.SetRoomRole(ctx, ann, priv.ID, cat.UserID, "owner", true); err != nil {
		t.Fatal(err)
	}
	if err := e.rooms.SetRoomRole(ctx, ann, priv.ID, cat.UserID, "owner", true); code(err) != "error-user-already-owner" {
		t.Fatalf("owner twice: %v", err)
	}
	if _, err := e.rooms.Kick(ctx, cat, priv.ID, ann.UserID); err != nil {
		t.Fatal(err)
	}
	if err := e.rooms.SetRoomRole(ctx, cat, priv.ID, cat.UserID, "owner", false); code(err) != "error-remove-last-owner" {
		t.Fatalf("remove last owner: %v", err)
	}
	roles, err := e.rooms.RoomRoles(ctx, cat, priv.ID)
	if err != nil || len(roles) != 1 || roles[0].U.Username != "cat" {
		t.Fatalf("roles = %+v %v", roles, err)
	}
	// System messages and events went out.
	var types []string
	var sawRemoved, sawRole bool
	for len(events.C()) > 0 {
		switch ev := (<-events.C()).(type) {
		case streamhub.MessageSaved:
			m := ev.Message.(model.Message)
			types = append(types, m.T)
		case streamhub.SubscriptionChanged:
			sawRemoved = sawRemoved || ev.Action == "removed"
		case streamhub.UserRoleChanged:
			sawRole = sawRole || (ev.Scope == priv.ID && ev.RoleID == "owner")
		}
	}
	want := []string{"uj", "ul", "au", "subscription-role-added", "ru"}
	if !slices.Equal(types, want) || !sawRemoved || !sawRole {
		t.Fatalf("system messages %v (want %v), removed %v, role %v", types, want, sawRemoved, sawRole)
	}
}

func TestDirectMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ann, bob := e.users["ann"], e.users["bob"]
	dm, err := e.rooms.CreateDirect(ctx, ann, []string{"bob"}, false)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{ann.UserID, bob.UserID}
	slices.Sort(ids)
	if dm.ID != ids[0]+ids[1] || dm.RID != dm.ID || dm.T != "d" || len(dm.Usernames) != 2 || dm.UsersCount != 2 {
		t.Fatalf("dm = %+v", dm)
	}
	again, err := e.rooms.CreateDirect(ctx, bob, []string{"ann"}, false)
	if err != nil || again.ID != dm.ID {
		t.Fatalf("same dm: %+v %v", again, err)
	}
	sa, _ := e.rooms.Subscription(ctx, ann, dm.ID)
	sb, _ := e.rooms.Subscription(ctx, bob, dm.ID)
	if sa.Name != "bob" || sa.FName != "N bob" || sb.Name != "ann" || !sa.Open || !sb.Open {
		t.Fatalf("subs %+v / %+v", sa, sb)
	}
	group, err := e.rooms.CreateDirect(ctx, ann, []string{"bob", "cat"}, false)
	if err != nil || len(group.ID) != 17 || group.UsersCount != 3 {
		t.Fatalf("group dm %+v %v", group, err)
	}
	if g2, err := e.rooms.CreateDirect(ctx, e.users["cat"], []string{"ann", "bob"}, false); err != nil || g2.ID != group.ID {
		t.Fatalf("same group dm: %+v %v", g2, err)
	}
	if _, err := e.rooms.CreateDirect(ctx, ann, []string{"ghost"}, false); code(err) != "error-invalid-user" {
		t.Fatalf("unknown user: %v", err)
	}
	if err := e.rooms.Leave(ctx, ann, dm.ID); code(err) != "error-not-allowed" {
		t.Fatalf("leave dm: %v", err)
	}
	if _, _, err := e.rooms.Access(ctx, e.users["cat"], dm.ID); code(err) != "error-not-allowed" {
		t.Fatalf("outsider reads dm: %v", err)
	}
}

func TestSettingsReadDeleteAndSync(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ann, bob := e.users["ann"], e.users["bob"]
	r, err := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "c", Name: "ops", Members: []string{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.rooms.SaveSettings(ctx, bob, r.ID, map[string]any{"roomTopic": "x"}); code(err) != "error-action-not-allowed" {
		t.Fatalf("bob edits: %v", err)
	}
	got, err := e.rooms.SaveSettings(ctx, ann, r.ID, map[string]any{"roomName": "ops2", "roomTopic": "t", "readOnly": true, "joinCode": "abc"})
	if err != nil || got.Name != "ops2" || got.Topic != "t" || !got.RO || !got.JoinCodeRequired || got.JoinCode != "" {
		t.Fatalf("settings = %+v %v", got, err)
	}
	if _, err := e.rooms.SaveSettings(ctx, ann, r.ID, map[string]any{"bogus": 1}); code(err) != "error-invalid-settings" {
		t.Fatalf("bogus: %v", err)
	}
	if _, err := e.rooms.SaveSettings(ctx, ann, r.ID, map[string]any{"roomName": "general"}); code(err) != "error-duplicate-channel-name" {
		t.Fatalf("dup rename: %v", err)
	}
	if _, err := e.rooms.Join(ctx, e.users["cat"], r.ID, "wrong"); code(err) != "error-code-invalid" {
		t.Fatalf("join code: %v", err)
	}
	if _, err := e.rooms.Join(ctx, e.users["cat"], r.ID, "abc"); err != nil {
		t.Fatal(err)
	}
	sub, _ := e.rooms.Subscription(ctx, bob, r.ID)
	if sub.Name != "ops2" || sub.FName != "ops2" {
		// bob's subscription follows the rename
		t.Fatalf("bob sub = %+v", sub)
	}
	if err := e.rooms.Read(ctx, bob, r.ID, true); err != nil {
		t.Fatal(err)
	}
	sub, _ = e.rooms.Subscription(ctx, bob, r.ID)
	if sub.Alert || sub.Unread != 0 || sub.LS == nil {
		t.Fatalf("after read = %+v", sub)
	}
	c, err := e.rooms.Counters(ctx, bob, r.ID, "")
	if err != nil || !c.Joined || *c.Unreads != 0 || c.Members != 3 {
		t.Fatalf("counters = %+v %v", c, err)
	}
	since := time.Now().Add(-time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if err := e.rooms.Archive(ctx, bob, r.ID, true); code(err) != "error-not-allowed" {
		t.Fatalf("bob archives: %v", err)
	}
	if err := e.rooms.Delete(ctx, bob, r.ID); code(err) != "error-not-allowed" {
		t.Fatalf("bob deletes: %v", err)
	}
	if err := e.rooms.Delete(ctx, ann, r.ID); err != nil {
		t.Fatal(err)
	}
	subs, err := e.rooms.Subscriptions(ctx, bob, since)
	if err != nil || len(subs.Remove) != 1 || subs.Remove[0].ID != sub.ID {
		t.Fatalf("subscription sync = %+v %v", subs, err)
	}
	rs, err := e.rooms.Rooms(ctx, bob, since)
	if err != nil || len(rs.Remove) != 1 || rs.Remove[0].ID != r.ID {
		t.Fatalf("room sync = %+v %v", rs, err)
	}
}
