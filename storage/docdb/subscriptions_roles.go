package docdb

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// roleHoldersWhere selects a room's subscriptions with roles: as JSON text a non-empty
// array of strings starts with `["`, and that range of the (rid, roles) index holds
// them all (an empty array, `[]`, sorts after it; no roles at all is NULL).
var roleHoldersWhere = F("rid") + " = ? AND " + F("roles") + ` >= '["' AND ` + F("roles") + ` < '[#'`

// RoleHolders returns the subscriptions to the room that hold room roles (owner,
// moderator, leader), sorted by username. The (rid, roles) index finds them, so only
// the few holders' documents are read, even in a room of thousands.
func (s *SubscriptionsStore) RoleHolders(ctx context.Context, rid string) ([]model.Subscription, error) {
	var out []model.Subscription
	err := s.subs.Find(ctx, Query{Where: roleHoldersWhere, Args: []any{rid}}, &out)
	// Sorted here: an ORDER BY would lead SQLite to the (rid, u.username) index, which
	// reads every member.
	slices.SortFunc(out, func(a, b model.Subscription) int { return cmp.Compare(a.U.Username, b.U.Username) })
	return out, err
}

// MembersPage pages the room's subscriptions by username through the (rid, u.username)
// index, keeping those whose username contains text ignoring case, and returns their
// total: a page of a room of thousands reads only its own documents.
func (s *SubscriptionsStore) MembersPage(ctx context.Context, rid, text string, offset, count int) ([]model.Subscription, int64, error) {
	q := Query{Where: F("rid") + " = ?", Args: []any{rid}}
	if text = strings.ToLower(strings.TrimSpace(text)); text != "" {
		q.Where += " AND instr(lower(" + F("u.username") + "), ?) > 0"
		q.Args = append(q.Args, text)
	}
	total, err := s.subs.Count(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	q.Order, q.Offset, q.Limit = F("u.username"), max(offset, 0), max(count, 0)
	var out []model.Subscription
	err = s.subs.Find(ctx, q, &out)
	return out, total, err
}
