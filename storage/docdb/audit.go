package docdb

import "context"

// Audit is Outpost's own audit log collection (app/audit); Rocket.Chat has none of
// this name.
const Audit = "outpost_audit"

// AuditStore keeps outpost_audit for app/audit. Its entry type lives in app/audit,
// which docdb may not import, so it is a type parameter: cmd/outpost builds the store
// as NewAuditStore[audit.Entry]. E must map _id and ts like the app/model structs.
type AuditStore[E any] struct{ c *Collection }

// NewAuditStore returns the audit store of db.
func NewAuditStore[E any](db *DB) *AuditStore[E] { return &AuditStore[E]{db.Collection(Audit)} }

// InsertAudit stores a new entry.
func (s *AuditStore[E]) InsertAudit(ctx context.Context, e E) error { return s.c.Insert(ctx, e) }

// AuditPage returns entries newest first (by ts, then _id), and how many there are.
func (s *AuditStore[E]) AuditPage(ctx context.Context, offset, limit int) ([]E, int64, error) {
	total, err := s.c.Count(ctx, Query{})
	if err != nil {
		return nil, 0, err
	}
	out := []E{}
	err = s.c.Find(ctx, AuditQuery(offset, limit), &out)
	return out, total, err
}

// AuditQuery is the query of one page of AuditPage (exported for the plan tests): newest
// first, and entries of the same millisecond in the order they were written (rowid,
// which the index on ts ends with).
func AuditQuery(offset, limit int) Query {
	return Query{Order: F("ts") + " DESC, rowid DESC", Offset: offset, Limit: limit}
}
