package docdb

// The holders of a room role (owner, moderator, leader) across rooms, for the console's
// roles pages and roles.getUsersInRole, without reading every subscription: the
// (rid, roles) index holds, room by room, the subscriptions with any room role (their
// roles' JSON text starts with `["`, roleHoldersWhere), so SQLite searches it once per
// room and tests the role on those few. The rooms are the subscriptions' distinct rids,
// found by a loose index scan of the rid index (one search per room, not one step per
// subscription), so a subscription is found whether or not its room document exists.

// roomRoleWhere is the condition "the subscription holds the bound role", searched room
// by room (subs is the subscriptions' table); its one argument is the role.
func roomRoleWhere(subs string) string {
	rid := F("rid")
	rids := `WITH RECURSIVE r(rid) AS (SELECT min(` + rid + `) FROM "` + subs + `" UNION ALL SELECT (SELECT min(` + rid + `) FROM "` + subs +
		`" WHERE ` + rid + ` > r.rid) FROM r WHERE r.rid IS NOT NULL) SELECT rid FROM r`
	return rid + ` IN (` + rids + `) AND ` + anyRoomRole + ` AND ` + hasRole("roles")
}

// anyRoomRole is "the subscription holds some role", as a range of the (rid, roles) index.
var anyRoomRole = F("roles") + ` >= '["' AND ` + F("roles") + ` < '[#'`

// RoomRoleWhere is roomRoleWhere (exported for the plan tests).
var RoomRoleWhere = roomRoleWhere
