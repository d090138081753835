package admin

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
)

// Rooms is the room administration; rooms.Service satisfies it. Every method checks its
// own permission: view-room-administration for the reads; edit-room, archive-room,
// unarchive-room (room-scoped) and view-room-administration (default, featured) in
// SaveSettings; set-owner in SetRoomRole; delete-c, delete-p or delete-d in Delete.
type Rooms interface {
	AdminRooms(ctx context.Context, actor model.Actor, q rooms.AdminQuery) (rooms.Page[model.Room], error)
	AdminRoom(ctx context.Context, actor model.Actor, rid string) (model.Room, error)
	AdminMembers(ctx context.Context, actor model.Actor, rid, text string, offset, count int) (rooms.Page[rooms.Member], error)
	AdminRoleHolders(ctx context.Context, actor model.Actor, rid string) ([]rooms.RoomRole, error)
	SaveSettings(ctx context.Context, actor model.Actor, rid string, values map[string]any) (model.Room, error)
	SetRoomRole(ctx context.Context, actor model.Actor, rid, uid, role string, add bool) error
	Delete(ctx context.Context, actor model.Actor, rid string) error
}

// The rooms page follows Rocket.Chat's Administration → Rooms
// (apps/meteor/client/views/admin/rooms): the table (RoomsTable.tsx) lists rooms.adminRooms
// filtered by name and by type (direct, channel, private, discussions, teams), and the
// edit panel (EditRoom.tsx) saves the changed fields with rooms.saveRoomSettings
// (archiving separately, with rooms archive/unarchive), shows the owner and deletes with
// rooms.delete after a confirmation. Direct messages show only their name there (the
// usernames joined with " x "); Outpost lets their topic be set, as im.setTopic does.
// The owner is changed with addRoomOwner / removeRoomOwner, which Rocket.Chat admins
// reach from the room's members list.

// roomsPerPage is the rooms listing's and the members listing's page size.
const roomsPerPage = 25

// roomFilterTypes are the type filter's choices: rooms.adminRooms types.
var roomFilterTypes = []struct{ value, label string }{
	{"c", "Channels"}, {"p", "Private groups"}, {"d", "Direct messages"}, {"discussions", "Discussions"}, {"teams", "Teams"}, {"l", "Omnichannel"},
}

// roomFlashes are the rooms page's messages after a change (?done=KEY).
var roomFlashes = map[string]string{
	"roomsaved":    "Room saved.",
	"unchanged":    "Nothing to save: no field changed.",
	"owner":        "Owner added.",
	"ownerremoved": "Owner removed.",
	"roomdeleted":  "Room deleted.",
}

// roomsView is the rooms listing.
type roomsView struct {
	Q, Type string
	Rows    []roomRow
	Pager   pager
}

type roomRow struct {
	Href, Name, Type, Users, Msgs, Created string
	Default, ReadOnly, Archived, Featured  bool
}

// roomPageData is pageData with the rooms page's own flash messages.
func (c *Console) roomPageData(r *http.Request, s *session, title string) pageData {
	p := c.pageData(r, s, "rooms", title)
	if p.Flash == "" {
		p.Flash = roomFlashes[r.URL.Query().Get("done")]
	}
	if p.Flash == "" {
		p.Flash = avatarFlashes[r.URL.Query().Get("done")]
	}
	return p
}

// roomsRoutes registers the rooms page and its actions. Each action re-checks its own
// permission in the room before calling the service, which checks again.
func (c *Console) roomsRoutes(m *http.ServeMux) {
	perms := pagePerms("rooms")
	m.HandleFunc("GET /admin/rooms", c.page(perms, c.rooms))
	m.HandleFunc("GET /admin/rooms/{id}", c.page(perms, c.roomForm))
	m.HandleFunc("POST /admin/rooms/{id}", c.page(perms, c.saveRoom))
	m.HandleFunc("GET /admin/rooms/{id}/members", c.page(perms, c.roomMembers))
	m.HandleFunc("POST /admin/rooms/{id}/owner", c.page(perms, c.setRoomOwner))
	m.HandleFunc("POST /admin/rooms/{id}/delete", c.page(perms, c.deleteRoom))
	if c.Avatars != nil { // saveRoomSettings takes roomAvatar only with the avatar service
		m.HandleFunc("POST /admin/rooms/{id}/avatar", c.upload(perms, c.maxAvatarBytes, c.setRoomAvatar))
		m.HandleFunc("POST /admin/rooms/{id}/avatar/reset", c.page(perms, c.resetRoomAvatar))
	}
}

