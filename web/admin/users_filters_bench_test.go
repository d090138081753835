package admin_test

import "testing"

// BenchmarkUsersFilters10k is the users list under the filters the console combines: a
// rare role (picked from the role side table), a common role with the active flag
// (walked in username order), a status deep in its pages, deactivated users.
func BenchmarkUsersFilters10k(b *testing.B) {
	benchPage(b, "/admin/users?role=admin", "/admin/users?role=user&active=no", "/admin/users?status=offline&page=150",
		"/admin/users?active=no&page=2", "/admin/users?role=user&status=online&active=yes&page=20")
}
