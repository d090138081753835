package admin_test

import (
	"bytes"
	"image/color"
	"net/url"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

var red = color.RGBA{R: 230, A: 255}

// audited reports whether the audit log has action on target.
func audited(t *testing.T, a *wire.App, action, target string) bool {
	t.Helper()
	p, err := a.Audit.List(bg, model.System, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Entries {
		if e.Action == action && e.Target == target && e.Via == "admin" {
			return true
		}
	}
	return false
}

func userETag(t *testing.T, a *wire.App, uid string) string {
	t.Helper()
	u, err := a.Accounts.AdminUser(bg, model.System, uid)
	if err != nil {
		t.Fatal(err)
	}
	return u.AvatarETag
}

func TestUserAvatar(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	ann := wiretest.User(t, a, "ann")
	b.signIn("boss")
	page := "/admin/users/" + ann.ID
	p := b.get(page)
	want(t, p, 200, `src="/avatar/ann?size=96"`, `enctype="multipart/form-data"`, `name="image" type="file"`, "No picture")
	if strings.Contains(p.body, "Reset to initials") {
		t.Fatal("a reset button without a picture")
	}
	wantPlaceholder(t, b, "/avatar/ann?size=96")

	// Upload a real PNG: the page shows it (its etag in the URL), /avatar serves it.
	p = b.upload(page+"/avatar", avatarForm{name: "red.png", ctype: "image/png", data: pngOf(t, 64, 64, red)})
	want(t, p, 200, "Avatar changed.", "Reset to initials")
	etag := userETag(t, a, ann.ID)
	if etag == "" || !strings.Contains(p.body, `src="/avatar/ann?size=96&amp;etag=`+etag+`"`) {
		t.Fatalf("etag %q; the page's image:\n%s", etag, p.body)
	}
	wantPicture(t, b, "/avatar/ann?size=96", 96)
	if p.url != page+"?done=avatar" || !audited(t, a, "user.avatar.set", "ann") {
		t.Fatalf("landed on %s; audited %v", p.url, audited(t, a, "user.avatar.set", "ann"))
	}

	// Failures come back as the page with the message, and change nothing.
	for _, c := range []struct {
		name string
		f    avatarForm
		msg  string
	}{
		{"not an image", avatarForm{name: "notes.png", ctype: "image/png", data: []byte("hello, not a picture")}, "File type is not accepted"},
		{"no file", avatarForm{}, "Choose an image file."},
		{"empty file", avatarForm{name: "empty.png", ctype: "image/png"}, "File type is not accepted"},
	} {
		p = b.upload(page+"/avatar", c.f)
		want(t, p, 400, c.msg, `name="image" type="file"`)
		if got := userETag(t, a, ann.ID); got != etag {
			t.Fatalf("%s changed the avatar", c.name)
		}
	}

	// A forged or missing token: 403, nothing changes.
	want(t, b.upload(page+"/avatar", avatarForm{csrf: "forged", name: "red.png", ctype: "image/png", data: pngOf(t, 8, 8, red)}), 403, "stale")
	b.get(page)
	want(t, b.post(page+"/avatar/reset", url.Values{"csrf": {"forged"}}), 403)
	if userETag(t, a, ann.ID) != etag {
		t.Fatal("a forged form changed the avatar")
	}

	// Reset to initials.
	b.get(page)
	p = b.post(page+"/avatar/reset", nil)
	want(t, p, 200, "Avatar reset to initials.", "No picture")
	if userETag(t, a, ann.ID) != "" || !audited(t, a, "user.avatar.reset", "ann") {
		t.Fatal("the reset did not take or was not audited")
	}
	wantPlaceholder(t, b, "/avatar/ann?size=96")

	// An unknown user: 404.
	want(t, b.upload("/admin/users/nobody/avatar", avatarForm{name: "red.png", ctype: "image/png", data: pngOf(t, 8, 8, red)}), 404)
	b.get(page)
	want(t, b.post("/admin/users/nobody/avatar/reset", nil), 404)
}

// TestAvatarTooLarge: a file over FileUpload_MaxFileSize is refused with 400, whether
// the body still fits the form's limit (the service's message on the page) or not
// (refused from its Content-Length, or while it streams in without one).
func TestAvatarTooLarge(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	ann := wiretest.User(t, a, "ann")
	room := mkRoom(t, a, wiretest.Actor(t, a, "bob"), model.RoomPublic, "pics")
	wiretest.Set(t, a, "FileUpload_MaxFileSize", 4000)
	b.signIn("boss")
	big := append(pngOf(t, 8, 8, red), bytes.Repeat([]byte{0}, 6000)...)
	huge := bytes.Repeat([]byte{0}, 1<<20+8000)
	for _, page := range []string{"/admin/users/" + ann.ID, "/admin/rooms/" + room.ID} {
		b.get(page)
		want(t, b.upload(page+"/avatar", avatarForm{name: "big.png", ctype: "image/png", data: big}), 400, "File exceeds allowed size of 4000 bytes")
		b.get(page)
		want(t, b.upload(page+"/avatar", avatarForm{name: "huge.png", ctype: "image/png", data: huge}), 400, "File too large")
		b.get(page)
		want(t, b.upload(page+"/avatar", avatarForm{name: "huge.png", ctype: "image/png", data: huge, chunked: true}), 400, "File too large")
	}
	if userETag(t, a, ann.ID) != "" || adminRoom(t, a, room.ID).AvatarETag != "" {
		t.Fatal("a file too large was stored")
	}
}

// TestAvatarPermissions: without edit-other-user-avatar another user's avatar is a 403
// (one's own follows Accounts_AllowUserAvatarChange); a room's needs edit-room and
// edit-room-avatar in it; signed out, the forms lead to the sign-in page.
func TestAvatarPermissions(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	ann := wiretest.User(t, a, "ann")
	robo := wiretest.User(t, a, "robo", "bot")
	room := mkRoom(t, a, wiretest.Actor(t, a, "bob"), model.RoomPublic, "pics")
	img := avatarForm{name: "red.png", ctype: "image/png", data: pngOf(t, 16, 16, red)}

	// Signed out: to the sign-in page, nothing read or changed.
	p := b.upload("/admin/users/"+ann.ID+"/avatar", img)
	if !strings.HasPrefix(p.url, "/admin/login") {
		t.Fatalf("signed out, the upload landed on %s", p.url)
	}
	if p = b.post("/admin/rooms/"+room.ID+"/avatar/reset", nil); !strings.HasPrefix(p.url, "/admin/login") {
		t.Fatalf("signed out, the reset landed on %s", p.url)
	}

	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{
		{ID: "view-user-administration", Roles: []string{"admin", "bot"}},
		{ID: "view-room-administration", Roles: []string{"admin", "bot"}}}); err != nil {
		t.Fatal(err)
	}
	b.signIn("robo")
	p = b.get("/admin/users/" + ann.ID)
	want(t, p, 200, `src="/avatar/ann?size=96"`)
	if strings.Contains(p.body, `name="image"`) {
		t.Fatal("robo sees an upload form for ann")
	}
	want(t, b.upload("/admin/users/"+ann.ID+"/avatar", img), 403, "edit-other-user-avatar")
	b.get("/admin/users/" + ann.ID)
	want(t, b.post("/admin/users/"+ann.ID+"/avatar/reset", nil), 403)

	// Robo's own avatar: allowed by Accounts_AllowUserAvatarChange, refused without it.
	b.get("/admin/users/" + robo.ID)
	want(t, b.upload("/admin/users/"+robo.ID+"/avatar", img), 200, "Avatar changed.")
	wiretest.Set(t, a, "Accounts_AllowUserAvatarChange", false)
	want(t, b.upload("/admin/users/"+robo.ID+"/avatar", img), 400, "Change avatar is not allowed")

	// Rooms: view-room-administration alone does not change a room's avatar.
	p = b.get("/admin/rooms/" + room.ID)
	want(t, p, 200, `src="/avatar/room/`+room.ID+`?size=96"`)
	if strings.Contains(p.body, `name="image"`) {
		t.Fatal("robo sees a room upload form")
	}
	want(t, b.upload("/admin/rooms/"+room.ID+"/avatar", img), 403, "edit-room-avatar")
	b.get("/admin/rooms/" + room.ID)
	want(t, b.post("/admin/rooms/"+room.ID+"/avatar/reset", nil), 403)
	if userETag(t, a, ann.ID) != "" || adminRoom(t, a, room.ID).AvatarETag != "" {
		t.Fatal("a refused change was stored")
	}

	// A user without the Users page at all: 403 before the body is read.
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{
		{ID: "view-user-administration", Roles: []string{"admin"}}}); err != nil {
		t.Fatal(err)
	}
	want(t, b.upload("/admin/users/"+robo.ID+"/avatar", img), 403, "Not allowed")
}

