// Package accounts owns users: creating them, their credentials and, in later issues,
// logins and tokens.
package accounts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/outpostchat/outpost/app/model"
)

// UserStore keeps the users collection.
type UserStore interface {
	Insert(ctx context.Context, u model.User) error
	// ByUsername finds a user by username, ignoring case; model.ErrNotFound if none.
	ByUsername(ctx context.Context, username string) (model.User, error)
	// ByEmail finds a user by email address, ignoring case; model.ErrNotFound if none.
	ByEmail(ctx context.Context, address string) (model.User, error)
	CountWithRole(ctx context.Context, role string) (int64, error)
	ByID(ctx context.Context, id string) (model.User, error)
	// ByLoginToken finds the user holding a hashed login token.
	ByLoginToken(ctx context.Context, hashed string) (model.User, error)
	AddLoginToken(ctx context.Context, uid string, lt model.LoginToken, at time.Time) error
	RemoveLoginToken(ctx context.Context, uid, hashed string) error
	// KeepOnlyLoginToken removes every resume token but hashed; personal access tokens stay.
	KeepOnlyLoginToken(ctx context.Context, uid, hashed string) error
	ManagedUserStore // what managing users needs besides (users.go)
}

// Config is the settings the service reads; settings.Service satisfies it.
type Config interface {
	Bool(id string) bool
	Int(id string) int64
}

// BcryptCost is Meteor's default cost.
const BcryptCost = 10

// Service creates and finds users.
type Service struct {
	users   UserStore
	tx      model.Transactor
	config  Config
	log     *slog.Logger
	now     func() time.Time
	limiter *limiter
	cost    int
	// usedSteps refuses a TOTP code's step a second time (replay protection).
	usedSteps *stepGuard
	mgmt      management // user management's dependencies and state (users.go)
	// onUserCreated runs after a user is created (hooks.go).
	onUserCreated func(ctx context.Context, u model.User) error
	// onUserDeleted runs after a user is deleted (hooks.go).
	onUserDeleted func(ctx context.Context, u model.User) error
}

// New returns an accounts service.
func New(users UserStore, tx model.Transactor, config Config, log *slog.Logger) *Service {
	s := &Service{users: users, tx: tx, config: config, log: log, now: time.Now, cost: BcryptCost, usedSteps: newStepGuard()}
	s.limiter = newLimiter(config, func() time.Time { return s.now() })
	return s
}

// NewUser is what creating a user takes.
type NewUser struct {
	Username string
	Email    string
	Password string
	Name     string
	Roles    []string
	Verified bool
}

// usernamePattern is Rocket.Chat's default UTF8_User_Names_Validation.
var usernamePattern = regexp.MustCompile(`^[0-9a-zA-Z\-_.]+$`)

// CreateUser creates a user. Only admins and the server may.
func (s *Service) CreateUser(ctx context.Context, actor model.Actor, in NewUser) (model.User, error) {
	if !actor.HasRole("admin") {
		return model.User{}, model.Forbidden("error-action-not-allowed")
	}
	in.Username = strings.TrimSpace(in.Username)
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	if !usernamePattern.MatchString(in.Username) || len(in.Username) > 64 {
		return model.User{}, model.Invalid("error-invalid-username", fmt.Sprintf("%s is not a valid username", in.Username))
	}
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		return model.User{}, model.Invalid("error-invalid-email", fmt.Sprintf("Invalid email %s", in.Email))
	}
	if in.Password == "" {
		return model.User{}, model.Invalid("error-invalid-password", "The password must not be empty")
	}
	hash, err := hashPassword(in.Password, s.cost)
	if err != nil {
		return model.User{}, model.Internal(err)
	}
	if len(in.Roles) == 0 {
		in.Roles = []string{"user"}
	}
	if in.Name == "" {
		in.Name = in.Username
	}
	now := s.now().UTC().Truncate(time.Millisecond) // what the store keeps
	u := model.User{
		ID:        model.NewID(),
		CreatedAt: now,
		Services:  model.UserServices{Password: &model.PasswordService{Bcrypt: hash}},
		Username:  in.Username,
		Emails:    []model.Email{{Address: in.Email, Verified: in.Verified}},
		Type:      "user",
		Status:    "offline",
		Active:    true,
		Name:      in.Name,
		Roles:     in.Roles,
		UpdatedAt: now,
	}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.users.ByUsername(ctx, u.Username); err == nil {
			return model.Invalid("error-field-unavailable", fmt.Sprintf("%s is already in use :(", u.Username))
		} else if !errors.Is(err, model.ErrNotFound) {
			return err
		}
		if _, err := s.users.ByEmail(ctx, in.Email); err == nil {
			return model.Invalid("error-field-unavailable", fmt.Sprintf("%s is already in use :(", in.Email))
		} else if !errors.Is(err, model.ErrNotFound) {
			return err
		}
		return s.users.Insert(ctx, u)
	})
	if err != nil {
		return model.User{}, model.AsError(err)
	}
	s.log.Info("user created", "username", u.Username, "roles", u.Roles, "by", actor.Username)
	s.userCreated(ctx, u)
	return u, nil
}

// HasAdmin reports whether any user holds the admin role.
func (s *Service) HasAdmin(ctx context.Context) (bool, error) {
	n, err := s.users.CountWithRole(ctx, "admin")
	return n > 0, err
}

// HashPassword stores a password as Meteor does: bcrypt of the hex SHA-256 digest.
func HashPassword(plain string) (string, error) { return hashPassword(plain, BcryptCost) }

func hashPassword(plain string, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(digestOf(plain)), cost)
	return string(h), err
}

// CheckPassword reports whether plain matches a stored hash.
func CheckPassword(hash, plain string) bool { return checkDigest(hash, digestOf(plain)) }

func checkDigest(hash, digest string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(digest)) == nil
}

func digestOf(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// dummyHash is checked against when a login names no user, so that answer takes as
// long as a wrong password and timing tells nothing about which users exist.
var dummyHash = func() string {
	h, _ := bcrypt.GenerateFromPassword([]byte(digestOf("no such user")), BcryptCost)
	return string(h)
}()

// SetBcryptCost changes the bcrypt cost of passwords hashed from now on (default
// BcryptCost). Existing hashes keep their own cost. Tests lower it: bcrypt dominates
// their run time, under the race detector above all.
func (s *Service) SetBcryptCost(cost int) { s.cost = cost }