// rooms serves GET /admin/rooms: search by name, filter by type, paging, all in the
// query string. The order is rooms.adminRooms' default: default rooms first, then by name.
func (c *Console) rooms(w http.ResponseWriter, r *http.Request, s *session) {
	qs := r.URL.Query()
	v := roomsView{Q: strings.TrimSpace(qs.Get("q")), Type: qs.Get("type")}
	if len(v.Q) > 100 {
		v.Q = v.Q[:100]
	}
	q := rooms.AdminQuery{Filter: v.Q}
	if slices.ContainsFunc(roomFilterTypes, func(t struct{ value, label string }) bool { return t.value == v.Type }) {
		q.Types = []string{v.Type}
	} else {
		v.Type = ""
	}
	page := pageParam(r)
	q.Offset, q.Count = (page-1)*roomsPerPage, roomsPerPage
	p, err := c.Rooms.AdminRooms(r.Context(), s.actor, q)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	for _, ro := range p.Items {
		v.Rows = append(v.Rows, roomRow{Href: "/admin/rooms/" + url.PathEscape(ro.ID), Name: roomName(ro), Type: roomType(ro),
			Users: count(ro.UsersCount), Msgs: count(ro.Msgs), Created: when(ro.Ts),
			Default: ro.Default, ReadOnly: ro.RO, Archived: ro.Archived, Featured: ro.Featured})
	}
	v.Pager = newPager("/admin/rooms", qs, page, roomsPerPage, len(p.Items), p.Total)
	c.render(w, r, roomsPage(c.roomPageData(r, s, "Rooms"), v))
}

// roomName is the name Rocket.Chat's console shows: a direct message's usernames
// joined with " x ", a discussion's or team's display name (fname), else the name.
func roomName(r model.Room) string {
	switch {
	case r.T == model.RoomDirect:
		if len(r.Usernames) > 0 {
			return strings.Join(r.Usernames, " x ")
		}
	case r.FName != "":
		return r.FName
	}
	if r.Name == "" {
		return r.ID
	}
	return r.Name
}

// roomType names the room's kind.
func roomType(r model.Room) string {
	base := map[string]string{model.RoomPublic: "Channel", model.RoomPrivate: "Private", model.RoomDirect: "Direct", model.RoomLive: "Omnichannel"}[r.T]
	if base == "" {
		base = r.T
	}
	switch {
	case r.TeamMain:
		return base + " team"
	case r.Prid != "":
		return base + " discussion"
	}
	return base
}

// roomForm is the edit form's values.
type roomForm struct {
	Name, Topic, Announcement, Description string
	Private, ReadOnly, Archived            bool
	Default, Featured                      bool
}

func roomFormOf(r model.Room) roomForm {
	return roomForm{Name: r.Name, Topic: r.Topic, Announcement: r.Announcement, Description: r.Description,
		Private: r.T == model.RoomPrivate, ReadOnly: r.RO, Archived: r.Archived, Default: r.Default, Featured: r.Featured}
}

