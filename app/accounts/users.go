package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

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

// UserRef names a user by _id or, when ID is empty, by username (ignoring case).
type UserRef struct {
	ID       string
	Username string
}

func (s *Service) userByRef(ctx context.Context, ref UserRef) (model.User, error) {
	if ref.ID != "" {
		return s.users.ByID(ctx, ref.ID)
	}
	return s.users.ByUsername(ctx, ref.Username)
}

// UserInfo is users.info: the user as the actor may see them. Everyone signed in sees
// the public fields; the user themself and holders of view-full-other-user-info also
// see emails, roles, dates and custom fields.
func (s *Service) UserInfo(ctx context.Context, actor model.Actor, ref UserRef) (map[string]any, error) {
	if ref.ID == "" && ref.Username == "" {
		return nil, model.Invalid("", "Invalid search query.")
	}
	u, err := s.userByRef(ctx, ref)
	if errors.Is(err, model.ErrNotFound) {
		return nil, model.Invalid("", "User not found.")
	}
	if err != nil {
		return nil, model.Internal(err)
	}
	self := u.ID == actor.UserID
	full := self || s.can(ctx, actor, "view-full-other-user-info")
	level := viewPublic
	if full {
		level = viewFull
	}
	d := userDoc(u, level)
	d["canViewAllInfo"] = full
	if self && u.Services.Password != nil {
		d["services"] = map[string]any{"password": true}
	}
	return d, nil
}

// ListUsersInput is users.list's parameters, decoded: Rocket.Chat's legacy query
// (simple conditions only), the fields projection (1 include, 0 exclude), the sort and
// the page (Count 0: no limit).
type ListUsersInput struct {
	Query  map[string]any
	Fields map[string]int
	Sort   []model.SortField
	Offset int
	Count  int
}

// UserPage is one page of a user listing.
type UserPage struct {
	Users  []map[string]any `json:"users"`
	Count  int              `json:"count"`
	Offset int              `json:"offset"`
	Total  int64            `json:"total"`
}

// listFields are the fields users.list shows unless asked otherwise.
var listFields = []string{"name", "username", "emails", "roles", "status", "active", "avatarETag", "lastLogin", "type"}

// ListUsers is users.list (needs view-d-room). Unlike Rocket.Chat, emails are shown and
// searchable only with view-full-other-user-info.
func (s *Service) ListUsers(ctx context.Context, actor model.Actor, in ListUsersInput) (UserPage, error) {
	if !s.can(ctx, actor, "view-d-room") {
		return UserPage{}, model.Forbidden("error-unauthorized")
	}
	full := s.can(ctx, actor, "view-full-other-user-info")
	q, err := parseUserQuery(in.Query, full)
	if err != nil {
		return UserPage{}, err
	}
	q.Sort, q.Offset, q.Limit = in.Sort, in.Offset, in.Count
	if len(q.Sort) == 0 {
		q.Sort = []model.SortField{{Field: "username"}}
	}
	for _, f := range q.Sort {
		if !slices.Contains([]string{"username", "name", "status", "active", "type", "createdAt", "lastLogin"}, f.Field) {
			return UserPage{}, model.Invalid("error-invalid-sort", "Cannot sort users by "+f.Field)
		}
	}
	users, total, err := s.users.ListUsers(ctx, q)
	if err != nil {
		return UserPage{}, model.Internal(err)
	}
	show := map[string]bool{"_id": true}
	for _, f := range listFields {
		show[f] = true
	}
	for f, v := range in.Fields {
		show[f] = v == 1
	}
	page := UserPage{Users: make([]map[string]any, 0, len(users)), Count: len(users), Offset: in.Offset, Total: total}
	for _, u := range users {
		d := userDoc(u, viewFull)
		if !full && u.ID != actor.UserID {
			delete(d, "emails")
			delete(d, "customFields")
		}
		for k := range d {
			if !show[k] {
				delete(d, k)
			}
		}
		page.Users = append(page.Users, d)
	}
	return page, nil
}

// invalidQuery is users.list's answer to a query it does not take.
func invalidQuery(msg string) *model.Error { return model.Invalid("error-invalid-query", msg) }

// parseUserQuery reads the subset of a Mongo query users.list takes: equality and
// $regex (a literal text, optionally anchored) on username, name, nickname, type and
// roles (and emails.address with full), equality on active, and $or / $and of those.
func parseUserQuery(query map[string]any, full bool) (model.UserQuery, error) {
	var q model.UserQuery
	for key, v := range query {
		switch key {
		case "$or", "$and":
			list, ok := v.([]any)
			if !ok {
				return q, invalidQuery(key + " must be an array")
			}
			for _, el := range list {
				m, ok := el.(map[string]any)
				if !ok || len(m) != 1 {
					return q, invalidQuery(key + " takes objects of one condition each")
				}
				for k, x := range m {
					c, err := parseUserCond(k, x, full)
					if err != nil {
						return q, err
					}
					if key == "$or" {
						q.Any = append(q.Any, c)
					} else {
						q.All = append(q.All, c)
					}
				}
			}
		default:
			c, err := parseUserCond(key, v, full)
			if err != nil {
				return q, err
			}
			q.All = append(q.All, c)
		}
	}
	return q, nil
}

