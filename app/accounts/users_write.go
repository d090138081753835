package accounts

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// UserCreate is users.create's body.
type UserCreate struct {
	Email                 string         `json:"email"`
	Name                  string         `json:"name"`
	Password              string         `json:"password"`
	Username              string         `json:"username"`
	Active                *bool          `json:"active"`
	Roles                 []string       `json:"roles"`
	JoinDefaultChannels   *bool          `json:"joinDefaultChannels"` // false: the new user joins no default room
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
	if in.JoinDefaultChannels == nil || *in.JoinDefaultChannels {
		s.userCreated(ctx, u)
	}
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
	s.userDeleted(ctx, u)
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
