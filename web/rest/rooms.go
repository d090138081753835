package rest

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
)

// Rooms is rooms and subscriptions; rooms.Service satisfies it.
type Rooms interface {
	Find(ctx context.Context, actor model.Actor, rid, name string) (model.Room, *model.Subscription, error)
	Create(ctx context.Context, actor model.Actor, in rooms.NewRoom) (model.Room, error)
	CreateDirect(ctx context.Context, actor model.Actor, usernames []string, excludeSelf bool) (rooms.CreatedDirect, error)
	Join(ctx context.Context, actor model.Actor, rid, joinCode string) (model.Room, error)
	Leave(ctx context.Context, actor model.Actor, rid string) error
	AddUsers(ctx context.Context, actor model.Actor, rid string, users []string, byID bool) (model.Room, error)
	Kick(ctx context.Context, actor model.Actor, rid, uid string) (model.Room, error)
	SetRoomRole(ctx context.Context, actor model.Actor, rid, uid, role string, add bool) error
	SaveSettings(ctx context.Context, actor model.Actor, rid string, values map[string]any) (model.Room, error)
	Archive(ctx context.Context, actor model.Actor, rid string, archive bool) error
	Delete(ctx context.Context, actor model.Actor, rid string) error
	ListPublic(ctx context.Context, actor model.Actor, text string, offset, count int) (rooms.Page[model.Room], error)
	ListJoined(ctx context.Context, actor model.Actor, types []string, text string, offset, count int) (rooms.Page[model.Room], error)
	Members(ctx context.Context, actor model.Actor, rid string, f rooms.MemberFilter, offset, count int) (rooms.Page[rooms.Member], error)
	RoomRoles(ctx context.Context, actor model.Actor, rid string) ([]rooms.RoomRole, error)
	Counters(ctx context.Context, actor model.Actor, rid, uid string) (rooms.Counters, error)
	Subscriptions(ctx context.Context, actor model.Actor, since time.Time) (rooms.SubscriptionSync, error)
	Rooms(ctx context.Context, actor model.Actor, since time.Time) (rooms.RoomSync, error)
	Subscription(ctx context.Context, actor model.Actor, rid string) (*model.Subscription, error)
	Read(ctx context.Context, actor model.Actor, rid string, readThreads bool) error
	MarkUnread(ctx context.Context, actor model.Actor, rid, messageID string) error
	Open(ctx context.Context, actor model.Actor, rid string) error
	Hide(ctx context.Context, actor model.Actor, rid string) error
	Favorite(ctx context.Context, actor model.Actor, rid string, fav bool) error
	SaveNotification(ctx context.Context, actor model.Actor, rid string, prefs map[string]any) error
	SearchRooms(ctx context.Context, actor model.Actor, text string, withJoined bool, offset, count int) (rooms.Page[rooms.RoomItem], error)
	SearchUsers(ctx context.Context, actor model.Actor, text string, exclude []string, offset, count int) (rooms.Page[rooms.UserItem], error)
	SetMuted(ctx context.Context, actor model.Actor, rid string, who rooms.Target, mute bool) error
	DirectWith(ctx context.Context, actor model.Actor, nameOrID string) (model.Room, *model.Subscription, error)
	AdminRooms(ctx context.Context, actor model.Actor, q rooms.AdminQuery) (rooms.Page[model.Room], error)
	AdminAutocomplete(ctx context.Context, actor model.Actor, name string) ([]rooms.RoomItem, error)
	Directory(ctx context.Context, actor model.Actor, q rooms.DirectoryQuery) (rooms.Page[any], error)
}

// family is one group of room routes: channels.* (public channels), groups.*
// (private groups), im.* and its alias dm.* (direct messages).
type family struct {
	prefix string // "channels"
	t      string // the room type the routes serve
	key    string // the response key of one room: "channel", "group", "room"
	list   string // the response key of a list: "channels", "groups", "ims"
	noun   string // in the not-found message
}

var (
	channelsFamily = family{"channels", model.RoomPublic, "channel", "channels", "channel"}
	groupsFamily   = family{"groups", model.RoomPrivate, "group", "groups", "group"}
	imFamily       = family{"im", model.RoomDirect, "room", "ims", "direct message"}
	dmFamily       = family{"dm", model.RoomDirect, "room", "ims", "direct message"}
)

