package messaging

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// UpdateInput is an edit of a message's text. RID, when set, must be the message's room.
type UpdateInput struct {
	ID  string
	RID string
	Msg string
}

// DeleteInput names a message to delete. RID, when set, must be the message's room;
// AsUser deletes another's message as its author (force-delete-message).
type DeleteInput struct {
	ID     string
	RID    string
	AsUser bool
}

// noMessage is Rocket.Chat's answer for an unknown message id on chat.update/delete.
func noMessage(id string) error {
	return &model.Error{Kind: model.KindInvalid, Message: fmt.Sprintf("No message found with the id of %q.", id)}
}

var errWrongRoom = &model.Error{Kind: model.KindInvalid, Message: "The room id provided does not match where the message is from."}

// stored finds a message for an edit or delete and checks the actor may read its room.
func (s *Service) stored(ctx context.Context, actor model.Actor, id, rid string) (model.Message, model.Room, *model.Subscription, error) {
	if actor.IsAnonymous() {
		return model.Message{}, model.Room{}, nil, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	if id == "" {
		return model.Message{}, model.Room{}, nil, model.Invalid("error-invalid-message", "Invalid message")
	}
	m, err := s.store.Message(ctx, id)
	if isNotFound(err) {
		return model.Message{}, model.Room{}, nil, noMessage(id)
	} else if err != nil {
		return model.Message{}, model.Room{}, nil, model.Internal(err)
	}
	if rid != "" && rid != m.RID {
		return model.Message{}, model.Room{}, nil, errWrongRoom
	}
	room, sub, err := s.access(ctx, actor, m.RID)
	if err != nil {
		return model.Message{}, model.Room{}, nil, err
	}
	return m, room, sub, nil
}

// Update changes a message's text, as updateMessage and chat.update do: the author may
// while Message_AllowEditing is on and Message_AllowEditing_BlockEditInMinutes has not
// passed; holders of edit-message in the room may always (Rocket.Chat's rules).
func (s *Service) Update(ctx context.Context, actor model.Actor, in UpdateInput) (model.Message, error) {
	m, room, sub, err := s.stored(ctx, actor, in.ID, in.RID)
	if err != nil {
		return model.Message{}, err
	}
	if m.T != "" {
		return model.Message{}, model.Invalid("error-action-not-allowed", "Message editing not allowed")
	}
	if in.Msg == m.Msg {
		return m, nil
	}
	own := m.U.ID == actor.UserID
	if !s.authz.Can(ctx, actor, "edit-message", room.ID) && (!s.config.Bool("Message_AllowEditing") || !own) {
		return model.Message{}, model.Invalid("error-action-not-allowed", "Message editing not allowed")
	}
	if limit := s.config.Int("Message_AllowEditing_BlockEditInMinutes"); limit != 0 && !s.authz.Can(ctx, actor, "bypass-time-limit-edit-and-delete", "") {
		if int64(s.now().Sub(m.Ts)/time.Minute) >= limit {
			return model.Message{}, model.Invalid("error-message-editing-blocked", "Message editing is blocked")
		}
	}
	if err := s.canPost(ctx, actor, room, sub); err != nil {
		return model.Message{}, err
	}
	if jsLength(in.Msg) > int(s.config.Int("Message_MaxAllowedSize")) {
		return model.Message{}, model.Invalid("error-message-size-exceeded", "Message size exceeds Message_MaxAllowedSize")
	}
	editor, err := s.store.User(ctx, actor.UserID)
	if err != nil {
		return model.Message{}, model.Invalid("error-invalid-user", "Invalid user")
	}
	now := s.stamp()
	next := m
	next.Msg = in.Msg
	if _, _, err := s.enrich(ctx, &next); err != nil {
		return model.Message{}, model.Internal(err)
	}
	set := map[string]any{"msg": next.Msg, "editedAt": now, "editedBy": model.UserRef{ID: editor.ID, Username: editor.Username}, "_updatedAt": now}
	var unset []string
	for k, v := range map[string]any{"md": next.MD, "mentions": next.Mentions, "channels": next.Channels, "urls": next.URLs} {
		if isEmpty(v) {
			unset = append(unset, k)
		} else {
			set[k] = v
		}
	}
	var updated model.Message
	var newRoom *model.Room
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		newRoom = nil
		var err error
		if updated, err = s.store.UpdateMessage(ctx, m.ID, set, unset); err != nil {
			return err
		}
		if s.config.Bool("Store_Last_Message") && (m.TMID == "" || m.TShow) && room.LastMessage != nil && room.LastMessage.ID == m.ID {
			r, err := s.updateRoom(ctx, room.ID, RoomChange{SetLast: true, Last: &updated, At: now})
			if err != nil {
				return err
			}
			newRoom = &r
		}
		return nil
	})
	if err != nil {
		return model.Message{}, model.AsError(err)
	}
	s.hub.Publish(streamhub.MessageSaved{RID: room.ID, RoomType: room.T, RoomName: room.Name, Message: updated})
	if newRoom != nil {
		s.publishRoom(ctx, *newRoom)
	}
	return updated, nil
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case json.RawMessage:
		return len(v) == 0
	case []model.Mention:
		return len(v) == 0
	case []model.ChannelRef:
		return len(v) == 0
	case []model.MessageURL:
		return len(v) == 0
	}
	return v == nil
}

