package accounts_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
)

var _ accounts.UserStore = (*docdb.UsersStore)(nil)

func newService(t *testing.T) (*accounts.Service, *docdb.UsersStore) {
	t.Helper()
	svc, users, _ := newServiceWithSettings(t)
	return svc, users
}

// newServiceWithSettings wires accounts as cmd/outpost does (wiretest).
func newServiceWithSettings(t *testing.T) (*accounts.Service, *docdb.UsersStore, *settings.Service) {
	t.Helper()
	a := wiretest.Open(t)
	return a.Accounts, docdb.NewUsersStore(a.Store.Docs), a.Settings
}

func TestCreateAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, users := newService(t)
	has, err := svc.HasAdmin(ctx)
	if err != nil || has {
		t.Fatalf("HasAdmin on an empty store = %v, %v", has, err)
	}
	u, err := svc.CreateUser(ctx, model.System, accounts.NewUser{Username: "Boss", Email: "Boss@Example.com", Password: "pässword", Roles: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.ID) != model.IDLength || u.Emails[0].Address != "boss@example.com" || u.Type != "user" || !u.Active {
		t.Fatalf("user = %+v", u)
	}
	got, err := users.ByUsername(ctx, "BOSS")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || !got.CreatedAt.Equal(u.CreatedAt) || got.Roles[0] != "admin" {
		t.Fatalf("stored user = %+v", got)
	}
	if !accounts.CheckPassword(got.Services.Password.Bcrypt, "pässword") || accounts.CheckPassword(got.Services.Password.Bcrypt, "password") {
		t.Fatal("stored hash does not check the password")
	}
	if !strings.HasPrefix(got.Services.Password.Bcrypt, "$2a$04$") {
		t.Fatalf("hash %q is not bcrypt at the cost set", got.Services.Password.Bcrypt)
	}
	if has, err := svc.HasAdmin(ctx); err != nil || !has {
		t.Fatalf("HasAdmin = %v, %v", has, err)
	}
}

func TestCreateUserRejects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _ := newService(t)
	if _, err := svc.CreateUser(ctx, model.System, accounts.NewUser{Username: "alice", Email: "alice@example.com", Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		actor model.Actor
		in    accounts.NewUser
		code  string
	}{
		{"not admin", model.Actor{UserID: "x", Roles: []string{"user"}}, accounts.NewUser{Username: "bob", Email: "bob@example.com", Password: "pw"}, "error-action-not-allowed"},
		{"bad username", model.System, accounts.NewUser{Username: "bob smith", Email: "bob@example.com", Password: "pw"}, "error-invalid-username"},
		{"empty username", model.System, accounts.NewUser{Email: "bob@example.com", Password: "pw"}, "error-invalid-username"},
		{"bad email", model.System, accounts.NewUser{Username: "bob", Email: "bob at example", Password: "pw"}, "error-invalid-email"},
		{"empty password", model.System, accounts.NewUser{Username: "bob", Email: "bob@example.com"}, "error-invalid-password"},
		{"username taken, other case", model.System, accounts.NewUser{Username: "ALICE", Email: "x@example.com", Password: "pw"}, "error-field-unavailable"},
		{"email taken, other case", model.System, accounts.NewUser{Username: "alice2", Email: "Alice@Example.COM", Password: "pw"}, "error-field-unavailable"},
	} {
		_, err := svc.CreateUser(ctx, c.actor, c.in)
		var me *model.Error
		if !errors.As(err, &me) || me.Code != c.code {
			t.Errorf("%s: err = %v, want code %s", c.name, err, c.code)
		}
	}
}

// Concurrent creates of one username end with exactly one user: the check and the
// insert share a transaction.
func TestCreateUserRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, users := newService(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := svc.CreateUser(ctx, model.System, accounts.NewUser{Username: "same", Email: strings.Repeat("a", i+1) + "@example.com", Password: "pw"})
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d creates succeeded, want 1", ok)
	}
	if _, err := users.ByUsername(ctx, "same"); err != nil {
		t.Fatal(err)
	}
}

func TestHashPasswordDefaultCost(t *testing.T) {
	t.Parallel()
	h, err := accounts.HashPassword("secret")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$2a$10$") || !accounts.CheckPassword(h, "secret") {
		t.Fatalf("HashPassword = %q, want bcrypt cost 10 of the SHA-256 digest", h)
	}
}
