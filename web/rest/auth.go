package rest

import (
	"context"
	"net/http"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
)

// Accounts is the sign-in service the REST API needs; accounts.Service satisfies it.
type Accounts interface {
	LoginWithPassword(ctx context.Context, c accounts.Credentials) (accounts.Session, error)
	Resume(ctx context.Context, token string) (accounts.Session, error)
	Authenticate(ctx context.Context, uid, token string) (model.User, error)
	Logout(ctx context.Context, uid, token string) error
}

type userKey struct{}

// caller is the authenticated user of a request and the token they used.
type caller struct {
	user  model.User
	token string
}

// authed wraps h so it runs only for requests with valid X-User-Id and X-Auth-Token
// headers (PROTOCOL.md §4.0.1); others get Rocket.Chat's 401.
func (a *api) authed(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		uid, token := r.Header.Get("X-User-Id"), r.Header.Get("X-Auth-Token")
		if uid == "" || token == "" || a.Accounts == nil {
			return model.Errorf(model.KindUnauthorized, "unauthorized", msgUnauthorized)
		}
		p, done := r.Context().Value(preAuthKey{}).(preAuth) // the rate limiter may have looked already
		u, err := p.user, p.err
		if !done {
			u, err = a.Accounts.Authenticate(r.Context(), uid, token)
		}
		if err != nil {
			return err
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), userKey{}, caller{user: u, token: token})))
	}
}

// callerOf returns the authenticated caller; only valid inside an authed handler.
func callerOf(r *http.Request) caller {
	c, _ := r.Context().Value(userKey{}).(caller)
	return c
}

// actorOf returns who is asking, anonymous outside authed handlers.
func actorOf(r *http.Request) model.Actor {
	c, ok := r.Context().Value(userKey{}).(caller)
	if !ok {
		return model.Anonymous
	}
	return accounts.ActorOf(c.user)
}
