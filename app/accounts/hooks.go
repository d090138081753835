package accounts

import (
	"context"

	"github.com/outpostchat/outpost/app/model"
)

// SetOnUserCreated registers fn to run after a user is created by CreateUser, AddUser
// (unless it asks joinDefaultChannels:false) or Register, once the user is stored:
// cmd/outpost makes new users join the default rooms with it. A failing fn is logged;
// the user stays created. Call it before the service is used.
func (s *Service) SetOnUserCreated(fn func(ctx context.Context, u model.User) error) {
	s.onUserCreated = fn
}

// userCreated runs the hook set by SetOnUserCreated, if any.
func (s *Service) userCreated(ctx context.Context, u model.User) {
	if s.onUserCreated == nil {
		return
	}
	if err := s.onUserCreated(ctx, u); err != nil {
		s.log.Error("after creating a user", "username", u.Username, "err", err)
	}
}
