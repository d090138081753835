package admin_test

import (
	"testing"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// TestPermissionsPageWeight: the matrix at Rocket.Chat's ~180 permissions and 15 roles
// (the 12 default ones and 3 custom), and the role pages, stay under 100 KB gzip.
func TestPermissionsPageWeight(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	for _, name := range []string{"auditor", "helpdesk", "room-janitor"} {
		if _, err := a.Authz.CreateRole(bg, model.System, authz.NewRole{Name: name, Description: "Custom " + name}); err != nil {
			t.Fatal(err)
		}
	}
	b.signIn("boss")
	for _, path := range []string{"/admin/permissions", "/admin/permissions?tab=settings", "/admin/permissions/roles",
		"/admin/permissions/roles/new", "/admin/permissions/roles/admin", "/admin/permissions/roles/owner"} {
		res, size, body := b.gzipGet(path)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		t.Logf("%s: %d bytes gzip, %d plain", path, size, len(body))
		if size > 100<<10 {
			t.Errorf("%s: %d bytes transferred", path, size)
		}
	}
}

// BenchmarkPermissionsPage10k is the matrix (all of it, and searched) and the roles
// list at 10,000 users and 1,000 rooms.
func BenchmarkPermissionsPage10k(b *testing.B) {
	benchPage(b, "/admin/permissions", "/admin/permissions?q=room", "/admin/permissions/roles")
}

// BenchmarkRolePage10k is a role's page with its first 50 holders among 10,000 users
// (users.roles has no index for a role's holders: each page reads every user).
func BenchmarkRolePage10k(b *testing.B) {
	benchPage(b, "/admin/permissions/roles/user", "/admin/permissions/roles/owner")
}
