package rest

import (
	"context"
	"net/http"
	"strconv"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads"
)

// RoomImages is what rooms.images needs; uploads.Service satisfies it.
type RoomImages interface {
	RoomImages(ctx context.Context, actor model.Actor, in uploads.ImagesInput) (uploads.ImagesPage, error)
}

// imagesParams are the query parameters rooms.images accepts (Rocket.Chat's
// isRoomsImagesProps: additionalProperties false).
var imagesParams = map[string]bool{"roomId": true, "startingFromId": true, "count": true, "offset": true}

// roomsImages serves GET rooms.images?roomId=&startingFromId=&offset=&count= →
// {files, count, offset, total}: the room's image uploads, newest first. The query is
// checked as Rocket.Chat's validator does (400 invalid-params: roomId required, count
// and offset numbers, no other parameter); a room the caller may not read is 403.
func (a *api) roomsImages(h RoomImages) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		for k := range q {
			if !imagesParams[k] {
				return model.Invalid(codeInvalidParams, "must NOT have additional properties")
			}
		}
		if !q.Has("roomId") {
			return model.Invalid(codeInvalidParams, "must have required property 'roomId'")
		}
		var in uploads.ImagesInput
		in.RID, in.StartingFromID = q.Get("roomId"), q.Get("startingFromId")
		for _, p := range []struct {
			name string
			dst  *int
		}{{"offset", &in.Offset}, {"count", &in.Count}} {
			v := q.Get(p.name)
			if v == "" {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return model.Invalid(codeInvalidParams, "must be number")
			}
			*p.dst = n
		}
		page, err := h.RoomImages(r.Context(), actorOf(r), in)
		if err != nil {
			return err
		}
		return WriteSuccess(w, page)
	}
}