// text is a textarea's value: browsers send CRLF line ends; surrounding space goes.
func text(v string) string { return strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n")) }

func readRoomForm(r *http.Request) roomForm {
	p := r.PostForm
	return roomForm{Name: strings.TrimSpace(p.Get("name")), Topic: text(p.Get("topic")), Announcement: text(p.Get("announcement")),
		Description: text(p.Get("description")), Private: p.Get("private") == "on", ReadOnly: p.Get("readOnly") == "on",
		Archived: p.Get("archived") == "on", Default: p.Get("default") == "on", Featured: p.Get("featured") == "on"}
}

// roomEditView is a room's page: facts, the settings form, owners, delete.
type roomEditView struct {
	Room        model.Room
	Name, Type  string
	Action      string
	Form        roomForm
	Error       string // of the settings form
	OwnerError  string
	DelError    string
	Confirm     string // what to type to delete
	Created     string
	LastMessage string
	Holders     []holderRow
	Direct      bool // a direct message: only the topic can change
	Editable    bool // not an omnichannel room
	CanEdit     bool // edit-room: saveRoomSettings needs it for any change
	CanType     bool // create-c or create-p for the other type
	CanArchive  bool // archive-room, or unarchive-room when archived
	CanAdmin    bool // view-room-administration: default, featured
	CanOwner    bool // set-owner
	CanDelete   bool // delete-<t>
	Avatar      avatarView
}

// holderRow is a member holding room roles.
type holderRow struct {
	ID, Username, Name, Roles string
	Owner                     bool
}

// roomView builds a room's page with the form showing f.
func (c *Console) roomView(r *http.Request, s *session, ro model.Room, f roomForm) roomEditView {
	ctx, a := r.Context(), s.actor
	v := roomEditView{Room: ro, Name: roomName(ro), Type: roomType(ro), Action: "/admin/rooms/" + url.PathEscape(ro.ID), Form: f,
		Created: when(ro.Ts), LastMessage: "never", Direct: ro.T == model.RoomDirect, Editable: ro.T != model.RoomLive,
		CanEdit:   c.Authz.Can(ctx, a, "edit-room", ro.ID),
		CanAdmin:  c.Authz.Can(ctx, a, "view-room-administration", ""),
		CanOwner:  ro.T != model.RoomDirect && c.Authz.Can(ctx, a, "set-owner", ro.ID),
		CanDelete: c.Authz.Can(ctx, a, "delete-"+ro.T, ro.ID),
		Confirm:   ro.Name}
	if v.Confirm == "" {
		v.Confirm = ro.ID
	}
	if ro.T == model.RoomPublic || ro.T == model.RoomPrivate {
		other := map[string]string{model.RoomPublic: model.RoomPrivate, model.RoomPrivate: model.RoomPublic}[ro.T]
		v.CanType = c.Authz.Can(ctx, a, "create-"+other, "")
	}
	if ro.Archived {
		v.CanArchive = c.Authz.Can(ctx, a, "unarchive-room", ro.ID)
	} else {
		v.CanArchive = c.Authz.Can(ctx, a, "archive-room", ro.ID)
	}
	if ro.LM != nil {
		v.LastMessage = when(*ro.LM)
	}
	v.Avatar = c.newAvatarView("/avatar/room/"+url.PathEscape(ro.ID)+"?size=96", ro.AvatarETag, "Avatar of "+v.Name,
		v.Action+"/avatar", roomHasPicture(ro), c.mayRoomAvatar(r, s, ro))
	holders, err := c.Rooms.AdminRoleHolders(ctx, a, ro.ID)
	if err != nil {
		c.Logger.Warn("admin: room role holders", "rid", ro.ID, "err", err)
	}
	for _, h := range holders {
		v.Holders = append(v.Holders, holderRow{ID: h.U.ID, Username: h.U.Username, Name: h.U.Name,
			Roles: strings.Join(h.Roles, ", "), Owner: slices.Contains(h.Roles, "owner")})
	}
	return v
}

// loadRoom finds the room of the path; it answers the request itself when it cannot.
func (c *Console) loadRoom(w http.ResponseWriter, r *http.Request, s *session) (model.Room, bool) {
	ro, err := c.Rooms.AdminRoom(r.Context(), s.actor, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, s, err)
		return ro, false
	}
	return ro, true
}

func (c *Console) showRoom(w http.ResponseWriter, r *http.Request, s *session, status int, v roomEditView) {
	c.renderStatus(w, r, status, roomEditPage(c.roomPageData(r, s, v.Name), v))
}

// roomForm serves GET /admin/rooms/{id}.
func (c *Console) roomForm(w http.ResponseWriter, r *http.Request, s *session) {
	ro, ok := c.loadRoom(w, r, s)
	if !ok {
		return
	}
	c.showRoom(w, r, s, http.StatusOK, c.roomView(r, s, ro, roomFormOf(ro)))
}