func parseUserCond(field string, v any, full bool) (model.UserCond, error) {
	c := model.UserCond{Field: field}
	switch field {
	case "username", "name", "nickname", "type", "roles":
	case "emails.address":
		if !full {
			return c, invalidQuery("Invalid query: emails.address")
		}
	case "active":
		b, ok := v.(bool)
		if !ok {
			return c, invalidQuery("active must be true or false")
		}
		c.Equals = b
		return c, nil
	default:
		return c, invalidQuery("Invalid query: " + field)
	}
	switch x := v.(type) {
	case string:
		c.Equals = x
		return c, nil
	case map[string]any:
		pattern, ok := x["$regex"].(string)
		options, _ := x["$options"].(string)
		if eq, isEq := x["$eq"].(string); isEq && len(x) == 1 {
			c.Equals = eq
			return c, nil
		}
		if !ok || len(x) > 2 || (len(x) == 2 && x["$options"] == nil) {
			return c, invalidQuery("Invalid query: " + field + " takes a string or {$regex, $options}")
		}
		m, err := parseRegex(pattern, options)
		if err != nil {
			return c, err
		}
		c.Match = &m
		return c, nil
	}
	return c, invalidQuery("Invalid query: " + field + " takes a string or {$regex, $options}")
}

// parseRegex accepts a regular expression that is a literal text (metacharacters
// escaped, as clients' escapeRegExp leaves it), optionally anchored with ^ and $.
func parseRegex(pattern, options string) (model.TextMatch, error) {
	var m model.TextMatch
	switch options {
	case "":
	case "i":
		m.Fold = true
	default:
		return m, invalidQuery("Unsupported $options " + options)
	}
	if rest, ok := strings.CutPrefix(pattern, "^"); ok {
		m.Start, pattern = true, rest
	}
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern) && !isAlnum(pattern[i+1]):
			i++
			b.WriteByte(pattern[i])
		case c == '$' && i == len(pattern)-1:
			m.End = true
		case strings.IndexByte(`\.*+?()[]{}|^$`, c) >= 0:
			return m, invalidQuery("Only literal $regex texts are supported")
		default:
			b.WriteByte(c)
		}
	}
	m.Text = b.String()
	return m, nil
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// UserCreate is users.create's body.
type UserCreate struct {
	Email                 string         `json:"email"`
	Name                  string         `json:"name"`
	Password              string         `json:"password"`
	Username              string         `json:"username"`
	Active                *bool          `json:"active"`
	Roles                 []string       `json:"roles"`
	JoinDefaultChannels   *bool          `json:"joinDefaultChannels"` // accepted; Outpost has no default channels yet
	RequirePasswordChange bool           `json:"requirePasswordChange"`
	SendWelcomeEmail      bool           `json:"sendWelcomeEmail"` // accepted; Outpost sends no email yet
	Verified              bool           `json:"verified"`
	CustomFields          map[string]any `json:"customFields"`
	Nickname              string         `json:"nickname"`
	Bio                   string         `json:"bio"`
}

// AddUser is users.create (needs create-user; assigning the admin role needs
// assign-admin-role). It answers the new user's whole document.
func (s *Service) AddUser(ctx context.Context, actor model.Actor, in UserCreate) (map[string]any, error) {
	const method = "insertOrUpdateUser"
	if !s.can(ctx, actor, "create-user") {
		return nil, notAllowed("Adding user is not allowed", method, "Adding_user")
	}
	if err := s.checkRoles(ctx, actor, in.Roles); err != nil {
		return nil, err
	}
	in.Name, in.Username, in.Email = strings.TrimSpace(in.Name), strings.TrimSpace(in.Username), normEmail(in.Email)
	switch {
	case in.Name == "" && s.flag("Accounts_RequireNameForSignUp"):
		return nil, required("Name", method)
	case in.Username == "":
		return nil, required("Username", method)
	case in.Password == "":
		return nil, required("Password", method)
	}
	if err := s.checkUsername(in.Username, method); err != nil {
		return nil, err
	}
	if err := checkEmail(in.Email); err != nil {
		return nil, err
	}
	custom, err := customFields(in.CustomFields)
	if err != nil {
		return nil, err
	}
	u := s.newUser(in.Username, in.Email, in.Name, in.Roles)
	u.Emails[0].Verified = in.Verified
	u.RequirePasswordChange = in.RequirePasswordChange
	u.Nickname, u.Bio = strings.TrimSpace(in.Nickname), strings.TrimSpace(in.Bio)
	u.CustomFields = custom
	if in.Active != nil {
		u.Active = *in.Active
	}
	if err := s.insert(ctx, &u, in.Password); err != nil {
		return nil, err
	}
	s.log.Info("user created", "username", u.Username, "roles", u.Roles, "by", actor.Username)
	return userDoc(u, viewOwner), nil
}

