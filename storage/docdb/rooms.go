package docdb

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// RoomsStore keeps rocketchat_room, and the system messages app/rooms writes into
// rocketchat_message.
type RoomsStore struct {
	db    *DB
	rooms *Collection
	msgs  *Collection
}

// NewRoomsStore returns the rooms store of db.
func NewRoomsStore(db *DB) *RoomsStore {
	return &RoomsStore{db: db, rooms: db.Collection(Rooms), msgs: db.Collection(Messages)}
}

// Room finds a room by _id; model.ErrNotFound if none.
func (s *RoomsStore) Room(ctx context.Context, rid string) (model.Room, error) {
	var r model.Room
	err := s.rooms.FindOne(ctx, ByID(rid), &r)
	return r, err
}

// RoomByName finds a room by name, ignoring ASCII case; model.ErrNotFound if none.
func (s *RoomsStore) RoomByName(ctx context.Context, name string) (model.Room, error) {
	var r model.Room
	err := s.rooms.FindOne(ctx, Query{Where: "lower(" + F("name") + ") = lower(?)", Args: []any{name}}, &r)
	return r, err
}

// InsertRoom stores a new room.
func (s *RoomsStore) InsertRoom(ctx context.Context, r model.Room) error {
	return s.rooms.Insert(ctx, r)
}

// UpdateRoom sets and unsets fields of the room (dotted paths) and returns it after the
// change; model.ErrNotFound if none.
func (s *RoomsStore) UpdateRoom(ctx context.Context, rid string, set map[string]any, unset []string) (model.Room, error) {
	var out model.Room
	err := s.rooms.UpdateOne(ctx, rid, fieldUpdate(set, unset), &out)
	return out, err
}

// IncRoom adds n to a numeric field of the room (usersCount, msgs) and sets
// _updatedAt, returning the room after the change.
func (s *RoomsStore) IncRoom(ctx context.Context, rid, field string, n int, at time.Time) (model.Room, error) {
	var out model.Room
	err := s.rooms.UpdateOne(ctx, rid, U().Inc(field, n).Set("_updatedAt", at), &out)
	return out, err
}

// DeleteRoom removes the room, keeping a copy in the trash; model.ErrNotFound if none.
func (s *RoomsStore) DeleteRoom(ctx context.Context, rid string, at time.Time) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		var d Doc
		if err := s.rooms.FindOne(ctx, ByID(rid), &d); err != nil {
			return err
		}
		if _, err := s.rooms.Delete(ctx, ByID(rid)); err != nil {
			return err
		}
		return trash(ctx, s.db, Rooms, d, at)
	})
}

// DeleteRoomMessages removes every message of the room (when the room is deleted).
func (s *RoomsStore) DeleteRoomMessages(ctx context.Context, rid string) error {
	_, err := s.msgs.Delete(ctx, Query{Where: F("rid") + " = ?", Args: []any{rid}})
	return err
}

// DefaultRooms returns the rooms with default:true, by name.
func (s *RoomsStore) DefaultRooms(ctx context.Context) ([]model.Room, error) {
	var out []model.Room
	err := s.rooms.Find(ctx, Query{Where: F("default") + " = 1", Order: F("name")}, &out)
	return out, err
}

// RoomsByIDs returns the rooms with the given ids, in no particular order.
func (s *RoomsStore) RoomsByIDs(ctx context.Context, ids []string) ([]model.Room, error) {
	var out []model.Room
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = idText(id)
		}
		var part []model.Room
		where := docColumn + "->'_id' IN (" + strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",") + ")"
		if err := s.rooms.Find(ctx, Query{Where: where, Args: args}, &part); err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}

