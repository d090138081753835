package rooms_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/app/streamhub"
)

// drain returns the events published so far.
func drain(sub *streamhub.Subscription) []streamhub.Event {
	var out []streamhub.Event
	for len(sub.C()) > 0 {
		out = append(out, <-sub.C())
	}
	return out
}

func TestMute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	boss, ann, bob, cat := e.users["boss"], e.users["ann"], e.users["bob"], e.users["cat"]
	dev, err := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "c", Name: "dev", Members: []string{"bob", "cat"}})
	if err != nil {
		t.Fatal(err)
	}
	dm, err := e.rooms.CreateDirect(ctx, ann, []string{"bob"}, false)
	if err != nil {
		t.Fatal(err)
	}
	events := e.hub.Subscribe(256, streamhub.All)
	defer events.Close()
	for _, c := range []struct {
		name  string
		actor model.Actor
		rid   string
		who   rooms.Target
		code  string
	}{
		{"no permission", bob, dev.ID, rooms.Target{Username: "cat"}, "error-not-allowed"},
		{"not a member", ann, dev.ID, rooms.Target{Username: "boss"}, "error-user-not-in-room"},
		{"unknown username", ann, dev.ID, rooms.Target{Username: "ghost"}, "error-user-not-in-room"},
		{"unknown username, REST", ann, dev.ID, rooms.Target{Username: "ghost", Resolve: true}, "error-invalid-user"},
		{"unknown id", ann, dev.ID, rooms.Target{ID: "nobody"}, "error-invalid-user"},
		{"no user", ann, dev.ID, rooms.Target{}, "error-invalid-user"},
		{"unknown room", boss, "nope", rooms.Target{Username: "bob"}, "error-invalid-room"},
		{"direct message", boss, dm.ID, rooms.Target{Username: "bob"}, "error-invalid-room-type"},
		{"anonymous", model.Actor{}, dev.ID, rooms.Target{Username: "bob"}, "error-not-allowed"},
	} {
		if err := e.rooms.SetMuted(ctx, c.actor, c.rid, c.who, true); code(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	if evs := drain(events); len(evs) != 0 {
		t.Fatalf("refusals published %v", evs)
	}
	if err := e.rooms.SetMuted(ctx, ann, dev.ID, rooms.Target{Username: "@Bob"}, true); err != nil {
		t.Fatal(err)
	}
	if err := e.rooms.SetMuted(ctx, ann, dev.ID, rooms.Target{ID: bob.UserID}, true); err != nil { // twice: still once
		t.Fatal(err)
	}
	r, _, _ := e.rooms.Access(ctx, ann, dev.ID)
	if !slices.Equal(r.Muted, []string{"bob"}) || len(r.Unmuted) != 0 {
		t.Fatalf("muted %v unmuted %v", r.Muted, r.Unmuted)
	}
	var msgs []model.Message
	changed := 0
	for _, ev := range drain(events) {
		switch ev := ev.(type) {
		case streamhub.MessageSaved:
			msgs = append(msgs, ev.Message.(model.Message))
		case streamhub.RoomChanged:
			if ev.RID == dev.ID && ev.Action == "updated" && slices.Contains(ev.Members, cat.UserID) {
				if room, ok := ev.Room.(model.Room); ok && slices.Contains(room.Muted, "bob") {
					changed++
				}
			}
		}
	}
	if len(msgs) != 2 || msgs[0].T != "user-muted" || msgs[0].Msg != "bob" || msgs[0].U.Username != "ann" || changed != 2 {
		t.Fatalf("messages %+v, room changes %d", msgs, changed)
	}
	if err := e.rooms.SetMuted(ctx, ann, dev.ID, rooms.Target{Username: "bob"}, false); err != nil {
		t.Fatal(err)
	}
	r, _, _ = e.rooms.Access(ctx, ann, dev.ID)
	if len(r.Muted) != 0 || len(r.Unmuted) != 0 {
		t.Fatalf("after unmute: muted %v unmuted %v", r.Muted, r.Unmuted)
	}
	if evs := drain(events); !slices.ContainsFunc(evs, func(ev streamhub.Event) bool {
		m, ok := ev.(streamhub.MessageSaved)
		return ok && m.Message.(model.Message).T == "user-unmuted"
	}) {
		t.Fatalf("no user-unmuted message in %v", evs)
	}

	// A read-only room: unmuting lets a user talk (unmuted), muting takes that back.
	if _, err := e.rooms.SaveSettings(ctx, ann, dev.ID, map[string]any{"readOnly": true}); err != nil {
		t.Fatal(err)
	}
	if err := e.rooms.SetMuted(ctx, ann, dev.ID, rooms.Target{Username: "cat"}, false); err != nil {
		t.Fatal(err)
	}
	r, _, _ = e.rooms.Access(ctx, ann, dev.ID)
	if len(r.Muted) != 0 || !slices.Equal(r.Unmuted, []string{"cat"}) {
		t.Fatalf("read-only unmute: muted %v unmuted %v", r.Muted, r.Unmuted)
	}
	if err := e.rooms.SetMuted(ctx, ann, dev.ID, rooms.Target{Username: "cat"}, true); err != nil {
		t.Fatal(err)
	}
	r, _, _ = e.rooms.Access(ctx, ann, dev.ID)
	if len(r.Muted) != 0 || len(r.Unmuted) != 0 {
		t.Fatalf("read-only mute: muted %v unmuted %v", r.Muted, r.Unmuted)
	}
	// System messages count in msgs but, as in Rocket.Chat, leave lm alone.
	if r.LM != nil || r.LastMessage != nil {
		t.Fatalf("system messages set lm %v / lastMessage %v", r.LM, r.LastMessage)
	}
}

func TestMembersInOneQuery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ann := e.users["ann"]
	for _, c := range []struct {
		name   string
		f      rooms.MemberFilter
		offset int
		count  int
		want   []string
		total  int64
	}{
		{"all", rooms.MemberFilter{}, 0, 0, []string{"ann", "bob", "boss", "cat"}, 4},
		{"page", rooms.MemberFilter{}, 1, 2, []string{"bob", "boss"}, 4},
		{"past the end", rooms.MemberFilter{}, 9, 2, nil, 4},
		{"text in username", rooms.MemberFilter{Text: "BO"}, 0, 0, []string{"bob", "boss"}, 2},
		{"text in name", rooms.MemberFilter{Text: "n c"}, 0, 0, []string{"cat"}, 1},
		{"offline", rooms.MemberFilter{Status: []string{"offline"}}, 0, 1, []string{"ann"}, 4},
		{"online", rooms.MemberFilter{Status: []string{"online"}}, 0, 0, nil, 0},
		{"not offline", rooms.MemberFilter{OnlineOK: true}, 0, 0, nil, 0},
	} {
		p, err := e.rooms.Members(ctx, ann, model.GeneralRoomID, c.f, c.offset, c.count)
		var got []string
		for _, m := range p.Items {
			got = append(got, m.Username)
		}
		if err != nil || !slices.Equal(got, c.want) || p.Total != c.total {
			t.Errorf("%s: %v total %d err %v; want %v total %d", c.name, got, p.Total, err, c.want, c.total)
		}
	}
	// Room roles come along; a non-member never reads a private group's members.
	grp, err := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "p", Name: "grp", Members: []string{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.rooms.Members(ctx, e.users["bob"], grp.ID, rooms.MemberFilter{}, 0, 0)
	if err != nil || len(p.Items) != 2 || !slices.Equal(p.Items[0].Roles, []string{"owner"}) {
		t.Fatalf("group members %+v %v", p, err)
	}
	if _, err := e.rooms.Members(ctx, e.users["cat"], grp.ID, rooms.MemberFilter{}, 0, 0); code(err) != "error-not-allowed" {
		t.Fatalf("outsider lists members: %v", err)
	}
}

func TestAdminRoomsAndDirect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	boss, ann, bob, cat := e.users["boss"], e.users["ann"], e.users["bob"], e.users["cat"]
	for _, n := range []string{"alpha", "beta"} {
		if _, err := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "c", Name: n}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "p", Name: "alps", Members: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rooms.AdminRooms(ctx, ann, rooms.AdminQuery{}); code(err) != "error-not-authorized" {
		t.Fatalf("ann lists admin rooms: %v", err)
	}
	names := func(rs []model.Room) (out []string) {
		for _, r := range rs {
			out = append(out, r.Name)
		}
		return out
	}
	for _, c := range []struct {
		q     rooms.AdminQuery
		want  []string
		total int64
	}{
		{rooms.AdminQuery{}, []string{"general", "alpha", "alps", "beta"}, 4},
		{rooms.AdminQuery{Types: []string{"p"}}, []string{"alps"}, 1},
		{rooms.AdminQuery{Filter: "ALP"}, []string{"alpha", "alps"}, 2},
		{rooms.AdminQuery{Sort: []model.SortField{{Field: "name", Desc: true}}, Offset: 1, Count: 2}, []string{"beta", "alps"}, 4},
	} {
		p, err := e.rooms.AdminRooms(ctx, boss, c.q)
		if err != nil || !slices.Equal(names(p.Items), c.want) || p.Total != c.total {
			t.Errorf("%+v: %v total %d err %v; want %v", c.q, names(p.Items), p.Total, err, c.want)
		}
	}
	if _, err := e.rooms.AdminRooms(ctx, boss, rooms.AdminQuery{Sort: []model.SortField{{Field: "password"}}}); code(err) != "error-invalid-sort" {
		t.Fatalf("bad sort: %v", err)
	}
	items, err := e.rooms.AdminAutocomplete(ctx, boss, "Al")
	if err != nil || len(items) != 2 || items[0].Name != "alpha" {
		t.Fatalf("autocomplete %+v %v", items, err)
	}
	if _, err := e.rooms.AdminAutocomplete(ctx, bob, "al"); code(err) != "error-not-authorized" {
		t.Fatalf("bob autocompletes: %v", err)
	}

	// DirectWith opens (creating once) the direct message with a user by name or id.
	r1, sub, err := e.rooms.DirectWith(ctx, ann, "@bob")
	if err != nil || r1.T != "d" || sub == nil {
		t.Fatalf("direct with bob: %+v %v %v", r1, sub, err)
	}
	r2, _, err := e.rooms.DirectWith(ctx, ann, bob.UserID)
	if err != nil || r2.ID != r1.ID {
		t.Fatalf("again by id: %+v %v", r2, err)
	}
	if r3, _, err := e.rooms.DirectWith(ctx, ann, r1.ID); err != nil || r3.ID != r1.ID {
		t.Fatalf("by room id: %+v %v", r3, err)
	}
	for _, bad := range []string{"ghost", model.GeneralRoomID, ""} {
		if _, _, err := e.rooms.DirectWith(ctx, ann, bad); code(err) != "error-room-not-found" {
			t.Errorf("direct with %q: %v", bad, err)
		}
	}
	if _, _, err := e.rooms.DirectWith(ctx, cat, r1.ID); code(err) != "error-room-not-found" {
		t.Fatalf("outsider reads the dm: %v", err)
	}
}

