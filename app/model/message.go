package model

import (
	"encoding/json"
	"time"
)

// Message is a document of rocketchat_message (PROTOCOL.md §5.4). T is empty for a
// user's message and names the kind of a system message ("uj", "ul", "au", "ru", "r",
// "room_changed_topic", "rm", …). MD is the message-parser AST of Msg, a JSON array of
// blocks, kept as JSON: the server never looks inside it after the send, so reading and
// answering history copies it as it is stored.
type Message struct {
	ID           string              `json:"_id"`
	RID          string              `json:"rid"`
	Msg          string              `json:"msg"`
	Ts           time.Time           `json:"ts"`
	U            UserRef             `json:"u"`
	T            string              `json:"t,omitempty"`
	Groupable    *bool               `json:"groupable,omitempty"`
	MD           json.RawMessage     `json:"md,omitempty"`
	Mentions     []Mention           `json:"mentions,omitempty"`
	Channels     []ChannelRef        `json:"channels,omitempty"`
	URLs         []MessageURL        `json:"urls,omitempty"`
	Attachments  []map[string]any    `json:"attachments,omitempty"`
	File         *FileRef            `json:"file,omitempty"`
	Files        []FileRef           `json:"files,omitempty"`
	Reactions    map[string]Reaction `json:"reactions,omitempty"` // by ":shortcode:"
	EditedAt     *time.Time          `json:"editedAt,omitempty"`
	EditedBy     *UserRef            `json:"editedBy,omitempty"`
	Pinned       bool                `json:"pinned,omitempty"`
	PinnedAt     *time.Time          `json:"pinnedAt,omitempty"`
	PinnedBy     *UserRef            `json:"pinnedBy,omitempty"`
	Starred      []IDRef             `json:"starred,omitempty"`
	TMID         string              `json:"tmid,omitempty"` // the thread this message replies in
	TShow        bool                `json:"tshow,omitempty"`
	TCount       int64               `json:"tcount,omitempty"` // a thread's reply count
	TLM          *time.Time          `json:"tlm,omitempty"`    // a thread's last reply
	Replies      []string            `json:"replies,omitempty"`
	Alias        string              `json:"alias,omitempty"`
	Emoji        string              `json:"emoji,omitempty"`
	Avatar       string              `json:"avatar,omitempty"`
	Bot          any                 `json:"bot,omitempty"`
	Hidden       bool                `json:"_hidden,omitempty"`
	Role         string              `json:"role,omitempty"` // the role a "subscription-role-added" message names
	CustomFields map[string]any      `json:"customFields,omitempty"`
	UpdatedAt    time.Time           `json:"_updatedAt"`
}

// Mention is one user or group (_id "all"/"here", type "team") a message mentions.
type Mention struct {
	ID       string `json:"_id"`
	Username string `json:"username,omitempty"`
	Name     string `json:"name,omitempty"`
	Type     string `json:"type,omitempty"` // "user" or "team"
}

// ChannelRef is a #channel a message links to.
type ChannelRef struct {
	ID   string `json:"_id"`
	Name string `json:"name"`
}

// MessageURL is a URL found in a message.
type MessageURL struct {
	URL  string         `json:"url"`
	Meta map[string]any `json:"meta,omitempty"`
}

// FileRef is the {_id, name, type, size, format, typeGroup} a message keeps of an
// uploaded file (Rocket.Chat's FileProp).
type FileRef struct {
	ID        string `json:"_id"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	Size      int64  `json:"size,omitempty"`
	Format    string `json:"format,omitempty"`
	TypeGroup string `json:"typeGroup,omitempty"`
}

// Reaction is who reacted with one emoji.
type Reaction struct {
	Usernames []string `json:"usernames"`
	Names     []string `json:"names,omitempty"`
}

// IDRef is an {_id} reference, as message.starred holds.
type IDRef struct {
	ID string `json:"_id"`
}
