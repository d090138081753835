package rest

import (
	"net/http"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
)

// The handlers of channels.*, groups.*, im.* and dm.*: one builder per route, given
// the route family.

func (a *api) roomCreate(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var b roomBody
		if err := DecodeJSON(r, &b); err != nil {
			return err
		}
		if b.Name == "" {
			return model.Invalid(codeInvalidParams, "must have required property 'name'")
		}
		in := rooms.NewRoom{Type: f.t, Name: b.Name, Members: b.Members, ExcludeSelf: b.ExcludeSelf,
			Broadcast: b.ExtraData.Broadcast, Encrypted: b.ExtraData.Encrypted, Topic: b.ExtraData.Topic, Description: b.ExtraData.Description}
		if b.ReadOnly != nil {
			in.ReadOnly = *b.ReadOnly
		}
		room, err := a.Rooms.Create(r.Context(), actorOf(r), in)
		if err != nil {
			return err
		}
		return one(w, f.key, room)
	}
}

func (a *api) roomInfo(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		room, _, err := a.queryRoom(r, f)
		if err != nil {
			return err
		}
		return one(w, f.key, room)
	}
}

func (a *api) roomList(f family) handlerFunc {
	if f.t != model.RoomPublic {
		return a.roomListJoined(f)
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		offset, count, err := pagination(q.Get("offset"), q.Get("count"))
		if err != nil {
			return err
		}
		p, err := a.Rooms.ListPublic(r.Context(), actorOf(r), queryName(q.Get("query")), offset, count)
		if err != nil {
			return err
		}
		return listPage(w, f.list, p, offset)
	}
}

func (a *api) roomListJoined(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		offset, count, err := pagination(q.Get("offset"), q.Get("count"))
		if err != nil {
			return err
		}
		p, err := a.Rooms.ListJoined(r.Context(), actorOf(r), []string{f.t}, queryName(q.Get("query")), offset, count)
		if err != nil {
			return err
		}
		return listPage(w, f.list, p, offset)
	}
}

func (a *api) roomMembers(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		room, _, err := a.queryRoom(r, f)
		if err != nil {
			return err
		}
		q := r.URL.Query()
		offset, count, err := pagination(q.Get("offset"), q.Get("count"))
		if err != nil {
			return err
		}
		filter := rooms.MemberFilter{Text: q.Get("filter"), Status: q["status[]"]}
		p, err := a.Rooms.Members(r.Context(), actorOf(r), room.ID, filter, offset, count)
		if err != nil {
			return err
		}
		return listPage(w, "members", p, offset)
	}
}

func (a *api) roomRoles(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		room, _, err := a.queryRoom(r, f)
		if err != nil {
			return err
		}
		roles, err := a.Rooms.RoomRoles(r.Context(), actorOf(r), room.ID)
		if err != nil {
			return err
		}
		return WriteSuccess(w, map[string]any{"roles": roles})
	}
}

func (a *api) roomCounters(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		room, _, err := a.queryRoom(r, f)
		if err != nil {
			return err
		}
		c, err := a.Rooms.Counters(r.Context(), actorOf(r), room.ID, r.URL.Query().Get("userId"))
		if err != nil {
			return err
		}
		return WriteSuccess(w, c)
	}
}

func (a *api) roomInvite(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, room, err := a.bodyRoom(r, f)
		if err != nil {
			return err
		}
		ids := b.UserIDs
		if b.UserID != "" {
			ids = append(ids, b.UserID)
		}
		if len(ids) == 0 {
			return model.Invalid(codeInvalidParams, "must have required property 'userId'")
		}
		out, err := a.Rooms.AddUsers(r.Context(), actorOf(r), room.ID, ids, true)
		if err != nil {
			return err
		}
		return one(w, f.key, out)
	}
}

func (a *api) roomKick(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, room, err := a.bodyRoom(r, f)
		if err != nil {
			return err
		}
		if b.UserID == "" {
			return model.Invalid(codeInvalidParams, "must have required property 'userId'")
		}
		out, err := a.Rooms.Kick(r.Context(), actorOf(r), room.ID, b.UserID)
		if err != nil {
			return err
		}
		return one(w, f.key, out)
	}
}

func (a *api) roomLeave(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, room, err := a.bodyRoom(r, f)
		if err != nil {
			return err
		}
		if err := a.Rooms.Leave(r.Context(), actorOf(r), room.ID); err != nil {
			return err
		}
		return WriteSuccess(w, nil)
	}
}

