package rooms

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// RoomSettingKeys are the keys saveRoomSettings accepts.
var RoomSettingKeys = []string{
	"roomName", "roomTopic", "roomAnnouncement", "roomDescription", "roomType", "readOnly",
	"reactWhenReadOnly", "archived", "joinCode", "default", "featured", "systemMessages", "encrypted",
	"roomAvatar",
}

// SaveSettings changes room settings (methods saveRoomSettings, REST
// rooms.saveRoomSettings and the channels.rename / setTopic / … routes), all or
// nothing. Editing needs edit-room in the room; roomType also create-c or create-p;
// archived needs archive-room or unarchive-room; default and featured need
// view-room-administration. Each change writes Rocket.Chat's system message: "r",
// room_changed_topic, room_changed_description, room_changed_announcement,
// room_changed_privacy, room-set-read-only / room-removed-read-only,
// room-allowed-reacting / room-disallowed-reacting, room-archived / room-unarchived,
// room_changed_avatar. roomAvatar (a data: URI, null or "" to reset) also needs
// edit-room-avatar; its picture is stored before the transaction (avatar.go).
func (s *Service) SaveSettings(ctx context.Context, actor model.Actor, rid string, values map[string]any) (model.Room, error) {
	me, err := s.me(ctx, actor)
	if err != nil {
		return model.Room{}, err
	}
	if len(values) == 0 {
		return model.Room{}, invalid("error-invalid-settings", "Invalid settings provided")
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		if !slices.Contains(RoomSettingKeys, k) {
			return model.Room{}, invalid("error-invalid-settings", "Invalid settings provided")
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	values, newAvatar, err := s.prepareAvatar(ctx, actor, rid, values)
	if err != nil {
		return model.Room{}, err
	}
	_, hasAvatar := values["roomAvatar"]
	var out model.Room
	oldAvatar := ""
	err = s.write(ctx, func(ctx context.Context, b *batch) error {
		r, err := s.room(ctx, rid)
		if err != nil {
			return err
		}
		oldAvatar = r.AvatarETag
		// A direct message takes only a topic (im.setTopic), and only from holders of
		// edit-room (admins by default: nobody owns a direct message).
		if r.T == model.RoomLive || (r.T == model.RoomDirect && !(len(keys) == 1 && keys[0] == "roomTopic")) {
			return &model.Error{Kind: model.KindInvalid, Code: "error-action-not-allowed", Message: "Editing room is not allowed"}
		}
		if !s.authz.Can(ctx, actor, "edit-room", rid) {
			return &model.Error{Kind: model.KindInvalid, Code: "error-action-not-allowed", Message: "Editing room is not allowed"}
		}
		for _, k := range keys {
			if r, err = s.applySetting(ctx, b, actor, me, r, k, values[k]); err != nil {
				return err
			}
		}
		out = r
		return s.roomChanged(ctx, b, "updated", r)
	})
	if hasAvatar {
		s.settleAvatar(rid, newAvatar, oldAvatar, err)
	}
	return ClientRoom(out), err
}

func badValue(key string) error {
	return &model.Error{Kind: model.KindInvalid, Code: "error-invalid-room-setting",
		Message: fmt.Sprintf("Invalid value for %s", key), Details: map[string]any{"setting": key}}
}

// applySetting changes one setting and returns the room after it.
func (s *Service) applySetting(ctx context.Context, b *batch, actor model.Actor, me model.User, r model.Room, key string, v any) (model.Room, error) {
	str, isStr := v.(string)
	flag, isBool := v.(bool)
	if v == nil {
		str, isStr = "", true
	}
	now := s.stamp()
	set := map[string]any{"_updatedAt": now}
	var unset []string
	msgType, msg := "", ""
	subsSet := map[string]any{}
	switch key {
	case "roomName":
		if !isStr {
			return r, badValue(key)
		}
		name := strings.TrimSpace(str)
		if name == r.Name {
			return r, nil
		}
		if name == "" {
			return r, invalid("error-invalid-room-name", "Invalid room name")
		}
		if err := s.checkName(name); err != nil {
			return r, err
		}
		if err := s.nameFree(ctx, name, r.ID); err != nil {
			return r, err
		}
		set["name"], set["fname"] = name, name
		subsSet["name"], subsSet["fname"] = name, name
		msgType, msg = "r", name
	case "roomTopic", "roomDescription", "roomAnnouncement":
		if !isStr {
			return r, badValue(key)
		}
		field := strings.ToLower(strings.TrimPrefix(key, "room"))
		if str == "" {
			unset = append(unset, field)
		} else {
			set[field] = str
		}
		msgType, msg = "room_changed_"+field, str
	case "roomType":
		if !isStr || (str != model.RoomPublic && str != model.RoomPrivate) {
			return r, badValue(key)
		}
		if str == r.T {
			return r, nil
		}
		if !s.authz.Can(ctx, actor, "create-"+str, "") {
			return r, &model.Error{Kind: model.KindInvalid, Code: "error-action-not-allowed", Message: "Changing a private group to a public channel is not allowed"}
		}
		set["t"], subsSet["t"] = str, str
		// saveRoomType: the message names the new kind.
		msgType, msg = "room_changed_privacy", map[string]string{"c": "Channel", "p": "Private Group"}[str]
	case "readOnly", "reactWhenReadOnly", "default", "featured", "encrypted":
		if !isBool {
			return r, badValue(key)
		}
		field := map[string]string{"readOnly": "ro"}[key]
		if field == "" {
			field = key
		}
		if (key == "default" || key == "featured") && !s.authz.Can(ctx, actor, "view-room-administration", "") {
			return r, &model.Error{Kind: model.KindInvalid, Code: "error-action-not-allowed", Message: "Viewing room administration is not allowed"}
		}
		set[field] = flag
		switch {
		case key == "readOnly" && flag != r.RO:
			msgType, msg = map[bool]string{true: "room-set-read-only", false: "room-removed-read-only"}[flag], me.Username
		case key == "reactWhenReadOnly" && flag != r.ReactWhenReadOnly:
			msgType, msg = map[bool]string{true: "room-allowed-reacting", false: "room-disallowed-reacting"}[flag], me.Username
		}
	case "archived":
		if !isBool {
			return r, badValue(key)
		}
		if flag == r.Archived {
			return r, nil
		}
		perm := map[bool]string{true: "archive-room", false: "unarchive-room"}[flag]
		if !s.authz.Can(ctx, actor, perm, r.ID) {
			return r, notAllowed()
		}
		set["archived"], subsSet["archived"] = flag, flag
		msgType, msg = map[bool]string{true: "room-archived", false: "room-unarchived"}[flag], me.Username
	case "joinCode":
		if !isStr {
			return r, badValue(key)
		}
		code := strings.TrimSpace(str)
		if code == "" {
			unset = append(unset, "joinCode")
		} else {
			set["joinCode"] = code
		}
		set["joinCodeRequired"] = code != ""
	case "systemMessages":
		set["sysMes"] = v
	case "roomAvatar":
		if err := s.checkAvatar(ctx, actor, r); err != nil {
			return r, err
		}
		unset = append(unset, avatarFields(v, set, now.UnixMilli())...)
		msgType = "room_changed_avatar"
	}
	r, err := s.rooms.UpdateRoom(ctx, r.ID, set, unset)
	if err != nil {
		return r, err
	}
	if len(subsSet) > 0 {
		subsSet["_updatedAt"] = now
		subs, err := s.subs.UpdateRoomSubscriptions(ctx, r.ID, subsSet)
		if err != nil {
			return r, err
		}
		for _, sub := range subs {
			b.add(subUpdated(sub))
		}
	}
	if msgType != "" {
		if err := s.systemMessage(ctx, b, r, msgType, msg, userRef(me), ""); err != nil {
			return r, err
		}
		return s.rooms.Room(ctx, r.ID)
	}
	return r, nil
}

// Archive archives or unarchives a room (channels.archive, groups.archive and their
// unarchive routes); archiving an archived room is error-room-archived, unarchiving
// an active one error-room-not-archived.
func (s *Service) Archive(ctx context.Context, actor model.Actor, rid string, archive bool) error {
	r, err := s.room(ctx, rid)
	if err != nil {
		return err
	}
	switch {
	case archive && r.Archived:
		return invalid("error-room-archived", fmt.Sprintf("The channel, %s, is archived", r.Name))
	case !archive && !r.Archived:
		return invalid("error-room-not-archived", fmt.Sprintf("The channel, %s, is not archived", r.Name))
	}
	perm := map[bool]string{true: "archive-room", false: "unarchive-room"}[archive]
	if !s.authz.Can(ctx, actor, perm, rid) {
		return notAllowed()
	}
	me, err := s.me(ctx, actor)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, b *batch) error {
		r, err := s.applySetting(ctx, b, model.System, me, r, "archived", archive)
		if err != nil {
			return err
		}
		return s.roomChanged(ctx, b, "updated", r)
	})
}

