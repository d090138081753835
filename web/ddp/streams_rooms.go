package ddp

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"

	"github.com/outpostchat/outpost/app/model"
)

// Stream names of rooms and messages (PROTOCOL.md §2.2).
const (
	StreamRoomMessages    = "room-messages"
	StreamNotifyRoom      = "notify-room"
	StreamNotifyRoomUsers = "notify-room-users"
)

// myMessages is the room-messages event that carries every message of the rooms the
// user belongs to (the web client's).
const myMessages = "__my_messages__"

// Rooms is what the room streams need of the room service; rooms.Service satisfies it.
type Rooms interface {
	// Access returns the room and the actor's subscription (nil when none) if the actor
	// may read the room, else an error.
	Access(ctx context.Context, actor model.Actor, rid string) (model.Room, *model.Subscription, error)
	// RoomIDsOf returns the ids of the rooms the user is subscribed to.
	RoomIDsOf(ctx context.Context, uid string) ([]string, error)
	// MemberIDs returns the ids of the users subscribed to the room.
	MemberIDs(ctx context.Context, rid string) ([]string, error)
}

// roomEvents are the notify-room events members may write (typing indicators); every
// other notify-room event is written by the server only.
var roomEvents = map[string]bool{"user-activity": true, "typing": true}

// RegisterRoomStreams adds stream-room-messages ("<rid>" for those who may read the
// room, "__my_messages__" for signed-in users: the messages of every room they belong
// to), stream-notify-room ("<rid>/<event>" for those who may read the room; members
// write "user-activity" and "typing") and the write-only stream-notify-room-users,
// whose "<rid>/<event>" writes go to every other member's notify-user "<uid>/<event>".
func RegisterRoomStreams(s *Server, rooms Rooms) {
	s.members = newMemberCache(rooms)
	s.Stream(StreamRoomMessages, StreamSpec{CanRead: func(ctx context.Context, a model.Actor, event string, _ []json.RawMessage) error {
		if event == myMessages {
			if a.IsAnonymous() {
				return errNotAllowed
			}
			return s.members.load(ctx, a.UserID)
		}
		_, _, err := rooms.Access(ctx, a, event)
		return err
	}})
	s.Stream(StreamNotifyRoom, StreamSpec{
		CanRead: func(ctx context.Context, a model.Actor, event string, _ []json.RawMessage) error {
			rid, _, ok := strings.Cut(event, "/")
			if !ok {
				return errNotAllowed
			}
			_, _, err := rooms.Access(ctx, a, rid)
			return err
		},
		CanWrite: func(ctx context.Context, a model.Actor, event string) error {
			rid, name, _ := strings.Cut(event, "/")
			if !roomEvents[name] {
				return errNotAllowed
			}
			return member(ctx, rooms, a, rid)
		},
	})
	s.Stream(StreamNotifyRoomUsers, StreamSpec{
		CanWrite: func(ctx context.Context, a model.Actor, event string) error {
			rid, name, _ := strings.Cut(event, "/")
			if name == "" {
				return errNotAllowed
			}
			return member(ctx, rooms, a, rid)
		},
		OnWrite: func(ctx context.Context, a model.Actor, event string, args []json.RawMessage) {
			rid, name, _ := strings.Cut(event, "/")
			uids, err := rooms.MemberIDs(ctx, rid)
			if err != nil {
				s.log.Error("ddp: room members", "rid", rid, "error", err)
				return
			}
			out := make([]any, len(args))
			for i, x := range args {
				out[i] = x
			}
			for _, uid := range uids {
				if uid != a.UserID {
					s.emit(StreamNotifyUser, uid+"/"+name, nil, nil, out)
				}
			}
		},
		NoRetransmit: true,
	})
}

// member allows members of the room only.
func member(ctx context.Context, rooms Rooms, a model.Actor, rid string) error {
	if a.IsAnonymous() {
		return errNotAllowed
	}
	_, sub, err := rooms.Access(ctx, a, rid)
	if err != nil {
		return err
	}
	if sub == nil {
		return errNotAllowed
	}
	return nil
}

// StopRoomEvents ends the subscriptions of the user's sessions to the room's events
// (room-messages "<rid>", notify-room "<rid>/…"): they left or were removed.
func (s *Server) StopRoomEvents(uid, rid string) {
	var stop []*Sub
	for _, c := range s.ConnsOfUser(uid) {
		c.mu.Lock()
		for _, sub := range c.subs {
			switch sub.name {
			case "stream-" + StreamRoomMessages:
				if sub.Event() == rid {
					stop = append(stop, sub)
				}
			case "stream-" + StreamNotifyRoom:
				if strings.HasPrefix(sub.Event(), rid+"/") {
					stop = append(stop, sub)
				}
			}
		}
		c.mu.Unlock()
	}
	for _, sub := range stop {
		sub.Stop()
	}
}

// memberCache knows the rooms of the users whose sessions read __my_messages__: loaded
// when such a session subscribes, then kept by subscription events.
type memberCache struct {
	rooms Rooms
	mu    sync.RWMutex
	byUID map[string]map[string]struct{} // uid → rids
}

func newMemberCache(rooms Rooms) *memberCache {
	return &memberCache{rooms: rooms, byUID: map[string]map[string]struct{}{}}
}

func (m *memberCache) load(ctx context.Context, uid string) error {
	if m == nil {
		return errNotAllowed
	}
	m.mu.RLock()
	_, ok := m.byUID[uid]
	m.mu.RUnlock()
	if ok {
		return nil
	}
	rids, err := m.rooms.RoomIDsOf(ctx, uid)
	if err != nil {
		return model.Internal(errors.Join(errors.New("loading a user's rooms"), err))
	}
	set := make(map[string]struct{}, len(rids))
	for _, rid := range rids {
		set[rid] = struct{}{}
	}
	m.mu.Lock()
	if _, ok := m.byUID[uid]; !ok {
		m.byUID[uid] = set
	}
	m.mu.Unlock()
	return nil
}

// has reports whether uid is known to be in the room.
func (m *memberCache) has(uid, rid string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	_, ok := m.byUID[uid][rid]
	return ok
}

// joined and left keep a loaded user's rooms current.
func (m *memberCache) joined(uid, rid string) {
	m.mu.Lock()
	if set, ok := m.byUID[uid]; ok {
		set[rid] = struct{}{}
	}
	m.mu.Unlock()
}

func (m *memberCache) left(uid, rid string) {
	m.mu.Lock()
	delete(m.byUID[uid], rid)
	m.mu.Unlock()
}
