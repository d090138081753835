package admin

import (
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/audit"
	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads/avatars"
)

// usersPerPage is the users listing's page size.
const usersPerPage = 25

// usersView is the users listing.
type usersView struct {
	Q, Status, Active, Role string
	Roles                   []string // global roles, for the filter
	Rows                    []userRow
	Pager                   pager
	Error                   string
	CanCreate               bool
}

type userRow struct {
	Href, Username, Name, Email, Roles, Status string
	Active, TwoFactor                          bool
}

// users serves GET /admin/users: search (username, name, email), filters (status,
// active, role) and paging, all in the query string so every view has a URL.
func (c *Console) users(w http.ResponseWriter, r *http.Request, s *session) {
	qs := r.URL.Query()
	v := usersView{Q: strings.TrimSpace(qs.Get("q")), Status: qs.Get("status"), Active: qs.Get("active"), Role: qs.Get("role"),
		CanCreate: c.Authz.Can(r.Context(), s.actor, "create-user", "")}
	v.Roles = c.globalRoles(r, s)
	page := pageParam(r)
	q := accounts.AdminUserQuery{Text: v.Q, Status: v.Status, Role: v.Role, Offset: (page - 1) * usersPerPage, Count: usersPerPage}
	switch v.Active {
	case "yes":
		t := true
		q.Active = &t
	case "no":
		f := false
		q.Active = &f
	default:
		v.Active = ""
	}
	status := http.StatusOK
	list, total, err := c.Accounts.AdminUsers(r.Context(), s.actor, q)
	if err != nil {
		e := model.AsError(err)
		if e.Kind != model.KindInvalid {
			c.fail(w, r, s, err)
			return
		}
		status, v.Error = http.StatusBadRequest, e.Message
	}
	for _, u := range list {
		v.Rows = append(v.Rows, userRow{Href: "/admin/users/" + url.PathEscape(u.ID), Username: u.Username, Name: u.Name,
			Email: firstEmail(u.User), Roles: strings.Join(u.Roles, ", "), Status: statusOf(u.User), Active: u.Active, TwoFactor: u.TwoFactor})
	}
	v.Pager = newPager("/admin/users", qs, page, usersPerPage, len(list), total)
	c.renderStatus(w, r, status, usersPage(c.pageData(r, s, "users", "Users"), v))
}

func firstEmail(u model.User) string {
	if len(u.Emails) == 0 {
		return ""
	}
	return u.Emails[0].Address
}

func statusOf(u model.User) string {
	if u.Status == "" {
		return "offline"
	}
	return u.Status
}

// globalRoles lists the ids of the roles held globally (scope Users), for filters and
// checkboxes.
func (c *Console) globalRoles(r *http.Request, s *session) []string {
	roles, err := c.Authz.ListRoles(r.Context(), s.actor)
	if err != nil {
		c.Logger.Warn("admin: listing roles", "err", err)
		return nil
	}
	var out []string
	for _, ro := range roles {
		if ro.Scope == authz.ScopeUsers || ro.Scope == "" {
			out = append(out, ro.ID)
		}
	}
	return out
}

// userForm is the create and edit form's values.
type userForm struct {
	Name, Username, Email, Password string
	Roles                           []string
	Active, RequirePasswordChange   bool
	Verified, JoinDefault           bool
}

func (f userForm) Has(role string) bool { return slices.Contains(f.Roles, role) }

// readUserForm reads the form's fields; unchecked boxes are absent, so false.
func readUserForm(r *http.Request) userForm {
	p := r.PostForm
	f := userForm{Name: strings.TrimSpace(p.Get("name")), Username: strings.TrimSpace(p.Get("username")),
		Email: strings.TrimSpace(p.Get("email")), Password: p.Get("password"),
		Active: p.Get("active") == "on", RequirePasswordChange: p.Get("requirePasswordChange") == "on",
		Verified: p.Get("verified") == "on", JoinDefault: p.Get("joinDefault") == "on"}
	for _, ro := range p["roles"] {
		if ro = strings.TrimSpace(ro); ro != "" && !slices.Contains(f.Roles, ro) {
			f.Roles = append(f.Roles, ro)
		}
	}
	sort.Strings(f.Roles)
	return f
}