// newUser is a new user document with Rocket.Chat's defaults.
func (s *Service) newUser(username, address, name string, roles []string) model.User {
	if len(roles) == 0 {
		roles = defaultRoles(s.text("Accounts_Registration_Users_Default_Roles"))
	}
	if name == "" {
		name = username
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	return model.User{
		ID: model.NewID(), CreatedAt: now, UpdatedAt: now, Type: "user", Status: "offline", Active: true,
		Username: username, Name: name, Emails: []model.Email{{Address: address}}, Roles: roles,
		Settings: &model.UserSettings{},
	}
}

func defaultRoles(setting string) []string {
	var out []string
	for _, r := range strings.Split(setting, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		out = []string{"user"}
	}
	return out
}

// insert hashes the password, stores u if its username and email are free, and
// announces it.
func (s *Service) insert(ctx context.Context, u *model.User, password string) error {
	hash, err := hashPassword(password, s.cost)
	if err != nil {
		return model.Internal(err)
	}
	u.Services = model.UserServices{Password: &model.PasswordService{Bcrypt: hash}}
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.available(ctx, "", u.Username, u.Emails[0].Address); err != nil {
			return err
		}
		return s.users.Insert(ctx, *u)
	})
	if err != nil {
		return model.AsError(err)
	}
	s.publish(streamhub.UserChanged{Action: "inserted", ID: u.ID, Username: u.Username, Data: userDoc(*u, viewOwner)})
	return nil
}

// customFields checks custom field names and keeps string values only.
func customFields(in map[string]any) (map[string]any, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(in))
	for k, v := range in {
		str, ok := v.(string)
		if !fieldName.MatchString(k) || !ok {
			return nil, model.Invalid("error-invalid-customfield", "Invalid custom field "+k)
		}
		out[k] = str
	}
	return out, nil
}

var fieldName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// UserUpdate is users.update's body: the user and the fields to change (nil: keep).
type UserUpdate struct {
	UserID string
	Data   UserData
}

// UserData is the fields users.update may change.
type UserData struct {
	Email                 *string        `json:"email"`
	Name                  *string        `json:"name"`
	Password              *string        `json:"password"`
	Username              *string        `json:"username"`
	Nickname              *string        `json:"nickname"`
	Bio                   *string        `json:"bio"`
	StatusText            *string        `json:"statusText"`
	Language              *string        `json:"language"`
	Active                *bool          `json:"active"`
	Roles                 *[]string      `json:"roles"`
	RequirePasswordChange *bool          `json:"requirePasswordChange"`
	Verified              *bool          `json:"verified"`
	CustomFields          map[string]any `json:"customFields"`
	Settings              *struct {
		Preferences map[string]any `json:"preferences"`
	} `json:"settings"`
	JoinDefaultChannels *bool `json:"joinDefaultChannels"` // accepted, ignored
	SendWelcomeEmail    *bool `json:"sendWelcomeEmail"`    // accepted, ignored
}

// change collects the writes of one user update and what they announce.
type change struct {
	set     map[string]any
	unset   []string
	diff    map[string]any
	revoked *streamhub.UserTokensRevoked
}

func newChange() *change { return &change{set: map[string]any{}, diff: map[string]any{}} }

func (c *change) put(path string, v any) { c.set[path], c.diff[path] = v, v }

func (c *change) drop(path string) { c.unset = append(c.unset, path) }

// text sets path to v trimmed, or unsets it when that is empty.
func (c *change) text(path, v string) {
	if v = strings.TrimSpace(v); v == "" {
		c.drop(path)
		return
	}
	c.put(path, v)
}

