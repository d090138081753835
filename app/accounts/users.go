package accounts

import (
	"context"
	"errors"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// User management: Rocket.Chat's users.* REST routes (apps/meteor/app/api/server/v1/users.ts)
// and the functions behind them (saveUser, validateUserData, validateUserEditing,
// saveUserProfile, setUserActiveStatus, deleteUser, registerUser, saveUserPreferences).
// Each method notes the permission it checks.
//
// Two kinds of refusal, as Rocket.Chat answers them: a route's own permission check is
// a 403 (API.v1.unauthorized, code error-unauthorized); a refusal thrown inside a method
// (error-action-not-allowed, not-authorized, …) is a Meteor.Error its REST layer answers
// with 400 and the code as errorType. See refused.

// ManagedUserStore is what managing users needs of the users collection besides signing
// in; docdb.UsersStore implements it.
type ManagedUserStore interface {
	// ListUsers returns one page of the users q selects and how many it selects in all.
	ListUsers(ctx context.Context, q model.UserQuery) ([]model.User, int64, error)
	// UpdateFields sets and unsets dotted field paths and returns the user after the
	// change; model.ErrNotFound if there is no such user.
	UpdateFields(ctx context.Context, uid string, set map[string]any, unset []string) (model.User, error)
	// Delete removes the user; model.ErrNotFound if none.
	Delete(ctx context.Context, uid string) error
	// ClearLoginTokens removes every login token of the user, personal access tokens too.
	ClearLoginTokens(ctx context.Context, uid string, at time.Time) error
	AddPersonalAccessToken(ctx context.Context, uid string, lt model.LoginToken) error
	RemovePersonalAccessToken(ctx context.Context, uid, name string) error
	CountActiveWithRole(ctx context.Context, role string) (int64, error)
}

// Permissions is the authorization the user-management methods ask; authz.Service
// satisfies it.
type Permissions interface {
	Can(ctx context.Context, actor model.Actor, permission, scope string) bool
	ListRoles(ctx context.Context, actor model.Actor) ([]authz.Role, error)
}

// Publisher receives the events of committed changes; *streamhub.Hub satisfies it.
type Publisher interface {
	Publish(ev streamhub.Event)
}

// management is what user management adds to the Service.
type management struct {
	perms  Permissions
	events Publisher

	regMu sync.Mutex
	regs  map[string][]time.Time // client address → its recent registrations
}

// SetPermissions gives the service its permission checks. Without them only admins may
// manage users. Call it before the service is used.
func (s *Service) SetPermissions(p Permissions) { s.mgmt.perms = p }

// SetEvents gives the service the bus it announces user changes on. Call it before the
// service is used.
func (s *Service) SetEvents(p Publisher) { s.mgmt.events = p }

func (s *Service) can(ctx context.Context, actor model.Actor, permission string) bool {
	if s.mgmt.perms == nil {
		return actor.HasRole("admin")
	}
	return s.mgmt.perms.Can(ctx, actor, permission, "")
}

func (s *Service) publish(evs ...streamhub.Event) {
	if s.mgmt.events == nil {
		return
	}
	for _, ev := range evs {
		s.mgmt.events.Publish(ev)
	}
}

// UserSettings are the settings user management reads, with Rocket.Chat's ids and
// defaults; register them with Settings().
func UserSettings() []model.Setting {
	var out []model.Setting
	for _, d := range userSettingDefs {
		st := model.Setting{ID: d.id, PackageValue: d.value, Group: "Accounts", Section: d.section, I18nLabel: d.id, Public: d.public}
		switch d.value.(type) {
		case bool:
			st.Type = model.SettingBoolean
		case int:
			st.Type = model.SettingInt
		default:
			st.Type = model.SettingString
		}
		out = append(out, st)
	}
	return out
}

var userSettingDefs = []struct {
	id, section string
	value       any
	public      bool
}{
	{"Accounts_AllowUserProfileChange", "", true, true},
	{"Accounts_AllowUsernameChange", "", true, true},
	{"Accounts_AllowRealNameChange", "", true, true},
	{"Accounts_AllowEmailChange", "", true, true},
	{"Accounts_AllowPasswordChange", "", true, true},
	{"Accounts_AllowUserStatusMessageChange", "", true, true},
	{"Accounts_RequireNameForSignUp", "Registration", true, true},
	{"Accounts_ManuallyApproveNewUsers", "Registration", false, true},
	{"Accounts_RegistrationForm_SecretURL", "Registration", "", false},
	{"Accounts_Registration_Users_Default_Roles", "Registration", "user", false},
	{"UTF8_User_Names_Validation", "", `[0-9a-zA-Z-_.]+`, true},
	{"Rate_Limiter_Limit_RegisterUser", "Rate_Limiter", 1, false},
}

// settingDefaults are the values read when a setting is not registered: ours, and those
// other parts of Outpost register.
var settingDefaults = func() map[string]any {
	m := map[string]any{
		"Accounts_RegistrationForm":                  "Public",
		"API_Enable_Rate_Limiter":                    true,
		"API_Enable_Rate_Limiter_Limit_Time_Default": int64(60000),
	}
	for _, d := range userSettingDefs {
		if n, ok := d.value.(int); ok {
			m[d.id] = int64(n)
			continue
		}
		m[d.id] = d.value
	}
	return m
}()

// setting reads a setting's value through the config when it knows it (settings.Service
// does), else its default.
func (s *Service) setting(id string) any {
	if g, ok := s.config.(interface {
		Get(id string) (model.Setting, bool)
	}); ok {
		if st, ok := g.Get(id); ok && st.Value != nil {
			return st.Value
		}
	}
	return settingDefaults[id]
}

func (s *Service) flag(id string) bool { b, _ := s.setting(id).(bool); return b }

func (s *Service) text(id string) string { t, _ := s.setting(id).(string); return t }

func (s *Service) number(id string) int64 {
	switch n := s.setting(id).(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	case int:
		return int64(n)
	}
	return 0
}

// refused is a refusal thrown inside a Rocket.Chat method: 400 with the code as errorType
// over REST (a route's own permission check is model.Forbidden, a 403).
func refused(code, msg string, details map[string]any) *model.Error {
	return &model.Error{Kind: model.KindInvalid, Code: code, Message: msg, Details: details}
}

func notAllowed(msg, method, action string) *model.Error {
	return refused("error-action-not-allowed", msg, map[string]any{"method": method, "action": action})
}

func required(field, method string) *model.Error {
	return refused("error-the-field-is-required", "The field "+field+" is required", map[string]any{"method": method, "field": field})
}

func unavailable(v string) *model.Error {
	return refused("error-field-unavailable", v+" is already in use :(", map[string]any{"field": v})
}

// noSuchUser is Rocket.Chat's answer for an unknown target user.
func noSuchUser(msg string) *model.Error { return model.Invalid("error-invalid-user", msg) }

// checkUsername applies the UTF8_User_Names_Validation pattern.
func (s *Service) checkUsername(username, method string) error {
	re, err := regexp.Compile("^(?:" + s.text("UTF8_User_Names_Validation") + ")$")
	if err != nil {
		re = usernamePattern
	}
	if !re.MatchString(username) || len(username) > 64 {
		return refused("error-input-is-not-a-valid-field", username+" is not a valid username",
			map[string]any{"method": method, "input": username, "field": "Username"})
	}
	return nil
}

func checkEmail(address string) error {
	if a, err := mail.ParseAddress(address); err != nil || a.Address != address {
		return model.Invalid("error-invalid-email", "Invalid email "+address)
	}
	return nil
}

func normEmail(address string) string { return strings.ToLower(strings.TrimSpace(address)) }

// available fails unless username and address (each when not empty) are free, ignoring
// case, or held by the user self. Call it inside the transaction that writes them.
func (s *Service) available(ctx context.Context, self, username, address string) error {
	if username != "" {
		u, err := s.users.ByUsername(ctx, username)
		if err == nil && u.ID != self {
			return unavailable(username)
		} else if err != nil && !errors.Is(err, model.ErrNotFound) {
			return err
		}
	}
	if address != "" {
		u, err := s.users.ByEmail(ctx, address)
		if err == nil && u.ID != self {
			return unavailable(address)
		} else if err != nil && !errors.Is(err, model.ErrNotFound) {
			return err
		}
	}
	return nil
}

// checkRoles refuses unknown roles, and the admin role to those who may not assign it.
func (s *Service) checkRoles(ctx context.Context, actor model.Actor, roles []string) error {
	if len(roles) == 0 {
		return nil
	}
	if s.mgmt.perms != nil {
		all, err := s.mgmt.perms.ListRoles(ctx, actor)
		if err != nil {
			return model.AsError(err)
		}
		for _, r := range roles {
			if !slices.ContainsFunc(all, func(x authz.Role) bool { return x.ID == r }) {
				return notAllowed("The field Roles consist invalid role id", "insertOrUpdateUser", "Assign_role")
			}
		}
	}
	if slices.Contains(roles, "admin") && !s.can(ctx, actor, "assign-admin-role") {
		return notAllowed("Assigning admin is not allowed", "insertOrUpdateUser", "Assign_admin")
	}
	return nil
}

// lastAdmin fails when removing the admin role from u (or deactivating u, when active)
// would leave no (active) admin.
func (s *Service) lastAdmin(ctx context.Context, u model.User, activeOnly bool) error {
	if !slices.Contains(u.Roles, "admin") {
		return nil
	}
	count, msg := s.users.CountWithRole, "Leaving the app without admins is not allowed"
	if activeOnly {
		if !u.Active {
			return nil
		}
		count, msg = s.users.CountActiveWithRole, "Leaving the app without an active admin is not allowed"
	}
	n, err := count(ctx, "admin")
	if err != nil {
		return err
	}
	if n <= 1 {
		return notAllowed(msg, "deleteUser", "Remove_last_admin")
	}
	return nil
}

// viewLevel is how much of a user a view shows.
type viewLevel int

const (
	viewPublic viewLevel = iota // what any signed-in user sees of another
	viewFull                    // the user themself, or with view-full-other-user-info
	viewOwner                   // the whole document without credentials
)

// userDoc is a user as clients see it, by Rocket.Chat's field names; never credentials.
func userDoc(u model.User, level viewLevel) map[string]any {
	status := u.Status
	if status == "" {
		status = "offline"
	}
	d := map[string]any{"_id": u.ID, "type": u.Type, "active": u.Active, "status": status, "utcOffset": u.UTCOffset}
	put := func(k, v string) {
		if v != "" {
			d[k] = v
		}
	}
	put("username", u.Username)
	put("name", u.Name)
	put("nickname", u.Nickname)
	put("bio", u.Bio)
	put("statusText", u.StatusText)
	put("avatarETag", u.AvatarETag)
	if level < viewFull {
		return d
	}
	d["emails"] = emailsDoc(u.Emails)
	d["roles"] = append([]string{}, u.Roles...)
	d["createdAt"] = u.CreatedAt
	if u.LastLogin != nil {
		d["lastLogin"] = *u.LastLogin
	}
	if u.RequirePasswordChange {
		d["requirePasswordChange"] = true
	}
	put("statusConnection", u.StatusConnection)
	if len(u.CustomFields) > 0 {
		d["customFields"] = u.CustomFields
	}
	if level < viewOwner {
		return d
	}
	d["_updatedAt"] = u.UpdatedAt
	put("language", u.Language)
	d["settings"] = map[string]any{"preferences": prefsOf(u)}
	return d
}

func emailsDoc(emails []model.Email) []any {
	out := make([]any, len(emails))
	for i, e := range emails {
		out[i] = map[string]any{"address": e.Address, "verified": e.Verified}
	}
	return out
}

func prefsOf(u model.User) map[string]any {
	out := map[string]any{}
	if u.Settings != nil {
		for k, v := range u.Settings.Preferences {
			out[k] = v
		}
	}
	return out
}