// userEditView is the new-user page, or a user's page with its action forms.
type userEditView struct {
	New        bool
	ID, Action string
	Form       userForm
	AllRoles   []string
	Error      string // of the main form
	PwError    string
	DelError   string
	User       accounts.ManagedUser
	Email      string
	LastLogin  string
	Created    string
	CanEdit    bool
	CanPass    bool
	CanLogout  bool
	CanDelete  bool
	Erasure    string // Message_ErasureType: what deleting the user does to their messages
	Avatar     avatarView
}

// newUserForm serves GET /admin/users/new (create-user).
func (c *Console) newUserForm(w http.ResponseWriter, r *http.Request, s *session) {
	v := userEditView{New: true, Action: "/admin/users/new", AllRoles: c.globalRoles(r, s),
		Form: userForm{Roles: []string{"user"}, Active: true, JoinDefault: true, Verified: true}}
	c.render(w, r, userEditPage(c.pageData(r, s, "users", "New user"), v))
}

// createUser serves POST /admin/users/new: accounts' users.create.
func (c *Console) createUser(w http.ResponseWriter, r *http.Request, s *session) {
	f := readUserForm(r)
	v := userEditView{New: true, Action: "/admin/users/new", AllRoles: c.globalRoles(r, s), Form: f}
	v.Form.Password = ""
	if f.Username == "" || f.Email == "" || f.Password == "" {
		v.Error = "Username, email and password are required."
		c.renderStatus(w, r, http.StatusBadRequest, userEditPage(c.pageData(r, s, "users", "New user"), v))
		return
	}
	doc, err := c.Accounts.AddUser(r.Context(), s.actor, accounts.UserCreate{Name: f.Name, Username: f.Username, Email: f.Email,
		Password: f.Password, Active: &f.Active, Roles: f.Roles, JoinDefaultChannels: &f.JoinDefault,
		RequirePasswordChange: f.RequirePasswordChange, Verified: f.Verified})
	if err != nil {
		v.Error = c.message(r, err)
		c.renderStatus(w, r, http.StatusBadRequest, userEditPage(c.pageData(r, s, "users", "New user"), v))
		return
	}
	id, _ := doc["_id"].(string)
	c.record(r, s, "user.create", f.Username, map[string]string{"roles": strings.Join(f.Roles, ","), "email": f.Email,
		"active": yesNo(f.Active), "requirePasswordChange": yesNo(f.RequirePasswordChange)})
	redirect(w, r, "/admin/users/"+url.PathEscape(id)+"?done=created")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// record writes a console change to the audit log.
func (c *Console) record(r *http.Request, s *session, action, target string, fields map[string]string) {
	_ = c.Audit.Record(r.Context(), s.actor, audit.Record{Action: action, Target: target, Fields: fields, Addr: s.addr, Via: "admin"})
}

// editView is a user's page with the form showing f (the user's values, or what was
// posted).
func (c *Console) editView(r *http.Request, s *session, u accounts.ManagedUser, f userForm) userEditView {
	ctx, a := r.Context(), s.actor
	v := userEditView{ID: u.ID, Action: "/admin/users/" + url.PathEscape(u.ID), Form: f, AllRoles: c.globalRoles(r, s), User: u,
		Email: firstEmail(u.User), Created: when(u.CreatedAt), LastLogin: "never",
		CanEdit:   u.ID == a.UserID || c.Authz.Can(ctx, a, "edit-other-user-info", ""),
		CanPass:   c.Authz.Can(ctx, a, "edit-other-user-password", ""),
		CanLogout: c.Authz.Can(ctx, a, "logout-other-user", ""),
		CanDelete: c.Authz.Can(ctx, a, "delete-user", "")}
	if c.Settings != nil {
		v.Erasure = c.Settings.String("Message_ErasureType")
	}
	if u.LastLogin != nil {
		v.LastLogin = when(*u.LastLogin)
	}
	v.Avatar = c.newAvatarView("/avatar/"+url.PathEscape(u.Username)+"?size=96", u.AvatarETag, "Avatar of "+u.Username,
		v.Action+"/avatar", u.AvatarETag != "", c.mayUserAvatar(r, s, u))
	for _, ro := range u.Roles { // a role the user holds stays listed even if not global
		if !slices.Contains(v.AllRoles, ro) {
			v.AllRoles = append(v.AllRoles, ro)
		}
	}
	return v
}

func formOf(u accounts.ManagedUser) userForm {
	f := userForm{Name: u.Name, Username: u.Username, Email: firstEmail(u.User), Roles: slices.Clone(u.Roles),
		Active: u.Active, RequirePasswordChange: u.RequirePasswordChange}
	if len(u.Emails) > 0 {
		f.Verified = u.Emails[0].Verified
	}
	sort.Strings(f.Roles)
	return f
}

// loadUser finds the user of the path; it answers the request itself when it cannot.
func (c *Console) loadUser(w http.ResponseWriter, r *http.Request, s *session) (accounts.ManagedUser, bool) {
	u, err := c.Accounts.AdminUser(r.Context(), s.actor, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, s, err)
		return u, false
	}
	return u, true
}

