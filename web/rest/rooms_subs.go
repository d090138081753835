package rest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
)

// subscriptionRoutes registers subscriptions.*, rooms.*, directory and spotlight.
func (a *api) subscriptionRoutes() {
	a.handle("GET /api/v1/subscriptions.get", a.authed(a.subscriptionsGet))
	a.handle("GET /api/v1/subscriptions.getOne", a.authed(a.subscriptionsGetOne))
	a.handle("POST /api/v1/subscriptions.read", a.authed(a.subscriptionsRead))
	a.handle("POST /api/v1/subscriptions.unread", a.authed(a.subscriptionsUnread))
	a.handle("GET /api/v1/rooms.get", a.authed(a.roomsGet))
	a.handle("GET /api/v1/rooms.info", a.authed(a.roomsInfo))
	// roomAvatar may carry a picture as a data: URI: the body limit is set per request.
	a.handleLimit("POST /api/v1/rooms.saveRoomSettings", 1<<62, a.authed(longLived(a.roomsSaveSettings)))
	a.handle("POST /api/v1/rooms.leave", a.authed(a.roomsLeave))
	a.handle("POST /api/v1/rooms.favorite", a.authed(a.roomsFavorite))
	a.handle("POST /api/v1/rooms.saveNotification", a.authed(a.roomsSaveNotification))
	a.handle("GET /api/v1/rooms.autocomplete.channelAndPrivate", a.authed(a.roomsAutocomplete))
	a.handle("GET /api/v1/rooms.autocomplete.channelAndPrivate.withPagination", a.authed(a.roomsAutocompletePaged))
	a.handle("GET /api/v1/directory", a.authed(a.directory))
	a.handle("GET /api/v1/spotlight", a.authed(a.spotlight))
}

// updatedSince reads the updatedSince parameter, an ISO date; zero when absent.
func updatedSince(r *http.Request) (time.Time, error) {
	s := r.URL.Query().Get("updatedSince")
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, model.Invalid("error-updatedSince-param-invalid", "The \"updatedSince\" query parameter must be a valid date.")
	}
	return t, nil
}

func (a *api) subscriptionsGet(w http.ResponseWriter, r *http.Request) error {
	since, err := updatedSince(r)
	if err != nil {
		return err
	}
	out, err := a.Rooms.Subscriptions(r.Context(), actorOf(r), since)
	if err != nil {
		return err
	}
	return WriteSuccess(w, out)
}

func (a *api) roomsGet(w http.ResponseWriter, r *http.Request) error {
	since, err := updatedSince(r)
	if err != nil {
		return err
	}
	out, err := a.Rooms.Rooms(r.Context(), actorOf(r), since)
	if err != nil {
		return err
	}
	return WriteSuccess(w, out)
}

func (a *api) subscriptionsGetOne(w http.ResponseWriter, r *http.Request) error {
	rid := r.URL.Query().Get("roomId")
	if rid == "" {
		return model.Invalid(codeInvalidParams, "must have required property 'roomId'")
	}
	sub, err := a.Rooms.Subscription(r.Context(), actorOf(r), rid)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"subscription": sub})
}

func (a *api) subscriptionsRead(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		RID         string `json:"rid"`
		RoomID      string `json:"roomId"`
		ReadThreads bool   `json:"readThreads"`
	}
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	rid := cmpOrStr(b.RID, b.RoomID)
	if rid == "" {
		return model.Invalid(codeInvalidParams, "must have required property 'rid'")
	}
	if err := a.Rooms.Read(r.Context(), actorOf(r), rid, b.ReadThreads); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

func (a *api) subscriptionsUnread(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		RoomID             string `json:"roomId"`
		FirstUnreadMessage *struct {
			ID string `json:"_id"`
		} `json:"firstUnreadMessage"`
	}
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	mid := ""
	if b.FirstUnreadMessage != nil {
		mid = b.FirstUnreadMessage.ID
	}
	if b.RoomID == "" && mid == "" {
		return model.Invalid(codeInvalidParams, "must have required property 'roomId'")
	}
	if err := a.Rooms.MarkUnread(r.Context(), actorOf(r), b.RoomID, mid); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

// anyRoom resolves a room of any type the actor may read; Rocket.Chat's rooms.* routes
// answer not-allowed for unknown rooms and rooms the actor may not see alike.
func (a *api) anyRoom(r *http.Request, rid, name string) (model.Room, error) {
	if rid == "" && name == "" {
		return model.Room{}, model.Invalid("error-room-param-not-provided", `The parameter "roomId" or "roomName" is required`)
	}
	room, _, err := a.Rooms.Find(r.Context(), actorOf(r), rid, name)
	if e := model.AsError(err); e != nil && (e.Kind == model.KindNotFound || e.Kind == model.KindForbidden) {
		return model.Room{}, model.Invalid("error-not-allowed", "Not allowed")
	}
	return room, err
}

func (a *api) roomsInfo(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	room, err := a.anyRoom(r, q.Get("roomId"), q.Get("roomName"))
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"room": room})
}

func (a *api) roomsSaveSettings(w http.ResponseWriter, r *http.Request) error {
	limit := DefaultBodyLimit
	if a.Avatars != nil {
		limit = avatarBodyLimit(a.Avatars)
	}
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	var b map[string]any
	if err := DecodeJSON(r, &b); err != nil {
		if a.Avatars != nil {
			return avatarTooLarge(a.Avatars, err)
		}
		return err
	}
	rid, _ := b["rid"].(string)
	if rid == "" {
		return model.Invalid(codeInvalidParams, "must have required property 'rid'")
	}
	delete(b, "rid")
	if _, err := a.Rooms.SaveSettings(r.Context(), actorOf(r), rid, b); err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"rid": rid})
}

