package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// Credentials is what a password login presents: a username or email, either the
// plaintext password or Meteor's SHA-256 hex digest of it, and the second factor when
// the user has one.
type Credentials struct {
	User     string // username, or an email address when it contains "@"
	Password string // plaintext
	Digest   string // hex SHA-256 of the password, as Meteor clients send it
	Code     string // TOTP or backup code, for users with two-factor authentication (totp.go)
	IP       string // the client's address, for failed-login blocking
}

// SetPassword reads a login's password field as clients send it, over REST and DDP
// alike: a plaintext string, or Meteor's {digest, algorithm:"sha-256"}.
func (c *Credentials) SetPassword(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return model.Invalid("invalid-params", "must have required property 'password'")
	}
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &c.Password); err != nil {
			return model.Invalid("invalid-params", "password must be a string or {digest, algorithm:\"sha-256\"}")
		}
		return nil
	}
	var d struct {
		Digest    string `json:"digest"`
		Algorithm string `json:"algorithm"`
	}
	if err := json.Unmarshal(raw, &d); err != nil || d.Algorithm != "sha-256" || d.Digest == "" {
		return model.Invalid("invalid-params", "password must be a string or {digest, algorithm:\"sha-256\"}")
	}
	c.Digest = d.Digest
	return nil
}

// Session is a successful login.
type Session struct {
	User    model.User
	Token   string // the plain resume token, given to the client once and never stored
	Expires time.Time
	Type    string // "password" or "resume"
}

// Actor returns who the session's user is.
func (s Session) Actor() model.Actor { return ActorOf(s.User) }

// ActorOf returns the actor for a user.
func ActorOf(u model.User) model.Actor {
	return model.Actor{UserID: u.ID, Username: u.Username, Roles: u.Roles}
}

// errLogin is the one answer to every failed login (Rocket.Chat ≥ 7): it never tells
// which part was wrong, so it gives nothing away about which users exist.
func errLogin() *model.Error {
	return &model.Error{Kind: model.KindUnauthorized, Code: "401", Message: "User not found"}
}

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// LoginWithPassword checks credentials and opens a session. Once the password is found
// right, a user with TOTP enabled also needs c.Code: without it the login fails with
// totp-required, with a wrong one with totp-invalid (which counts as a failed login).
func (s *Service) LoginWithPassword(ctx context.Context, c Credentials) (Session, error) {
	user := strings.TrimSpace(c.User)
	digest := strings.ToLower(c.Digest)
	switch {
	case user == "" || len(user) > 256:
		return Session{}, errLogin()
	case c.Digest != "" && !hexDigest.MatchString(digest):
		return Session{}, model.Invalid("error-invalid-params", "The password digest must be 64 hex characters")
	case c.Digest == "":
		digest = digestOf(c.Password)
	}
	if err := s.limiter.check(user, c.IP); err != nil {
		return Session{}, err
	}
	var (
		u   model.User
		err error
	)
	if strings.Contains(user, "@") {
		u, err = s.users.ByEmail(ctx, user)
	} else {
		u, err = s.users.ByUsername(ctx, user)
	}
	switch {
	case errors.Is(err, model.ErrNotFound):
		checkDigest(dummyHash, digest) // spend the same time as for a real user
		s.limiter.failed(user, c.IP)
		return Session{}, errLogin()
	case err != nil:
		return Session{}, model.Internal(err)
	}
	if u.Services.Password == nil || !checkDigest(u.Services.Password.Bcrypt, digest) {
		s.limiter.failed(user, c.IP)
		return Session{}, errLogin()
	}
	if !u.Active {
		return Session{}, &model.Error{Kind: model.KindUnauthorized, Code: "error-user-is-not-activated", Message: "User is not activated"}
	}
	if err := s.loginSecondFactor(ctx, u, c.Code); err != nil {
		if model.AsError(err).Code == codeTOTPInvalid {
			s.limiter.failed(user, c.IP)
		}
		return Session{}, err
	}
	s.limiter.succeeded(user, c.IP)
	return s.openSession(ctx, u, "password")
}

// Resume opens a new connection's session with an existing token.
func (s *Service) Resume(ctx context.Context, token string) (Session, error) {
	u, lt, err := s.userByToken(ctx, token)
	if err != nil {
		return Session{}, err
	}
	return Session{User: u, Token: token, Expires: s.expiry(lt), Type: "resume"}, nil
}

