package authz

// Rocket.Chat's default roles and permissions, transcribed as data from Rocket.Chat
// 7.8.0-develop (github.com/RocketChat/Rocket.Chat, commit
// 7dd565531895bdf38d8db88adf6172125f76f444):
//
//   - permissions: apps/meteor/app/authorization/server/constant/permissions.ts (the
//     Community Edition list; "remove-livechat-department" is listed there twice and kept
//     once here);
//   - roles: the defaultRoles of apps/meteor/app/authorization/server/functions/
//     upsertPermissions.ts, created by server/lib/roles/createOrUpdateProtectedRole.ts
//     (protected, scope "Users" and description "" unless given, mandatory2fa false);
//     "livechat-monitor" comes from apps/meteor/ee/app/livechat-enterprise/server/
//     permissions.ts, which creates it with its name only.
//
// Left out: the settings-level permissions Rocket.Chat derives from every setting
// ("change-setting-<id>", level "settings", roles []), and the Enterprise-only
// permissions (livechat units, monitors, tags, priorities, SLA, canned responses, audit,
// outbound VoIP), which need Enterprise features Outpost does not have yet.

// Role ids of Rocket.Chat's default roles.
const (
	RoleAdmin           = "admin"
	RoleUser            = "user"
	RoleBot             = "bot"
	RoleApp             = "app"
	RoleGuest           = "guest"
	RoleAnonymous       = "anonymous"
	RoleOwner           = "owner"
	RoleModerator       = "moderator"
	RoleLeader          = "leader"
	RoleLivechatAgent   = "livechat-agent"
	RoleLivechatManager = "livechat-manager"
	RoleLivechatMonitor = "livechat-monitor"
)

// DefaultRoles returns Rocket.Chat's default roles; all of them are protected.
func DefaultRoles() []Role {
	roles := []Role{
		{ID: RoleAdmin, Scope: ScopeUsers, Description: "Admin"},
		{ID: RoleModerator, Scope: ScopeSubscriptions, Description: "Moderator"},
		{ID: RoleLeader, Scope: ScopeSubscriptions, Description: "Leader"},
		{ID: RoleOwner, Scope: ScopeSubscriptions, Description: "Owner"},
		{ID: RoleUser, Scope: ScopeUsers},
		{ID: RoleBot, Scope: ScopeUsers},
		{ID: RoleApp, Scope: ScopeUsers},
		{ID: RoleGuest, Scope: ScopeUsers},
		{ID: RoleAnonymous, Scope: ScopeUsers},
		{ID: RoleLivechatAgent, Scope: ScopeUsers, Description: "Livechat Agent"},
		{ID: RoleLivechatManager, Scope: ScopeUsers, Description: "Livechat Manager"},
		{ID: RoleLivechatMonitor, Scope: ScopeUsers},
	}
	for i := range roles {
		roles[i].Name = roles[i].ID
		roles[i].Protected = true
	}
	return roles
}

// DefaultPermissions returns Rocket.Chat's default permissions, each with the roles it is
// granted to on a new workspace.
func DefaultPermissions() []Permission {
	out := make([]Permission, len(defaultPermissions))
	for i, p := range defaultPermissions {
		out[i] = Permission{ID: p.id, Roles: append([]string{}, p.roles...)}
	}
	return out
}