func TestRoomAvatar(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	bob := wiretest.Actor(t, a, "bob")
	wiretest.User(t, a, "cat")
	room := mkRoom(t, a, bob, model.RoomPrivate, "secret-pics", "cat")
	dm, err := a.Rooms.CreateDirect(bg, bob, []string{"cat"}, false)
	if err != nil {
		t.Fatal(err)
	}
	b.signIn("boss")
	page := "/admin/rooms/" + room.ID
	p := b.get(page)
	want(t, p, 200, `src="/avatar/room/`+room.ID+`?size=96"`, `enctype="multipart/form-data"`, "No picture")
	wantPlaceholder(t, b, "/avatar/room/"+room.ID+"?size=96")

	p = b.upload(page+"/avatar", avatarForm{name: "red.png", ctype: "image/png", data: pngOf(t, 300, 200, red)})
	want(t, p, 200, "Avatar changed.", "Reset to initials")
	etag := adminRoom(t, a, room.ID).AvatarETag
	if etag == "" || !strings.Contains(p.body, `src="/avatar/room/`+room.ID+`?size=96&amp;etag=`+etag+`"`) {
		t.Fatalf("etag %q; page:\n%s", etag, p.body)
	}
	wantPicture(t, b, "/avatar/room/"+room.ID+"?size=96", 96)
	if !audited(t, a, "room.avatar.set", "secret-pics") {
		t.Fatal("not audited")
	}
	// saveRoomSettings' system message.
	msgs, err := a.Messaging.Messages(bg, bob, room.ID, 0, 5, false)
	if err != nil || len(msgs.Items) == 0 || msgs.Items[0].T != "room_changed_avatar" {
		t.Fatalf("no room_changed_avatar message: %+v %v", msgs.Items, err)
	}

	// Failures: the page again with the message; a forged token 403.
	for _, c := range []struct {
		f   avatarForm
		msg string
	}{
		{avatarForm{name: "notes.txt", ctype: "text/plain", data: []byte("just words")}, "File type is not accepted"},
		{avatarForm{name: "fake.png", ctype: "image/png", data: []byte("\x89PNG\r\n\x1a\nbroken")}, "File type is not accepted"},
		{avatarForm{}, "Choose an image file."},
	} {
		want(t, b.upload(page+"/avatar", c.f), 400, c.msg, `name="image" type="file"`)
	}
	want(t, b.upload(page+"/avatar", avatarForm{csrf: "forged", name: "red.png", ctype: "image/png", data: pngOf(t, 8, 8, red)}), 403)
	if adminRoom(t, a, room.ID).AvatarETag != etag {
		t.Fatal("a failed upload changed the avatar")
	}

	// Reset: Rocket.Chat's unsetAvatarData (the etag becomes a time) and the placeholder.
	b.get(page)
	p = b.post(page+"/avatar/reset", nil)
	want(t, p, 200, "Avatar reset to initials.", "No picture")
	if strings.Contains(p.body, "Reset to initials") {
		t.Fatal("a reset button after the reset")
	}
	if e := adminRoom(t, a, room.ID).AvatarETag; e == etag || strings.Trim(e, "0123456789") != "" {
		t.Fatalf("etag after reset %q", e)
	}
	wantPlaceholder(t, b, "/avatar/room/"+room.ID+"?size=96")
	if !audited(t, a, "room.avatar.reset", "secret-pics") {
		t.Fatal("the reset was not audited")
	}

	// A direct message shows its avatar but has no picture of its own to set.
	p = b.get("/admin/rooms/" + dm.ID)
	want(t, p, 200, `src="/avatar/room/`+dm.ID+`?size=96"`)
	if strings.Contains(p.body, `name="image"`) {
		t.Fatal("a direct message offers an upload")
	}
	want(t, b.upload("/admin/rooms/"+dm.ID+"/avatar", avatarForm{name: "red.png", ctype: "image/png", data: pngOf(t, 8, 8, red)}), 403)

	// An unknown room: 404.
	want(t, b.upload("/admin/rooms/nope/avatar", avatarForm{name: "red.png", ctype: "image/png", data: pngOf(t, 8, 8, red)}), 404)
}

// TestAvatarPageWeight: the user's and the room's pages with their avatar sections stay
// under 100 KB transferred.
func TestAvatarPageWeight(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	boss := wiretest.User(t, a, "boss", "admin")
	room := mkRoom(t, a, wiretest.Actor(t, a, "bob"), model.RoomPublic, "pics")
	b.signIn("boss")
	for _, path := range []string{"/admin/users/" + boss.ID, "/admin/rooms/" + room.ID} {
		res, size, body := b.gzipGet(path)
		if res.StatusCode != 200 || !strings.Contains(body, "Avatar") {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		t.Logf("%s: %d bytes gzip, %d plain", path, size, len(body))
		if size > 100<<10 {
			t.Errorf("%s: %d bytes transferred", path, size)
		}
	}
	// With pictures kept from anonymous requests the console says why it shows initials.
	wiretest.Set(t, a, "Accounts_AvatarBlockUnauthenticatedAccess", true)
	want(t, b.get("/admin/users/"+boss.ID), 200, "so the console sees the initials")
}
