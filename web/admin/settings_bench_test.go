package admin_test

import "testing"

// BenchmarkSettingsPages10k is the settings index, a search and the largest groups at
// 10,000 users and 1,000 rooms (the settings pages read the settings cache only).
func BenchmarkSettingsPages10k(b *testing.B) {
	benchPage(b, "/admin/settings", "/admin/settings?q=message", "/admin/settings/Accounts", "/admin/settings/Message")
}
