package messaging

import (
	"context"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// CleanStore finds the messages a history cleaning removes.
type CleanStore interface {
	// CleanableMessages returns the room's messages, oldest first, that a cleaning
	// selects (see CleanInput), with only _id, file and files filled; limit 0 for all.
	CleanableMessages(ctx context.Context, rid string, oldest, latest time.Time, inclusive, excludePinned, ignoreDiscussion, ignoreThreads, filesOnly bool, usernames []string, limit int) ([]model.Message, error)
}

// CleanInput is rooms.cleanHistory and DDP cleanRoomHistory: the room's messages with ts
// between Oldest and Latest (both bounds included when Inclusive) are deleted, at most
// Limit of them (0: all), only those of the users named in Users when it is not empty.
// ExcludePinned keeps pinned messages, IgnoreDiscussion keeps messages that started a
// discussion, IgnoreThreads keeps thread parents and replies. FilesOnly deletes no
// message: messages with a file lose it (the upload and its bytes are removed) and
// show "File removed by prune" instead.
type CleanInput struct {
	RID              string
	Latest, Oldest   time.Time
	Inclusive        bool
	Limit            int
	ExcludePinned    bool
	IgnoreDiscussion bool
	IgnoreThreads    bool
	FilesOnly        bool
	Users            []string
}

// pruneColor and pruneText are the attachment Rocket.Chat leaves in a message whose
// file was pruned (cleanRoomHistory; the text is its i18n File_removed_by_prune).
const (
	pruneColor = "#FD745E"
	pruneText  = "_File removed by prune_"
)

// CleanHistory deletes a range of a room's messages, as Rocket.Chat's
// cleanRoomHistory does, and returns how many it deleted (or, with FilesOnly, how
// many lost their file). The actor needs clean-channel-history in the room and must
// be able to read it (else error-not-allowed, as Rocket.Chat answers); an unknown
// room is error-room-not-found. The messages move to the trash in one transaction
// with the room's msgs and lastMessage; then stream-notify-room
// "<rid>/deleteMessageBulk" tells the members' clients which messages went.
//
// Files go with their messages: after the transaction, the uploads (documents and
// bytes) of every selected message's file and files are removed through the
// SetOnFilesRemoved hook, as Rocket.Chat's cleanRoomHistory deletes them from the
// Uploads store. With FilesOnly the messages stay, each with its file unset and its
// attachments replaced by Rocket.Chat's [{color: "#FD745E", text: "_File removed by
// prune_"}] (its $unset of file and $set of attachments); Outpost also unsets files,
// which Rocket.Chat leaves pointing at the removed uploads. Only messages with a
// file._id are selected then, as in Rocket.Chat's findFilesByRoomIdPinnedTimestampAndUsers.
//
// Not done here, unlike Rocket.Chat: discussions are not deleted with their first
// message (Outpost has no discussions yet), and the followers' unread thread marks of
// deleted threads stay until read.
func (s *Service) CleanHistory(ctx context.Context, actor model.Actor, in CleanInput) (int, error) {
	if actor.IsAnonymous() {
		return 0, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	notAllowed := model.Invalid("error-not-allowed", "Not allowed")
	if in.RID == "" {
		return 0, model.Invalid("error-room-not-found", `The required "roomId" or "roomName" param provided does not match any channel`)
	}
	if !s.authz.Can(ctx, actor, "clean-channel-history", in.RID) {
		return 0, notAllowed
	}
	room, _, err := s.access(ctx, actor, in.RID)
	if err != nil {
		switch model.AsError(err).Kind {
		case model.KindNotFound:
			return 0, model.Invalid("error-room-not-found", `The required "roomId" or "roomName" param provided does not match any channel`)
		case model.KindForbidden:
			return 0, notAllowed
		}
		return 0, err
	}
	if in.Limit < 0 {
		in.Limit = 0
	}
	users := nonNil(in.Users)
	now := s.stamp()
	var ids, files []string
	var changed []model.Message
	var newRoom *model.Room
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		ids, files, changed, newRoom = nil, nil, nil, nil
		msgs, err := s.store.CleanableMessages(ctx, room.ID, in.Oldest, in.Latest, in.Inclusive, in.ExcludePinned,
			in.IgnoreDiscussion, in.IgnoreThreads, in.FilesOnly, users, in.Limit)
		if err != nil || len(msgs) == 0 {
			return err
		}
		for _, m := range msgs {
			ids = append(ids, m.ID)
			files = append(files, fileIDs(m)...)
		}
		if in.FilesOnly {
			for _, id := range ids {
				m, err := s.store.UpdateMessage(ctx, id, map[string]any{
					"attachments": []map[string]any{{"color": pruneColor, "text": pruneText}}, "_updatedAt": now,
				}, []string{"file", "files"})
				if err != nil {
					return err
				}
				changed = append(changed, m)
			}
			return nil
		}
		for _, id := range ids {
			if err := s.store.TrashMessage(ctx, id, now); err != nil {
				return err
			}
		}
		rc := RoomChange{IncMsgs: -len(ids), At: now}
		if s.config.Bool("Store_Last_Message") {
			last, err := s.store.LastVisibleMessage(ctx, room.ID)
			if err != nil {
				return err
			}
			rc.SetLast, rc.Last = true, last
		}
		r, err := s.updateRoom(ctx, room.ID, rc)
		if err != nil {
			return err
		}
		newRoom = &r
		return nil
	})
	if err != nil {
		return 0, model.AsError(err)
	}
	if len(files) > 0 && s.onFilesRemoved != nil {
		s.onFilesRemoved(context.WithoutCancel(ctx), files)
	}
	for _, m := range changed {
		s.hub.Publish(streamhub.MessageSaved{RID: room.ID, RoomType: room.T, RoomName: room.Name, Message: m})
	}
	if in.FilesOnly || len(ids) == 0 {
		return len(ids), nil
	}
	s.hub.Publish(streamhub.MessagesBulkDeleted{RID: room.ID, Payload: bulkPayload(room.ID, in, users, ids)})
	if newRoom != nil {
		s.publishRoom(ctx, *newRoom)
	}
	s.log.Info("room history cleaned", "rid", room.ID, "count", len(ids), "by", actor.Username)
	return len(ids), nil
}

// bulkPayload is Rocket.Chat's deleteMessageBulk argument: the selection clients apply
// to their local messages. ids names the messages when a limit cut the range (clients
// then cannot tell them from the range alone), as Rocket.Chat sends its
// selectedMessageIds.
func bulkPayload(rid string, in CleanInput, users, ids []string) map[string]any {
	gt, lt := "$gt", "$lt"
	if in.Inclusive {
		gt, lt = "$gte", "$lte"
	}
	p := map[string]any{
		"rid": rid, "excludePinned": in.ExcludePinned, "ignoreDiscussion": in.IgnoreDiscussion,
		"ts":    map[string]any{gt: in.Oldest.UTC(), lt: in.Latest.UTC()},
		"users": users,
	}
	if in.Limit > 0 {
		p["ids"] = ids
	}
	return p
}
