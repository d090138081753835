package messaging

import (
	"context"

	"github.com/outpostchat/outpost/app/model"
)

// FileStore lists a room's uploads.
type FileStore interface {
	// RoomFiles lists a room's uploads (rocketchat_uploads documents, thumbnails left
	// out) sorted by sort (default name), and counts them.
	RoomFiles(ctx context.Context, rid string, sort []model.SortField, offset, limit int) ([]map[string]any, int64, error)
}

// Files is channels.files (groups., im., dm.): a room's uploaded files, Count (default
// 50) from Offset, sorted by name unless sort says otherwise, each with the uploader as
// user {_id, username, name} (Rocket.Chat's addUserToFileObj). The actor must be able
// to read the room. Uploading comes with the uploads service; until then the list
// holds what a restored Rocket.Chat database brought.
func (s *Service) Files(ctx context.Context, actor model.Actor, rid string, sort []model.SortField, offset, count int) (Page[map[string]any], error) {
	if _, _, err := s.access(ctx, actor, rid); err != nil {
		return Page[map[string]any]{}, err
	}
	files, total, err := s.store.RoomFiles(ctx, rid, sort, offset, page(count, 50))
	if err != nil {
		return Page[map[string]any]{}, model.Internal(err)
	}
	users := map[string]map[string]any{}
	for _, f := range files {
		uid, _ := f["userId"].(string)
		if uid == "" {
			continue
		}
		ref, ok := users[uid]
		if !ok {
			if u, err := s.store.User(ctx, uid); err == nil {
				ref = map[string]any{"_id": u.ID, "username": u.Username}
				if u.Name != "" {
					ref["name"] = u.Name
				}
			} else if !isNotFound(err) {
				return Page[map[string]any]{}, model.Internal(err)
			}
			users[uid] = ref
		}
		if ref != nil {
			f["user"] = ref
		}
	}
	return Page[map[string]any]{Items: nonNil(files), Offset: offset, Total: total}, nil
}