func (c *Console) showUser(w http.ResponseWriter, r *http.Request, s *session, status int, v userEditView) {
	p := c.pageData(r, s, "users", v.User.Username)
	if p.Flash == "" {
		p.Flash = avatarFlashes[r.URL.Query().Get("done")]
	}
	c.renderStatus(w, r, status, userEditPage(p, v))
}

// editUserForm serves GET /admin/users/{id}.
func (c *Console) editUserForm(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := c.loadUser(w, r, s)
	if !ok {
		return
	}
	c.showUser(w, r, s, http.StatusOK, c.editView(r, s, u, formOf(u)))
}

// saveUser serves POST /admin/users/{id}: accounts' users.update with the fields that
// changed (so an unchanged field never needs its permission).
func (c *Console) saveUser(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := c.loadUser(w, r, s)
	if !ok {
		return
	}
	f, old := readUserForm(r), formOf(u)
	f.Password = ""
	var d accounts.UserData
	changed := map[string]string{}
	text := func(field, now, was string, dst **string) {
		if now != was {
			*dst = &now
			changed[field] = now
		}
	}
	text("name", f.Name, old.Name, &d.Name)
	text("username", f.Username, old.Username, &d.Username)
	text("email", f.Email, old.Email, &d.Email)
	if !slices.Equal(f.Roles, old.Roles) {
		d.Roles = &f.Roles
		changed["roles"] = strings.Join(f.Roles, ",")
	}
	flag := func(field string, now, was bool, dst **bool) {
		if now != was {
			*dst = &now
			changed[field] = yesNo(now)
		}
	}
	flag("active", f.Active, old.Active, &d.Active)
	flag("requirePasswordChange", f.RequirePasswordChange, old.RequirePasswordChange, &d.RequirePasswordChange)
	flag("verified", f.Verified, old.Verified, &d.Verified)
	if d.Email != nil && d.Verified == nil && u.ID != s.user.ID {
		verified := f.Verified // a new address keeps the box's state, not "unverified"
		d.Verified = &verified
	}
	if len(changed) == 0 {
		redirect(w, r, "/admin/users/"+url.PathEscape(u.ID)+"?done=unchanged")
		return
	}
	if f.Username == "" || f.Email == "" {
		v := c.editView(r, s, u, f)
		v.Error = "Username and email cannot be empty."
		c.showUser(w, r, s, http.StatusBadRequest, v)
		return
	}
	if _, err := c.Accounts.UpdateUser(r.Context(), s.actor, accounts.UserUpdate{UserID: u.ID, Data: d}); err != nil {
		v := c.editView(r, s, u, f)
		v.Error = c.message(r, err)
		c.showUser(w, r, s, http.StatusBadRequest, v)
		return
	}
	c.record(r, s, "user.update", u.Username, changed)
	redirect(w, r, "/admin/users/"+url.PathEscape(u.ID)+"?done=saved")
}

