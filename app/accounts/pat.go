package accounts

import (
	"context"
	"errors"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// Personal access tokens (Rocket.Chat's personalAccessTokens:* methods behind the
// users.*PersonalAccessToken routes) and the routes that end sessions (users.logout,
// users.logoutOtherClients).
//
// A personal access token is a login token of type "personalAccessToken" stored in
// services.resume.loginTokens, hashed like every login token, with its name, creation
// time, last six characters and bypassTwoFactor flag. It never expires. It signs in REST
// calls (Authenticate) but never a DDP session (Resume refuses it).

// patType is the login token type of personal access tokens.
const patType = "personalAccessToken"

// PersonalToken is a personal access token as users.getPersonalAccessTokens lists it.
type PersonalToken struct {
	Name            string `json:"name"`
	CreatedAt       string `json:"createdAt"` // ISO 8601 with milliseconds, as Date.toISOString gives
	LastTokenPart   string `json:"lastTokenPart"`
	BypassTwoFactor bool   `json:"bypassTwoFactor"`
}

// HashToken returns a login token as it is stored and as [streamhub.UserTokensRevoked]
// names it: base64 of its SHA-256.
func HashToken(token string) string { return hashToken(token) }

// errTokenName is Rocket.Chat's answer to a missing tokenName.
func errTokenName() *model.Error { return model.Invalid("", "The 'tokenName' param is required") }

func notAuthorized(method string) *model.Error {
	return refused("not-authorized", "Not Authorized", map[string]any{"method": method})
}

func findPAT(u model.User, name string) (model.LoginToken, bool) {
	if u.Services.Resume != nil {
		for _, lt := range u.Services.Resume.LoginTokens {
			if lt.Type == patType && lt.Name == name {
				return lt, true
			}
		}
	}
	return model.LoginToken{}, false
}

// GenerateToken creates a personal access token for the actor and returns it; this is
// the only time it is shown (needs create-personal-access-tokens).
func (s *Service) GenerateToken(ctx context.Context, actor model.Actor, name string, bypassTwoFactor bool) (string, error) {
	token, err := s.putToken(ctx, actor, name, false, bypassTwoFactor, "personalAccessTokens:generateToken")
	return token, err
}

// RegenerateToken replaces the actor's personal access token of that name with a new
// one, keeping its bypassTwoFactor flag (needs create-personal-access-tokens).
func (s *Service) RegenerateToken(ctx context.Context, actor model.Actor, name string) (string, error) {
	token, err := s.putToken(ctx, actor, name, true, false, "personalAccessTokens:regenerateToken")
	return token, err
}

// RemoveToken deletes the actor's personal access token of that name (needs
// create-personal-access-tokens); calls signed with it fail from then on.
func (s *Service) RemoveToken(ctx context.Context, actor model.Actor, name string) error {
	if !s.can(ctx, actor, "create-personal-access-tokens") {
		return notAuthorized("personalAccessTokens:removeToken")
	}
	if name == "" {
		return errTokenName()
	}
	var lt model.LoginToken
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		lt, err = s.takeToken(ctx, actor.UserID, name, "personalAccessTokens:removeToken")
		return err
	})
	if err := s.tokenErr(err, "personalAccessTokens:removeToken"); err != nil {
		return err
	}
	s.publish(streamhub.UserTokensRevoked{UserID: actor.UserID, Hashed: []string{lt.HashedToken}})
	return nil
}

// putToken stores a new personal access token named name, replacing the existing one
// when replace (which must exist, and whose bypassTwoFactor flag the new one keeps), or
// refusing one that exists otherwise.
func (s *Service) putToken(ctx context.Context, actor model.Actor, name string, replace, bypass bool, method string) (string, error) {
	var old model.LoginToken
	if !s.can(ctx, actor, "create-personal-access-tokens") {
		return "", notAuthorized(method)
	}
	if name == "" {
		return "", errTokenName()
	}
	token := newToken()
	lt := model.LoginToken{
		HashedToken: hashToken(token), Type: patType, Name: name,
		CreatedAt: s.now().UTC().Truncate(time.Millisecond), LastTokenPart: token[len(token)-6:],
	}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		lt.BypassTwoFactor = bypass
		if replace {
			var err error
			if old, err = s.takeToken(ctx, actor.UserID, name, method); err != nil {
				return err
			}
			lt.BypassTwoFactor = old.BypassTwoFactor
		} else {
			u, err := s.users.ByID(ctx, actor.UserID)
			if err != nil {
				return err
			}
			if _, ok := findPAT(u, name); ok {
				return refused("error-token-already-exists", "A token with this name already exists", map[string]any{"method": method})
			}
		}
		return s.users.AddPersonalAccessToken(ctx, actor.UserID, lt)
	})
	if err := s.tokenErr(err, method); err != nil {
		return "", err
	}
	if replace {
		s.publish(streamhub.UserTokensRevoked{UserID: actor.UserID, Hashed: []string{old.HashedToken}})
	}
	return token, nil
}

