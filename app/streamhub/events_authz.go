package streamhub

import "time"

// Topics of the authorization events (app/authz).
const (
	// TopicPermissions is the topic of [PermissionChanged]: stream-notify-logged
	// "permissions-changed".
	TopicPermissions = "permissions"
	// TopicRoles is the topic of [RoleChanged]: stream-roles "roles".
	TopicRoles = "roles"
	// TopicUserRoles is the topic of [UserRoleChanged]: stream-notify-logged "roles-change".
	TopicUserRoles = "user-roles"
)

// PermissionChanged reports that a permission document (rocketchat_permissions) was
// written. The fields are the whole document after the change.
type PermissionChanged struct {
	Action    string   // "inserted", "updated" or "removed", Rocket.Chat's clientAction
	ID        string   // the permission's _id, e.g. "edit-room"
	Roles     []string // role ids granted the permission
	Group     string   // settings-level permissions only
	Section   string   // settings-level permissions only
	Level     string   // "settings" for a change-setting-* permission, else ""
	SettingID string   // settings-level permissions only
	UpdatedAt time.Time
}

// Topic returns [TopicPermissions].
func (PermissionChanged) Topic() string { return TopicPermissions }

// RoleChanged reports that a role document (rocketchat_roles) was written or removed.
// The fields are the whole document after the change (before it, for "removed").
type RoleChanged struct {
	Action       string // "inserted", "updated" or "removed"
	ID           string // the role's _id: the name for Rocket.Chat's roles, a random id for custom ones
	Name         string
	Scope        string // "Users" or "Subscriptions"
	Description  string
	Protected    bool
	Mandatory2FA bool
	UpdatedAt    time.Time
}

// Topic returns [TopicRoles].
func (RoleChanged) Topic() string { return TopicRoles }

// UserRoleChanged reports that a user gained or lost a role: a global one (Scope empty,
// kept in users.roles) or a room one (Scope the room id, kept in the subscription's roles).
type UserRoleChanged struct {
	Type     string // "added" or "removed"
	RoleID   string
	UserID   string
	Username string
	Name     string   // the user's display name
	Scope    string   // the room id for a room role, "" for a global one
	Roles    []string // after the change: the user's global roles, or their roles in Scope
}

// Topic returns [TopicUserRoles].
func (UserRoleChanged) Topic() string { return TopicUserRoles }