// Authenticate checks a REST request's X-User-Id and X-Auth-Token (a resume token or a
// personal access token) and returns the user.
func (s *Service) Authenticate(ctx context.Context, uid, token string) (model.User, error) {
	if uid == "" || token == "" {
		return model.User{}, errUnauthorized()
	}
	u, err := s.users.ByID(ctx, uid)
	if errors.Is(err, model.ErrNotFound) {
		return model.User{}, errUnauthorized()
	}
	if err != nil {
		return model.User{}, model.Internal(err)
	}
	lt, ok := findToken(u, hashToken(token))
	if !ok || !u.Active || (lt.Type == "" && s.now().After(s.expiry(lt))) {
		return model.User{}, errUnauthorized()
	}
	return u, nil
}

func errUnauthorized() *model.Error {
	return &model.Error{Kind: model.KindUnauthorized, Code: "unauthorized", Message: "You must be logged in to do this."}
}

// Logout removes the session's token.
func (s *Service) Logout(ctx context.Context, uid, token string) error {
	if err := s.users.RemoveLoginToken(ctx, uid, hashToken(token)); err != nil && !errors.Is(err, model.ErrNotFound) {
		return model.Internal(err)
	}
	return nil
}

// LogoutOthers removes every resume token of the user but the given one (personal
// access tokens stay).
func (s *Service) LogoutOthers(ctx context.Context, uid, keepToken string) error {
	if err := s.users.KeepOnlyLoginToken(ctx, uid, hashToken(keepToken)); err != nil {
		return model.AsError(err)
	}
	return nil
}

func (s *Service) openSession(ctx context.Context, u model.User, typ string) (Session, error) {
	token := newToken()
	now := s.now().UTC().Truncate(time.Millisecond)
	lt := model.LoginToken{When: now, HashedToken: hashToken(token)}
	if err := s.users.AddLoginToken(ctx, u.ID, lt, now); err != nil {
		return Session{}, model.Internal(err)
	}
	u.LastLogin = &now
	s.trimLoginTokens(ctx, u)
	return Session{User: u, Token: token, Expires: s.expiry(lt), Type: typ}, nil
}

// maxLoginTokens is Rocket.Chat's MAX_RESUME_LOGIN_TOKENS default: after a login, a
// user keeps at most this many resume tokens (personal access tokens do not count).
const maxLoginTokens = 50

// trimLoginTokens removes the oldest resume tokens of u (as loaded before the new one
// was added) beyond maxLoginTokens, as Rocket.Chat's ensureLoginTokensLimit does.
func (s *Service) trimLoginTokens(ctx context.Context, u model.User) {
	if u.Services.Resume == nil {
		return
	}
	var resume []model.LoginToken
	for _, lt := range u.Services.Resume.LoginTokens {
		if lt.Type == "" {
			resume = append(resume, lt)
		}
	}
	excess := len(resume) + 1 - maxLoginTokens
	if excess <= 0 {
		return
	}
	slices.SortFunc(resume, func(a, b model.LoginToken) int { return a.When.Compare(b.When) })
	for _, lt := range resume[:excess] {
		if err := s.users.RemoveLoginToken(ctx, u.ID, lt.HashedToken); err != nil {
			s.log.Warn("trimming login tokens", "user", u.ID, "err", err)
			return
		}
	}
}

func (s *Service) userByToken(ctx context.Context, token string) (model.User, model.LoginToken, error) {
	if token == "" || len(token) > 256 {
		return model.User{}, model.LoginToken{}, errLogin()
	}
	hashed := hashToken(token)
	u, err := s.users.ByLoginToken(ctx, hashed)
	if errors.Is(err, model.ErrNotFound) {
		return model.User{}, model.LoginToken{}, errLogin()
	}
	if err != nil {
		return model.User{}, model.LoginToken{}, model.Internal(err)
	}
	lt, ok := findToken(u, hashed)
	if !ok || lt.Type != "" || !u.Active || s.now().After(s.expiry(lt)) {
		return model.User{}, model.LoginToken{}, errLogin()
	}
	return u, lt, nil
}

func findToken(u model.User, hashed string) (model.LoginToken, bool) {
	if u.Services.Resume == nil {
		return model.LoginToken{}, false
	}
	for _, lt := range u.Services.Resume.LoginTokens {
		if subtle.ConstantTimeCompare([]byte(lt.HashedToken), []byte(hashed)) == 1 {
			return lt, true
		}
	}
	return model.LoginToken{}, false
}

func (s *Service) expiry(lt model.LoginToken) time.Time {
	days := s.config.Int("Accounts_LoginExpiration")
	if days <= 0 {
		days = 90
	}
	return lt.When.Add(time.Duration(days) * 24 * time.Hour)
}

// newToken returns a 43-character random secret, as Meteor's Random.secret gives.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is how Meteor stores a login token: base64 of its SHA-256.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.StdEncoding.EncodeToString(sum[:])
}