// Delete deletes a room with its subscriptions and messages (channels.delete,
// groups.delete, im.delete, rooms.delete): needs delete-c, delete-p or delete-d in the
// room. The room and subscriptions are kept in the trash for clients' delta sync.
func (s *Service) Delete(ctx context.Context, actor model.Actor, rid string) error {
	r, err := s.room(ctx, rid)
	if err != nil {
		return err
	}
	if !s.authz.Can(ctx, actor, "delete-"+r.T, rid) {
		return notAllowed()
	}
	err = s.write(ctx, func(ctx context.Context, b *batch) error { return s.eraseRoom(ctx, b, rid) })
	if err == nil {
		s.log.Info("room deleted", "rid", rid, "by", actor.Username)
	}
	return err
}

// eraseRoom deletes a room, its subscriptions (each announced removed to its user) and
// its messages, keeping the room and the subscriptions in the trash.
func (s *Service) eraseRoom(ctx context.Context, b *batch, rid string) error {
	subs, err := s.subs.SubscriptionsOfRoom(ctx, rid)
	if err != nil {
		return err
	}
	members := make([]string, len(subs))
	now := s.stamp()
	for i, sub := range subs {
		members[i] = sub.U.ID
		if _, err := s.subs.DeleteSubscription(ctx, rid, sub.U.ID, now); err != nil {
			return err
		}
		b.add(subRemoved(sub))
	}
	if err := s.rooms.DeleteRoomMessages(ctx, rid); err != nil {
		return err
	}
	if err := s.rooms.DeleteRoom(ctx, rid, now); err != nil {
		return err
	}
	b.add(streamhub.RoomChanged{Action: "removed", RID: rid, Room: map[string]string{"_id": rid}, Members: members})
	return nil
}
