package rest

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
)

// RoomHistory is what rooms.cleanHistory and the *.files routes need;
// messaging.Service satisfies it. chatRoutes serves them when Deps.Messaging does
// (the files routes also need Deps.Rooms, to resolve the route's room).
type RoomHistory interface {
	CleanHistory(ctx context.Context, actor model.Actor, in messaging.CleanInput) (int, error)
	Files(ctx context.Context, actor model.Actor, rid string, sort []model.SortField, offset, count int) (messaging.Page[map[string]any], error)
}

// roomHistoryRoutes registers rooms.cleanHistory and channels.files, groups.files,
// im.files and dm.files.
func (a *api) roomHistoryRoutes() {
	h, ok := a.Messaging.(RoomHistory)
	if !ok {
		return
	}
	a.handle("POST /api/v1/rooms.cleanHistory", a.authed(a.roomsCleanHistory(h)))
	if a.Rooms == nil {
		return
	}
	for _, f := range []family{channelsFamily, groupsFamily, imFamily, dmFamily} {
		a.handle("GET /api/v1/"+f.prefix+".files", a.authed(a.roomFiles(f, h)))
	}
}

// flag reads one of rooms.cleanHistory's switches as Rocket.Chat does: true for true,
// "true", 1 and "1"; def when absent.
func flag(raw json.RawMessage, def bool) bool {
	if len(raw) == 0 || string(raw) == "null" {
		return def
	}
	switch string(raw) {
	case "true", `"true"`, "1", `"1"`:
		return true
	}
	return false
}

// roomsCleanHistory serves POST rooms.cleanHistory {roomId, latest, oldest, inclusive?,
// limit?, excludePinned?, filesOnly?, ignoreThreads?, ignoreDiscussion?, users?} →
// {_id, count}. Rocket.Chat's route defaults inclusive to false and reads the
// switches as true only for true, "true", 1 or "1".
func (a *api) roomsCleanHistory(h RoomHistory) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var b struct {
			RoomID           string          `json:"roomId"`
			Latest           *string         `json:"latest"`
			Oldest           *string         `json:"oldest"`
			Inclusive        bool            `json:"inclusive"`
			Limit            int             `json:"limit"`
			ExcludePinned    json.RawMessage `json:"excludePinned"`
			FilesOnly        json.RawMessage `json:"filesOnly"`
			IgnoreThreads    json.RawMessage `json:"ignoreThreads"`
			IgnoreDiscussion json.RawMessage `json:"ignoreDiscussion"`
			Users            []string        `json:"users"`
		}
		if err := DecodeJSON(r, &b); err != nil {
			return err
		}
		switch {
		case b.RoomID == "":
			return missing("roomId")
		case b.Latest == nil:
			return missing("latest")
		case b.Oldest == nil:
			return missing("oldest")
		}
		latest, err1 := parseDate(*b.Latest)
		oldest, err2 := parseDate(*b.Oldest)
		if err1 != nil || err2 != nil {
			return model.Invalid("error-invalid-date", "Invalid date")
		}
		n, err := h.CleanHistory(r.Context(), actorOf(r), messaging.CleanInput{RID: b.RoomID, Latest: latest, Oldest: oldest,
			Inclusive: b.Inclusive, Limit: b.Limit, ExcludePinned: flag(b.ExcludePinned, false), FilesOnly: flag(b.FilesOnly, false),
			IgnoreThreads: flag(b.IgnoreThreads, false), IgnoreDiscussion: flag(b.IgnoreDiscussion, false), Users: b.Users})
		if err != nil {
			return err
		}
		return WriteSuccess(w, map[string]any{"_id": b.RoomID, "count": n})
	}
}

// parseDate reads a date as JavaScript's new Date does for the forms clients send:
// ISO 8601 (with or without fraction or zone), a date alone, or milliseconds.
func parseDate(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(n).UTC(), nil
}

// roomFiles serves GET channels.files (groups., im., dm.): roomId or roomName (im:
// username), offset, count, sort={"name":1} → {files, count, offset, total}. A room the
// actor may not read, or of another type, is error-room-not-found, as for the other
// routes of the family.
func (a *api) roomFiles(f family, h RoomHistory) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		offset, count, err := pagination(q.Get("offset"), q.Get("count"))
		if err != nil {
			return err
		}
		var sort []model.SortField
		if s := q.Get("sort"); s != "" {
			if sort, err = parseSortFields(s); err != nil {
				return err
			}
		}
		room, _, err := a.queryRoom(r, f)
		if err != nil {
			return err
		}
		p, err := h.Files(r.Context(), actorOf(r), room.ID, sort, offset, count)
		if err != nil {
			return err
		}
		return WriteSuccess(w, map[string]any{"files": p.Items, "count": len(p.Items), "offset": offset, "total": p.Total})
	}
}

// imSetTopic serves POST im.setTopic and dm.setTopic {roomId, topic} → {topic}
// (Rocket.Chat 8: roomId required, 403 when the actor cannot read the room, then the
// room's roomTopic setting, which needs edit-room).
func (a *api) imSetTopic(f family) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var b roomBody
		if err := DecodeJSON(r, &b); err != nil {
			return err
		}
		if b.RoomID == "" {
			return model.Invalid("error-room-param-not-provided", `Body param "roomId" is required`)
		}
		room, _, err := a.Rooms.Find(r.Context(), actorOf(r), b.RoomID, "")
		if e := model.AsError(err); e != nil && (e.Kind == model.KindForbidden || e.Kind == model.KindNotFound) {
			return model.Forbidden("error-unauthorized")
		} else if err != nil {
			return err
		}
		if room.T != f.t {
			return roomNotFound(f)
		}
		topic := ""
		if b.Topic != nil {
			topic = *b.Topic
		}
		if _, err := a.saveOne(r, room, "roomTopic", topic); err != nil {
			return err
		}
		return WriteSuccess(w, map[string]any{"topic": topic})
	}
}
