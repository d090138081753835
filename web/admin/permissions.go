package admin

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
)

// Permissions is the Permissions page's service: the role × permission matrix and the
// roles with their users; authz.Service satisfies it.
type Permissions interface {
	ListPermissions(ctx context.Context, actor model.Actor, updatedSince time.Time) (authz.PermissionSync, error)
	ListRoles(ctx context.Context, actor model.Actor) ([]authz.Role, error)
	ChangePermissions(ctx context.Context, actor model.Actor, changes []authz.PermissionChange) ([]authz.Permission, error)
	CreateRole(ctx context.Context, actor model.Actor, in authz.NewRole) (authz.Role, error)
	UpdateRole(ctx context.Context, actor model.Actor, in authz.RoleUpdate) (authz.Role, error)
	DeleteRole(ctx context.Context, actor model.Actor, roleID string) error
	AddUserToRole(ctx context.Context, actor model.Actor, roleID, username, scope string) (authz.Role, error)
	AddUserToRoomRole(ctx context.Context, actor model.Actor, roleID, username, room string) (authz.Role, string, error)
	RemoveUserFromRole(ctx context.Context, actor model.Actor, roleID, username, scope string) (authz.Role, error)
	UsersInRole(ctx context.Context, actor model.Actor, roleID, scope string, offset, count int) ([]authz.UserInRole, int64, error)
	RoomRoleHolders(ctx context.Context, actor model.Actor, roleID, room string, offset, count int) ([]authz.RoomRoleHolder, int64, error)
}

// The permissions of the page's actions, as Rocket.Chat checks them (the services check
// them again): every change needs access-permissions; setting-level permissions also
// access-setting-permissions.
const (
	permAccess        = "access-permissions"
	permAccessSetting = "access-setting-permissions"
)

// roleUsersPerPage is the page size of a role's users.
const roleUsersPerPage = 50

// permFlashes are this page's ?done= messages.
var permFlashes = map[string]string{
	"perms":       "Permissions saved.",
	"nochange":    "Nothing to save: no box changed.",
	"created":     "Role created.",
	"saved":       "Role saved.",
	"deleted":     "Role deleted.",
	"useradded":   "User added to the role.",
	"userremoved": "User removed from the role.",
}

func (c *Console) permissionsRoutes(m *http.ServeMux) {
	view, edit := pagePerms("permissions"), []string{permAccess}
	m.HandleFunc("GET /admin/permissions", c.page(view, c.permMatrix))
	m.HandleFunc("POST /admin/permissions", c.page(edit, c.savePermMatrix))
	m.HandleFunc("GET /admin/permissions/roles", c.page(view, c.rolesList))
	m.HandleFunc("GET /admin/permissions/roles/new", c.page(edit, c.newRoleForm))
	m.HandleFunc("POST /admin/permissions/roles/new", c.page(edit, c.createRole))
	m.HandleFunc("GET /admin/permissions/roles/{id}", c.page(view, c.roleForm))
	m.HandleFunc("POST /admin/permissions/roles/{id}", c.page(edit, c.saveRole))
	m.HandleFunc("POST /admin/permissions/roles/{id}/delete", c.page(edit, c.deleteRole))
	m.HandleFunc("POST /admin/permissions/roles/{id}/users", c.page(edit, c.addRoleUser))
	m.HandleFunc("POST /admin/permissions/roles/{id}/users/remove", c.page(edit, c.removeRoleUser))
}

// permPage is the page data of the Permissions pages, with this page's flashes.
func (c *Console) permPage(r *http.Request, s *session, title string) pageData {
	p := c.pageData(r, s, "permissions", title)
	if f, ok := permFlashes[r.URL.Query().Get("done")]; ok {
		p.Flash = f
	}
	return p
}

// permTabs is the tab bar of the Permissions pages.
type permTabs struct {
	Current     string // "", "settings" or "roles"
	CanSettings bool
}

// matrixView is the role × permission matrix.
type matrixView struct {
	Tabs    permTabs
	Tab, Q  string
	Roles   []matrixRole
	Rows    []matrixRow
	CanEdit bool
	Error   string
}

type matrixRole struct {
	ID, Name, Href, Scope string
}

type matrixRow struct {
	ID, Group string // Group: the setting group heading starting a new group, or ""
	Cells     []matrixCell
}

// matrixCell is one checkbox: named p:<permission>, valued the role id. An editable
// granted cell also carries a hidden w:<permission> with the role, so a save changes
// only the boxes the admin toggled.
type matrixCell struct {
	Role, Label      string
	Granted, Enabled bool
}

// matrixTab reads ?tab=: "settings" for the setting-level permissions, else "".
func matrixTab(v string) string {
	if v == "settings" {
		return v
	}
	return ""
}

