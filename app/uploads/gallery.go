package uploads

import (
	"context"
	"errors"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// ImagesInput is rooms.images' query: the images of room RID, newest first, from the
// upload StartingFromID's date on when it is set, Offset and Count (at most
// MaxImagesPage; 0 means DefaultImagesPage) paging them.
type ImagesInput struct {
	RID            string
	StartingFromID string
	Offset, Count  int
}

// ImagesPage is rooms.images' answer: the upload documents, the page size asked for
// (Rocket.Chat answers count, not len(files)), the offset and how many images match.
type ImagesPage struct {
	Files  []Upload `json:"files"`
	Count  int      `json:"count"`
	Offset int      `json:"offset"`
	Total  int64    `json:"total"`
}

// Rocket.Chat's API_Default_Count and API_Upper_Count_Limit defaults.
const (
	DefaultImagesPage = 50
	MaxImagesPage     = 100
)

// RoomImages lists the images uploaded to a room the actor may read, as Rocket.Chat's
// rooms.images does (Uploads.findImagesByRoomId): typeGroup "image" (thumbnails are
// "thumb"), not hidden, newest first; with StartingFromID, only those uploaded at or
// before that image, which leads the list even when the page would leave it out. A
// room the actor may not read, or that does not exist (an empty RID included), is
// Forbidden (Rocket.Chat's API.v1.forbidden()). Outpost differs on two points that would leak: uploads still
// waiting for their confirmation are never listed, and a StartingFromID of another
// room (or not an image) is ignored, where Rocket.Chat puts any upload it names first.
func (s *Service) RoomImages(ctx context.Context, actor model.Actor, in ImagesInput) (ImagesPage, error) {
	if in.Offset < 0 || in.Count < 0 {
		return ImagesPage{}, model.Invalid("invalid-params", "offset and count must be non-negative integers")
	}
	if in.Count == 0 {
		in.Count = DefaultImagesPage
	}
	in.Count = min(in.Count, MaxImagesPage)
	room, _, err := s.rooms.Access(ctx, actor, in.RID)
	if err != nil {
		if e := model.AsError(err); e.Kind == model.KindNotFound || e.Kind == model.KindForbidden {
			return ImagesPage{}, model.Forbidden("")
		}
		return ImagesPage{}, err
	}
	var first *Upload
	if in.StartingFromID != "" && validID(in.StartingFromID) {
		u, err := s.store.Upload(ctx, in.StartingFromID)
		switch {
		case err == nil && u.RID == room.ID && u.TypeGroup == "image" && u.ExpiresAt == nil:
			first = &u
		case err != nil && !errors.Is(err, model.ErrNotFound):
			return ImagesPage{}, model.Internal(err)
		}
	}
	var before *time.Time
	if first != nil {
		before = &first.UploadedAt
	}
	files, total, err := s.store.RoomImages(ctx, room.ID, before, in.Offset, in.Count)
	if err != nil {
		return ImagesPage{}, model.Internal(err)
	}
	if first != nil && !listed(files, first.ID) {
		files = append([]Upload{*first}, files...)
	}
	if files == nil {
		files = []Upload{}
	}
	return ImagesPage{Files: files, Count: in.Count, Offset: in.Offset, Total: total}, nil
}

// listed reports whether files holds the upload id.
func listed(files []Upload, id string) bool {
	for _, f := range files {
		if f.ID == id {
			return true
		}
	}
	return false
}
