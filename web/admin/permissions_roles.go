package admin

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
)

// rolesView is the list of roles.
type rolesView struct {
	Tabs      permTabs
	Rows      []roleRow
	CanCreate bool
}

type roleRow struct {
	Href, ID, Name, Description, Scope string
	Protected, Mandatory2FA            bool
}

// rolesList serves GET /admin/permissions/roles.
func (c *Console) rolesList(w http.ResponseWriter, r *http.Request, s *session) {
	roles, err := c.Permissions.ListRoles(r.Context(), s.actor)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	v := rolesView{Tabs: permTabs{Current: "roles", CanSettings: c.Authz.Can(r.Context(), s.actor, permAccessSetting, "")},
		CanCreate: c.Authz.Can(r.Context(), s.actor, permAccess, "")}
	for _, ro := range roles {
		v.Rows = append(v.Rows, roleRow{Href: roleHref(ro.ID), ID: ro.ID, Name: ro.Name, Description: ro.Description,
			Scope: scopeLabel(ro.Scope), Protected: ro.Protected, Mandatory2FA: ro.Mandatory2FA})
	}
	c.render(w, r, rolesPage(c.permPage(r, s, "Roles"), v))
}

// roleForm is the role form's values.
type roleFormValues struct {
	Name, Description, Scope string
	Mandatory2FA             bool
}

func readRoleForm(r *http.Request) roleFormValues {
	p := r.PostForm
	return roleFormValues{Name: strings.TrimSpace(p.Get("name")), Description: strings.TrimSpace(p.Get("description")),
		Scope: p.Get("scope"), Mandatory2FA: p.Get("mandatory2fa") == "on"}
}

// roleView is the new-role page, or a role's page: its form, its users, delete.
type roleView struct {
	Tabs       permTabs
	New        bool
	Role       authz.Role
	Action     string
	Form       roleFormValues
	Error      string
	CanEdit    bool
	Scoped     bool
	Room       string // the room filter of a room role's holders
	Users      []roleUser
	Pager      pager
	UsersError string // the users could not be listed (no permission, bad filter)
	AddError   string
	DelError   string
	AddUser    string // the add form's values, after a failed add
	AddRoom    string
}

type roleUser struct {
	Href, Username, Name, Room, RoomID string
}

// newRoleForm serves GET /admin/permissions/roles/new.
func (c *Console) newRoleForm(w http.ResponseWriter, r *http.Request, s *session) {
	v := roleView{New: true, Action: "/admin/permissions/roles/new", CanEdit: true, Form: roleFormValues{Scope: authz.ScopeUsers}}
	c.showRole(w, r, s, http.StatusOK, v)
}

// createRole serves POST /admin/permissions/roles/new: roles.create.
func (c *Console) createRole(w http.ResponseWriter, r *http.Request, s *session) {
	f := readRoleForm(r)
	v := roleView{New: true, Action: "/admin/permissions/roles/new", CanEdit: true, Form: f}
	if f.Name == "" {
		v.Error = "The role needs a name."
	} else if len(f.Name) > 64 || len(f.Description) > 200 {
		v.Error = "The name takes at most 64 characters, the description 200."
	}
	if v.Error != "" {
		c.showRole(w, r, s, http.StatusBadRequest, v)
		return
	}
	ro, err := c.Permissions.CreateRole(r.Context(), s.actor, authz.NewRole{Name: f.Name, Scope: f.Scope, Description: f.Description, Mandatory2FA: f.Mandatory2FA})
	if err != nil {
		v.Error = c.message(r, err)
		c.showRole(w, r, s, http.StatusBadRequest, v)
		return
	}
	c.record(r, s, "role.create", ro.Name, map[string]string{"id": ro.ID, "scope": ro.Scope, "description": ro.Description,
		"mandatory2fa": yesNo(ro.Mandatory2FA)})
	redirect(w, r, roleHref(ro.ID)+"?done=created")
}

// loadRole finds the role of the path; it answers the request itself when it cannot.
func (c *Console) loadRole(w http.ResponseWriter, r *http.Request, s *session) (authz.Role, bool) {
	roles, err := c.Permissions.ListRoles(r.Context(), s.actor)
	if err != nil {
		c.fail(w, r, s, err)
		return authz.Role{}, false
	}
	id := r.PathValue("id")
	for _, ro := range roles {
		if ro.ID == id {
			return ro, true
		}
	}
	c.problem(w, r, s, http.StatusNotFound, "Not found", "There is no such role.")
	return authz.Role{}, false
}