func TestDirectory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	ann, bob := e.users["ann"], e.users["bob"]
	if _, err := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "c", Name: "big", Members: []string{"bob", "cat"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "c", Name: "small"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "p", Name: "hidden", Members: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	list := func(q rooms.DirectoryQuery) ([]string, int64, error) {
		p, err := e.rooms.Directory(ctx, bob, q)
		var out []string
		for _, it := range p.Items {
			switch x := it.(type) {
			case rooms.RoomItem:
				out = append(out, x.Name)
			case rooms.UserItem:
				out = append(out, x.Username)
			}
		}
		return out, p.Total, err
	}
	for _, c := range []struct {
		q     rooms.DirectoryQuery
		want  []string
		total int64
	}{
		{rooms.DirectoryQuery{SortBy: "name"}, []string{"big", "general", "small"}, 3},
		{rooms.DirectoryQuery{Desc: true}, []string{"small", "general", "big"}, 3},
		{rooms.DirectoryQuery{SortBy: "usersCount", Desc: true}, []string{"general", "big", "small"}, 3},
		{rooms.DirectoryQuery{SortBy: "usersCount", Offset: 1, Count: 1}, []string{"big"}, 3},
		{rooms.DirectoryQuery{Type: "users", SortBy: "username"}, []string{"ann", "bob", "boss", "cat"}, 4},
		{rooms.DirectoryQuery{Type: "users", SortBy: "username", Desc: true, Count: 2}, []string{"cat", "boss"}, 4},
		{rooms.DirectoryQuery{Type: "users", SortBy: "name", Text: "N B"}, []string{"bob", "boss"}, 2},
		{rooms.DirectoryQuery{Type: "users", Text: "ann@example"}, nil, 0},
		{rooms.DirectoryQuery{Type: "users", Text: "ann@example", Workspace: "all"}, []string{"ann"}, 1},
		{rooms.DirectoryQuery{Type: "users", Workspace: "external"}, nil, 0},
	} {
		got, total, err := list(c.q)
		if err != nil || !slices.Equal(got, c.want) || total != c.total {
			t.Errorf("%+v: %v total %d err %v; want %v total %d", c.q, got, total, err, c.want, c.total)
		}
	}
	for _, q := range []rooms.DirectoryQuery{{SortBy: "password"}, {Type: "users", SortBy: "lastMessage"}, {Type: "teams"}} {
		if _, _, err := list(q); err == nil || model.AsError(err).Message != "Please verify the parameters" {
			t.Errorf("%+v: %v", q, err)
		}
	}
	if _, err := e.rooms.Directory(ctx, model.Actor{}, rooms.DirectoryQuery{}); code(err) != "error-unauthorized" {
		t.Fatalf("anonymous directory: %v", err)
	}
}

