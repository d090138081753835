package streamhub

// TopicAvatars is the topic of [AvatarChanged]: stream-notify-logged "updateAvatar".
const TopicAvatars = "avatars"

// AvatarChanged reports that a user's or a room's avatar was set or reset. Rocket.Chat
// broadcasts user.avatarUpdate / room.avatarUpdate and its listeners send every
// signed-in client {username, etag} or {rid, etag} on stream-notify-logged
// "updateAvatar"; a reset carries no etag.
type AvatarChanged struct {
	Username string // the user whose avatar changed; "" for a room
	RID      string // the room whose avatar changed; "" for a user
	ETag     string // the new avatarETag; "" after a reset
}

// Topic returns [TopicAvatars].
func (AvatarChanged) Topic() string { return TopicAvatars }
