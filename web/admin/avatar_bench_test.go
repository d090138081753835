package admin_test

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/app/uploads/avatars"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// BenchmarkAvatarPages10k is a user's page and a room's page, each with its avatar
// section (a picture set), at 10,000 users and 1,000 rooms.
func BenchmarkAvatarPages10k(b *testing.B) {
	a := wiretest.Open(b)
	boss := wiretest.User(b, a, "boss", "admin")
	seed(b, a, 10000, 1000)
	room, err := a.Rooms.Create(bg, wiretest.Actor(b, a, "bob"), rooms.NewRoom{Type: model.RoomPublic, Name: "pics"})
	if err != nil {
		b.Fatal(err)
	}
	pic := pngOf(b, 64, 64, red)
	if err := a.Avatars.SetUserAvatar(bg, model.System, avatars.Target{UserID: boss.ID}, bytes.NewReader(pic), avatars.OriginREST); err != nil {
		b.Fatal(err)
	}
	uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(pic)
	if _, err := a.Rooms.SaveSettings(bg, accounts.ActorOf(boss), room.ID, map[string]any{"roomAvatar": uri}); err != nil {
		b.Fatal(err)
	}
	h := wiretest.Handler(b, a)
	uid, token := wiretest.Login(b, a, "boss")
	cookie := "outpost_admin=" + uid + "." + token
	paths := []string{"/admin/users/" + boss.ID, "/admin/rooms/" + room.ID}
	measurePages(b, h, cookie, paths...)
}
