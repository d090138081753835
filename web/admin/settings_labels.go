package admin

import (
	"strings"

	"github.com/outpostchat/outpost/app/model"
)

// Outpost has no translations: the settings pages show the English text of the most
// common i18n keys (after Rocket.Chat's en.i18n.json, in our own words where it helps),
// and the key itself otherwise, as the brief of the page asks.

// groupLabels are the English names of settings groups (and sections) by i18n key.
var groupLabels = map[string]string{
	"Accounts":                          "Accounts",
	"FileUpload":                        "File Upload",
	"General":                           "General",
	"Layout":                            "Layout",
	"Message":                           "Message",
	"Omnichannel":                       "Omnichannel",
	"Rate Limiter":                      "Rate Limiter",
	"Troubleshoot":                      "Troubleshoot",
	"Accounts_Default_User_Preferences": "Default User Preferences",
	"Accounts_Section_Default_User_Preferences": "Default User Preferences (notifications)",
	"Avatar":                    "Avatar",
	"Login_Attempts":            "Failed Login Attempts",
	"Rate_Limiter":              "Rate Limiter",
	"Registration":              "Registration",
	"Two Factor Authentication": "Two Factor Authentication",
	"Mobile":                    "Mobile",
	"Notifications":             "Notifications",
	"REST API":                  "REST API",
	"UTF8":                      "UTF8",
	"Unread_Count":              "Unread Count",
	"User_Interface":            "User Interface",
	"Message_Attachments":       "Message Attachments",
	"API_Rate_Limiter":          "API Rate Limiter",
}

// settingLabels are the English labels of common settings by i18n key.
var settingLabels = map[string]string{
	"Site_Name":                                         "Site Name",
	"Site_Url":                                          "Site URL",
	"Language":                                          "Language",
	"API_Use_REST_For_DDP_Calls":                        "Use REST instead of websocket for Meteor calls",
	"Accounts_RegistrationForm":                         "Registration Form",
	"Accounts_RegistrationForm_SecretURL":               "Registration Form Secret URL",
	"Accounts_ManuallyApproveNewUsers":                  "Manually Approve New Users",
	"Accounts_RequireNameForSignUp":                     "Require Name For Signup",
	"Accounts_Registration_Users_Default_Roles":         "Default Roles for Users",
	"Accounts_AllowEmailChange":                         "Allow Email Change",
	"Accounts_AllowPasswordChange":                      "Allow Password Change",
	"Accounts_AllowRealNameChange":                      "Allow Name Change",
	"Accounts_AllowUserAvatarChange":                    "Allow User Avatar Change",
	"Accounts_AllowUserProfileChange":                   "Allow User Profile Change",
	"Accounts_AllowUserStatusMessageChange":             "Allow Custom Status Message",
	"Accounts_AllowUsernameChange":                      "Allow Username Change",
	"Accounts_AllowInvisibleStatusOption":               "Allow Invisible status option",
	"Accounts_LoginExpiration":                          "Login Expiration in Days",
	"Accounts_AvatarResize":                             "Resize Avatars",
	"Accounts_AvatarSize":                               "Avatar Size",
	"Accounts_AvatarCacheTime":                          "Avatar cache time (seconds)",
	"Accounts_AvatarBlockUnauthenticatedAccess":         "Block Unauthenticated Access to Avatars",
	"Accounts_TwoFactorAuthentication_Enabled":          "Enable Two Factor Authentication",
	"Accounts_TwoFactorAuthentication_By_TOTP_Enabled":  "Enable Two Factor Authentication via TOTP",
	"Accounts_TwoFactorAuthentication_By_Email_Enabled": "Enable Two Factor Authentication via Email",
	"Accounts_TwoFactorAuthentication_MaxDelta":         "Maximum Delta",
	"Enable_Auto_Away":                                  "Enable Auto Away",
	"Idle_Time_Limit":                                   "Idle Time Limit (seconds)",
	"Block_Multiple_Failed_Logins_Enabled":              "Enable collecting login data",
	"Block_Multiple_Failed_Logins_By_User":              "Block failed login attempts by username",
	"Block_Multiple_Failed_Logins_By_Ip":                "Block failed login attempts by IP",
	"Message_MaxAllowedSize":                            "Maximum Allowed Characters Per Message",
	"Message_AllowEditing":                              "Allow Message Editing",
	"Message_AllowEditing_BlockEditInMinutes":           "Block Message Editing After (n) Minutes",
	"Message_AllowDeleting":                             "Allow Message Deleting",
	"Message_AllowDeleting_BlockDeleteInMinutes":        "Block Message Deleting After (n) Minutes",
	"Message_AllowPinning":                              "Allow Message Pinning",
	"Message_AllowStarring":                             "Allow Message Starring",
	"Message_ErasureType":                               "Message Erasure Type",
	"Hide_System_Messages":                              "Hide System Messages",
	"Threads_enabled":                                   "Enable Threads",
	"DirectMesssage_maxUsers":                           "Max users in direct messages",
	"FileUpload_Enabled":                                "File Uploads Enabled",
	"FileUpload_Enabled_Direct":                         "File Uploads Enabled in Direct Messages",
	"FileUpload_MaxFileSize":                            "Maximum File Upload Size (in bytes)",
	"FileUpload_MediaTypeWhiteList":                     "Accepted Media Types",
	"FileUpload_MediaTypeBlackList":                     "Blocked Media Types",
	"FileUpload_ProtectFiles":                           "Protect Uploaded Files",
	"FileUpload_Restrict_to_room_members":               "Restrict files to rooms' members",
	"FileUpload_RotateImages":                           "Rotate images on upload",
	"UI_Use_Real_Name":                                  "Use Real Name",
	"UI_Allow_room_names_with_special_chars":            "Allow Special Characters in Room Names",
	"Unread_Count":                                      "Unread Count",
	"Unread_Count_DM":                                   "Unread Count for Direct Messages",
	"Omnichannel_enabled":                               "Omnichannel enabled",
	"API_Enable_Rate_Limiter":                           "Enable Rate Limiter",
	"API_Enable_Rate_Limiter_Dev":                       "Enable Rate Limiter in development",
	"API_Enable_Rate_Limiter_Limit_Calls_Default":       "Default number of calls to the rate limiter",
	"API_Enable_Rate_Limiter_Limit_Time_Default":        "Default time limit for the rate limiter (in ms)",
	"Notifications_Max_Room_Members":                    "Max Room Members Before Disabling All Message Notifications",
}

