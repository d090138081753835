package settings

import "github.com/outpostchat/outpost/app/model"

// Core is the settings the foundation itself answers for; each service registers its
// own in the same way. uniqueID identifies this workspace to the mobile app: pass the
// stored one once there is one, so it never changes.
func Core(uniqueID string) []model.Setting {
	return []model.Setting{
		{ID: "uniqueID", Type: model.SettingString, PackageValue: uniqueID, Public: true, Blocked: true, Group: "General"},
		{ID: "Site_Name", Type: model.SettingString, PackageValue: "Outpost", Public: true, Group: "Layout", I18nLabel: "Site_Name"},
		{ID: "Site_Url", Type: model.SettingString, PackageValue: "http://localhost:3000", Public: true, Group: "General", I18nLabel: "Site_Url"},
		{ID: "Language", Type: model.SettingSelect, PackageValue: "en", Public: true, Group: "General", I18nLabel: "Language",
			Values: []model.SettingOption{{Key: "en", I18nLabel: "English"}, {Key: "de", I18nLabel: "Deutsch"}, {Key: "es", I18nLabel: "Español"}, {Key: "fr", I18nLabel: "Français"}, {Key: "pt-BR", I18nLabel: "Português (Brasil)"}}},
		{ID: "API_Use_REST_For_DDP_Calls", Type: model.SettingBoolean, PackageValue: true, Public: true, Group: "General", Section: "REST API", I18nLabel: "API_Use_REST_For_DDP_Calls"},
		{ID: "Accounts_RegistrationForm", Type: model.SettingSelect, PackageValue: "Public", Public: true, Group: "Accounts", Section: "Registration", I18nLabel: "Accounts_RegistrationForm",
			Values: []model.SettingOption{{Key: "Public", I18nLabel: "Accounts_RegistrationForm_Public"}, {Key: "Disabled", I18nLabel: "Accounts_RegistrationForm_Disabled"}, {Key: "Secret URL", I18nLabel: "Accounts_RegistrationForm_Secret_URL"}}},
		{ID: "Message_MaxAllowedSize", Type: model.SettingInt, PackageValue: 5000, Public: true, Group: "Message", I18nLabel: "Message_MaxAllowedSize"},
		{ID: "FileUpload_MaxFileSize", Type: model.SettingInt, PackageValue: 104857600, Public: true, Group: "FileUpload", I18nLabel: "FileUpload_MaxFileSize"},
		{ID: "Cloud_Workspace_Supported_Versions_Token", Type: model.SettingString, PackageValue: "", Group: "General", Section: "Mobile",
			I18nLabel: "Cloud_Workspace_Supported_Versions_Token"},
		{ID: "Livechat_enabled", Type: model.SettingBoolean, PackageValue: true, Public: true, Group: "Omnichannel", I18nLabel: "Omnichannel_enabled"},
	}
}
