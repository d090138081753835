package messaging

import (
	"slices"

	"github.com/outpostchat/outpost/app/model"
)

// hideSystemMessages is the id of the setting naming the system message types history
// leaves out (Rocket.Chat 8: type multiSelect, public, default []).
const hideSystemMessages = "Hide_System_Messages"

// hiddenTypeOptions are Hide_System_Messages' values, as Rocket.Chat lists them
// (MessageTypesValues): a message type and its label.
var hiddenTypeOptions = []model.SettingOption{
	{Key: "rollback-message", I18nLabel: "Rollback_message"},
	{Key: "uj", I18nLabel: "Message_HideType_uj"},
	{Key: "ujt", I18nLabel: "Message_HideType_ujt"},
	{Key: "ul", I18nLabel: "Message_HideType_ul"},
	{Key: "ult", I18nLabel: "Message_HideType_ult"},
	{Key: "ru", I18nLabel: "Message_HideType_ru"},
	{Key: "removed-user-from-team", I18nLabel: "Message_HideType_removed_user_from_team"},
	{Key: "au", I18nLabel: "Message_HideType_au"},
	{Key: "added-user-to-team", I18nLabel: "Message_HideType_added_user_to_team"},
	{Key: "mute_unmute", I18nLabel: "Message_HideType_mute_unmute"},
	{Key: "r", I18nLabel: "Message_HideType_r"},
	{Key: "ut", I18nLabel: "Message_HideType_ut"},
	{Key: "wm", I18nLabel: "Message_HideType_wm"},
	{Key: "rm", I18nLabel: "Message_HideType_rm"},
	{Key: "subscription-role-added", I18nLabel: "Message_HideType_subscription_role_added"},
	{Key: "subscription-role-removed", I18nLabel: "Message_HideType_subscription_role_removed"},
	{Key: "room-archived", I18nLabel: "Message_HideType_room_archived"},
	{Key: "room-unarchived", I18nLabel: "Message_HideType_room_unarchived"},
	{Key: "room_changed_privacy", I18nLabel: "Message_HideType_room_changed_privacy"},
	{Key: "room_changed_avatar", I18nLabel: "Message_HideType_room_changed_avatar"},
	{Key: "room_changed_topic", I18nLabel: "Message_HideType_room_changed_topic"},
	{Key: "room_e2e_enabled", I18nLabel: "Message_HideType_room_enabled_encryption"},
	{Key: "room_e2e_disabled", I18nLabel: "Message_HideType_room_disabled_encryption"},
	{Key: "room-removed-read-only", I18nLabel: "Message_HideType_room_removed_read_only"},
	{Key: "room-set-read-only", I18nLabel: "Message_HideType_room_set_read_only"},
	{Key: "room-disallowed-reacting", I18nLabel: "Message_HideType_room_disallowed_reacting"},
	{Key: "room-allowed-reacting", I18nLabel: "Message_HideType_room_allowed_reacting"},
	{Key: "user-added-room-to-team", I18nLabel: "Message_HideType_user_added_room_to_team"},
	{Key: "user-converted-to-channel", I18nLabel: "Message_HideType_user_converted_to_channel"},
	{Key: "user-converted-to-team", I18nLabel: "Message_HideType_user_converted_to_team"},
	{Key: "user-deleted-room-from-team", I18nLabel: "Message_HideType_user_deleted_room_from_team"},
	{Key: "user-removed-room-from-team", I18nLabel: "Message_HideType_user_removed_room_from_team"},
	{Key: "room_changed_announcement", I18nLabel: "Message_HideType_changed_announcement"},
	{Key: "room_changed_description", I18nLabel: "Message_HideType_changed_description"},
	{Key: "ca", I18nLabel: "Change_Agent"},
}

// hiddenSetting is the Hide_System_Messages definition.
func hiddenSetting() model.Setting {
	return model.Setting{ID: hideSystemMessages, Type: model.SettingMultiSelect, PackageValue: []any{}, Public: true,
		Group: "Message", I18nLabel: hideSystemMessages, Values: hiddenTypeOptions}
}

// hiddenTypes is Rocket.Chat's getHiddenSystemMessages: the system message types a
// room's history leaves out. A room whose sysMes is a list of types uses it; any other
// room (sysMes unset or true) uses Hide_System_Messages. "mute_unmute" stands for
// both user-muted and user-unmuted (Rocket.Chat expands it for the setting; here the
// room's list gets the same treatment, which only adds types).
func (s *Service) hiddenTypes(room model.Room) []string {
	var list []string
	if own, ok := stringList(room.SysMes); ok {
		list = own
	} else if st, found := s.config.Get(hideSystemMessages); found {
		list, _ = stringList(st.Value)
	}
	var out []string
	for _, t := range list {
		if t == "mute_unmute" {
			out = append(out, "user-muted", "user-unmuted")
		} else if t != "" {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// stringList reads a list of strings as a setting or document holds it: []string as
// registered, []any as decoded. ok is false for anything else (nil, true).
func stringList(v any) (list []string, ok bool) {
	switch v := v.(type) {
	case []string:
		return v, true
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out, true
	}
	return nil, false
}