// settingDescriptions are the English descriptions of a few settings, by i18n key.
var settingDescriptions = map[string]string{
	"Message_ErasureType_Description":            "What happens to the messages of a user whose account is deleted.",
	"FileUpload_UserDailyQuota_Description":      "Bytes a user may upload per day; 0 for no limit.",
	"Notifications_Max_Room_Members_Description": "Above this many members, a room sends notifications for mentions only.",
}

// optionLabels are the English labels of select values, by i18n key.
var optionLabels = map[string]string{
	"All_messages":                         "All messages",
	"Mentions":                             "Mentions",
	"Nothing":                              "Nothing",
	"User_mentions_only":                   "User mentions only",
	"Group_mentions_only":                  "Group mentions only",
	"User_and_group_mentions_only":         "User and group mentions only",
	"Accounts_RegistrationForm_Public":     "Public",
	"Accounts_RegistrationForm_Disabled":   "Disabled",
	"Accounts_RegistrationForm_Secret_URL": "Secret URL",
	"Message_ErasureType_Keep":             "Keep Messages and User Name",
	"Message_ErasureType_Delete":           "Delete All Messages",
	"Message_ErasureType_Unlink":           "Remove Link Between User and Messages",
}

func groupLabel(g string) string {
	if l, ok := groupLabels[g]; ok {
		return l
	}
	return g
}

func sectionLabel(s string) string {
	if l, ok := groupLabels[s]; ok {
		return l
	}
	return strings.ReplaceAll(s, "_", " ")
}

// settingLabel is the English label, or the setting's id.
func settingLabel(st model.Setting) string {
	if l, ok := settingLabels[st.I18nLabel]; ok {
		return l
	}
	if l, ok := settingLabels[st.ID]; ok {
		return l
	}
	return st.ID
}

// settingDescription is the English description, or "".
func settingDescription(st model.Setting) string {
	return settingDescriptions[st.I18nDescription]
}

// optionLabel is a select value's English label: the map's, the label itself when it
// reads as text already (no underscore, as "English" or "Deutsch"), else the key.
func optionLabel(o model.SettingOption) string {
	if l, ok := optionLabels[o.I18nLabel]; ok {
		return l
	}
	if o.I18nLabel != "" && !strings.Contains(o.I18nLabel, "_") {
		return o.I18nLabel
	}
	return o.Key
}