// roleView builds a role's page with the form showing f, and the page of its users the
// query string asks for (?page=, and ?room= for a room role).
func (c *Console) roleView(r *http.Request, s *session, ro authz.Role, f roleFormValues) roleView {
	ctx := r.Context()
	v := roleView{Role: ro, Action: roleHref(ro.ID), Form: f, CanEdit: c.Authz.Can(ctx, s.actor, permAccess, ""),
		Scoped: ro.Scope == authz.ScopeSubscriptions}
	qs := r.URL.Query()
	page := pageParam(r)
	offset := (page - 1) * roleUsersPerPage
	var total int64
	var err error
	if v.Scoped {
		v.Room = strings.TrimSpace(qs.Get("room"))
		if len(v.Room) > 200 {
			v.Room = ""
		}
		var list []authz.RoomRoleHolder
		list, total, err = c.Permissions.RoomRoleHolders(ctx, s.actor, ro.ID, v.Room, offset, roleUsersPerPage)
		for _, h := range list {
			v.Users = append(v.Users, roleUser{Href: "/admin/users/" + url.PathEscape(h.UserID), Username: h.Username,
				Room: cmpOr(h.RoomName, h.RoomID), RoomID: h.RoomID})
		}
	} else {
		var list []authz.UserInRole
		list, total, err = c.Permissions.UsersInRole(ctx, s.actor, ro.ID, "", offset, roleUsersPerPage)
		for _, u := range list {
			v.Users = append(v.Users, roleUser{Href: "/admin/users/" + url.PathEscape(u.ID), Username: u.Username, Name: u.Name})
		}
	}
	if err != nil {
		v.UsersError = c.message(r, err)
	}
	v.Pager = newPager(roleHref(ro.ID), qs, page, roleUsersPerPage, len(v.Users), total)
	return v
}

func roleFormOf(ro authz.Role) roleFormValues {
	return roleFormValues{Name: ro.Name, Description: ro.Description, Scope: ro.Scope, Mandatory2FA: ro.Mandatory2FA}
}

func (c *Console) showRole(w http.ResponseWriter, r *http.Request, s *session, status int, v roleView) {
	v.Tabs = permTabs{Current: "roles", CanSettings: c.Authz.Can(r.Context(), s.actor, permAccessSetting, "")}
	title := "Role " + v.Role.Name
	if v.New {
		title = "New role"
	}
	c.renderStatus(w, r, status, rolePage(c.permPage(r, s, title), v))
}

// roleForm serves GET /admin/permissions/roles/{id}.
func (c *Console) roleForm(w http.ResponseWriter, r *http.Request, s *session) {
	ro, ok := c.loadRole(w, r, s)
	if !ok {
		return
	}
	c.showRole(w, r, s, http.StatusOK, c.roleView(r, s, ro, roleFormOf(ro)))
}

// saveRole serves POST /admin/permissions/roles/{id}: roles.update with Rocket.Chat's
// rules (a protected role keeps its name and scope).
func (c *Console) saveRole(w http.ResponseWriter, r *http.Request, s *session) {
	ro, ok := c.loadRole(w, r, s)
	if !ok {
		return
	}
	f, old := readRoleForm(r), roleFormOf(ro)
	if ro.Protected { // the form does not offer them; an absent field keeps the value
		f.Name, f.Scope = cmpOr(f.Name, ro.Name), cmpOr(f.Scope, ro.Scope)
	}
	if f == old {
		redirect(w, r, roleHref(ro.ID)+"?done=saved")
		return
	}
	bad := ""
	switch {
	case f.Name == "":
		bad = "The role needs a name."
	case len(f.Name) > 64 || len(f.Description) > 200:
		bad = "The name takes at most 64 characters, the description 200."
	}
	var err error
	if bad == "" {
		_, err = c.Permissions.UpdateRole(r.Context(), s.actor, authz.RoleUpdate{ID: ro.ID, Name: f.Name, Scope: f.Scope,
			Description: f.Description, Mandatory2FA: f.Mandatory2FA})
		if err != nil {
			bad = c.message(r, err)
		}
	}
	if bad != "" {
		v := c.roleView(r, s, ro, f)
		v.Error = bad
		c.showRole(w, r, s, http.StatusBadRequest, v)
		return
	}
	changed := map[string]string{}
	for _, d := range []struct{ k, now, was string }{{"name", f.Name, old.Name}, {"description", f.Description, old.Description},
		{"scope", f.Scope, old.Scope}, {"mandatory2fa", yesNo(f.Mandatory2FA), yesNo(old.Mandatory2FA)}} {
		if d.now != d.was {
			changed[d.k] = d.now
		}
	}
	c.record(r, s, "role.update", ro.Name, changed)
	redirect(w, r, roleHref(ro.ID)+"?done=saved")
}

