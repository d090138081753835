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

// SetOnUserDeleted registers fn to run after DeleteUser has deleted a user, once the
// deletion is committed; u is the user as it was. cmd/outpost updates the user's rooms
// and subscriptions with it (rooms.Service.UserDeleted). A failing fn is logged; the
// user stays deleted. Call it before the service is used.
func (s *Service) SetOnUserDeleted(fn func(ctx context.Context, u model.User) error) {
	s.onUserDeleted = fn
}

// userDeleted runs the hook set by SetOnUserDeleted, if any.
func (s *Service) userDeleted(ctx context.Context, u model.User) {
	if s.onUserDeleted == nil {
		return
	}
	// The user is gone already: finish even if the request that deleted them ends.
	if err := s.onUserDeleted(context.WithoutCancel(ctx), u); err != nil {
		s.log.Error("after deleting a user", "username", u.Username, "err", err)
	}
}