// matrix builds the matrix of tab, its rows filtered by q.
func (c *Console) matrix(r *http.Request, s *session, tab, q string) (matrixView, error) {
	ctx := r.Context()
	canSettings := c.Authz.Can(ctx, s.actor, permAccessSetting, "")
	v := matrixView{Tabs: permTabs{Current: tab, CanSettings: canSettings}, Tab: tab, Q: q,
		CanEdit: c.Authz.Can(ctx, s.actor, permAccess, "") && (tab == "" || canSettings)}
	roles, err := c.Permissions.ListRoles(ctx, s.actor)
	if err != nil {
		return v, err
	}
	slices.SortStableFunc(roles, func(a, b authz.Role) int { // Rocket.Chat's roles, then custom ones
		if a.Protected != b.Protected {
			if a.Protected {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	for _, ro := range roles {
		v.Roles = append(v.Roles, matrixRole{ID: ro.ID, Name: ro.Name, Href: roleHref(ro.ID), Scope: scopeLabel(ro.Scope)})
	}
	all, err := c.Permissions.ListPermissions(ctx, s.actor, time.Time{})
	if err != nil {
		return v, err
	}
	perms := all.Update
	if tab == "settings" {
		slices.SortStableFunc(perms, func(a, b authz.Permission) int { return strings.Compare(a.Group, b.Group) })
	}
	lq, group := strings.ToLower(q), "\x00"
	for _, p := range perms {
		if (p.Level == authz.LevelSettings) != (tab == "settings") || (lq != "" && !strings.Contains(strings.ToLower(p.ID), lq)) {
			continue
		}
		row := matrixRow{ID: p.ID, Cells: make([]matrixCell, len(roles))}
		if tab == "settings" && p.Group != group {
			group = p.Group
			row.Group = cmpOr(group, "Other")
		}
		for i, ro := range roles {
			row.Cells[i] = matrixCell{Role: ro.ID, Label: p.ID + ": " + ro.Name, Granted: slices.Contains(p.Roles, ro.ID),
				Enabled: v.CanEdit && !(p.ID == permAccess && ro.ID == authz.RoleAdmin)}
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// colspan is the column span of a group heading: the permission column and a column per role.
func colspan(roles int) string { return strconv.Itoa(roles + 1) }

func roleHref(id string) string { return "/admin/permissions/roles/" + url.PathEscape(id) }

// scopeLabel names a role scope as Rocket.Chat's role form does: Global or Rooms.
func scopeLabel(scope string) string {
	if scope == authz.ScopeSubscriptions {
		return "Rooms"
	}
	return "Global"
}

// permMatrix serves GET /admin/permissions: the matrix, ?tab=settings for the
// setting-level permissions (access-setting-permissions), ?q= to search.
func (c *Console) permMatrix(w http.ResponseWriter, r *http.Request, s *session) {
	qs := r.URL.Query()
	tab, q := matrixTab(qs.Get("tab")), strings.TrimSpace(qs.Get("q"))
	if tab == "settings" && !c.Authz.Can(r.Context(), s.actor, permAccessSetting, "") {
		c.forbidden(w, r, s, "Setting permissions need the access-setting-permissions permission.")
		return
	}
	status := http.StatusOK
	if len(q) > 100 {
		q, status = "", http.StatusBadRequest
	}
	v, err := c.matrix(r, s, tab, q)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	if status != http.StatusOK {
		v.Error = "The search is too long."
	}
	c.renderStatus(w, r, status, matrixPage(c.permPage(r, s, "Permissions"), v))
}

// savePermMatrix serves POST /admin/permissions: the boxes whose state differs from the
// hidden w: fields (their state when the page was drawn) are granted or revoked, all in
// one change, each one audited.
func (c *Console) savePermMatrix(w http.ResponseWriter, r *http.Request, s *session) {
	f := r.PostForm
	tab, q := matrixTab(f.Get("tab")), strings.TrimSpace(f.Get("q"))
	type cell struct{ perm, role string }
	now, was := map[cell]bool{}, map[cell]bool{}
	for k, vs := range f {
		var into map[cell]bool
		switch {
		case strings.HasPrefix(k, "p:"):
			into = now
		case strings.HasPrefix(k, "w:"):
			into = was
		default:
			continue
		}
		for _, role := range vs {
			if k[2:] != "" && role != "" {
				into[cell{k[2:], role}] = true
			}
		}
	}
	var changes []authz.PermissionChange
	for x := range now {
		if !was[x] {
			changes = append(changes, authz.PermissionChange{Permission: x.perm, Role: x.role, Grant: true})
		}
	}
	for x := range was {
		if !now[x] {
			changes = append(changes, authz.PermissionChange{Permission: x.perm, Role: x.role})
		}
	}
	slices.SortFunc(changes, func(a, b authz.PermissionChange) int {
		return strings.Compare(a.Permission+"\x00"+a.Role, b.Permission+"\x00"+b.Role)
	})
	back := url.Values{}
	if tab != "" {
		back.Set("tab", tab)
	}
	if q != "" && len(q) <= 100 {
		back.Set("q", q)
	}
	if len(changes) == 0 {
		back.Set("done", "nochange")
		redirect(w, r, "/admin/permissions?"+back.Encode())
		return
	}
	if _, err := c.Permissions.ChangePermissions(r.Context(), s.actor, changes); err != nil {
		if e := model.AsError(err); e.Kind == model.KindForbidden {
			c.fail(w, r, s, err)
			return
		}
		v, lerr := c.matrix(r, s, tab, q)
		if lerr != nil {
			c.fail(w, r, s, lerr)
			return
		}
		v.Error = c.message(r, err) + " Nothing was changed."
		c.renderStatus(w, r, http.StatusBadRequest, matrixPage(c.permPage(r, s, "Permissions"), v))
		return
	}
	for _, ch := range changes {
		action := "permission.revoke"
		if ch.Grant {
			action = "permission.grant"
		}
		c.record(r, s, action, ch.Permission, map[string]string{"role": ch.Role})
	}
	back.Set("done", "perms")
	redirect(w, r, "/admin/permissions?"+back.Encode())
}
