package docdb

import (
	"context"
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// The console's rooms list (rooms.adminRooms) in its default order, default rooms first
// and then by name and _id, without reading every room: the default rooms (a few) come
// from outpost_room_default, the others from a walk of outpost_room_admin in order that
// stops at the page's end, the total from a count. A text search narrows the rooms
// through the rooms' search index (rooms_search.go).

// isDefaultRoom is the condition "the room is a default room" (default: true).
var isDefaultRoom = F("default") + " = 1"

// adminRoomsOrder is the order of outpost_room_admin, and of the listing within the
// default rooms and within the others.
var adminRoomsOrder = F("name") + ", " + F("_id")

// AdminRoomsWhere is the condition on a room's kind: of one of types ("c", "p", "d",
// "l"), or a discussion (prid set) when discussions, or a team's main room when teams;
// "" (every room) when none is asked (exported for the plan tests).
func AdminRoomsWhere(types []string, discussions, teams bool) (string, []any) {
	var alts []string
	var args []any
	if len(types) > 0 {
		alts = append(alts, F("t")+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(types)), ",")+")")
		for _, t := range types {
			args = append(args, t)
		}
	}
	if discussions {
		alts = append(alts, "coalesce("+F("prid")+", '') != ''")
	}
	if teams {
		alts = append(alts, F("teamMain")+" = 1")
	}
	if len(alts) == 0 {
		return "", nil
	}
	return "(" + strings.Join(alts, " OR ") + ")", args
}

func and(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " AND " + b
}

// AdminRoomsPage returns one page of the rooms of that kind (AdminRoomsWhere), default
// rooms first, then by name, then by _id, and how many there are; count 0 means no
// limit.
func (s *RoomsStore) AdminRoomsPage(ctx context.Context, types []string, discussions, teams bool, offset, count int) ([]model.Room, int64, error) {
	kind, args := AdminRoomsWhere(types, discussions, teams)
	offset, count = max(offset, 0), max(count, 0)
	total, err := s.rooms.Count(ctx, Query{Where: kind, Args: args})
	if err != nil || int64(offset) >= total {
		return nil, total, err
	}
	var defaults []model.Room
	if err := s.rooms.Find(ctx, Query{Where: and(isDefaultRoom, kind), Args: args, Order: adminRoomsOrder}, &defaults); err != nil {
		return nil, 0, err
	}
	var out []model.Room
	if offset < len(defaults) {
		end := len(defaults)
		if count > 0 {
			end = min(end, offset+count)
		}
		out = append(out, defaults[offset:end]...)
	}
	if count > 0 && len(out) == count {
		return out, total, nil
	}
	q := Query{Where: and(AdminRoomsOthers, kind), Args: args, Order: adminRoomsOrder, Offset: max(offset-len(defaults), 0)}
	if count > 0 {
		q.Limit = count - len(out)
	}
	var rest []model.Room
	if err := s.rooms.Find(ctx, q, &rest); err != nil {
		return nil, 0, err
	}
	return append(out, rest...), total, nil
}

// AdminRoomsOthers is the condition "not a default room", as outpost_room_admin holds
// it (exported for the plan tests).
var AdminRoomsOthers = F("default") + " IS NOT 1"

// RoomsMatching returns the rooms whose name, fname or member usernames may contain
// text: those the rooms' search index finds for a text of three characters or more,
// every room for a shorter one. The caller applies its exact test.
func (s *RoomsStore) RoomsMatching(ctx context.Context, text string) ([]model.Room, error) {
	var q Query
	if w, a, ok := roomSearch.contains(text, "name", "fname", "usernames"); ok {
		q = Query{Where: w, Args: a}
	}
	var out []model.Room
	err := s.rooms.Find(ctx, q, &out)
	return out, err
}
