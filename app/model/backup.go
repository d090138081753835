package model

import "time"

// Backup is one archive of the data directory made by `outpost backup` or the admin
// console: its file name under <data>/backups, its size and when it was taken.
type Backup struct {
	Name    string
	Size    int64
	Created time.Time
}
