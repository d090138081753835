package docdb

import (
	"context"
	"errors"

	"github.com/outpostchat/outpost/app/model"
)

// WithRoomRole returns one page of the subscriptions whose roles hold role, in the room
// with the given id or name when room is not empty, sorted by room name then username,
// and how many there are; count 0 means no limit. The (rid, roles) index finds the
// role holders room by room: those of the room (a name is first resolved to its room
// ids), or of every room (subscriptions_roles_rooms.go).
func (s *SubscriptionRolesStore) WithRoomRole(ctx context.Context, role, room string, offset, count int) ([]model.Subscription, int64, error) {
	q := Query{Where: roomRoleWhere(s.c.table), Args: []any{role}}
	if room != "" {
		q.Where = F("rid") + " IN (SELECT " + F("rid") + ` FROM "` + s.c.table + `" WHERE ` +
			F("rid") + " = ? UNION SELECT " + F("rid") + ` FROM "` + s.c.table + `" WHERE ` + F("name") + " = ?) AND " +
			anyRoomRole + " AND " + hasRole("roles")
		q.Args = []any{room, room, role}
	}
	total, err := s.c.Count(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	q.Order = "coalesce(" + F("fname") + ", " + F("name") + "), " + F("rid") + ", " + F("u.username")
	q.Offset, q.Limit = offset, count
	var out []model.Subscription
	if err := s.c.Find(ctx, q, &out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// RoomOfUser returns the user's subscription to the room with the given id, or else to
// one named so (through the user's subscriptions, u._id index); model.ErrNotFound when
// there is none.
func (s *SubscriptionRolesStore) RoomOfUser(ctx context.Context, uid, room string) (model.Subscription, error) {
	var sub model.Subscription
	err := s.c.FindOne(ctx, subscriptionOf(room, uid), &sub)
	if !errors.Is(err, model.ErrNotFound) {
		return sub, err
	}
	err = s.c.FindOne(ctx, Query{Where: F("u._id") + " = ? AND (" + F("name") + " = ? OR " + F("fname") + " = ?)",
		Args: []any{uid, room, room}, Order: F("rid")}, &sub)
	return sub, err
}
