package admin_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// mkRoom creates a channel or private group as actor, with members.
func mkRoom(t *testing.T, a *wire.App, actor model.Actor, typ, name string, members ...string) model.Room {
	t.Helper()
	r, err := a.Rooms.Create(bg, actor, rooms.NewRoom{Type: typ, Name: name, Members: members})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func adminRoom(t *testing.T, a *wire.App, rid string) model.Room {
	t.Helper()
	r, err := a.Rooms.AdminRoom(bg, model.System, rid)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRoomsList(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	ann := wiretest.Actor(t, a, "ann")
	wiretest.User(t, a, "bob")
	mkRoom(t, a, ann, model.RoomPublic, "alpha-news", "bob")
	secret := mkRoom(t, a, ann, model.RoomPrivate, "beta-secret")
	if _, err := a.Rooms.CreateDirect(bg, ann, []string{"bob"}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Rooms.SaveSettings(bg, ann, secret.ID, map[string]any{"readOnly": true, "roomTopic": "<script>x</script>"}); err != nil {
		t.Fatal(err)
	}
	b.signIn("boss")
	for _, c := range []struct {
		query      string
		has, hasnt []string
	}{
		{"", []string{"general", "alpha-news", "beta-secret", "ann x bob", "Channel", "Private", "Direct", "1–4 of 4"}, nil},
		{"?q=ALPHA", []string{"alpha-news"}, []string{"beta-secret", "ann x bob"}},
		{"?q=bob", []string{"ann x bob"}, []string{"alpha-news"}},
		{"?type=p", []string{"beta-secret"}, []string{"alpha-news", ">general<"}},
		{"?type=d", []string{"ann x bob"}, []string{"beta-secret"}},
		{"?type=teams", []string{"None"}, []string{"alpha-news"}},
		{"?type=bogus", []string{"alpha-news", "beta-secret"}, nil},
		{"?page=abc", []string{"alpha-news"}, nil},
		{"?page=99", []string{"None on this page"}, []string{"alpha-news"}},
		{"?q=" + strings.Repeat("é", 300), []string{"None"}, nil},
	} {
		p := b.get("/admin/rooms" + c.query)
		want(t, p, 200, c.has...)
		for _, s := range c.hasnt {
			if strings.Contains(p.body, s) {
				t.Errorf("%s shows %s", c.query, s)
			}
		}
	}
	// #general is default and comes first; beta-secret is read-only.
	p := b.get("/admin/rooms")
	if i, j := strings.Index(p.body, ">general<"), strings.Index(p.body, ">alpha-news<"); i < 0 || j < 0 || i > j {
		t.Fatal("the default room is not listed first")
	}
	if strings.Contains(p.body, "<script>x") {
		t.Fatal("unescaped text")
	}
}

func TestRoomEdit(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	ann := wiretest.Actor(t, a, "ann")
	r := mkRoom(t, a, ann, model.RoomPublic, "alpha")
	mkRoom(t, a, ann, model.RoomPublic, "taken")
	path := "/admin/rooms/" + r.ID
	b.signIn("boss")
	p := b.get(path)
	want(t, p, 200, `value="alpha"`, "Save changes", "Delete room", "ann", "owner", "Make owner")

	form := url.Values{"name": {"alpha"}, "topic": {""}, "announcement": {""}, "description": {""}}
	want(t, b.post(path, form), 200, "Nothing to save")

	form.Set("topic", "  News\r\nand more  ")
	form.Set("description", "All about alpha")
	form.Set("announcement", "Hello <b>all</b>")
	form.Set("readOnly", "on")
	form.Set("default", "on")
	form.Set("featured", "on")
	p = b.post(path, form)
	want(t, p, 200, "Room saved.", "All about alpha", "Hello &lt;b&gt;all&lt;/b&gt;")
	got := adminRoom(t, a, r.ID)
	if got.Topic != "News\nand more" || got.Description != "All about alpha" || got.Announcement != "Hello <b>all</b>" || !got.RO || !got.Default || !got.Featured {
		t.Fatalf("after save: %+v", got)
	}

	// Rename, archive, make private, then back.
	form.Set("name", "alpha2")
	form.Set("archived", "on")
	form.Set("private", "on")
	want(t, b.post(path, form), 200, "Room saved.", `value="alpha2"`)
	if got := adminRoom(t, a, r.ID); got.Name != "alpha2" || !got.Archived || got.T != model.RoomPrivate {
		t.Fatalf("after rename and archive: %+v", got)
	}
	form.Del("archived")
	form.Del("private")
	want(t, b.post(path, form), 200, "Room saved.")
	if got := adminRoom(t, a, r.ID); got.Archived || got.T != model.RoomPublic {
		t.Fatalf("after unarchive: %+v", got)
	}

	// Invalid values come back in the form with the message, never a 500.
	for _, c := range []struct {
		name, msg string
	}{
		{"", "cannot be empty"},
		{"taken", "with name &#39;taken&#39; exists"},
		{"bad name!", "not a valid"},
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("name", c.name)
		p := b.post(path, f)
		want(t, p, 400, c.msg, `value="`+c.name+`"`)
	}
	if got := adminRoom(t, a, r.ID); got.Name != "alpha2" {
		t.Fatalf("a refused change was kept: %q", got.Name)
	}

	// Unknown rooms are 404s, for every route.
	want(t, b.get("/admin/rooms/nope"), 404)
	want(t, b.get("/admin/rooms/nope/members"), 404)
	b.get(path)
	want(t, b.post("/admin/rooms/nope", form), 404)
	want(t, b.post("/admin/rooms/nope/owner", url.Values{"username": {"ann"}}), 404)
	want(t, b.post("/admin/rooms/nope/delete", url.Values{"confirm": {"nope"}}), 404)

	p = b.get("/admin/audit")
	want(t, p, 200, "room.update", "name=alpha2", "archived=yes", "default=yes", "private=yes")
}

func TestRoomOwnersAndDelete(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	ann := wiretest.Actor(t, a, "ann")
	bob := wiretest.User(t, a, "bob")
	wiretest.User(t, a, "cat")
	r := mkRoom(t, a, ann, model.RoomPrivate, "team-x", "bob")
	path := "/admin/rooms/" + r.ID
	b.signIn("boss")
	b.get(path)

	want(t, b.post(path+"/owner", url.Values{"username": {""}}), 400, "Enter the username")
	want(t, b.post(path+"/owner", url.Values{"username": {"cat"}}), 400, "cat is not a member")
	want(t, b.post(path+"/owner", url.Values{"username": {"nobody"}}), 400, "not a member")
	want(t, b.post(path+"/owner", url.Values{"username": {"@Bob"}, "action": {"add"}}), 200, "Owner added.")
	want(t, b.post(path+"/owner", url.Values{"username": {"bob"}}), 400, "already an owner")

	// The members list: search, roles, buttons that come back to it.
	p := b.get(path + "/members?q=bo")
	want(t, p, 200, "bob", "owner", "Remove owner", "1–1 of 1")
	if strings.Contains(p.body, ">ann<") {
		t.Fatal("the search shows ann")
	}
	p = b.post(path+"/owner", url.Values{"user": {bob.ID}, "username": {"bob"}, "action": {"remove"}, "back": {"members"}})
	want(t, p, 200, "Owner removed.", "Make owner")
	if !strings.HasPrefix(p.url, path+"/members") {
		t.Fatalf("after the members list's button at %s", p.url)
	}
	// The last owner stays.
	annID := ann.UserID
	want(t, b.post(path+"/owner", url.Values{"user": {annID}, "action": {"remove"}}), 400, "last owner")
	want(t, b.post(path+"/owner", url.Values{"user": {"ghost"}, "action": {"add"}}), 400, "Invalid user")

	// Delete after typing the name.
	b.get(path)
	want(t, b.post(path+"/delete", url.Values{"confirm": {"team"}}), 400, "Type the room")
	want(t, b.post(path+"/delete", url.Values{"confirm": {"team-x"}}), 200, "Room deleted.")
	want(t, b.get(path), 404)
	if _, err := a.Rooms.AdminRoom(bg, model.System, r.ID); model.AsError(err).Kind != model.KindNotFound {
		t.Fatalf("the room is still there: %v", err)
	}
	want(t, b.get("/admin/audit"), 200, "room.owner.add", "room.owner.remove", "room.delete", "user=bob")
}

func TestRoomDirectMessage(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	ann := wiretest.Actor(t, a, "ann")
	wiretest.User(t, a, "bob")
	dm, err := a.Rooms.CreateDirect(bg, ann, []string{"bob"}, false)
	if err != nil {
		t.Fatal(err)
	}
	path := "/admin/rooms/" + dm.ID
	b.signIn("boss")
	p := b.get(path)
	want(t, p, 200, "ann x bob", "Direct", `name="topic"`, "Type <strong>"+dm.ID+"</strong>")
	for _, s := range []string{`name="name"`, `name="default"`, "Make owner"} {
		if strings.Contains(p.body, s) {
			t.Fatalf("a direct message's page has %s", s)
		}
	}
	// Only the topic is read, whatever else is posted.
	want(t, b.post(path, url.Values{"topic": {"chat"}, "name": {"x"}, "default": {"on"}}), 200, "Room saved.")
	if got := adminRoom(t, a, dm.ID); got.Topic != "chat" || got.Default {
		t.Fatalf("after save: %+v", got)
	}
	want(t, b.post(path+"/owner", url.Values{"username": {"ann"}}), 403)
	want(t, b.post(path+"/delete", url.Values{"confirm": {dm.ID}}), 200, "Room deleted.")
}

// TestRoomsPermissions: signed out, no page permission, bad CSRF, and an admin with
// view-room-administration alone, whose every other action is re-checked and refused.
func TestRoomsPermissions(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	ann := wiretest.Actor(t, a, "ann")
	wiretest.User(t, a, "boss", "admin")
	wiretest.User(t, a, "robo", "bot")
	wiretest.User(t, a, "joe", "bot")
	r := mkRoom(t, a, ann, model.RoomPublic, "alpha")
	path := "/admin/rooms/" + r.ID

	if p := b.get(path); !strings.HasPrefix(p.url, "/admin/login") {
		t.Fatalf("signed out: %s", p.url)
	}

	// robo: view-room-administration only (bot role); joe: view-logs only.
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{
		{ID: "view-room-administration", Roles: []string{"admin", "bot"}}, {ID: "view-logs", Roles: []string{"admin", "bot"}}}); err != nil {
		t.Fatal(err)
	}
	b.signIn("robo")
	p := b.get(path)
	want(t, p, 200, `value="alpha"`, "<fieldset disabled>", "<button type=\"submit\" disabled>Save changes")
	if strings.Contains(p.body, "Delete room") || strings.Contains(p.body, "Make owner") {
		t.Fatal("robo is offered actions it may not take")
	}
	// Without edit-room no setting changes, not even default (saveRoomSettings checks
	// edit-room first); nor owners, nor delete; nor a forged form.
	for _, f := range []url.Values{{"default": {"on"}}, {"name": {"renamed"}}, {"topic": {"t"}}} {
		want(t, b.post(path, f), 403, "edit-room")
	}
	want(t, b.post(path+"/owner", url.Values{"username": {"ann"}}), 403)
	want(t, b.post(path+"/delete", url.Values{"confirm": {"alpha"}}), 403)
	want(t, b.post(path, url.Values{"default": {"on"}, "csrf": {"forged"}}), 403, "stale")

	// With edit-room too: name and default change; archiving (archive-room) is refused.
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{{ID: "edit-room", Roles: []string{"admin", "owner", "moderator", "bot"}}}); err != nil {
		t.Fatal(err)
	}
	p = b.get(path)
	if !strings.Contains(p.body, `name="archived" value="on" disabled`) {
		t.Fatal("the archived box is not disabled for robo")
	}
	// The disabled fields are not posted and keep their values.
	want(t, b.post(path, url.Values{"name": {"alpha"}, "default": {"on"}}), 200, "Room saved.")
	if got := adminRoom(t, a, r.ID); !got.Default || got.Name != "alpha" {
		t.Fatalf("after robo's save: %+v", got)
	}
	want(t, b.post(path, url.Values{"name": {"alpha"}, "default": {"on"}, "archived": {"on"}}), 403, "archive-room")
	if got := adminRoom(t, a, r.ID); got.RO || got.Archived || got.Featured {
		t.Fatalf("a refused change was kept: %+v", got)
	}

	// Without view-room-administration: 403 on every route.
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{{ID: "view-room-administration", Roles: []string{"admin"}}}); err != nil {
		t.Fatal(err)
	}
	b2 := newBrowser(t, b.base)
	b2.signIn("joe")
	for _, path := range []string{"/admin/rooms", path, path + "/members"} {
		want(t, b2.get(path), 403, "Not allowed")
	}
	b2.get("/admin/audit")
	want(t, b2.post(path+"/delete", url.Values{"confirm": {"alpha"}}), 403)
	if p := b2.get("/admin/audit"); strings.Contains(p.body, `href="/admin/rooms"`) {
		t.Fatal("the navigation shows rooms to joe")
	}
}

// TestRoomsPageWeight: the rooms pages stay under 100 KB transferred with 1,000 rooms.
func TestRoomsPageWeight(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	seed(t, a, 200, 1000)
	b.signIn("boss")
	for _, path := range []string{"/admin/rooms", "/admin/rooms?page=20", "/admin/rooms/GENERAL", "/admin/rooms/GENERAL/members"} {
		res, size, body := b.gzipGet(path)
		if res.StatusCode != 200 || !strings.Contains(body, "</html>") {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		t.Logf("%s: %d bytes gzip, %d plain", path, size, len(body))
		if size > 100<<10 {
			t.Errorf("%s: %d bytes transferred", path, size)
		}
	}
}