// UpdateUser is users.update (saveUser). Editing another user needs
// edit-other-user-info, changing roles assign-roles (and assign-admin-role for admin),
// a password edit-other-user-password (without it the password is ignored, as in
// Rocket.Chat), the active flag edit-other-user-active-status. It answers the user's
// whole document after the change.
func (s *Service) UpdateUser(ctx context.Context, actor model.Actor, in UserUpdate) (map[string]any, error) {
	const method = "insertOrUpdateUser"
	d := in.Data
	self := in.UserID == actor.UserID
	canEditOther := s.can(ctx, actor, "edit-other-user-info")
	canEditPassword := s.can(ctx, actor, "edit-other-user-password")
	switch {
	case d.Verified != nil && *d.Verified && self:
		return nil, notAllowed("Editing email verification is not allowed", method, "Editing_user")
	case !self && !canEditOther:
		return nil, notAllowed("Editing user is not allowed", method, "Editing_user")
	}
	if d.Roles != nil {
		if err := s.checkRoles(ctx, actor, *d.Roles); err != nil {
			return nil, err
		}
	}
	if d.Username != nil {
		if err := s.checkUsername(strings.TrimSpace(*d.Username), method); err != nil {
			return nil, err
		}
	}
	old, err := s.users.ByID(ctx, in.UserID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, noSuchUser("Invalid user")
	}
	if err != nil {
		return nil, model.Internal(err)
	}
	if d.Roles != nil && !sameSet(old.Roles, *d.Roles) && !s.can(ctx, actor, "assign-roles") {
		return nil, notAllowed("Assign roles is not allowed", method, "Assign_role")
	}
	if !s.flag("Accounts_AllowUserProfileChange") && !canEditOther && !canEditPassword {
		return nil, notAllowed("Edit user profile is not allowed", method, "Update_user")
	}
	restricted := !canEditOther || self
	if err := s.checkEditing(old, d.Username, d.Name, d.StatusText, d.Email, restricted); err != nil {
		return nil, err
	}
	if d.Password != nil && *d.Password != "" && !s.flag("Accounts_AllowPasswordChange") && (!canEditPassword || self) {
		return nil, notAllowed("Edit user password is not allowed", method, "Update_user")
	}
	if d.Active != nil && !s.can(ctx, actor, "edit-other-user-active-status") {
		return nil, refused("error-not-allowed", "Not allowed", map[string]any{"method": "setUserActiveStatus"})
	}
	c := newChange()
	if err := s.identity(c, old, d.Username, d.Name); err != nil {
		return nil, err
	}
	if d.StatusText != nil {
		c.text("statusText", truncate(*d.StatusText, 120))
	}
	if d.Email != nil && *d.Email != "" {
		if err := s.email(c, old, *d.Email, d.Verified != nil && *d.Verified); err != nil {
			return nil, err
		}
	} else if d.Verified != nil && len(old.Emails) > 0 {
		emails := slices.Clone(old.Emails)
		emails[0].Verified = *d.Verified
		c.put("emails", emails)
		c.diff["emails"] = emailsDoc(emails)
	}
	if d.Password != nil && strings.TrimSpace(*d.Password) != "" && canEditPassword {
		hash, err := hashPassword(strings.TrimSpace(*d.Password), s.cost)
		if err != nil {
			return nil, model.Internal(err)
		}
		c.set["services.password.bcrypt"] = hash
	}
	if d.Bio != nil {
		c.text("bio", *d.Bio)
	}
	if d.Nickname != nil {
		c.text("nickname", *d.Nickname)
	}
	if d.Roles != nil {
		c.put("roles", slices.Clone(*d.Roles))
	}
	if d.Settings != nil {
		prefs, err := checkPreferences(d.Settings.Preferences)
		if err != nil {
			return nil, err
		}
		c.put("settings", map[string]any{"preferences": prefs})
	}
	if d.Language != nil && *d.Language != "" {
		c.put("language", *d.Language)
	}
	if d.RequirePasswordChange != nil {
		c.put("requirePasswordChange", *d.RequirePasswordChange)
	}
	custom, err := customFields(d.CustomFields)
	if err != nil {
		return nil, err
	}
	for k, v := range custom {
		c.put("customFields."+k, v)
	}
	if d.Active != nil && *d.Active != old.Active {
		c.put("active", *d.Active)
	}
	before, u, err := s.apply(ctx, old.ID, c, func(ctx context.Context, cur model.User) error {
		if d.Roles != nil && !slices.Contains(*d.Roles, "admin") {
			if err := s.lastAdmin(ctx, cur, false); err != nil {
				return err
			}
		}
		if d.Active != nil && !*d.Active {
			return s.lastAdmin(ctx, cur, true)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.publishRoleChanges(before, u)
	return userDoc(u, viewOwner), nil
}

// checkEditing is validateUserEditing's settings checks: changing the username, name,
// status text or email needs the matching Accounts_Allow* setting when restricted (the
// user themself, or an editor without edit-other-user-info).
func (s *Service) checkEditing(old model.User, username, name, statusText, email *string, restricted bool) error {
	first := ""
	if len(old.Emails) > 0 {
		first = old.Emails[0].Address
	}
	if email != nil {
		e := normEmail(*email)
		email = &e
	}
	for _, f := range []struct {
		v       *string
		cur     string
		setting string
		msg     string
	}{
		{username, old.Username, "Accounts_AllowUsernameChange", "Edit username is not allowed"},
		{statusText, old.StatusText, "Accounts_AllowUserStatusMessageChange", "Edit user status is not allowed"},
		{name, old.Name, "Accounts_AllowRealNameChange", "Edit user real name is not allowed"},
		{email, first, "Accounts_AllowEmailChange", "Edit user email is not allowed"},
	} {
		if f.v != nil && *f.v != f.cur && restricted && !s.flag(f.setting) {
			return notAllowed(f.msg, "insertOrUpdateUser", "Update_user")
		}
	}
	return nil
}

// identity changes the username and name (saveUserIdentity); empty values leave them.
func (s *Service) identity(c *change, old model.User, username, name *string) error {
	if username != nil {
		if v := strings.TrimSpace(*username); v != "" && v != old.Username {
			if err := s.checkUsername(v, "saveUserIdentity"); err != nil {
				return err
			}
			c.put("username", v)
		}
	}
	if name != nil {
		if v := strings.TrimSpace(*name); v != old.Name {
			c.text("name", v)
		}
	}
	return nil
}

// email replaces the user's addresses with address (setEmail).
func (s *Service) email(c *change, old model.User, address string, verified bool) error {
	address = normEmail(address)
	if len(old.Emails) > 0 && old.Emails[0].Address == address {
		return nil
	}
	if err := checkEmail(address); err != nil {
		return err
	}
	emails := []model.Email{{Address: address, Verified: verified}}
	c.put("emails", emails)
	c.diff["emails"] = emailsDoc(emails)
	return nil
}

// apply writes c to the user in one transaction, after checking that a new username
// or email is free and running check (which may add to c) on the current document, then
// announces it.
func (s *Service) apply(ctx context.Context, uid string, c *change, check func(ctx context.Context, cur model.User) error) (before, after model.User, err error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	c.set["_updatedAt"] = now
	username, _ := c.set["username"].(string)
	address := ""
	if e, ok := c.set["emails"].([]model.Email); ok && len(e) > 0 {
		address = e[0].Address
	}
	var (
		old, u  model.User
		revoked []string
	)
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if old, err = s.users.ByID(ctx, uid); err != nil {
			return err
		}
		if err := s.available(ctx, uid, username, address); err != nil {
			return err
		}
		if check != nil {
			if err := check(ctx, old); err != nil {
				return err
			}
		}
		if active, ok := c.set["active"].(bool); ok && !active {
			c.set["services.resume.loginTokens"] = []model.LoginToken{}
			revoked = hashesOf(old, func(model.LoginToken) bool { return true })
		}
		u, err = s.users.UpdateFields(ctx, uid, c.set, c.unset)
		return err
	})
	if errors.Is(err, model.ErrNotFound) {
		return old, u, noSuchUser("Invalid user")
	}
	if err != nil {
		return old, u, model.AsError(err)
	}
	unset := map[string]int{}
	for _, p := range c.unset {
		unset[p] = 1
	}
	evs := []streamhub.Event{streamhub.UserChanged{Action: "updated", ID: uid, Username: u.Username, Diff: c.diff, Unset: unset}}
	if u.Username != old.Username || u.Name != old.Name {
		ev := streamhub.UserNameChanged{ID: uid, Username: u.Username, Name: u.Name}
		if u.Username != old.Username {
			ev.OldUsername = old.Username
		}
		evs = append(evs, ev)
	}
	if revoked != nil {
		evs = append(evs, streamhub.UserTokensRevoked{UserID: uid, Hashed: revoked, All: true})
	} else if c.revoked != nil {
		evs = append(evs, *c.revoked)
	}
	s.publish(evs...)
	return old, u, nil
}

func (s *Service) publishRoleChanges(old, u model.User) {
	for _, r := range u.Roles {
		if !slices.Contains(old.Roles, r) {
			s.publish(streamhub.UserRoleChanged{Type: "added", RoleID: r, UserID: u.ID, Username: u.Username, Name: u.Name, Roles: slices.Clone(u.Roles)})
		}
	}
	for _, r := range old.Roles {
		if !slices.Contains(u.Roles, r) {
			s.publish(streamhub.UserRoleChanged{Type: "removed", RoleID: r, UserID: u.ID, Username: u.Username, Name: u.Name, Roles: slices.Clone(u.Roles)})
		}
	}
}

// hashesOf lists the user's hashed login tokens that pass keep.
func hashesOf(u model.User, keep func(model.LoginToken) bool) []string {
	out := []string{}
	if u.Services.Resume != nil {
		for _, lt := range u.Services.Resume.LoginTokens {
			if keep(lt) {
				out = append(out, lt.HashedToken)
			}
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// DeleteUser is users.delete (needs delete-user). The user's tokens go with them.
// Rocket.cat, app users and the last admin cannot be deleted.
func (s *Service) DeleteUser(ctx context.Context, actor model.Actor, ref UserRef) error {
	if !s.can(ctx, actor, "delete-user") {
		return model.Forbidden("error-unauthorized")
	}
	if ref.ID == "" && ref.Username == "" {
		return model.Invalid("error-user-param-not-provided", `The required "userId" or "username" param was not provided`)
	}
	var u model.User
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = s.userByRef(ctx, ref); errors.Is(err, model.ErrNotFound) {
			return noSuchUser(`The required "userId" or "username" param provided does not match any users`)
		} else if err != nil {
			return err
		}
		switch {
		case u.ID == "rocket.cat":
			return notAllowed("Deleting the rocket.cat user is not allowed", "deleteUser", "Delete_user")
		case u.Type == "app":
			return refused("error-cannot-delete-app-user", "Deleting app user is not allowed", map[string]any{"method": "deleteUser"})
		}
		if err := s.lastAdmin(ctx, u, false); err != nil {
			return err
		}
		return s.users.Delete(ctx, u.ID)
	})
	if err != nil {
		return model.AsError(err)
	}
	s.log.Info("user deleted", "username", u.Username, "by", actor.Username)
	s.publish(streamhub.UserTokensRevoked{UserID: u.ID, Hashed: hashesOf(u, func(model.LoginToken) bool { return true }), All: true},
		streamhub.UserChanged{Action: "removed", ID: u.ID, Username: u.Username})
	return nil
}

// SetUserActive is users.setActiveStatus (needs edit-other-user-active-status or
// manage-moderation-actions). Deactivating removes every login token, personal access
// tokens too; the last active admin cannot be deactivated. It answers {_id, active}.
func (s *Service) SetUserActive(ctx context.Context, actor model.Actor, uid string, active bool) (map[string]any, error) {
	if !s.can(ctx, actor, "edit-other-user-active-status") && !s.can(ctx, actor, "manage-moderation-actions") {
		return nil, model.Forbidden("error-unauthorized")
	}
	c := newChange()
	c.put("active", active)
	_, u, err := s.apply(ctx, uid, c, func(ctx context.Context, cur model.User) error {
		if !active {
			return s.lastAdmin(ctx, cur, true)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return map[string]any{"_id": u.ID, "active": u.Active}, nil
}

// Registration is users.register's body and the client's address.
type Registration struct {
	Username, Email, Pass, Name, SecretURL string
	IP                                     string
}

// Register is users.register: anyone may sign up while Accounts_RegistrationForm is
// "Public" (or "Secret URL" with the secret). Like Rocket.Chat it allows
// Rate_Limiter_Limit_RegisterUser calls per client address per
// API_Enable_Rate_Limiter_Limit_Time_Default milliseconds.
func (s *Service) Register(ctx context.Context, in Registration) (map[string]any, error) {
	const method = "registerUser"
	if err := s.registerLimit(in.IP); err != nil {
		return nil, err
	}
	switch s.text("Accounts_RegistrationForm") {
	case "Public":
	case "Secret URL":
		if secret := s.text("Accounts_RegistrationForm_SecretURL"); secret == "" || in.SecretURL != secret {
			return nil, refused("error-user-registration-secret", "User registration is only allowed via Secret URL", map[string]any{"method": method})
		}
	default:
		return nil, refused("error-user-registration-disabled", "User registration is disabled", map[string]any{"method": method})
	}
	in.Username, in.Email, in.Name = strings.TrimSpace(in.Username), normEmail(in.Email), strings.TrimSpace(in.Name)
	if _, err := s.users.ByUsername(ctx, in.Username); err == nil {
		return nil, model.Invalid("", "Username is already in use")
	}
	if err := checkEmail(in.Email); err != nil {
		return nil, err
	}
	if in.Pass == "" {
		return nil, model.Invalid("error-invalid-password", "The password must not be empty")
	}
	if in.Name == "" && s.flag("Accounts_RequireNameForSignUp") {
		return nil, required("Name", method)
	}
	if err := s.checkUsername(in.Username, method); err != nil {
		e := model.AsError(err)
		e.Code, e.Message = "username-invalid", in.Username+" is not a valid username, use only letters, numbers, dots, hyphens and underscores"
		return nil, e
	}
	u := s.newUser(in.Username, in.Email, in.Name, nil)
	u.Active = !s.flag("Accounts_ManuallyApproveNewUsers")
	if err := s.insert(ctx, &u, in.Pass); err != nil {
		return nil, err
	}
	s.log.Info("user registered", "username", u.Username, "ip", in.IP)
	return userDoc(u, viewOwner), nil
}

// registerLimit counts a registration attempt from ip and refuses it past the limit.
func (s *Service) registerLimit(ip string) error {
	if !s.flag("API_Enable_Rate_Limiter") {
		return nil
	}
	limit := s.number("Rate_Limiter_Limit_RegisterUser")
	window := time.Duration(s.number("API_Enable_Rate_Limiter_Limit_Time_Default")) * time.Millisecond
	if limit <= 0 || window <= 0 {
		return nil
	}
	now := s.now()
	m := &s.mgmt
	m.regMu.Lock()
	defer m.regMu.Unlock()
	if m.regs == nil || len(m.regs) >= maxTracked {
		m.regs = map[string][]time.Time{} // forgetting everyone is the price of a bounded map
	}
	recent := slices.DeleteFunc(m.regs[ip], func(t time.Time) bool { return now.Sub(t) >= window })
	if int64(len(recent)) >= limit {
		m.regs[ip] = recent
		wait := int((window - now.Sub(recent[0]) + time.Second - 1) / time.Second)
		return &model.Error{Kind: model.KindTooMany, Code: "error-too-many-requests",
			Message: fmt.Sprintf("Error, too many requests. Please slow down. You must wait %d seconds before trying this endpoint again.", wait)}
	}
	m.regs[ip] = append(recent, now)
	return nil
}

// OwnInfo is users.updateOwnBasicInfo's data (nil: keep). CurrentPassword is the hex
// SHA-256 of the current password, as Rocket.Chat's clients send it.
type OwnInfo struct {
	Email           *string `json:"email"`
	Name            *string `json:"name"`
	Username        *string `json:"username"`
	Nickname        *string `json:"nickname"`
	Bio             *string `json:"bio"`
	StatusText      *string `json:"statusText"`
	CurrentPassword string  `json:"currentPassword"`
	NewPassword     string  `json:"newPassword"`
}

// UpdateOwnInfo is users.updateOwnBasicInfo (saveUserProfile): the actor changes their
// own profile. Changing the email or password needs the current password (Rocket.Chat's
// password second factor: totp-required / totp-invalid); a new password ends every
// other session. token is the caller's own token, which stays valid.
func (s *Service) UpdateOwnInfo(ctx context.Context, actor model.Actor, token string, in OwnInfo, custom map[string]any) (map[string]any, error) {
	const method = "saveUserProfile"
	if !s.flag("Accounts_AllowUserProfileChange") {
		return nil, refused("error-not-allowed", "Not allowed", map[string]any{"method": method})
	}
	old, err := s.users.ByID(ctx, actor.UserID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, noSuchUser("Invalid user")
	}
	if err != nil {
		return nil, model.Internal(err)
	}
	email := ""
	if in.Email != nil {
		email = *in.Email
	}
	if (email != "" || in.NewPassword != "") && old.Services.Password != nil {
		details := map[string]any{"method": "password"}
		switch {
		case in.CurrentPassword == "":
			return nil, refused("totp-required", "TOTP Required", map[string]any{"method": "password", "codeGenerated": false})
		case !hexDigest.MatchString(strings.ToLower(in.CurrentPassword)) || !checkDigest(old.Services.Password.Bcrypt, strings.ToLower(in.CurrentPassword)):
			return nil, refused("totp-invalid", "TOTP Invalid", details)
		}
	}
	var password *string
	if in.NewPassword != "" {
		password = &in.NewPassword
	}
	if err := s.checkEditing(old, in.Username, in.Name, in.StatusText, in.Email, true); err != nil {
		return nil, err
	}
	if password != nil && !s.flag("Accounts_AllowPasswordChange") {
		return nil, notAllowed("Edit user password is not allowed", "insertOrUpdateUser", "Update_user")
	}
	c := newChange()
	name := in.Name
	if name != nil && *name == "" {
		name = nil // saveUserProfile changes only non-empty names
	}
	if err := s.identity(c, old, in.Username, name); err != nil {
		return nil, err
	}
	if in.StatusText != nil {
		c.text("statusText", truncate(*in.StatusText, 120))
	}
	if in.Bio != nil {
		if utf8.RuneCountInString(*in.Bio) > 260 {
			return nil, refused("error-bio-size-exceeded", "Bio size exceeds 260 characters", map[string]any{"method": method})
		}
		c.text("bio", *in.Bio)
	}
	if in.Nickname != nil && *in.Nickname != "" {
		if utf8.RuneCountInString(*in.Nickname) > 120 {
			return nil, refused("error-nickname-size-exceeded", "Nickname size exceeds 120 characters", map[string]any{"method": method})
		}
		c.text("nickname", *in.Nickname)
	}
	if email != "" {
		if err := s.email(c, old, email, false); err != nil {
			return nil, err
		}
	}
	fields, err := customFields(custom)
	if err != nil {
		return nil, err
	}
	for k, v := range fields {
		c.put("customFields."+k, v)
	}
	keep := hashToken(token)
	if password != nil && old.Services.Password != nil {
		if CheckPassword(old.Services.Password.Bcrypt, *password) {
			return nil, refused("error-password-same-as-current", "Entered password same as current password", map[string]any{"method": method})
		}
		hash, err := hashPassword(*password, s.cost)
		if err != nil {
			return nil, model.Internal(err)
		}
		c.set["services.password.bcrypt"] = hash
	}
	_, u, err := s.apply(ctx, old.ID, c, func(_ context.Context, cur model.User) error {
		if _, ok := c.set["services.password.bcrypt"]; !ok {
			return nil
		}
		// Every other session ends; personal access tokens stay (removeOtherTokens).
		tokens := []model.LoginToken{}
		if cur.Services.Resume != nil {
			for _, lt := range cur.Services.Resume.LoginTokens {
				if lt.HashedToken == keep || lt.Type != "" {
					tokens = append(tokens, lt)
				}
			}
		}
		c.set["services.resume.loginTokens"] = tokens
		c.revoked = &streamhub.UserTokensRevoked{UserID: cur.ID, Hashed: hashesOf(cur, func(lt model.LoginToken) bool {
			return lt.HashedToken != keep && lt.Type == ""
		})}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return userDoc(u, viewOwner), nil
}

// Preferences is users.getPreferences: the actor's own preferences and language.
func (s *Service) Preferences(ctx context.Context, actor model.Actor) (map[string]any, error) {
	u, err := s.users.ByID(ctx, actor.UserID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, noSuchUser("Invalid user")
	}
	if err != nil {
		return nil, model.Internal(err)
	}
	prefs := prefsOf(u)
	if u.Language != "" {
		prefs["language"] = u.Language
	}
	return prefs, nil
}

// SetPreferences is users.setPreferences: a user changes their own preferences, or
// another's with edit-other-user-info (uid empty: the actor). It answers
// {_id, settings:{preferences}} with the language among the preferences.
func (s *Service) SetPreferences(ctx context.Context, actor model.Actor, uid string, data map[string]any) (map[string]any, error) {
	if uid == "" {
		uid = actor.UserID
	}
	if uid != actor.UserID && !s.can(ctx, actor, "edit-other-user-info") {
		return nil, refused("error-action-not-allowed", "Editing user is not allowed", nil)
	}
	prefs, err := checkPreferences(data)
	if err != nil {
		return nil, err
	}
	c := newChange()
	for k, v := range prefs {
		if k == "language" {
			c.put("language", v)
			continue
		}
		c.put("settings.preferences."+k, v)
	}
	_, u, err := s.apply(ctx, uid, c, nil)
	if err != nil {
		if e := model.AsError(err); e.Code == "error-invalid-user" {
			return nil, noSuchUser(`The optional "userId" param provided does not match any users`)
		}
		return nil, err
	}
	out := prefsOf(u)
	if u.Language != "" {
		out["language"] = u.Language
	}
	return map[string]any{"_id": u.ID, "settings": map[string]any{"preferences": out}}, nil
}

// Kinds of preference values.
const (
	prefString = iota
	prefNumber
	prefBool
	prefStrings
	prefObjects
)

// preferenceKinds are the preferences users.setPreferences takes, as Rocket.Chat's
// UsersSetPreferencesParamsPOST schema lists them.
var preferenceKinds = map[string]int{
	"newRoomNotification": prefString, "newMessageNotification": prefString, "clockMode": prefNumber,
	"useEmojis": prefBool, "convertAsciiEmoji": prefBool, "saveMobileBandwidth": prefBool,
	"collapseMediaByDefault": prefBool, "autoImageLoad": prefBool, "emailNotificationMode": prefString,
	"unreadAlert": prefBool, "notificationsSoundVolume": prefNumber, "desktopNotifications": prefString,
	"pushNotifications": prefString, "enableAutoAway": prefBool, "highlights": prefStrings,
	"alsoSendThreadToChannel": prefString, "desktopNotificationRequireInteraction": prefBool,
	"showThreadsInMainChannel": prefBool, "hideUsernames": prefBool, "hideRoles": prefBool,
	"displayAvatars": prefBool, "hideFlexTab": prefBool, "sendOnEnter": prefString, "language": prefString,
	"sidebarShowFavorites": prefBool, "sidebarShowUnread": prefBool, "sidebarSortby": prefString,
	"sidebarViewMode": prefString, "sidebarDisplayAvatar": prefBool, "sidebarGroupByType": prefBool,
	"muteFocusedConversations": prefBool, "dontAskAgainList": prefObjects, "featuresPreview": prefObjects,
	"themeAppearence": prefString, "fontSize": prefString, "receiveLoginDetectionEmail": prefBool,
	"notifyCalendarEvents": prefBool, "idleTimeLimitH": prefNumber, "idleTimeLimitM": prefNumber,
	"idleTimeLimitS": prefNumber, "omnichannelTranscriptEmail": prefBool, "omnichannelTranscriptPDF": prefBool,
	"omnichannelHideConversationAfterClosing": prefBool, "enableMobileRinging": prefBool, "mentionsWithSymbol": prefBool,
}

// checkPreferences validates preference values by kind, coercing "true"/"false" and
// numeric strings as Rocket.Chat's schema (coerceTypes) does; null values are dropped.
func checkPreferences(data map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(data))
	for k, v := range data {
		kind, ok := preferenceKinds[k]
		if !ok {
			return nil, model.Invalid("invalid-params", "must NOT have additional properties '"+k+"'")
		}
		if v == nil {
			continue
		}
		bad := func(what string) error { return model.Invalid("invalid-params", "'"+k+"' must be "+what) }
		switch kind {
		case prefString:
			str, ok := v.(string)
			if !ok {
				return nil, bad("string")
			}
			if k == "alsoSendThreadToChannel" && !slices.Contains([]string{"default", "always", "never"}, str) {
				return nil, bad("equal to one of the allowed values")
			}
			out[k] = str
		case prefNumber:
			switch n := v.(type) {
			case float64:
				out[k] = n
			case string:
				var f float64
				if _, err := fmt.Sscanf(n, "%g", &f); err != nil {
					return nil, bad("number")
				}
				out[k] = f
			default:
				return nil, bad("number")
			}
		case prefBool:
			switch b := v.(type) {
			case bool:
				out[k] = b
			case string:
				if b != "true" && b != "false" {
					return nil, bad("boolean")
				}
				out[k] = b == "true"
			default:
				return nil, bad("boolean")
			}
		case prefStrings:
			list, ok := v.([]any)
			if !ok {
				return nil, bad("array")
			}
			strs := make([]string, 0, len(list))
			for _, x := range list {
				str, ok := x.(string)
				if !ok {
					return nil, bad("array of strings")
				}
				strs = append(strs, str)
			}
			out[k] = strs
		case prefObjects:
			list, ok := v.([]any)
			if !ok {
				return nil, bad("array")
			}
			for _, x := range list {
				if _, ok := x.(map[string]any); !ok {
					return nil, bad("array of objects")
				}
			}
			out[k] = list
		}
	}
	return out, nil
}
