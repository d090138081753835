package rest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
)

// roomExtraRoutes registers rooms.muteUser and rooms.unmuteUser, rooms.adminRooms,
// rooms.autocomplete.adminRooms, channels.setJoinCode, channels.setDefault,
// channels.moderators, groups.moderators and groups.listAll.
func (a *api) roomExtraRoutes() {
	a.handle("POST /api/v1/rooms.muteUser", a.authed(a.roomsMute(true)))
	a.handle("POST /api/v1/rooms.unmuteUser", a.authed(a.roomsMute(false)))
	a.handle("GET /api/v1/rooms.adminRooms", a.authed(a.roomsAdminRooms))
	a.handle("GET /api/v1/rooms.autocomplete.adminRooms", a.authed(a.roomsAdminAutocomplete))
	a.handle("POST /api/v1/channels.setJoinCode", a.authed(a.channelsSetJoinCode))
	a.handle("POST /api/v1/channels.setDefault", a.authed(a.channelsSetDefault))
	a.handle("GET /api/v1/channels.moderators", a.authed(a.roomModerators(channelsFamily)))
	a.handle("GET /api/v1/groups.moderators", a.authed(a.roomModerators(groupsFamily)))
	a.handle("GET /api/v1/groups.listAll", a.authed(a.groupsListAll))
}

// roomsMute serves rooms.muteUser and rooms.unmuteUser: {roomId, userId | username}
// (Rocket.Chat 6.8+; the DDP methods muteUserInRoom and unmuteUserInRoom are
// deprecated since 8.0).
func (a *api) roomsMute(mute bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var b roomBody
		if err := DecodeJSON(r, &b); err != nil {
			return err
		}
		switch {
		case b.RoomID == "":
			return model.Invalid(codeInvalidParams, "must have required property 'roomId'")
		case b.UserID == "" && b.Username == "":
			return model.Invalid(codeInvalidParams, "must have required property 'userId'\n must have required property 'username'\n must match exactly one schema in oneOf")
		}
		who := rooms.Target{ID: b.UserID, Username: b.Username, Resolve: true}
		if err := a.Rooms.SetMuted(r.Context(), actorOf(r), b.RoomID, who, mute); err != nil {
			return err
		}
		return WriteSuccess(w, nil)
	}
}

// roomsAdminRooms is rooms.adminRooms: filter, types (types[]=c&types[]=p…), offset,
// count, sort → {rooms, count, offset, total}.
func (a *api) roomsAdminRooms(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, count, err := pagination(q.Get("offset"), q.Get("count"))
	if err != nil {
		return err
	}
	in := rooms.AdminQuery{Filter: q.Get("filter"), Types: append(q["types[]"], q["types"]...), Offset: offset, Count: count}
	if s := q.Get("sort"); s != "" {
		if in.Sort, err = parseSortFields(s); err != nil {
			return err
		}
	}
	p, err := a.Rooms.AdminRooms(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	return listPage(w, "rooms", p, offset)
}

// selectorName reads the name of an autocompletion's selector={"name":"…"} parameter.
func selectorName(r *http.Request) (string, error) {
	var sel struct {
		Name string `json:"name"`
	}
	if s := r.URL.Query().Get("selector"); s == "" || json.Unmarshal([]byte(s), &sel) != nil {
		return "", model.Invalid(codeInvalidParams, "must have required property 'selector'")
	}
	return sel.Name, nil
}

func (a *api) roomsAdminAutocomplete(w http.ResponseWriter, r *http.Request) error {
	name, err := selectorName(r)
	if err != nil {
		return err
	}
	items, err := a.Rooms.AdminAutocomplete(r.Context(), actorOf(r), name)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"items": items})
}

// channelsSetJoinCode is channels.setJoinCode {roomId | roomName, joinCode} → {channel}
// (saveRoomSettings joinCode: needs edit-room).
func (a *api) channelsSetJoinCode(w http.ResponseWriter, r *http.Request) error {
	b, room, err := a.bodyRoom(r, channelsFamily)
	if err != nil {
		return err
	}
	if strings.TrimSpace(b.JoinCode) == "" {
		return model.Invalid(codeInvalidParams, `The bodyParam "joinCode" is required`)
	}
	out, err := a.saveOne(r, room, "joinCode", b.JoinCode)
	if err != nil {
		return err
	}
	return one(w, "channel", out)
}

// channelsSetDefault is channels.setDefault {roomId | roomName, default} → {channel};
// default may be a boolean or "true"/"false" (saveRoomSettings default: needs
// view-room-administration).
func (a *api) channelsSetDefault(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		RoomID   string `json:"roomId"`
		RoomName string `json:"roomName"`
		Default  any    `json:"default"`
	}
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	var def bool
	switch v := b.Default.(type) {
	case bool:
		def = v
	case string:
		if v != "true" && v != "false" {
			return model.Invalid(codeInvalidParams, `The bodyParam "default" must be a boolean`)
		}
		def = v == "true"
	default:
		return model.Invalid(codeInvalidParams, `The bodyParam "default" is required`)
	}
	room, _, err := a.findRoom(r, channelsFamily, b.RoomID, b.RoomName)
	if err != nil {
		return err
	}
	out, err := a.saveOne(r, room, "default", def)
	if err != nil {
		return err
	}
	return one(w, "channel", out)
}

// roomModerators serves channels.moderators and groups.moderators: {moderators:[u]},
// the {_id, username, name} of the members holding the moderator role.
func (a *api) roomModerators(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		room, _, err := a.queryRoom(r, f)
		if err != nil {
			return err
		}
		roles, err := a.Rooms.RoomRoles(r.Context(), actorOf(r), room.ID)
		if err != nil {
			return err
		}
		out := []model.UserRef{}
		for _, rr := range roles {
			if slices.Contains(rr.Roles, "moderator") {
				out = append(out, rr.U)
			}
		}
		return WriteSuccess(w, map[string]any{"moderators": out})
	}
}

// groupsListAll is groups.listAll: every private group, for administrators
// (view-room-administration), by name → {groups, offset, count, total}.
func (a *api) groupsListAll(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, count, err := pagination(q.Get("offset"), q.Get("count"))
	if err != nil {
		return err
	}
	in := rooms.AdminQuery{Filter: queryName(q.Get("query")), Types: []string{model.RoomPrivate},
		Sort: []model.SortField{{Field: "name"}}, Offset: offset, Count: count}
	p, err := a.Rooms.AdminRooms(r.Context(), actorOf(r), in)
	if err != nil {
		if e := model.AsError(err); e != nil && e.Kind == model.KindForbidden {
			return model.Forbidden("") // Rocket.Chat's API.v1.forbidden()
		}
		return err
	}
	return listPage(w, "groups", p, offset)
}

// queryName reads the name a list's Mongo-style query parameter asks for:
// {"name":"x"}, {"name":{"$regex":"x","$options":"i"}} or {"fname":…}; regular
// expression anchors and escapes are dropped, leaving text to look for in names.
// Anything else lists everything.
func queryName(query string) string {
	if query == "" {
		return ""
	}
	var q map[string]any
	if json.Unmarshal([]byte(query), &q) != nil {
		return ""
	}
	v, ok := q["name"]
	if !ok {
		v = q["fname"]
	}
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		re, _ := x["$regex"].(string)
		re = strings.TrimSuffix(strings.TrimPrefix(re, "^"), "$")
		return strings.ReplaceAll(re, `\`, "")
	}
	return ""
}