// roomRoutes registers channels.*, groups.*, im.*, dm.*, rooms.*, subscriptions.*,
// directory and spotlight.
func (a *api) roomRoutes() {
	for _, f := range []family{channelsFamily, groupsFamily} {
		p := "/api/v1/" + f.prefix + "."
		a.handle("POST "+p+"create", a.authed(a.roomCreate(f)))
		a.handle("GET "+p+"info", a.authed(a.roomInfo(f)))
		a.handle("GET "+p+"list", a.authed(a.roomList(f)))
		a.handle("GET "+p+"members", a.authed(a.roomMembers(f)))
		a.handle("GET "+p+"roles", a.authed(a.roomRoles(f)))
		a.handle("GET "+p+"counters", a.authed(a.roomCounters(f)))
		a.handle("POST "+p+"invite", a.authed(a.roomInvite(f)))
		a.handle("POST "+p+"kick", a.authed(a.roomKick(f)))
		a.handle("POST "+p+"leave", a.authed(a.roomLeave(f)))
		a.handle("POST "+p+"rename", a.authed(a.roomRename(f)))
		a.handle("POST "+p+"setTopic", a.authed(a.roomSetText(f, "topic", "roomTopic")))
		a.handle("POST "+p+"setDescription", a.authed(a.roomSetText(f, "description", "roomDescription")))
		a.handle("POST "+p+"setAnnouncement", a.authed(a.roomSetText(f, "announcement", "roomAnnouncement")))
		a.handle("POST "+p+"setReadOnly", a.authed(a.roomSetReadOnly(f)))
		a.handle("POST "+p+"setType", a.authed(a.roomSetType(f)))
		a.handle("POST "+p+"archive", a.authed(a.roomArchive(f, true)))
		a.handle("POST "+p+"unarchive", a.authed(a.roomArchive(f, false)))
		a.handle("POST "+p+"delete", a.authed(a.roomDelete(f)))
		a.handle("POST "+p+"open", a.authed(a.roomOpen(f, true)))
		a.handle("POST "+p+"close", a.authed(a.roomOpen(f, false)))
		for _, role := range []string{"Owner", "Moderator", "Leader"} {
			a.handle("POST "+p+"add"+role, a.authed(a.roomRole(f, role, true)))
			a.handle("POST "+p+"remove"+role, a.authed(a.roomRole(f, role, false)))
		}
	}
	a.handle("GET /api/v1/channels.list.joined", a.authed(a.roomListJoined(channelsFamily)))
	a.handle("GET /api/v1/groups.list.joined", a.authed(a.roomListJoined(groupsFamily)))
	a.handle("POST /api/v1/channels.join", a.authed(a.channelsJoin))
	for _, f := range []family{imFamily, dmFamily} {
		p := "/api/v1/" + f.prefix + "."
		a.handle("POST "+p+"create", a.authed(a.imCreate))
		a.handle("GET "+p+"list", a.authed(a.roomListJoined(f)))
		a.handle("GET "+p+"members", a.authed(a.roomMembers(f)))
		a.handle("GET "+p+"counters", a.authed(a.roomCounters(f)))
		a.handle("POST "+p+"open", a.authed(a.roomOpen(f, true)))
		a.handle("POST "+p+"close", a.authed(a.roomOpen(f, false)))
		a.handle("POST "+p+"delete", a.authed(a.roomDelete(f)))
		a.handle("POST "+p+"setTopic", a.authed(a.imSetTopic(f)))
	}
	a.subscriptionRoutes()
	a.roomExtraRoutes()
}

// roomBody is every field the room routes read from a JSON body.
type roomBody struct {
	RoomID       string   `json:"roomId"`
	RoomName     string   `json:"roomName"`
	UserID       string   `json:"userId"`
	UserIDs      []string `json:"userIds"`
	Username     string   `json:"username"`
	Name         string   `json:"name"`
	Topic        *string  `json:"topic"`
	Description  *string  `json:"description"`
	Announcement *string  `json:"announcement"`
	ReadOnly     *bool    `json:"readOnly"`
	Type         string   `json:"type"`
	JoinCode     string   `json:"joinCode"`
	Members      []string `json:"members"`
	ExcludeSelf  bool     `json:"excludeSelf"`
	ExtraData    struct {
		Broadcast   bool   `json:"broadcast"`
		Encrypted   bool   `json:"encrypted"`
		Topic       string `json:"topic"`
		Description string `json:"description"`
	} `json:"extraData"`
}

