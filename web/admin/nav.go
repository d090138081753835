package admin

import (
	"slices"
)

// navItem is one page of the console's navigation.
type navItem struct {
	slug  string   // the URL is /admin/<slug>
	title string   // the link text and the page's heading
	perms []string // holding any of them shows the page
	soon  bool     // not built yet: the page says what is coming
	about string   // what a page that is coming will do
}

// nav lists the console's pages in menu order. The permissions are those of Rocket.Chat's
// Administration sidebar (apps/meteor/client/views/admin/sidebarItems.ts): Workspace
// info view-statistics; Users view-user-administration; Rooms view-room-administration;
// Settings any of view-privileged-setting, edit-privileged-setting,
// manage-selected-settings; Permissions any of access-permissions,
// access-setting-permissions; Logs view-logs. Rocket.Chat has no uploads, backups or
// audit pages: uploads follow rooms, backups follow Import (run-import), the audit log
// follows logs.
var nav = []navItem{
	{slug: "dashboard", title: "Dashboard", perms: []string{"view-statistics"}},
	{slug: "users", title: "Users", perms: []string{"view-user-administration"}},
	{slug: "rooms", title: "Rooms", perms: []string{"view-room-administration"}},
	{slug: "settings", title: "Settings", perms: []string{"view-privileged-setting", "edit-privileged-setting", "manage-selected-settings"}},
	{slug: "permissions", title: "Permissions", perms: []string{"access-permissions", "access-setting-permissions"}},
	{slug: "uploads", title: "Uploads", perms: []string{"view-room-administration"}},
	{slug: "backups", title: "Backups", perms: []string{"run-import"}},
	{slug: "logs", title: "Logs", perms: []string{"view-logs"}},
	{slug: "audit", title: "Audit log", perms: []string{"view-logs"}},
}

// AdminPermissions are the permissions that let a user into the console: holding any
// one of them shows at least one page.
var AdminPermissions = func() []string {
	var out []string
	for _, n := range nav {
		for _, p := range n.perms {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}()

// pagePerms returns the permissions of the page with the slug.
func pagePerms(slug string) []string {
	for _, n := range nav {
		if n.slug == slug {
			return n.perms
		}
	}
	panic("admin: no page " + slug)
}