func (a *api) roomsLeave(w http.ResponseWriter, r *http.Request) error {
	var b roomBody
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	room, err := a.anyRoom(r, b.RoomID, b.RoomName)
	if err != nil {
		return err
	}
	if err := a.Rooms.Leave(r.Context(), actorOf(r), room.ID); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

func (a *api) roomsFavorite(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		RoomID   string `json:"roomId"`
		RoomName string `json:"roomName"`
		Favorite *bool  `json:"favorite"`
	}
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.Favorite == nil {
		return model.Invalid(codeInvalidParams, "must have required property 'favorite'")
	}
	room, err := a.anyRoom(r, b.RoomID, b.RoomName)
	if err != nil {
		return err
	}
	if err := a.Rooms.Favorite(r.Context(), actorOf(r), room.ID, *b.Favorite); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

func (a *api) roomsSaveNotification(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		RoomID        string         `json:"roomId"`
		Notifications map[string]any `json:"notifications"`
	}
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	if b.RoomID == "" || b.Notifications == nil {
		return model.Invalid(codeInvalidParams, "must have required properties 'roomId' and 'notifications'")
	}
	if err := a.Rooms.SaveNotification(r.Context(), actorOf(r), b.RoomID, b.Notifications); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

func (a *api) roomsAutocomplete(w http.ResponseWriter, r *http.Request) error {
	var sel struct {
		Name string `json:"name"`
	}
	if s := r.URL.Query().Get("selector"); s == "" || json.Unmarshal([]byte(s), &sel) != nil {
		return model.Invalid(codeInvalidParams, "must have required property 'selector'")
	}
	p, err := a.Rooms.SearchRooms(r.Context(), actorOf(r), sel.Name, true, 0, 10)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"items": p.Items})
}

// roomsAutocompletePaged is roomsAutocomplete with paging (offset, count) and the
// total, {items, count, offset, total}, as the web client's room pickers ask.
func (a *api) roomsAutocompletePaged(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, count, err := pagination(q.Get("offset"), q.Get("count"))
	if err != nil {
		return err
	}
	var sel struct {
		Name string `json:"name"`
	}
	if s := q.Get("selector"); s != "" && json.Unmarshal([]byte(s), &sel) != nil {
		return model.Invalid(codeInvalidParams, "must have required property 'selector'")
	}
	p, err := a.Rooms.SearchRooms(r.Context(), actorOf(r), sel.Name, true, offset, count)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"items": p.Items, "count": len(p.Items), "offset": offset, "total": p.Total})
}

// directory lists users or channels (type users|channels, text, workspace, sort with
// one field such as {"name":1} or {"usersCount":-1}, offset, count; the older
// query={"type","text","workspace"} parameter too). As Rocket.Chat's route does, a
// sort other than 1 is descending, and no sort at all is by name descending.
func (a *api) directory(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, count, err := pagination(q.Get("offset"), q.Get("count"))
	if err != nil {
		return err
	}
	in := rooms.DirectoryQuery{Type: q.Get("type"), Text: q.Get("text"), Workspace: q.Get("workspace"), Desc: true, Offset: offset, Count: count}
	if s := q.Get("query"); s != "" {
		var old struct{ Type, Text, Workspace string }
		if json.Unmarshal([]byte(s), &old) != nil {
			return model.Invalid("error-invalid-query", "Invalid query parameter provided")
		}
		in.Type, in.Text, in.Workspace = cmpOrStr(in.Type, old.Type), cmpOrStr(in.Text, old.Text), cmpOrStr(in.Workspace, old.Workspace)
	}
	if s := q.Get("sort"); s != "" {
		fields, err := parseSortFields(s)
		if err != nil {
			return err
		}
		if len(fields) > 1 {
			return model.Invalid("", `This method support only one "sort" parameter`)
		}
		if len(fields) == 1 {
			in.SortBy, in.Desc = fields[0].Field, fields[0].Desc
		}
	}
	switch in.Type {
	case "", "channels", "users":
	default:
		return model.Invalid("error-invalid-type", "Invalid type")
	}
	p, err := a.Rooms.Directory(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	return listPage(w, "result", p, offset)
}

// spotlight searches users and rooms (GET spotlight?query=): "@x" users only, "#x"
// rooms only.
func (a *api) spotlight(w http.ResponseWriter, r *http.Request) error {
	text := r.URL.Query().Get("query")
	wantUsers, wantRooms := true, true
	switch {
	case strings.HasPrefix(text, "@"):
		text, wantRooms = text[1:], false
	case strings.HasPrefix(text, "#"):
		text, wantUsers = text[1:], false
	}
	out := map[string]any{"users": []any{}, "rooms": []any{}}
	if wantUsers {
		p, err := a.Rooms.SearchUsers(r.Context(), actorOf(r), text, nil, 0, 10)
		if err != nil {
			return err
		}
		out["users"] = p.Items
	}
	if wantRooms {
		p, err := a.Rooms.SearchRooms(r.Context(), actorOf(r), text, true, 0, 10)
		if err != nil {
			return err
		}
		out["rooms"] = p.Items
	}
	return WriteSuccess(w, out)
}

func cmpOrStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
