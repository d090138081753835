package model

import "time"

// Room types (rocketchat_room.t).
const (
	RoomPublic  = "c" // channel
	RoomPrivate = "p" // private group
	RoomDirect  = "d" // direct message, also with several users
	RoomLive    = "l" // omnichannel
)

// GeneralRoomID is the _id of the seeded #general channel.
const GeneralRoomID = "GENERAL"

// UserRef is the {_id, username, name} a room, subscription or message keeps of a user.
type UserRef struct {
	ID       string `json:"_id"`
	Username string `json:"username,omitempty"`
	Name     string `json:"name,omitempty"`
}

// Room is a document of rocketchat_room (PROTOCOL.md §5.2). Stores change rooms with
// field updates, never by writing the whole struct back, so fields Outpost does not
// model survive.
type Room struct {
	ID                string         `json:"_id"`
	T                 string         `json:"t"`
	Name              string         `json:"name,omitempty"`
	FName             string         `json:"fname,omitempty"`
	Ts                time.Time      `json:"ts"`
	U                 *UserRef       `json:"u,omitempty"` // the creator
	Msgs              int64          `json:"msgs"`
	UsersCount        int64          `json:"usersCount"`
	LM                *time.Time     `json:"lm,omitempty"`
	LastMessage       *Message       `json:"lastMessage,omitempty"`
	Default           bool           `json:"default"`
	Featured          bool           `json:"featured,omitempty"`
	RO                bool           `json:"ro"`
	ReactWhenReadOnly bool           `json:"reactWhenReadOnly,omitempty"`
	SysMes            any            `json:"sysMes,omitempty"` // true, or the hidden system message types
	Broadcast         bool           `json:"broadcast,omitempty"`
	Encrypted         bool           `json:"encrypted,omitempty"`
	Topic             string         `json:"topic,omitempty"`
	Description       string         `json:"description,omitempty"`
	Announcement      string         `json:"announcement,omitempty"`
	Archived          bool           `json:"archived,omitempty"`
	Muted             []string       `json:"muted,omitempty"`   // usernames
	Unmuted           []string       `json:"unmuted,omitempty"` // usernames allowed to talk in a read-only room
	JoinCodeRequired  bool           `json:"joinCodeRequired,omitempty"`
	JoinCode          string         `json:"joinCode,omitempty"`  // never sent to clients
	UIDs              []string       `json:"uids,omitempty"`      // direct messages
	Usernames         []string       `json:"usernames,omitempty"` // direct messages
	Prid              string         `json:"prid,omitempty"`
	TeamID            string         `json:"teamId,omitempty"`
	TeamMain          bool           `json:"teamMain,omitempty"`
	AvatarETag        string         `json:"avatarETag,omitempty"`
	CustomFields      map[string]any `json:"customFields,omitempty"`
	UpdatedAt         time.Time      `json:"_updatedAt"`
}

// Subscription is a document of rocketchat_subscription: one user in one room
// (PROTOCOL.md §5.3). Name is the room's name, for a direct message the other user's
// username.
type Subscription struct {
	ID                      string     `json:"_id"`
	RID                     string     `json:"rid"`
	U                       UserRef    `json:"u"`
	Name                    string     `json:"name"`
	FName                   string     `json:"fname,omitempty"`
	T                       string     `json:"t"`
	Ts                      time.Time  `json:"ts"`
	LS                      *time.Time `json:"ls,omitempty"` // last seen
	LR                      *time.Time `json:"lr,omitempty"` // last reply
	Open                    bool       `json:"open"`
	Alert                   bool       `json:"alert"`
	Unread                  int64      `json:"unread"`
	UserMentions            int64      `json:"userMentions"`
	GroupMentions           int64      `json:"groupMentions"`
	TUnread                 []string   `json:"tunread,omitempty"`
	TUnreadUser             []string   `json:"tunreadUser,omitempty"`
	TUnreadGroup            []string   `json:"tunreadGroup,omitempty"`
	F                       bool       `json:"f,omitempty"` // favorite
	Roles                   []string   `json:"roles,omitempty"`
	Archived                bool       `json:"archived,omitempty"`
	Prid                    string     `json:"prid,omitempty"`
	TeamID                  string     `json:"teamId,omitempty"`
	TeamMain                bool       `json:"teamMain,omitempty"`
	HideUnreadStatus        bool       `json:"hideUnreadStatus,omitempty"`
	HideMentionStatus       bool       `json:"hideMentionStatus,omitempty"`
	DisableNotifications    bool       `json:"disableNotifications,omitempty"`
	MuteGroupMentions       bool       `json:"muteGroupMentions,omitempty"`
	DesktopNotifications    string     `json:"desktopNotifications,omitempty"`
	MobilePushNotifications string     `json:"mobilePushNotifications,omitempty"`
	EmailNotifications      string     `json:"emailNotifications,omitempty"`
	AudioNotificationValue  string     `json:"audioNotificationValue,omitempty"`
	Ignored                 []string   `json:"ignored,omitempty"` // uids whose messages the user hides
	Blocked                 bool       `json:"blocked,omitempty"`
	Blocker                 bool       `json:"blocker,omitempty"`
	UpdatedAt               time.Time  `json:"_updatedAt"`
}
