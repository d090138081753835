// Package wiretest opens the whole wired App over a real, empty data directory for
// tests (wire.Open, as the binary does), with the few helpers tests need again and
// again: users, logins and the HTTP face. Never a mock of a service.
package wiretest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/web"
)

// Password is the password of every user made by User.
const Password = "pw"

// Open wires a fresh App in a temp dir and closes it when the test ends. The dir's path
// is short because the Mongo Unix socket path may not exceed 108 bytes. Passwords are
// hashed at bcrypt.MinCost, and the REST rate limiter (API_Enable_Rate_Limiter) is off:
// tests call a route more than 10 times a minute; a test of the limiter turns it on.
// No admin exists until the test makes one.
func Open(t testing.TB) *wire.App {
	t.Helper()
	dir, err := os.MkdirTemp("", "op")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	a, err := wire.Open(context.Background(), wire.Options{Dir: dir, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	})
	Set(t, a, "API_Enable_Rate_Limiter", false)
	return a
}

// Set changes a setting as the system.
func Set(t testing.TB, a *wire.App, id string, v any) {
	t.Helper()
	if err := a.Settings.Set(context.Background(), model.System, id, v); err != nil {
		t.Fatalf("setting %s: %v", id, err)
	}
}

// User creates the user name (email name@example.com, password Password) with the roles
// (default "user") through the accounts service, so it joins the default rooms.
func User(t testing.TB, a *wire.App, name string, roles ...string) model.User {
	t.Helper()
	return NewUser(t, a, accounts.NewUser{Username: name, Roles: roles})
}

// NewUser creates nu as User does, for tests that need more of a user (a name, an
// address verified); an empty Email is username@example.com, an empty Password is
// Password.
func NewUser(t testing.TB, a *wire.App, nu accounts.NewUser) model.User {
	t.Helper()
	if nu.Email == "" {
		nu.Email = nu.Username + "@example.com"
	}
	if nu.Password == "" {
		nu.Password = Password
	}
	u, err := a.Accounts.CreateUser(context.Background(), model.System, nu)
	if err != nil {
		t.Fatalf("creating user %s: %v", nu.Username, err)
	}
	return u
}

// Actor creates a user as User does and returns it as an actor.
func Actor(t testing.TB, a *wire.App, name string, roles ...string) model.Actor {
	t.Helper()
	return accounts.ActorOf(User(t, a, name, roles...))
}

// Login logs a user with password Password in and returns its id and resume token.
func Login(t testing.TB, a *wire.App, username string) (uid, token string) {
	t.Helper()
	s, err := a.Accounts.LoginWithPassword(context.Background(), accounts.Credentials{User: username, Password: Password})
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return s.User.ID, s.Token
}

// Header logs a user in (Login) and returns the REST headers X-User-Id and X-Auth-Token.
func Header(t testing.TB, a *wire.App, username string) http.Header {
	t.Helper()
	uid, token := Login(t, a, username)
	return http.Header{"X-User-Id": {uid}, "X-Auth-Token": {token}}
}

// Handler returns the whole HTTP face the binary serves (web.New over App.WebConfig,
// with DDP fed by the hub), shut down when the test ends.
func Handler(t testing.TB, a *wire.App) http.Handler {
	t.Helper()
	d := a.DDP(nil)
	ctx, stop := context.WithCancel(context.Background())
	done := a.Start(ctx, d)
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.Shutdown(sctx); err != nil {
			t.Errorf("DDP shutdown: %v", err)
		}
		stop()
		<-done
	})
	return web.New(a.WebConfig(d, nil)).Handler()
}

// Server serves Handler on a loopback httptest server, closed when the test ends.
func Server(t testing.TB, a *wire.App) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(nil)
	t.Cleanup(s.Close) // runs last: after DDP's Shutdown ended the WebSockets
	s.Config.Handler = Handler(t, a)
	s.Start()
	return s
}
