package messaging

import (
	"context"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// Message_ErasureType decides what happens to a deleted user's messages.
const (
	erasureType   = "Message_ErasureType"
	erasureKeep   = "Keep"
	erasureDelete = "Delete"
	erasureUnlink = "Unlink"
	// removedUserAlias is the alias unlinked messages show (Rocket.Chat's English
	// Removed_User).
	removedUserAlias = "Removed User"
)

// UserStore is what UserDeleted changes.
type UserStore interface {
	// DeleteUserMessages removes every message of the user (no trash) and returns those
	// that carried files.
	DeleteUserMessages(ctx context.Context, uid string) ([]model.Message, error)
	// UnlinkUserMessages hands the user's messages to another user under alias.
	UnlinkUserMessages(ctx context.Context, uid string, to model.UserRef, alias string, now time.Time) (int64, error)
}

func erasureSetting() model.Setting {
	return model.Setting{ID: erasureType, Type: model.SettingSelect, PackageValue: erasureDelete, Public: true,
		Group: "Message", I18nLabel: erasureType, I18nDescription: "Message_ErasureType_Description",
		Values: []model.SettingOption{
			{Key: erasureKeep, I18nLabel: "Message_ErasureType_Keep"},
			{Key: erasureDelete, I18nLabel: "Message_ErasureType_Delete"},
			{Key: erasureUnlink, I18nLabel: "Message_ErasureType_Unlink"},
		}}
}

// UserDeleted is the message side of deleting a user; cmd/outpost runs it after
// accounts deletes the user, as Rocket.Chat's deleteUser does under
// Message_ErasureType:
//
//   - Delete (the default): the user's messages are removed, with the files they carried;
//   - Unlink: they stay, written by rocket.cat under the alias "Removed User";
//   - Keep: they stay as they are.
//
// As in Rocket.Chat, room counters (msgs, lastMessage, tcount) are left alone, and
// signed-in clients learn of Delete and Unlink through notify-logged "Users:Deleted",
// which makes them drop or rewrite the messages they hold.
func (s *Service) UserDeleted(ctx context.Context, u model.User) error {
	if u.Username == "" { // a user without a username never wrote anything
		return nil
	}
	switch kind := s.config.String(erasureType); kind {
	case erasureDelete:
		withFiles, err := s.store.DeleteUserMessages(ctx, u.ID)
		if err != nil {
			return err
		}
		if s.onFilesRemoved != nil {
			var ids []string
			for _, m := range withFiles {
				ids = append(ids, fileIDs(m)...)
			}
			if len(ids) > 0 {
				s.onFilesRemoved(ctx, ids)
			}
		}
		s.hub.Publish(streamhub.UserMessagesErased{UserID: u.ID, ErasureType: kind})
	case erasureUnlink:
		to := model.UserRef{ID: "rocket.cat", Username: "rocket.cat"}
		if _, err := s.store.UnlinkUserMessages(ctx, u.ID, to, removedUserAlias, s.stamp()); err != nil {
			return err
		}
		s.hub.Publish(streamhub.UserMessagesErased{UserID: u.ID, ErasureType: kind,
			ReplaceBy: &streamhub.ReplaceBy{ID: to.ID, Username: to.Username, Alias: removedUserAlias}})
	}
	return nil
}