// saveRoom serves POST /admin/rooms/{id}: rooms.saveRoomSettings with the fields that
// changed (EditRoom.tsx sends only the dirty fields), after checking the permissions
// they need: edit-room in the room for any change (saveRoomSettings checks it first),
// and for the type create-c or create-p, for archived archive-room or unarchive-room,
// for default and featured view-room-administration.
func (c *Console) saveRoom(w http.ResponseWriter, r *http.Request, s *session) {
	ro, ok := c.loadRoom(w, r, s)
	if !ok {
		return
	}
	f, old := readRoomForm(r), roomFormOf(ro)
	// A disabled field is not posted: it keeps its value.
	for key, dst := range map[string]*string{"name": &f.Name, "topic": &f.Topic, "announcement": &f.Announcement, "description": &f.Description} {
		if _, sent := r.PostForm[key]; !sent {
			*dst = map[string]string{"name": old.Name, "topic": old.Topic, "announcement": old.Announcement, "description": old.Description}[key]
		}
	}
	v := c.roomView(r, s, ro, f)
	values := map[string]any{}
	changed := map[string]string{}
	need := ""
	str := func(key, field, now, was string) {
		if now != was {
			values[key], changed[field] = now, now
		}
	}
	flag := func(key, field string, now, was, may bool, perm string) {
		if now != was {
			values[key], changed[field] = now, yesNo(now)
			if !may && need == "" {
				need = perm
			}
		}
	}
	if v.Direct {
		f = roomForm{Topic: f.Topic, Name: old.Name, Default: old.Default, Featured: old.Featured, ReadOnly: old.ReadOnly, Archived: old.Archived}
		v.Form = f
	}
	str("roomTopic", "topic", f.Topic, old.Topic)
	if !v.Direct {
		str("roomName", "name", f.Name, old.Name)
		str("roomAnnouncement", "announcement", f.Announcement, old.Announcement)
		str("roomDescription", "description", f.Description, old.Description)
		if ro.T == model.RoomPublic || ro.T == model.RoomPrivate {
			flag("roomType", "private", f.Private, old.Private, v.CanType, "create-c / create-p")
			if t, ok := values["roomType"]; ok {
				values["roomType"] = map[bool]string{true: model.RoomPrivate, false: model.RoomPublic}[t.(bool)]
			}
		}
		flag("readOnly", "readOnly", f.ReadOnly, old.ReadOnly, v.CanEdit, "edit-room")
		flag("archived", "archived", f.Archived, old.Archived, v.CanArchive, map[bool]string{true: "archive-room", false: "unarchive-room"}[f.Archived])
		flag("default", "default", f.Default, old.Default, v.CanAdmin, "view-room-administration")
		flag("featured", "featured", f.Featured, old.Featured, v.CanAdmin, "view-room-administration")
	}
	if len(values) == 0 {
		redirect(w, r, v.Action+"?done=unchanged")
		return
	}
	if !v.CanEdit { // saveRoomSettings needs edit-room in the room for any change
		need = "edit-room"
	}
	if need != "" {
		c.forbidden(w, r, s, "Your roles do not give you "+need+" in this room, which this change needs.")
		return
	}
	if !v.Editable {
		v.Error = "Omnichannel rooms are edited from the omnichannel pages."
		c.showRoom(w, r, s, http.StatusBadRequest, v)
		return
	}
	if !v.Direct && f.Name == "" {
		v.Error = "The name cannot be empty."
		c.showRoom(w, r, s, http.StatusBadRequest, v)
		return
	}
	if _, err := c.Rooms.SaveSettings(r.Context(), s.actor, ro.ID, values); err != nil {
		v.Error = c.message(r, err)
		c.showRoom(w, r, s, http.StatusBadRequest, v)
		return
	}
	c.record(r, s, "room.update", roomName(ro), changed)
	redirect(w, r, v.Action+"?done=roomsaved")
}

