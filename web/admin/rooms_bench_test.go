package admin_test

import (
	"context"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

// BenchmarkRoomsPage10k is the rooms listing at 10,000 users and 1,000 rooms: the first
// page, a late page, a type filter and a name search (rooms.adminRooms reads every room).
func BenchmarkRoomsPage10k(b *testing.B) {
	benchPage(b, "/admin/rooms", "/admin/rooms?page=30", "/admin/rooms?type=p", "/admin/rooms?q=room012")
}

// BenchmarkRoomPageBig is a room's page and its members list when all 10,000 users
// are members of #general, three of them owners.
func BenchmarkRoomPageBig(b *testing.B) {
	a := wiretest.Open(b)
	wiretest.User(b, a, "boss", "admin")
	seed(b, a, 10000, 1000)
	docs := a.Store.Docs
	now := time.Now().UTC().Truncate(time.Millisecond)
	err := docs.InTx(context.Background(), func(ctx context.Context) error {
		subs := docdb.NewSubscriptionsStore(docs)
		var users []model.User
		if err := docs.Collection(docdb.Users).Find(ctx, docdb.Query{Where: docdb.F("username") + " LIKE 'user%'"}, &users); err != nil {
			return err
		}
		for i, u := range users {
			sub := model.Subscription{ID: model.NewID(), RID: model.GeneralRoomID, U: model.UserRef{ID: u.ID, Username: u.Username},
				Name: "general", T: "c", Ts: now, Open: true, UpdatedAt: now}
			if i%4000 == 0 {
				sub.Roles = []string{"owner"}
			}
			if err := subs.InsertSubscription(ctx, sub); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	h := wiretest.Handler(b, a)
	uid, token := wiretest.Login(b, a, "boss")
	cookie := "outpost_admin=" + uid + "." + token
	paths := []string{"/admin/rooms/GENERAL", "/admin/rooms/GENERAL/members", "/admin/rooms/GENERAL/members?page=300",
		"/admin/rooms/GENERAL/members?q=user0999"}
	measurePages(b, h, cookie, paths...)
}
