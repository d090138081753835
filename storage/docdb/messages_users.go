package docdb

import (
	"context"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// UserMessagesQuery selects the messages a user wrote (exported for the plan tests).
func UserMessagesQuery(uid string) Query {
	return Query{Where: F("u._id") + " = ?", Args: []any{uid}}
}

// DeleteUserMessages removes every message uid wrote, as Rocket.Chat's
// Messages.removeByUserId does (nothing goes to the trash), and returns them, for their
// files. It runs in the caller's transaction when there is one.
func (s *MessagesStore) DeleteUserMessages(ctx context.Context, uid string) ([]model.Message, error) {
	var withFiles []model.Message
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q := UserMessagesQuery(uid)
		q.Where += " AND (" + F("file._id") + " IS NOT NULL OR " + F("files") + " IS NOT NULL)"
		if err := s.msgs.Find(ctx, q, &withFiles); err != nil {
			return err
		}
		_, err := s.msgs.Delete(ctx, UserMessagesQuery(uid))
		return err
	})
	return withFiles, err
}

// UnlinkUserMessages hands every message uid wrote to another user, under alias, as
// Rocket.Chat's Messages.unlinkUserId does (u._id and u.username replaced, u.name
// removed, alias set). It returns how many messages changed.
func (s *MessagesStore) UnlinkUserMessages(ctx context.Context, uid string, to model.UserRef, alias string, now time.Time) (int64, error) {
	return s.msgs.Update(ctx, UserMessagesQuery(uid),
		U().Set("u._id", to.ID).Set("u.username", to.Username).Set("alias", alias).Set("_updatedAt", now).Unset("u.name"))
}
