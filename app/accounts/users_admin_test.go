package accounts_test

import (
	"context"
	"slices"
	"testing"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := wiretest.Open(t)
	boss := wiretest.Actor(t, a, "boss", "admin")
	joe := wiretest.Actor(t, a, "joe")
	wiretest.NewUser(t, a, accounts.NewUser{Username: "ann", Name: "Ann Example", Email: "ann@corp.test"})
	wiretest.User(t, a, "bot1", "bot")
	if _, err := a.Accounts.SetUserActive(ctx, boss, joe.UserID, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Accounts.AdminUsers(ctx, joe, accounts.AdminUserQuery{}); model.AsError(err).Kind != model.KindForbidden {
		t.Fatalf("a plain user lists users: %v", err)
	}
	no := false
	for _, c := range []struct {
		name string
		q    accounts.AdminUserQuery
		want []string
	}{
		{"all", accounts.AdminUserQuery{}, []string{"ann", "boss", "bot1", "joe"}},
		{"text in name", accounts.AdminUserQuery{Text: "ANN EX"}, []string{"ann"}},
		{"text in email", accounts.AdminUserQuery{Text: "corp.test"}, []string{"ann"}},
		{"text in username", accounts.AdminUserQuery{Text: "os"}, []string{"boss"}},
		{"inactive", accounts.AdminUserQuery{Active: &no}, []string{"joe"}},
		{"role", accounts.AdminUserQuery{Role: "bot"}, []string{"bot1"}},
		{"status", accounts.AdminUserQuery{Status: "offline", Text: "b"}, []string{"boss", "bot1"}},
		{"online", accounts.AdminUserQuery{Status: "online"}, nil},
		{"page", accounts.AdminUserQuery{Offset: 1, Count: 2}, []string{"boss", "bot1"}},
	} {
		users, total, err := a.Accounts.AdminUsers(ctx, boss, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, u := range users {
			if u.Services.Password != nil {
				t.Fatalf("%s: credentials leak", c.name)
			}
			got = append(got, u.Username)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
		if c.q.Count == 0 && total != int64(len(c.want)) {
			t.Errorf("%s: total %d", c.name, total)
		}
	}
	if _, _, err := a.Accounts.AdminUsers(ctx, boss, accounts.AdminUserQuery{Status: "sleeping"}); model.AsError(err).Kind != model.KindInvalid {
		t.Fatalf("bad status: %v", err)
	}
	wiretest.Login(t, a, "boss")
	u, err := a.Accounts.AdminUser(ctx, boss, boss.UserID)
	if err != nil || u.Sessions != 1 || u.Services.Resume != nil {
		t.Fatalf("AdminUser: %+v, %v", u, err)
	}
	if _, err := a.Accounts.AdminUser(ctx, boss, "nobody"); model.AsError(err).Kind != model.KindNotFound {
		t.Fatalf("unknown user: %v", err)
	}
	if _, err := a.Accounts.AdminUser(ctx, joe, boss.UserID); model.AsError(err).Kind != model.KindForbidden {
		t.Fatalf("plain user: %v", err)
	}
}
