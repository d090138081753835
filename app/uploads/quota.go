package uploads

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// The per-user daily upload quota. Rocket.Chat has no such limit (only
// FileUpload_MaxFileSize per file), so the setting is Outpost's, named in Rocket.Chat's
// style in the FileUpload group:
//
//	FileUpload_UserDailyQuota (int, MB, default 0 = unlimited)
//
// A user may upload at most that many MB (MiB: 1,048,576 bytes) in any 24 hours: the
// sizes of the user's rocketchat_uploads documents with uploadedAt in the last 24
// hours, plus the new file, may not exceed it. Unconfirmed rooms.media uploads count
// (they hold disk); files deleted since (their documents gone) no longer do. The
// thumbnails the server makes of images (typeGroup "thumb") and avatars do not count:
// the user did not upload them.
//
// No one bypasses it, administrators included: as with FileUpload_MaxFileSize, a
// limit set for the server applies to every account, and an administrator who needs
// more raises the setting (0 turns it off). There is no bypass permission.
//
// It is enforced three times, so neither a wrong Content-Length nor concurrent
// uploads get past it: CheckUpload refuses an upload before reading it when the quota
// is used up or the request's length alone exceeds what is left; Receive stops the
// copy to disk as soon as the file passes what is left (the blob store's size limit);
// and the upload document is inserted in a transaction that sums the user's uploads
// again, so two uploads racing cannot both take the last megabytes.

// QuotaSettingID is the id of the per-user daily quota setting.
const QuotaSettingID = "FileUpload_UserDailyQuota"

// quotaWindow is the span the daily quota covers.
const quotaWindow = 24 * time.Hour

// quotaUnit is the quota setting's unit: a MB as Rocket.Chat's file sizes count one.
const quotaUnit = 1 << 20

// QuotaSettings are the quota's settings; cmd/outpost/wire registers them with
// Settings().
func QuotaSettings() []model.Setting {
	return []model.Setting{{ID: QuotaSettingID, Type: model.SettingInt, PackageValue: 0, Group: "FileUpload",
		I18nLabel: QuotaSettingID, I18nDescription: QuotaSettingID + "_Description"}}
}

// QuotaStore sums a user's recent uploads; storage/docdb.UploadsStore implements it.
type QuotaStore interface {
	// UploadedBytes sums the sizes of the user's uploads made at or after since. Called
	// inside a transaction, it sees that transaction's writes.
	UploadedBytes(ctx context.Context, userID string, since time.Time) (int64, error)
}

// ErrNoSpace is what Blobs.Put returns (wrapping the system's error) when the disk is
// full.
var ErrNoSpace = errors.New("uploads: no space left on the disk")

// errNoSpace is the client's answer when the disk is full: the upload is refused with
// Rocket.Chat's error shape, and nothing of it is kept.
func errNoSpace(cause error) error {
	return &model.Error{Kind: model.KindInvalid, Code: "error-file-upload-storage-full",
		Message: "The server has no space left to store this file", Cause: cause}
}

// errQuota is the answer for an upload past the actor's daily quota.
func errQuota(quota int64) error {
	return &model.Error{Kind: model.KindInvalid, Code: "error-quota-exceeded",
		Message: fmt.Sprintf("Daily upload quota of %d MB exceeded", quota/quotaUnit),
		Details: map[string]any{"quota": quota}}
}

// dailyQuota is FileUpload_UserDailyQuota in bytes; 0 means no quota.
func (s *Service) dailyQuota() int64 {
	mb := s.config.Int(QuotaSettingID)
	if mb <= 0 {
		return 0
	}
	if mb > (1<<62)/quotaUnit {
		return 1 << 62
	}
	return mb * quotaUnit
}

// quotaLeft returns the daily quota in bytes (0: none) and how many bytes the actor
// may still upload (-1 without a quota, 0 when it is used up).
func (s *Service) quotaLeft(ctx context.Context, actor model.Actor) (quota, left int64, err error) {
	quota = s.dailyQuota()
	if quota == 0 {
		return 0, -1, nil
	}
	used, err := s.store.UploadedBytes(ctx, actor.UserID, s.stamp().Add(-quotaWindow))
	if err != nil {
		return 0, 0, model.Internal(err)
	}
	return quota, max(quota-used, 0), nil
}

// CheckUpload is what an upload to rid passes before its body is read: CheckRoom,
// then the actor's daily quota, which must not be used up nor smaller than minSize,
// the least the file can weigh (the request's length less what else a multipart body
// holds; below zero when unknown). The web layer calls it first, so a refused upload
// costs no disk.
func (s *Service) CheckUpload(ctx context.Context, actor model.Actor, rid string, minSize int64) (model.Room, error) {
	room, err := s.CheckRoom(ctx, actor, rid)
	if err != nil {
		return model.Room{}, err
	}
	quota, left, err := s.quotaLeft(ctx, actor)
	if err != nil {
		return model.Room{}, err
	}
	if quota > 0 && (left == 0 || minSize > left) {
		return model.Room{}, errQuota(quota)
	}
	return room, nil
}

// insertWithinQuota inserts u in a transaction that first sums the owner's uploads
// again: the insert fails with the quota error when u no longer fits (another upload
// of the same user finished meanwhile).
func (s *Service) insertWithinQuota(ctx context.Context, u Upload, quota int64) error {
	if quota == 0 {
		return s.store.InsertUpload(ctx, u)
	}
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		used, err := s.store.UploadedBytes(ctx, u.UserID, s.stamp().Add(-quotaWindow))
		if err != nil {
			return model.Internal(err)
		}
		if used+u.Size > quota {
			return errQuota(quota)
		}
		return s.store.InsertUpload(ctx, u)
	})
}