// setRoomOwner serves POST /admin/rooms/{id}/owner (set-owner in the room): action add
// (addRoomOwner) or remove (removeRoomOwner) for the member named by user (an id, from
// the members list) or username (typed).
func (c *Console) setRoomOwner(w http.ResponseWriter, r *http.Request, s *session) {
	ro, ok := c.loadRoom(w, r, s)
	if !ok {
		return
	}
	if ro.T == model.RoomDirect || !c.Authz.Can(r.Context(), s.actor, "set-owner", ro.ID) {
		c.forbidden(w, r, s, "Your roles do not give you set-owner in this room.")
		return
	}
	p := r.PostForm
	add := p.Get("action") != "remove"
	uid, username := strings.TrimSpace(p.Get("user")), strings.TrimPrefix(strings.TrimSpace(p.Get("username")), "@")
	back := r.PostForm.Get("back") == "members"
	bad := func(msg string) {
		if back {
			c.problem(w, r, s, http.StatusBadRequest, "Not done", msg)
			return
		}
		v := c.roomView(r, s, ro, roomFormOf(ro))
		v.OwnerError = msg
		c.showRoom(w, r, s, http.StatusBadRequest, v)
	}
	if uid == "" && username == "" {
		bad("Enter the username of a member.")
		return
	}
	if uid == "" {
		m, err := c.Rooms.AdminMembers(r.Context(), s.actor, ro.ID, username, 0, 50)
		if err != nil {
			bad(c.message(r, err))
			return
		}
		for _, it := range m.Items {
			if strings.EqualFold(it.Username, username) {
				uid, username = it.ID, it.Username
			}
		}
		if uid == "" {
			bad(username + " is not a member of this room.")
			return
		}
	}
	if err := c.Rooms.SetRoomRole(r.Context(), s.actor, ro.ID, uid, "owner", add); err != nil {
		bad(c.message(r, err))
		return
	}
	if username == "" {
		username = uid
	}
	c.record(r, s, map[bool]string{true: "room.owner.add", false: "room.owner.remove"}[add], roomName(ro), map[string]string{"user": username})
	to := "/admin/rooms/" + url.PathEscape(ro.ID)
	if back {
		to += "/members"
	}
	redirect(w, r, to+"?done="+map[bool]string{true: "owner", false: "ownerremoved"}[add])
}

// deleteRoom serves POST /admin/rooms/{id}/delete (rooms.delete: delete-c, delete-p or
// delete-d in the room). The admin types the room's name (a direct message's id) to
// confirm, as Rocket.Chat's confirmation modal asks to be sure.
func (c *Console) deleteRoom(w http.ResponseWriter, r *http.Request, s *session) {
	ro, ok := c.loadRoom(w, r, s)
	if !ok {
		return
	}
	if !c.Authz.Can(r.Context(), s.actor, "delete-"+ro.T, ro.ID) {
		c.forbidden(w, r, s, "Your roles do not give you delete-"+ro.T+" in this room.")
		return
	}
	v := c.roomView(r, s, ro, roomFormOf(ro))
	if strings.TrimSpace(r.PostForm.Get("confirm")) != v.Confirm {
		v.DelError = "Type the room's name exactly to confirm the deletion."
		c.showRoom(w, r, s, http.StatusBadRequest, v)
		return
	}
	if err := c.Rooms.Delete(r.Context(), s.actor, ro.ID); err != nil {
		v.DelError = c.message(r, err)
		c.showRoom(w, r, s, http.StatusBadRequest, v)
		return
	}
	c.record(r, s, "room.delete", roomName(ro), map[string]string{"id": ro.ID, "type": ro.T, "msgs": count(ro.Msgs), "users": count(ro.UsersCount)})
	redirect(w, r, "/admin/rooms?done=roomdeleted")
}

// membersView is a room's members listing.
type membersView struct {
	Room     model.Room
	Name     string
	Back     string
	Q        string
	Rows     []memberRow
	Pager    pager
	CanOwner bool
}

type memberRow struct {
	ID, Username, Name, Status, Roles string
	Owner                             bool
}

// roomMembers serves GET /admin/rooms/{id}/members: the room's active members by
// username, searchable and paged, each with its room roles and a make-owner or
// remove-owner button.
func (c *Console) roomMembers(w http.ResponseWriter, r *http.Request, s *session) {
	ro, ok := c.loadRoom(w, r, s)
	if !ok {
		return
	}
	qs := r.URL.Query()
	v := membersView{Room: ro, Name: roomName(ro), Back: "/admin/rooms/" + url.PathEscape(ro.ID), Q: strings.TrimSpace(qs.Get("q")),
		CanOwner: ro.T != model.RoomDirect && c.Authz.Can(r.Context(), s.actor, "set-owner", ro.ID)}
	if len(v.Q) > 100 {
		v.Q = v.Q[:100]
	}
	page := pageParam(r)
	m, err := c.Rooms.AdminMembers(r.Context(), s.actor, ro.ID, v.Q, (page-1)*roomsPerPage, roomsPerPage)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	for _, it := range m.Items {
		v.Rows = append(v.Rows, memberRow{ID: it.ID, Username: it.Username, Name: it.Name, Status: it.Status,
			Roles: strings.Join(it.Roles, ", "), Owner: slices.Contains(it.Roles, "owner")})
	}
	v.Pager = newPager(v.Back+"/members", qs, page, roomsPerPage, len(m.Items), m.Total)
	c.render(w, r, roomMembersPage(c.roomPageData(r, s, "Members of "+v.Name), v))
}