// deleteRole serves POST /admin/permissions/roles/{id}/delete: roles.delete (a custom
// role nobody holds; Rocket.Chat refuses a role in use, error-role-in-use).
func (c *Console) deleteRole(w http.ResponseWriter, r *http.Request, s *session) {
	ro, ok := c.loadRole(w, r, s)
	if !ok {
		return
	}
	if err := c.Permissions.DeleteRole(r.Context(), s.actor, ro.ID); err != nil {
		if model.AsError(err).Kind == model.KindForbidden || ro.Protected { // a protected role's page has no delete form
			c.fail(w, r, s, err)
			return
		}
		v := c.roleView(r, s, ro, roleFormOf(ro))
		v.DelError = c.message(r, err)
		c.showRole(w, r, s, http.StatusBadRequest, v)
		return
	}
	c.record(r, s, "role.delete", ro.Name, map[string]string{"id": ro.ID})
	redirect(w, r, "/admin/permissions/roles?done=deleted")
}

// addRoleUser serves POST /admin/permissions/roles/{id}/users: roles.addUserToRole, in
// the room given by id or name for a room role.
func (c *Console) addRoleUser(w http.ResponseWriter, r *http.Request, s *session) {
	ro, ok := c.loadRole(w, r, s)
	if !ok {
		return
	}
	username := strings.TrimPrefix(strings.TrimSpace(r.PostForm.Get("username")), "@")
	room := strings.TrimPrefix(strings.TrimSpace(r.PostForm.Get("room")), "#")
	var err error
	bad, rid := "", ""
	switch {
	case username == "":
		bad = "Enter a username."
	case ro.Scope == authz.ScopeSubscriptions && room == "":
		bad = "A room role is held in a room: enter the room's name."
	case len(username) > 100 || len(room) > 200:
		bad = "The username or room is too long."
	case ro.Scope == authz.ScopeSubscriptions:
		_, rid, err = c.Permissions.AddUserToRoomRole(r.Context(), s.actor, ro.ID, username, room)
	default:
		_, err = c.Permissions.AddUserToRole(r.Context(), s.actor, ro.ID, username, "")
	}
	if err != nil {
		if model.AsError(err).Kind == model.KindForbidden {
			c.fail(w, r, s, err)
			return
		}
		bad = c.message(r, err)
	}
	if bad != "" {
		v := c.roleView(r, s, ro, roleFormOf(ro))
		v.AddError, v.AddUser, v.AddRoom = bad, username, room
		c.showRole(w, r, s, http.StatusBadRequest, v)
		return
	}
	fields := map[string]string{"user": username}
	if rid != "" {
		fields["room"] = rid
	}
	c.record(r, s, "role.user.add", ro.Name, fields)
	redirect(w, r, roleHref(ro.ID)+"?done=useradded")
}

// removeRoleUser serves POST /admin/permissions/roles/{id}/users/remove:
// roles.removeUserFromRole (the last admin keeps the role).
func (c *Console) removeRoleUser(w http.ResponseWriter, r *http.Request, s *session) {
	ro, ok := c.loadRole(w, r, s)
	if !ok {
		return
	}
	username, rid := strings.TrimSpace(r.PostForm.Get("username")), strings.TrimSpace(r.PostForm.Get("rid"))
	_, err := c.Permissions.RemoveUserFromRole(r.Context(), s.actor, ro.ID, username, rid)
	if err != nil {
		if model.AsError(err).Kind == model.KindForbidden {
			c.fail(w, r, s, err)
			return
		}
		v := c.roleView(r, s, ro, roleFormOf(ro))
		v.AddError = c.message(r, err)
		c.showRole(w, r, s, http.StatusBadRequest, v)
		return
	}
	fields := map[string]string{"user": username}
	if rid != "" {
		fields["room"] = rid
	}
	c.record(r, s, "role.user.remove", ro.Name, fields)
	redirect(w, r, roleHref(ro.ID)+"?done=userremoved")
}