// roomNotFound is Rocket.Chat's answer for a room the route cannot serve.
func roomNotFound(f family) error {
	param := `"roomId" or "roomName"`
	if f.t == model.RoomDirect {
		param = `"roomId" or "username"`
	}
	return model.Invalid("error-room-not-found", fmt.Sprintf("The required %s param provided does not match any %s", param, f.noun))
}

// findRoom resolves the route's room and checks the actor may read it and that it is
// of the route's type. An unknown room, one the actor may not see and one of another
// type all answer error-room-not-found, so nothing about private rooms leaks.
//
// For direct messages name is a username (or user id): the route serves the actor's
// direct message with that user, created when missing, as Rocket.Chat's
// findDirectMessageRoom does; a roomId that is no room is tried as a user too.
func (a *api) findRoom(r *http.Request, f family, rid, name string) (model.Room, *model.Subscription, error) {
	if rid == "" && name == "" {
		if f.t == model.RoomDirect {
			return model.Room{}, nil, model.Invalid("error-room-param-not-provided", `Query param "roomId" or "username" is required`)
		}
		return model.Room{}, nil, model.Invalid("error-room-param-not-provided", `The parameter "roomId" or "roomName" is required`)
	}
	if f.t == model.RoomDirect {
		return a.findDirect(r, f, rid, name)
	}
	room, sub, err := a.Rooms.Find(r.Context(), actorOf(r), rid, name)
	if err != nil {
		if e := model.AsError(err); e.Kind == model.KindNotFound || e.Kind == model.KindForbidden {
			return model.Room{}, nil, roomNotFound(f)
		}
		return model.Room{}, nil, err
	}
	if room.T != f.t {
		return model.Room{}, nil, roomNotFound(f)
	}
	return room, sub, nil
}

// findDirect resolves an im.* or dm.* route's room: by roomId, else the direct
// message with the user named by username (or by roomId when it is no room).
func (a *api) findDirect(r *http.Request, f family, rid, username string) (model.Room, *model.Subscription, error) {
	if rid != "" {
		room, sub, err := a.Rooms.Find(r.Context(), actorOf(r), rid, "")
		if err == nil && room.T == model.RoomDirect {
			return room, sub, nil
		}
		if e := model.AsError(err); e != nil && e.Kind != model.KindNotFound && e.Kind != model.KindForbidden {
			return model.Room{}, nil, err
		}
		if username == "" {
			username = rid // maybe a user's id or username given as roomId
		}
	}
	room, sub, err := a.Rooms.DirectWith(r.Context(), actorOf(r), username)
	if e := model.AsError(err); e != nil && (e.Kind == model.KindNotFound || e.Kind == model.KindForbidden || e.Code == "error-room-not-found") {
		return model.Room{}, nil, roomNotFound(f)
	}
	return room, sub, err
}

// nameParam is the query or body parameter naming a route's room besides roomId.
func (f family) nameParam() string {
	if f.t == model.RoomDirect {
		return "username"
	}
	return "roomName"
}

// queryRoom resolves the room named by the roomId or roomName (im: username) query
// parameter.
func (a *api) queryRoom(r *http.Request, f family) (model.Room, *model.Subscription, error) {
	q := r.URL.Query()
	return a.findRoom(r, f, q.Get("roomId"), q.Get(f.nameParam()))
}

// bodyRoom decodes the body and resolves its room.
func (a *api) bodyRoom(r *http.Request, f family) (roomBody, model.Room, error) {
	var b roomBody
	if err := DecodeJSON(r, &b); err != nil {
		return b, model.Room{}, err
	}
	name := b.RoomName
	if f.t == model.RoomDirect {
		name = b.Username
	}
	room, _, err := a.findRoom(r, f, b.RoomID, name)
	return b, room, err
}

// one answers {<key>: room}.
func one(w http.ResponseWriter, key string, room any) error {
	return WriteSuccess(w, map[string]any{key: room})
}

// listPage answers {<key>: items, count, offset, total}.
func listPage[T any](w http.ResponseWriter, key string, p rooms.Page[T], offset int) error {
	items := p.Items
	if items == nil {
		items = []T{}
	}
	return WriteSuccess(w, map[string]any{key: items, "count": len(items), "offset": offset, "total": p.Total})
}