// roomHasPicture reports whether the room has a picture of its own: an avatarETag that
// is not a reset's (Rocket.Chat's unsetAvatarData sets it to the time in milliseconds,
// so cached pictures go stale; pictures get random alphanumeric etags).
func roomHasPicture(ro model.Room) bool {
	return strings.Trim(ro.AvatarETag, "0123456789") != ""
}

// mayRoomAvatar reports whether the admin may change the room's avatar, as
// saveRoomSettings' roomAvatar checks it: edit-room and edit-room-avatar in the room,
// never for a direct message or an omnichannel room.
func (c *Console) mayRoomAvatar(r *http.Request, s *session, ro model.Room) bool {
	return ro.T != model.RoomDirect && ro.T != model.RoomLive && c.Authz.Can(r.Context(), s.actor, "edit-room", ro.ID) &&
		c.Authz.Can(r.Context(), s.actor, "edit-room-avatar", ro.ID)
}

// setRoomAvatar serves POST /admin/rooms/{id}/avatar (multipart/form-data, the file in
// "image"): the picture as a data: URI, as Rocket.Chat's EditRoom sends it (its
// RoomAvatarEditor reads the file with readAsDataURL).
func (c *Console) setRoomAvatar(w http.ResponseWriter, r *http.Request, s *session) {
	ro, ok := c.loadRoom(w, r, s)
	if !ok {
		return
	}
	uri, fields, err := c.avatarDataURI(r)
	c.changeRoomAvatar(w, r, s, ro, uri, err, "room.avatar.set", "avatar", fields)
}

// resetRoomAvatar serves POST /admin/rooms/{id}/avatar/reset: roomAvatar null, as
// EditRoom's reset sends it.
func (c *Console) resetRoomAvatar(w http.ResponseWriter, r *http.Request, s *session) {
	ro, ok := c.loadRoom(w, r, s)
	if !ok {
		return
	}
	c.changeRoomAvatar(w, r, s, ro, nil, nil, "room.avatar.reset", "avatarreset", nil)
}

// changeRoomAvatar changes the room's avatar through rooms.saveRoomSettings' roomAvatar
// (value: a data: URI, nil to reset), so the permissions, the room_changed_avatar
// system message and the updateAvatar event are the rooms service's. A failure (bad,
// the upload's own) shows the room's page again with the message.
func (c *Console) changeRoomAvatar(w http.ResponseWriter, r *http.Request, s *session, ro model.Room, value any, bad error,
	action, done string, fields map[string]string) {
	if !c.mayRoomAvatar(r, s, ro) {
		c.forbidden(w, r, s, "Your roles do not give you edit-room and edit-room-avatar in this room, which changing its avatar needs.")
		return
	}
	err := bad
	if err == nil {
		_, err = c.Rooms.SaveSettings(r.Context(), s.actor, ro.ID, map[string]any{"roomAvatar": value})
	}
	if err != nil {
		if k := model.AsError(err).Kind; k == model.KindForbidden || k == model.KindUnauthorized || k == model.KindNotFound {
			c.fail(w, r, s, err)
			return
		}
		v := c.roomView(r, s, ro, roomFormOf(ro))
		v.Avatar.Error = c.message(r, err)
		c.showRoom(w, r, s, http.StatusBadRequest, v)
		return
	}
	if fields == nil {
		fields = map[string]string{}
	}
	fields["id"] = ro.ID
	c.record(r, s, action, roomName(ro), fields)
	redirect(w, r, "/admin/rooms/"+url.PathEscape(ro.ID)+"?done="+done)
}