func TestUserDeletedRooms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	boss, ann, bob, cat := e.users["boss"], e.users["ann"], e.users["bob"], e.users["cat"]
	e.acc.SetOnUserDeleted(e.rooms.UserDeleted)
	// ann owns dev (bob joined before cat), a group of her own, a group she shares with
	// cat who also owns it, a channel she is the only one in; she has a dm with bob and
	// a group dm with bob and cat.
	dev, _ := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "c", Name: "dev", Members: []string{"bob"}})
	if _, err := e.rooms.AddUsers(ctx, ann, dev.ID, []string{"cat"}, false); err != nil {
		t.Fatal(err)
	}
	solo, _ := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "p", Name: "solo"})
	shared, _ := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "p", Name: "shared", Members: []string{"cat"}})
	if err := e.rooms.SetRoomRole(ctx, ann, shared.ID, cat.UserID, "owner", true); err != nil {
		t.Fatal(err)
	}
	lonely, _ := e.rooms.Create(ctx, ann, rooms.NewRoom{Type: "c", Name: "lonely"})
	dm, _ := e.rooms.CreateDirect(ctx, ann, []string{"bob"}, false)
	gdm, _ := e.rooms.CreateDirect(ctx, ann, []string{"bob", "cat"}, false)
	events := e.hub.Subscribe(1024, streamhub.All)
	defer events.Close()

	if err := e.acc.DeleteUser(ctx, boss, accounts.UserRef{ID: ann.UserID}); err != nil {
		t.Fatal(err)
	}
	// dev: bob, the first to join, owns it now; usersCount went down.
	r, sub, err := e.rooms.Access(ctx, bob, dev.ID)
	if err != nil || r.UsersCount != 2 || sub == nil || !slices.Contains(sub.Roles, "owner") {
		t.Fatalf("dev %+v sub %+v %v", r, sub, err)
	}
	if csub, _ := e.rooms.Subscription(ctx, cat, dev.ID); csub == nil || slices.Contains(csub.Roles, "owner") {
		t.Fatalf("cat's dev sub %+v", csub)
	}
	// solo and the 1:1 dm are gone; shared keeps cat as owner; lonely stays, ownerless.
	for _, rid := range []string{solo.ID, dm.ID} {
		if _, _, err := e.rooms.Access(ctx, boss, rid); code(err) != "error-invalid-room" {
			t.Errorf("room %s still there: %v", rid, err)
		}
	}
	if r, _, err := e.rooms.Access(ctx, cat, shared.ID); err != nil || r.UsersCount != 1 {
		t.Fatalf("shared %+v %v", r, err)
	}
	if r, _, err := e.rooms.Access(ctx, boss, lonely.ID); err != nil || r.UsersCount != 0 {
		t.Fatalf("lonely %+v %v", r, err)
	}
	// The group dm lost ann; bob's subscription is named after cat alone.
	r, sub, err = e.rooms.Access(ctx, bob, gdm.ID)
	if err != nil || slices.Contains(r.UIDs, ann.UserID) || slices.Contains(r.Usernames, "ann") || sub.Name != "cat" || sub.FName != "N cat" {
		t.Fatalf("group dm %+v sub %+v %v", r, sub, err)
	}
	general, _, _ := e.rooms.Access(ctx, bob, model.GeneralRoomID)
	if general.UsersCount != 3 {
		t.Fatalf("general usersCount %d", general.UsersCount)
	}
	if s, err := e.rooms.Subscriptions(ctx, ann, time.Time{}); err != nil || len(s.Update) != 0 {
		t.Fatalf("ann keeps subscriptions %+v %v", s, err)
	}
	var removedOwn, removedBob, ownerAdded, dmRemoved bool
	for _, ev := range drain(events) {
		switch ev := ev.(type) {
		case streamhub.SubscriptionChanged:
			removedOwn = removedOwn || (ev.Action == "removed" && ev.UserID == ann.UserID)
			removedBob = removedBob || (ev.Action == "removed" && ev.UserID == bob.UserID && ev.RID == dm.ID)
		case streamhub.UserRoleChanged:
			ownerAdded = ownerAdded || (ev.UserID == bob.UserID && ev.Scope == dev.ID && ev.RoleID == "owner" && ev.Type == "added")
		case streamhub.RoomChanged:
			dmRemoved = dmRemoved || (ev.RID == dm.ID && ev.Action == "removed" && slices.Contains(ev.Members, bob.UserID))
		}
	}
	if !removedOwn || !removedBob || !ownerAdded || !dmRemoved {
		t.Fatalf("events: own removed %v, bob's dm sub removed %v, owner added %v, dm removed %v", removedOwn, removedBob, ownerAdded, dmRemoved)
	}
}
