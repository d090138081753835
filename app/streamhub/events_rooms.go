package streamhub

import "time"

// Topics of the room, message and presence events (app/rooms, app/messaging,
// app/presence).
const (
	// TopicMessages is the topic of [MessageSaved] and [MessageDeleted].
	TopicMessages = "messages"
	// TopicRooms is the topic of [RoomChanged].
	TopicRooms = "rooms"
	// TopicSubscriptions is the topic of [SubscriptionChanged].
	TopicSubscriptions = "subscriptions"
	// TopicRoomEvents is the topic of [MessagesRead].
	TopicRoomEvents = "room-events"
	// TopicUserNotices is the topic of [Notification] and [EphemeralMessage].
	TopicUserNotices = "user-notices"
	// TopicPresence is the topic of [PresenceChanged].
	TopicPresence = "presence"
)

// MessageSaved reports a message inserted or changed (edited, reacted to, pinned…),
// after commit: stream-room-messages "<RID>" carries Message, and "__my_messages__"
// carries it with {roomParticipant, roomType, roomName}. Message is the document as
// clients see it (a model.Message), JSON-encodable.
type MessageSaved struct {
	RID      string
	RoomType string
	RoomName string
	Message  any
	Inserted bool
}

// Topic returns [TopicMessages].
func (MessageSaved) Topic() string { return TopicMessages }

// MessageDeleted reports a deleted message: stream-notify-room "<RID>/deleteMessage"
// [{_id: ID}].
type MessageDeleted struct {
	RID string
	ID  string
}

// Topic returns [TopicMessages].
func (MessageDeleted) Topic() string { return TopicMessages }

// RoomChanged reports a room inserted, updated or removed: every member in Members
// (uids) gets stream-notify-user "<uid>/rooms-changed" [Action, Room]. Room is the
// room as clients see it (a model.Room); for "removed", {_id}.
type RoomChanged struct {
	Action  string // "inserted", "updated" or "removed"
	RID     string
	Room    any
	Members []string
}

// Topic returns [TopicRooms].
func (RoomChanged) Topic() string { return TopicRooms }

// SubscriptionChanged reports a subscription inserted, updated or removed: its user
// gets stream-notify-user "<UserID>/subscriptions-changed" [Action, Subscription]. Sub
// is the subscription as clients see it (a model.Subscription); for "removed",
// {_id, u, rid, t}. On "inserted" Room, when set, also goes out as "<UserID>/rooms-changed"
// ["inserted", Room]. On "removed" the user's sessions stop receiving the room's
// events at once.
type SubscriptionChanged struct {
	Action string
	UserID string
	RID    string
	Sub    any
	Room   any
}

// Topic returns [TopicSubscriptions].
func (SubscriptionChanged) Topic() string { return TopicSubscriptions }

// MessagesRead reports that a room's messages were read up to Until (read receipts):
// stream-notify-room "<RID>/messagesRead" [{until, tmid?}].
type MessagesRead struct {
	RID   string
	Until time.Time
	TMID  string
}

// Topic returns [TopicRoomEvents].
func (MessagesRead) Topic() string { return TopicRoomEvents }

// Notification is a desktop/mobile notification for one user: stream-notify-user
// "<UserID>/notification" [Payload], Payload shaped {title, text, payload:{…}}.
type Notification struct {
	UserID  string
	Payload any
}

// Topic returns [TopicUserNotices].
func (Notification) Topic() string { return TopicUserNotices }

// EphemeralMessage is a message shown to one user only and never stored (an error
// from a slash command, "you are muted"…): stream-notify-user "<UserID>/message"
// [Message].
type EphemeralMessage struct {
	UserID  string
	Message any
}

// Topic returns [TopicUserNotices].
func (EphemeralMessage) Topic() string { return TopicUserNotices }

// PresenceChanged reports a user's new status: stream-notify-logged "user-status"
// [[uid, username, status 0-3, statusText, name, roles]] and stream-user-presence for
// the connections watching the user. Status is "online", "away", "busy" or
// "offline".
type PresenceChanged struct {
	UserID     string
	Username   string
	Name       string
	Status     string
	StatusText string
	Roles      []string
}

// Topic returns [TopicPresence].
func (PresenceChanged) Topic() string { return TopicPresence }