// publishRoom announces a room change to its members.
func (s *Service) publishRoom(ctx context.Context, room model.Room) {
	members, err := s.store.MemberIDs(ctx, room.ID)
	if err != nil {
		s.log.Error("listing room members for rooms-changed", "rid", room.ID, "err", err)
		return
	}
	s.hub.Publish(streamhub.RoomChanged{Action: "updated", RID: room.ID, Room: room, Members: members})
}

// canDelete is Rocket.Chat's canDeleteMessage.
func (s *Service) canDelete(ctx context.Context, actor model.Actor, m model.Message, room model.Room) error {
	if s.authz.Can(ctx, actor, "force-delete-message", room.ID) {
		return nil
	}
	notAllowed := model.Invalid("error-action-not-allowed", "Not allowed")
	if !s.config.Bool("Message_AllowDeleting") {
		return notAllowed
	}
	own := m.U.ID == actor.UserID
	if !s.authz.Can(ctx, actor, "delete-message", room.ID) && !(own && s.authz.Can(ctx, actor, "delete-own-message", room.ID)) {
		return notAllowed
	}
	if limit := s.config.Int("Message_AllowDeleting_BlockDeleteInMinutes"); limit != 0 && !s.authz.Can(ctx, actor, "bypass-time-limit-edit-and-delete", "") {
		// Rocket.Chat rounds the minutes elapsed and allows up to the limit inclusive.
		elapsed := (s.now().Sub(m.Ts) + 30*time.Second) / time.Minute
		if int64(elapsed) > limit {
			return notAllowed
		}
	}
	if room.RO && !s.authz.Can(ctx, actor, "post-readonly", room.ID) && !contains(room.Unmuted, m.U.Username) {
		return &model.Error{Kind: model.KindInvalid, Message: "You can't delete messages because the room is readonly."}
	}
	return nil
}

// Delete removes a message, as deleteMessage and chat.delete do, and returns it as it
// was. The message moves to the trash (so sync reports it) unless it is a thread with
// replies: that one stays, emptied, as a "message removed" (t "rm") so its replies keep
// their parent, as Rocket.Chat shows deleted thread parents.
func (s *Service) Delete(ctx context.Context, actor model.Actor, in DeleteInput) (model.Message, error) {
	m, room, _, err := s.stored(ctx, actor, in.ID, in.RID)
	if err != nil {
		return model.Message{}, err
	}
	if in.AsUser && m.U.ID != actor.UserID && !s.authz.Can(ctx, actor, "force-delete-message", room.ID) {
		return model.Message{}, &model.Error{Kind: model.KindInvalid,
			Message: `Unauthorized. You must have the permission "force-delete-message" to delete other's message as them.`}
	}
	if err := s.canDelete(ctx, actor, m, room); err != nil {
		return model.Message{}, err
	}
	now := s.stamp()
	keep := m.TCount > 0
	var parent, tomb *model.Message
	var newRoom *model.Room
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		parent, tomb, newRoom = nil, nil, nil
		if keep {
			editor, err := s.store.User(ctx, actor.UserID)
			if err != nil {
				return err
			}
			t, err := s.store.UpdateMessage(ctx, m.ID, map[string]any{
				"msg": "", "t": "rm", "editedAt": now, "editedBy": model.UserRef{ID: editor.ID, Username: editor.Username}, "_updatedAt": now,
			}, []string{"md", "mentions", "channels", "urls", "attachments", "reactions", "file", "files"})
			if err != nil {
				return err
			}
			tomb = &t
		} else if err := s.store.TrashMessage(ctx, m.ID, now); err != nil {
			return err
		}
		if m.TMID != "" {
			p, err := s.store.RemoveThreadReply(ctx, m.TMID, now)
			if err != nil && !isNotFound(err) {
				return err
			}
			if err == nil {
				parent = &p
			}
		}
		rc := RoomChange{At: now}
		if !keep {
			rc.IncMsgs = -1
		}
		if s.config.Bool("Store_Last_Message") && (room.LastMessage == nil || room.LastMessage.ID == m.ID) {
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
		return model.Message{}, model.AsError(err)
	}
	if tomb != nil {
		s.hub.Publish(streamhub.MessageSaved{RID: room.ID, RoomType: room.T, RoomName: room.Name, Message: *tomb})
	} else {
		s.hub.Publish(streamhub.MessageDeleted{RID: room.ID, ID: m.ID})
	}
	if parent != nil {
		s.hub.Publish(streamhub.MessageSaved{RID: room.ID, RoomType: room.T, RoomName: room.Name, Message: *parent})
	}
	if newRoom != nil {
		s.publishRoom(ctx, *newRoom)
	}
	if ids := fileIDs(m); len(ids) > 0 && s.onFilesRemoved != nil {
		s.onFilesRemoved(ctx, ids)
	}
	return m, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