// takeToken removes the user's personal access token of that name; call it inside a
// transaction and announce the token's end once that commits.
func (s *Service) takeToken(ctx context.Context, uid, name, method string) (model.LoginToken, error) {
	u, err := s.users.ByID(ctx, uid)
	if err != nil {
		return model.LoginToken{}, err
	}
	lt, ok := findPAT(u, name)
	if !ok {
		return lt, refused("error-token-does-not-exists", "Token does not exist", map[string]any{"method": method})
	}
	return lt, s.users.RemovePersonalAccessToken(ctx, uid, name)
}

func (s *Service) tokenErr(err error, method string) error {
	if errors.Is(err, model.ErrNotFound) {
		return notAuthorized(method)
	}
	if err != nil {
		return model.AsError(err)
	}
	return nil
}

// PersonalTokens lists the actor's personal access tokens (needs
// create-personal-access-tokens).
func (s *Service) PersonalTokens(ctx context.Context, actor model.Actor) ([]PersonalToken, error) {
	if !s.can(ctx, actor, "create-personal-access-tokens") {
		return nil, refused("not-authorized", "Not Authorized", nil)
	}
	u, err := s.users.ByID(ctx, actor.UserID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, refused("not-authorized", "Not Authorized", nil)
	}
	if err != nil {
		return nil, model.Internal(err)
	}
	out := []PersonalToken{}
	if u.Services.Resume != nil {
		for _, lt := range u.Services.Resume.LoginTokens {
			if lt.Type == patType {
				out = append(out, PersonalToken{Name: lt.Name, CreatedAt: lt.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
					LastTokenPart: lt.LastTokenPart, BypassTwoFactor: lt.BypassTwoFactor})
			}
		}
	}
	return out, nil
}

// LogoutUser is users.logout: it removes every login token of a user, personal access
// tokens too, ending all their sessions. uid empty means the actor; another user needs
// logout-other-user.
func (s *Service) LogoutUser(ctx context.Context, actor model.Actor, uid string) error {
	if uid == "" {
		uid = actor.UserID
	}
	if uid != actor.UserID && !s.can(ctx, actor, "logout-other-user") {
		return model.Forbidden("error-unauthorized")
	}
	var u model.User
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = s.users.ByID(ctx, uid); err != nil {
			return err
		}
		return s.users.ClearLoginTokens(ctx, uid, s.now().UTC().Truncate(time.Millisecond))
	})
	if errors.Is(err, model.ErrNotFound) {
		return model.Invalid("error-invalid-user-id", "Invalid user id")
	}
	if err != nil {
		return model.AsError(err)
	}
	s.publish(streamhub.UserTokensRevoked{UserID: uid, Hashed: hashesOf(u, func(model.LoginToken) bool { return true }), All: true})
	return nil
}

// LogoutOtherClients is users.logoutOtherClients: it removes every resume token of the
// actor but token, the one the call is signed with (personal access tokens stay), and
// returns when token expires (zero for a personal access token, which never does).
func (s *Service) LogoutOtherClients(ctx context.Context, actor model.Actor, token string) (time.Time, error) {
	keep := hashToken(token)
	var (
		lt      model.LoginToken
		revoked []string
	)
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.users.ByID(ctx, actor.UserID)
		if err != nil {
			return err
		}
		lt, _ = findToken(u, keep)
		revoked = hashesOf(u, func(t model.LoginToken) bool { return t.HashedToken != keep && t.Type == "" })
		return s.users.KeepOnlyLoginToken(ctx, actor.UserID, keep)
	})
	if errors.Is(err, model.ErrNotFound) {
		return time.Time{}, model.Invalid("error-invalid-user-id", "Invalid user id")
	}
	if err != nil {
		return time.Time{}, model.AsError(err)
	}
	if len(revoked) > 0 {
		s.publish(streamhub.UserTokensRevoked{UserID: actor.UserID, Hashed: revoked})
	}
	if lt.Type != "" || lt.HashedToken == "" {
		return time.Time{}, nil
	}
	return s.expiry(lt), nil
}