// resetPassword serves POST /admin/users/{id}/password (edit-other-user-password): a
// new password, by default to be changed at the next login, optionally logging the user
// out everywhere.
func (c *Console) resetPassword(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := c.loadUser(w, r, s)
	if !ok {
		return
	}
	p := r.PostForm
	pw, again := p.Get("password"), p.Get("confirm")
	requireChange, logout := p.Get("requirePasswordChange") == "on", p.Get("logout") == "on"
	bad := ""
	switch {
	case strings.TrimSpace(pw) == "":
		bad = "Enter the new password."
	case pw != again:
		bad = "The two passwords differ."
	case len(pw) > 1024:
		bad = "The password is too long."
	}
	if bad != "" {
		v := c.editView(r, s, u, formOf(u))
		v.PwError = bad
		c.showUser(w, r, s, http.StatusBadRequest, v)
		return
	}
	d := accounts.UserData{Password: &pw, RequirePasswordChange: &requireChange}
	if _, err := c.Accounts.UpdateUser(r.Context(), s.actor, accounts.UserUpdate{UserID: u.ID, Data: d}); err != nil {
		v := c.editView(r, s, u, formOf(u))
		v.PwError = c.message(r, err)
		c.showUser(w, r, s, http.StatusBadRequest, v)
		return
	}
	if logout {
		if err := c.Accounts.LogoutUser(r.Context(), s.actor, u.ID); err != nil {
			c.fail(w, r, s, err)
			return
		}
	}
	c.record(r, s, "user.password", u.Username, map[string]string{"requirePasswordChange": yesNo(requireChange), "logout": yesNo(logout)})
	if logout && u.ID == s.user.ID {
		c.clearCookie(w, r, cookieName)
		redirect(w, r, "/admin/login")
		return
	}
	redirect(w, r, "/admin/users/"+url.PathEscape(u.ID)+"?done=password")
}

// logoutUser serves POST /admin/users/{id}/logout (logout-other-user): every login
// token of the user goes, personal access tokens too.
func (c *Console) logoutUser(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := c.loadUser(w, r, s)
	if !ok {
		return
	}
	if err := c.Accounts.LogoutUser(r.Context(), s.actor, u.ID); err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.record(r, s, "user.logout", u.Username, nil)
	if u.ID == s.user.ID {
		c.clearCookie(w, r, cookieName)
		redirect(w, r, "/admin/login")
		return
	}
	redirect(w, r, "/admin/users/"+url.PathEscape(u.ID)+"?done=loggedout")
}

// deleteUser serves POST /admin/users/{id}/delete (delete-user). The admin types the
// username to confirm. Rooms follow Rocket.Chat's deleteUser with confirmRelinquish
// (rooms.Service.UserDeleted); the user's messages follow Message_ErasureType
// (messaging.Service.UserDeleted), which the page states.
func (c *Console) deleteUser(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := c.loadUser(w, r, s)
	if !ok {
		return
	}
	if strings.TrimSpace(r.PostForm.Get("confirm")) != u.Username {
		v := c.editView(r, s, u, formOf(u))
		v.DelError = "Type the username exactly to confirm the deletion."
		c.showUser(w, r, s, http.StatusBadRequest, v)
		return
	}
	if err := c.Accounts.DeleteUser(r.Context(), s.actor, accounts.UserRef{ID: u.ID}); err != nil {
		v := c.editView(r, s, u, formOf(u))
		v.DelError = c.message(r, err)
		c.showUser(w, r, s, http.StatusBadRequest, v)
		return
	}
	c.record(r, s, "user.delete", u.Username, map[string]string{"email": firstEmail(u.User)})
	if u.ID == s.user.ID {
		c.clearCookie(w, r, cookieName)
		redirect(w, r, "/admin/login")
		return
	}
	redirect(w, r, "/admin/users?done=deleted")
}