var defaultPermissions = []struct {
	id    string
	roles []string
}{
	{"access-permissions", []string{"admin"}},
	{"access-marketplace", []string{"admin", "user"}},
	{"access-setting-permissions", []string{"admin"}},
	{"add-oauth-service", []string{"admin"}},
	{"add-user-to-joined-room", []string{"admin", "owner", "moderator"}},
	{"add-user-to-any-c-room", []string{"admin"}},
	{"add-user-to-any-p-room", []string{}},
	{"kick-user-from-any-c-room", []string{"admin"}},
	{"kick-user-from-any-p-room", []string{}},
	{"api-bypass-rate-limit", []string{"admin", "bot", "app"}},
	{"archive-room", []string{"admin", "owner"}},
	{"assign-admin-role", []string{"admin"}},
	{"assign-roles", []string{"admin"}},
	{"ban-user", []string{"admin", "owner", "moderator"}},
	{"bulk-register-user", []string{"admin"}},
	{"change-livechat-room-visitor", []string{"admin", "livechat-manager", "livechat-agent"}},
	{"create-c", []string{"admin", "user", "bot", "app"}},
	{"create-d", []string{"admin", "user", "bot", "app"}},
	{"create-p", []string{"admin", "user", "bot", "app"}},
	{"create-personal-access-tokens", []string{"admin", "user"}},
	{"create-user", []string{"admin"}},
	{"clean-channel-history", []string{"admin"}},
	{"delete-c", []string{"admin", "owner"}},
	{"delete-d", []string{"admin"}},
	{"delete-message", []string{"admin", "owner", "moderator"}},
	{"delete-own-message", []string{"admin", "user"}},
	{"delete-p", []string{"admin", "owner"}},
	{"delete-user", []string{"admin"}},
	{"edit-message", []string{"admin", "owner", "moderator"}},
	{"edit-other-user-active-status", []string{"admin"}},
	{"edit-other-user-info", []string{"admin"}},
	{"edit-other-user-password", []string{"admin"}},
	{"edit-other-user-avatar", []string{"admin"}},
	{"edit-other-user-e2ee", []string{"admin"}},
	{"edit-other-user-totp", []string{"admin"}},
	{"edit-privileged-setting", []string{"admin"}},
	{"edit-room", []string{"admin", "owner", "moderator"}},
	{"edit-room-avatar", []string{"admin", "owner", "moderator"}},
	{"edit-room-retention-policy", []string{"admin"}},
	{"force-delete-message", []string{"admin", "owner"}},
	{"join-without-join-code", []string{"admin", "bot", "app"}},
	{"leave-c", []string{"admin", "user", "bot", "anonymous", "app"}},
	{"leave-p", []string{"admin", "user", "bot", "anonymous", "app"}},
	{"logout-other-user", []string{"admin"}},
	{"manage-assets", []string{"admin"}},
	{"manage-email-inbox", []string{"admin"}},
	{"manage-emoji", []string{"admin"}},
	{"manage-user-status", []string{"admin"}},
	{"manage-outgoing-integrations", []string{"admin"}},
	{"manage-incoming-integrations", []string{"admin"}},
	{"manage-own-outgoing-integrations", []string{"admin"}},
	{"manage-own-incoming-integrations", []string{"admin"}},
	{"manage-oauth-apps", []string{"admin"}},
	{"manage-selected-settings", []string{"admin"}},
	{"mention-all", []string{"admin", "owner", "moderator", "user"}},
	{"mention-here", []string{"admin", "owner", "moderator", "user"}},
	{"mute-user", []string{"admin", "owner", "moderator"}},
	{"remove-user", []string{"admin", "owner", "moderator"}},
	{"run-import", []string{"admin"}},
	{"run-migration", []string{"admin"}},
	{"set-moderator", []string{"admin", "owner"}},
	{"set-owner", []string{"admin", "owner"}},
	{"send-many-messages", []string{"admin", "bot", "app"}},
	{"set-leader", []string{"admin", "owner"}},
	{"start-discussion", []string{"admin", "user", "guest", "app"}},
	{"start-discussion-other-user", []string{"admin", "user", "owner", "app"}},
	{"unarchive-room", []string{"admin"}},
	{"view-c-room", []string{"admin", "user", "bot", "app", "anonymous"}},
	{"user-generate-access-token", []string{"admin"}},
	{"view-d-room", []string{"admin", "user", "bot", "app", "guest"}},
	{"view-device-management", []string{"admin"}},
	{"view-engagement-dashboard", []string{"admin"}},
	{"view-full-other-user-info", []string{"admin"}},
	{"view-joined-room", []string{"guest", "bot", "app", "anonymous"}},
	{"view-join-code", []string{"admin"}},
	{"view-logs", []string{"admin"}},
	{"view-other-user-channels", []string{"admin"}},
	{"view-p-room", []string{"admin", "user", "anonymous", "guest"}},
	{"view-privileged-setting", []string{"admin"}},
	{"view-room-administration", []string{"admin"}},
	{"view-statistics", []string{"admin"}},
	{"view-user-administration", []string{"admin"}},
	{"preview-c-room", []string{"admin", "user", "anonymous"}},
	{"view-outside-room", []string{"admin", "owner", "moderator", "user"}},
	{"view-broadcast-member-list", []string{"admin", "owner", "moderator"}},
	{"call-management", []string{"admin", "owner", "moderator", "user"}},
	{"create-invite-links", []string{"admin", "owner", "moderator"}},
	{"view-l-room", []string{"livechat-manager", "livechat-monitor", "livechat-agent", "admin"}},
	{"create-livechat-contact", []string{"livechat-manager", "livechat-monitor", "livechat-agent", "admin"}},
	{"update-livechat-contact", []string{"livechat-manager", "livechat-monitor", "livechat-agent", "admin"}},
	{"view-livechat-contact", []string{"livechat-manager", "livechat-monitor", "livechat-agent", "admin"}},
	{"view-livechat-contact-history", []string{"livechat-manager", "livechat-monitor", "livechat-agent", "admin"}},
	{"view-livechat-manager", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"view-omnichannel-contact-center", []string{"livechat-manager", "livechat-agent", "livechat-monitor", "admin"}},
	{"edit-omnichannel-contact", []string{"livechat-manager", "livechat-agent", "admin"}},
	{"view-livechat-rooms", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"close-livechat-room", []string{"livechat-manager", "livechat-monitor", "livechat-agent", "admin"}},
	{"close-others-livechat-room", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"on-hold-livechat-room", []string{"livechat-manager", "livechat-monitor", "livechat-agent", "admin"}},
	{"on-hold-others-livechat-room", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"save-others-livechat-room-info", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"remove-closed-livechat-rooms", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"view-livechat-analytics", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"view-livechat-queue", []string{"livechat-manager", "livechat-monitor", "livechat-agent", "admin"}},
	{"transfer-livechat-guest", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"manage-livechat-managers", []string{"livechat-manager", "admin"}},
	{"manage-livechat-agents", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"manage-livechat-departments", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"view-livechat-departments", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"add-livechat-department-agents", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"view-livechat-current-chats", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"view-livechat-real-time-monitoring", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"view-livechat-triggers", []string{"livechat-manager", "admin"}},
	{"view-livechat-customfields", []string{"livechat-manager", "admin"}},
	{"view-livechat-installation", []string{"livechat-manager", "admin"}},
	{"view-livechat-appearance", []string{"livechat-manager", "admin"}},
	{"view-livechat-webhooks", []string{"livechat-manager", "admin"}},
	{"view-livechat-business-hours", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"view-livechat-room-closed-same-department", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"view-livechat-room-closed-by-another-agent", []string{"livechat-manager", "livechat-monitor", "admin"}},
	{"view-livechat-room-customfields", []string{"livechat-manager", "livechat-monitor", "livechat-agent", "admin"}},
	{"edit-livechat-room-customfields", []string{"livechat-manager", "livechat-monitor", "livechat-agent", "admin"}},
	{"send-omnichannel-chat-transcript", []string{"livechat-manager", "admin"}},
	{"mail-messages", []string{"admin"}},
	{"toggle-room-e2e-encryption", []string{"owner", "admin"}},
	{"message-impersonate", []string{"bot", "app"}},
	{"create-team", []string{"admin", "user"}},
	{"delete-team", []string{"admin", "owner"}},
	{"convert-team", []string{"admin", "owner"}},
	{"edit-team", []string{"admin", "owner"}},
	{"add-team-member", []string{"admin", "owner", "moderator"}},
	{"edit-team-member", []string{"admin", "owner", "moderator"}},
	{"move-room-to-team", []string{"admin", "owner", "moderator"}},
	{"create-team-channel", []string{"admin", "owner", "moderator"}},
	{"create-team-group", []string{"admin", "owner", "moderator"}},
	{"delete-team-channel", []string{"admin", "owner", "moderator"}},
	{"delete-team-group", []string{"admin", "owner", "moderator"}},
	{"edit-team-channel", []string{"admin", "owner", "moderator"}},
	{"remove-team-channel", []string{"admin", "owner", "moderator"}},
	{"view-all-team-channels", []string{"admin", "owner"}},
	{"view-all-teams", []string{"admin"}},
	{"remove-closed-livechat-room", []string{"livechat-manager", "admin"}},
	{"remove-livechat-department", []string{"livechat-manager", "admin"}},
	{"manage-voip-call-settings", []string{"livechat-manager", "admin"}},
	{"manage-voip-contact-center-settings", []string{"livechat-manager", "admin"}},
	{"manage-agent-extension-association", []string{"admin"}},
	{"view-agent-extension-association", []string{"livechat-manager", "admin", "livechat-agent"}},
	{"inbound-voip-calls", []string{"livechat-agent"}},
	{"manage-voip-extensions", []string{"admin"}},
	{"view-user-voip-extension", []string{"admin", "user"}},
	{"view-voip-extension-details", []string{"admin", "user"}},
	{"manage-apps", []string{"admin"}},
	{"post-readonly", []string{"admin", "owner", "moderator"}},
	{"set-readonly", []string{"admin", "owner"}},
	{"set-react-when-readonly", []string{"admin", "owner"}},
	{"manage-cloud", []string{"admin"}},
	{"manage-sounds", []string{"admin"}},
	{"access-mailer", []string{"admin"}},
	{"pin-message", []string{"owner", "moderator", "admin"}},
	{"mobile-upload-file", []string{"user", "admin"}},
	{"send-mail", []string{"admin"}},
	{"view-federation-data", []string{"admin"}},
	{"add-all-to-room", []string{"admin"}},
	{"get-server-info", []string{"admin"}},
	{"register-on-cloud", []string{"admin"}},
	{"test-admin-options", []string{"admin"}},
	{"test-push-notifications", []string{"admin", "user"}},
	{"sync-auth-services-users", []string{"admin"}},
	{"restart-server", []string{"admin"}},
	{"remove-slackbridge-links", []string{"admin"}},
	{"view-import-operations", []string{"admin"}},
	{"clear-oembed-cache", []string{"admin"}},
	{"videoconf-ring-users", []string{"admin", "owner", "moderator", "user"}},
	{"view-moderation-console", []string{"admin"}},
	{"manage-moderation-actions", []string{"admin"}},
	{"bypass-time-limit-edit-and-delete", []string{"bot", "app"}},
}