func (a *api) channelsJoin(w http.ResponseWriter, r *http.Request) error {
	b, room, err := a.bodyRoom(r, channelsFamily)
	if err != nil {
		return err
	}
	out, err := a.Rooms.Join(r.Context(), actorOf(r), room.ID, b.JoinCode)
	if err != nil {
		return err
	}
	return one(w, "channel", out)
}

// saveOne changes one room setting for the route's room and returns the room.
func (a *api) saveOne(r *http.Request, room model.Room, key string, v any) (model.Room, error) {
	return a.Rooms.SaveSettings(r.Context(), actorOf(r), room.ID, map[string]any{key: v})
}

func (a *api) roomRename(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, room, err := a.bodyRoom(r, f)
		if err != nil {
			return err
		}
		if strings.TrimSpace(b.Name) == "" {
			return model.Invalid(codeInvalidParams, "must have required property 'name'")
		}
		out, err := a.saveOne(r, room, "roomName", b.Name)
		if err != nil {
			return err
		}
		return one(w, f.key, out)
	}
}

// roomSetText serves setTopic, setDescription and setAnnouncement, answering
// {<field>: value}.
func (a *api) roomSetText(f family, field, key string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, room, err := a.bodyRoom(r, f)
		if err != nil {
			return err
		}
		v := map[string]*string{"topic": b.Topic, "description": b.Description, "announcement": b.Announcement}[field]
		if v == nil {
			return model.Invalid(codeInvalidParams, "must have required property '"+field+"'")
		}
		if _, err := a.saveOne(r, room, key, *v); err != nil {
			return err
		}
		return WriteSuccess(w, map[string]any{field: *v})
	}
}

func (a *api) roomSetReadOnly(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, room, err := a.bodyRoom(r, f)
		if err != nil {
			return err
		}
		if b.ReadOnly == nil {
			return model.Invalid(codeInvalidParams, "must have required property 'readOnly'")
		}
		out, err := a.saveOne(r, room, "readOnly", *b.ReadOnly)
		if err != nil {
			return err
		}
		return one(w, f.key, out)
	}
}

func (a *api) roomSetType(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, room, err := a.bodyRoom(r, f)
		if err != nil {
			return err
		}
		if b.Type == "" {
			return model.Invalid(codeInvalidParams, "must have required property 'type'")
		}
		out, err := a.saveOne(r, room, "roomType", b.Type)
		if err != nil {
			return err
		}
		return one(w, f.key, out)
	}
}

func (a *api) roomArchive(f family, archive bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, room, err := a.bodyRoom(r, f)
		if err != nil {
			return err
		}
		if err := a.Rooms.Archive(r.Context(), actorOf(r), room.ID, archive); err != nil {
			return err
		}
		return WriteSuccess(w, nil)
	}
}

func (a *api) roomDelete(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, room, err := a.bodyRoom(r, f)
		if err != nil {
			return err
		}
		if err := a.Rooms.Delete(r.Context(), actorOf(r), room.ID); err != nil {
			return err
		}
		return WriteSuccess(w, nil)
	}
}

// roomOpen serves open (show the room in the list again) and close (hide it).
func (a *api) roomOpen(f family, open bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		_, room, err := a.bodyRoom(r, f)
		if err != nil {
			return err
		}
		if open {
			err = a.Rooms.Open(r.Context(), actorOf(r), room.ID)
		} else {
			err = a.Rooms.Hide(r.Context(), actorOf(r), room.ID)
		}
		if err != nil {
			return err
		}
		return WriteSuccess(w, nil)
	}
}

func (a *api) roomRole(f family, role string, add bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		b, room, err := a.bodyRoom(r, f)
		if err != nil {
			return err
		}
		if b.UserID == "" {
			return model.Invalid(codeInvalidParams, "must have required property 'userId'")
		}
		if err := a.Rooms.SetRoomRole(r.Context(), actorOf(r), room.ID, b.UserID, strings.ToLower(role), add); err != nil {
			return err
		}
		return WriteSuccess(w, nil)
	}
}

// imCreate is im.create (and dm.create): {username} or {usernames:"a,b"}, excludeSelf.
func (a *api) imCreate(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Username    string `json:"username"`
		Usernames   string `json:"usernames"`
		ExcludeSelf bool   `json:"excludeSelf"`
	}
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	var names []string
	if b.Username != "" {
		names = append(names, b.Username)
	}
	for _, n := range strings.Split(b.Usernames, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return model.Invalid(codeInvalidParams, "must have required property 'username'")
	}
	dm, err := a.Rooms.CreateDirect(r.Context(), actorOf(r), names, b.ExcludeSelf)
	if err != nil {
		return err
	}
	return one(w, "room", dm)
}
