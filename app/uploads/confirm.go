package uploads

import (
	"context"
	"errors"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
)

// ConfirmInput is rooms.mediaConfirm's: the upload FileID of room RID becomes a
// message with text Msg (in thread TMID when set); Description is the file's caption.
type ConfirmInput struct {
	RID         string
	FileID      string
	Msg         string
	TMID        string
	Description string
}

// errInvalidFile is Rocket.Chat's answer for an upload that is not the actor's in the
// room (Meteor.Error('invalid-file')).
var errInvalidFile = model.Invalid("invalid-file", "Invalid file")

// Confirm posts a received upload as a file message, as rooms.mediaConfirm does
// (Rocket.Chat's sendFileMessage): the upload must be the actor's, in that room, and
// not confirmed yet. The message carries file, files and one attachment (image,
// audio, video or plain file) linking to /file-upload/<id>/<name>; the upload loses
// its expiresAt and gains its description in the message's own transaction. An image
// is first turned upright or stripped of its metadata and gets its thumbnail upload
// (prepareImage, process.go), which the same transaction stores and files lists.
func (s *Service) Confirm(ctx context.Context, actor model.Actor, in ConfirmInput) (model.Message, error) {
	if _, err := s.CheckRoom(ctx, actor, in.RID); err != nil {
		return model.Message{}, err
	}
	if in.FileID == "" {
		return model.Message{}, errInvalidFile
	}
	u, err := s.store.Upload(ctx, in.FileID)
	if errors.Is(err, model.ErrNotFound) {
		return model.Message{}, errInvalidFile
	} else if err != nil {
		return model.Message{}, model.Internal(err)
	}
	if u.UserID != actor.UserID || u.RID != in.RID || u.ExpiresAt == nil {
		return model.Message{}, errInvalidFile
	}
	if max := s.config.Int("Message_MaxAllowedSize"); max > 0 && int64(len([]rune(in.Description))) > max {
		return model.Message{}, model.Invalid("error-message-size-exceeded", "Message size exceeds Message_MaxAllowedSize")
	}
	u.Description = in.Description
	pic := s.prepareImage(ctx, &u)
	if pic.identify != nil {
		u.Identify = pic.identify
	}
	ref := model.FileRef{ID: u.ID, Name: u.Name, Type: u.Type, Size: u.Size, TypeGroup: u.TypeGroup}
	if u.Identify != nil {
		ref.Format = u.Identify.Format
	}
	files := []model.FileRef{ref}
	if t := pic.thumb; t != nil {
		files = append(files, model.FileRef{ID: t.ID, Name: t.Name, Type: t.Type, Size: t.Size, Format: t.Identify.Format, TypeGroup: t.TypeGroup})
	}
	set := map[string]any{"_updatedAt": s.stamp()}
	if u.Description != "" {
		set["description"] = u.Description
	}
	if u.Identify != nil {
		set["identify"] = u.Identify
	}
	m, err := s.msgs.SendFile(ctx, actor, messaging.SendInput{RID: in.RID, Msg: in.Msg, TMID: in.TMID,
		Attachments: []map[string]any{attachment(u, pic)}},
		messaging.FileParts{File: ref, Files: files, InTx: func(ctx context.Context) error {
			// Of two confirmations of one upload racing, the second finds no
			// expiresAt and posts nothing.
			if ok, err := s.store.ConfirmUpload(ctx, u.ID, set, []string{"expiresAt"}); err != nil {
				return err
			} else if !ok {
				return errInvalidFile
			}
			if pic.thumb != nil {
				return s.store.InsertUpload(ctx, *pic.thumb)
			}
			return nil
		}})
	if err != nil && pic.thumb != nil {
		s.deleteBlob(pic.thumb.ID)
	}
	return m, err
}

// attachment is the file's message attachment, as Rocket.Chat's
// parseFileIntoMessageAttachments builds it: title and title_link for every file,
// image_*, audio_* or video_* by type group, format and size for other files. An image
// with a thumbnail shows the thumbnail (image_url, image_type, image_dimensions) and
// keeps the original's image_size; an image that cannot be read is a plain file.
func attachment(u Upload, pic picture) map[string]any {
	link := u.Path
	a := map[string]any{
		"title": u.Name, "type": "file", "title_link": link, "title_link_download": true, "fileId": u.ID,
	}
	if u.Description != "" {
		a["description"] = u.Description
	}
	switch {
	case u.TypeGroup == "image" && !pic.unreadable:
		a["image_url"], a["image_type"], a["image_size"] = link, u.Type, u.Size
		if u.Identify != nil && u.Identify.Size != nil {
			a["image_dimensions"] = map[string]any{"width": u.Identify.Size.Width, "height": u.Identify.Size.Height}
		}
		if t := pic.thumb; t != nil {
			// Rocket.Chat names the thumbnail's link after the original file.
			a["image_url"], a["image_type"] = FilePath(t.ID, u.Name), t.Type
			a["image_dimensions"] = map[string]any{"width": t.Identify.Size.Width, "height": t.Identify.Size.Height}
		}
		if pic.preview != "" {
			a["image_preview"] = pic.preview
		}
	case u.TypeGroup == "audio":
		a["audio_url"], a["audio_type"], a["audio_size"] = link, u.Type, u.Size
	case u.TypeGroup == "video":
		a["video_url"], a["video_type"], a["video_size"] = link, u.Type, u.Size
	default:
		a["format"], a["size"] = u.Extension, u.Size
	}
	return a
}
