package admin_test

import "testing"

// BenchmarkBackupsPage10k is the backups page (a directory listing and the run's
// status) in a workspace of 10,000 users and 1,000 rooms, as the target asks.
func BenchmarkBackupsPage10k(b *testing.B) { benchPage(b, "/admin/backups") }