// FindRooms returns one page of the rooms of the given types (all when empty) whose
// name or fname contains text ignoring ASCII case (any when text is empty), sorted by
// name, and how many match in all. count 0 means no limit.
func (s *RoomsStore) FindRooms(ctx context.Context, types []string, text string, offset, count int) ([]model.Room, int64, error) {
	var conds []string
	var args []any
	if len(types) > 0 {
		conds = append(conds, F("t")+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(types)), ",")+")")
		for _, t := range types {
			args = append(args, t)
		}
	}
	if text != "" {
		conds = append(conds, "(instr(lower("+F("name")+"), ?) > 0 OR instr(lower("+F("fname")+"), ?) > 0)")
		args = append(args, lowerASCII(text), lowerASCII(text))
	}
	q := Query{Where: strings.Join(conds, " AND "), Args: args}
	total, err := s.rooms.Count(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	q.Order, q.Offset, q.Limit = F("t")+", "+F("name"), offset, count
	var out []model.Room
	err = s.rooms.Find(ctx, q, &out)
	return out, total, err
}

// DirectRoomWith finds the direct message room whose members are exactly uids;
// model.ErrNotFound if none.
func (s *RoomsStore) DirectRoomWith(ctx context.Context, uids []string) (model.Room, error) {
	if len(uids) == 0 {
		return model.Room{}, model.ErrNotFound
	}
	var cands []model.Room
	err := s.rooms.Find(ctx, Query{Where: InMultiKey("outpost_room_uids") + " AND " + F("t") + " = 'd'", Args: []any{uids[0]}}, &cands)
	if err != nil {
		return model.Room{}, err
	}
	want := append([]string(nil), uids...)
	sort.Strings(want)
	for _, r := range cands {
		got := append([]string(nil), r.UIDs...)
		sort.Strings(got)
		if strings.Join(got, "\x00") == strings.Join(want, "\x00") {
			return r, nil
		}
	}
	return model.Room{}, model.ErrNotFound
}

// InsertSystemMessage stores a system message and counts it in the room's msgs.
func (s *RoomsStore) InsertSystemMessage(ctx context.Context, m model.Message) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.msgs.Insert(ctx, m); err != nil {
			return err
		}
		return s.rooms.UpdateOne(ctx, m.RID, U().Inc("msgs", 1).Set("_updatedAt", m.UpdatedAt), nil)
	})
}

// RoomsRemovedSince returns the _id and deletion time of the rooms deleted after since.
func (s *RoomsStore) RoomsRemovedSince(ctx context.Context, since time.Time) (map[string]time.Time, error) {
	return trashedSince(ctx, s.db, Rooms, since, "")
}

// fieldUpdate builds an update from set and unset field paths, in a stable order.
func fieldUpdate(set map[string]any, unset []string) *Update {
	u := U()
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		u.Set(k, set[k])
	}
	for _, k := range unset {
		u.Unset(k)
	}
	return u
}

// Message finds a message by _id (subscriptions.unread marks a room unread from one);
// model.ErrNotFound if none.
func (s *RoomsStore) Message(ctx context.Context, id string) (model.Message, error) {
	var m model.Message
	err := s.msgs.FindOne(ctx, ByID(id), &m)
	return m, err
}

// CountMessagesSince counts the messages of the room sent after since (the unread
// counter of channels.counters).
func (s *RoomsStore) CountMessagesSince(ctx context.Context, rid string, since time.Time) (int64, error) {
	return s.msgs.Count(ctx, Query{Where: F("rid") + " = ? AND " + F("ts") + " > ?", Args: []any{rid, since.UnixMilli()}})
}

// UpdateRoomSets adds each value of add to its array field unless present ($addToSet),
// removes each value of pull from its array field ($pull), sets _updatedAt and returns
// the room after the change (the muted and unmuted usernames, the uids and usernames of
// a group direct message); model.ErrNotFound if none.
func (s *RoomsStore) UpdateRoomSets(ctx context.Context, rid string, add, pull map[string]string, at time.Time) (model.Room, error) {
	u := U()
	for _, k := range sortedKeys(add) {
		u.AddToSet(k, add[k])
	}
	for _, k := range sortedKeys(pull) {
		u.Pull(k, pull[k])
	}
	var out model.Room
	err := s.rooms.UpdateOne(ctx, rid, u.Set("_updatedAt", at), &out)
	return out, err
}