// userAvatarRoutes registers the avatar actions of a user's page when the console has
// the avatar service: POST /admin/users/{id}/avatar (multipart/form-data, the file in
// "image") and POST /admin/users/{id}/avatar/reset.
func (c *Console) userAvatarRoutes(m *http.ServeMux) {
	if c.Avatars == nil {
		return
	}
	m.HandleFunc("POST /admin/users/{id}/avatar", c.upload(pagePerms("users"), c.maxAvatarBytes, c.setUserAvatar))
	m.HandleFunc("POST /admin/users/{id}/avatar/reset", c.page(pagePerms("users"), c.resetUserAvatar))
}

// mayUserAvatar reports whether the admin may change u's avatar: another user's needs
// edit-other-user-avatar; one's own the avatar service allows by
// Accounts_AllowUserAvatarChange (as users.setAvatar).
func (c *Console) mayUserAvatar(r *http.Request, s *session, u accounts.ManagedUser) bool {
	return u.ID == s.actor.UserID || c.Authz.Can(r.Context(), s.actor, "edit-other-user-avatar", "")
}

// userAvatarDone answers an avatar action: the audit record and the redirect to the
// user's page, or on err the page again with the message (403 for a refusal).
func (c *Console) userAvatarDone(w http.ResponseWriter, r *http.Request, s *session, u accounts.ManagedUser, err error, action, done string, fields map[string]string) {
	if err != nil {
		if k := model.AsError(err).Kind; k == model.KindForbidden || k == model.KindUnauthorized {
			c.fail(w, r, s, err)
			return
		}
		v := c.editView(r, s, u, formOf(u))
		v.Avatar.Error = c.message(r, err)
		c.showUser(w, r, s, http.StatusBadRequest, v)
		return
	}
	c.record(r, s, action, u.Username, fields)
	redirect(w, r, "/admin/users/"+url.PathEscape(u.ID)+"?done="+done)
}

// setUserAvatar serves POST /admin/users/{id}/avatar: users.setAvatar with a multipart
// image for the user (avatar origin "rest"). The avatar service decodes the file
// (JPEG, PNG, GIF or WebP within MaxImageBytes), cuts it to the avatar square and tells
// the clients (updateAvatar).
func (c *Console) setUserAvatar(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := c.loadUser(w, r, s)
	if !ok {
		return
	}
	if !c.mayUserAvatar(r, s, u) {
		c.forbidden(w, r, s, "Your roles do not give you edit-other-user-avatar, which changing another user's avatar needs.")
		return
	}
	fh := formFile(r, "image")
	if fh == nil {
		c.userAvatarDone(w, r, s, u, model.Invalid("", "Choose an image file."), "", "", nil)
		return
	}
	f, err := fh.Open()
	if err == nil {
		err = c.Avatars.SetUserAvatar(r.Context(), s.actor, avatars.Target{UserID: u.ID}, f, avatars.OriginREST)
		f.Close()
	}
	c.userAvatarDone(w, r, s, u, err, "user.avatar.set", "avatar", fileFields(fh))
}

// resetUserAvatar serves POST /admin/users/{id}/avatar/reset: users.resetAvatar, back to
// the initials placeholder.
func (c *Console) resetUserAvatar(w http.ResponseWriter, r *http.Request, s *session) {
	u, ok := c.loadUser(w, r, s)
	if !ok {
		return
	}
	if !c.mayUserAvatar(r, s, u) {
		c.forbidden(w, r, s, "Your roles do not give you edit-other-user-avatar, which changing another user's avatar needs.")
		return
	}
	err := c.Avatars.ResetUserAvatar(r.Context(), s.actor, avatars.Target{UserID: u.ID})
	c.userAvatarDone(w, r, s, u, err, "user.avatar.reset", "avatarreset", nil)
}
