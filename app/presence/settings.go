package presence

import "github.com/outpostchat/outpost/app/model"

// The settings the service reads. Ids, types and defaults are Rocket.Chat's
// (apps/meteor/server/settings/accounts.ts and troubleshoot.ts, 8.x):
//
//   - Accounts_AllowInvisibleStatusOption: boolean, true, public (Accounts).
//   - Accounts_AllowUserStatusMessageChange: boolean, true, public (Accounts); app/accounts
//     registers it (accounts.UserSettings), so Settings leaves it out.
//   - Accounts_Default_User_Preferences_enableAutoAway: boolean, true, public, and
//     Accounts_Default_User_Preferences_idleTimeLimit: int, 300 (seconds), public
//     (Accounts, section Accounts_Default_User_Preferences). In Rocket.Chat the web client
//     measures idleness and calls UserPresence:away; Outpost measures it on the server,
//     from method calls, with the same preferences.
//   - Presence_broadcast_disabled: boolean, false, public, readonly in Rocket.Chat (the
//     server turns it on itself past 200 connections without a license; Outpost never
//     does, but an admin may). When on, status changes are not broadcast and
//     users.presence answers {users:[], full:true}.
//   - Troubleshoot_Disable_Presence_Broadcast: boolean, false, private (Troubleshoot):
//     stops the broadcast without telling clients.
const (
	settingAllowInvisible        = "Accounts_AllowInvisibleStatusOption"
	settingAllowStatusMessage    = "Accounts_AllowUserStatusMessageChange"
	settingAutoAway              = "Accounts_Default_User_Preferences_enableAutoAway"
	settingIdleTimeLimit         = "Accounts_Default_User_Preferences_idleTimeLimit"
	settingBroadcastDisabled     = "Presence_broadcast_disabled"
	settingTroubleshootBroadcast = "Troubleshoot_Disable_Presence_Broadcast"
)

// defaults are the values read when a setting is not registered (Config answers false,
// "" or 0 for those): ours, and Accounts_AllowUserStatusMessageChange.
var defaults = map[string]any{
	settingAllowInvisible:        true,
	settingAllowStatusMessage:    true,
	settingAutoAway:              true,
	settingIdleTimeLimit:         int64(300),
	settingBroadcastDisabled:     false,
	settingTroubleshootBroadcast: false,
}

// Settings are the settings this service registers, with Rocket.Chat's ids and defaults.
func Settings() []model.Setting {
	return []model.Setting{
		{ID: settingAllowInvisible, Type: model.SettingBoolean, PackageValue: true, Public: true,
			Group: "Accounts", I18nLabel: settingAllowInvisible},
		{ID: settingAutoAway, Type: model.SettingBoolean, PackageValue: true, Public: true,
			Group: "Accounts", Section: "Accounts_Default_User_Preferences", I18nLabel: "Enable_Auto_Away"},
		{ID: settingIdleTimeLimit, Type: model.SettingInt, PackageValue: 300, Public: true,
			Group: "Accounts", Section: "Accounts_Default_User_Preferences", I18nLabel: "Idle_Time_Limit"},
		{ID: settingBroadcastDisabled, Type: model.SettingBoolean, PackageValue: false, Public: true,
			Group: "Troubleshoot", I18nLabel: settingBroadcastDisabled},
		{ID: settingTroubleshootBroadcast, Type: model.SettingBoolean, PackageValue: false,
			Group: "Troubleshoot", I18nLabel: settingTroubleshootBroadcast,
			I18nDescription: "Troubleshoot_Disable_Presence_Broadcast_Alert"},
	}
}

// setting reads a setting through the config when it knows it (settings.Service does),
// else its default.
func (s *Service) setting(id string) any {
	if g, ok := s.config.(interface {
		Get(id string) (model.Setting, bool)
	}); ok {
		if st, ok := g.Get(id); ok && st.Value != nil {
			return st.Value
		}
		return defaults[id]
	}
	if s.config == nil {
		return defaults[id]
	}
	switch defaults[id].(type) {
	case bool:
		return s.config.Bool(id)
	case int64:
		return s.config.Int(id)
	}
	return s.config.String(id)
}

func (s *Service) flag(id string) bool { b, _ := s.setting(id).(bool); return b }

func (s *Service) number(id string) int64 {
	switch n := s.setting(id).(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	case int:
		return int64(n)
	}
	return 0
}
