package streamhub

// MessagesBulkDeleted reports that many of a room's messages were deleted at once (a
// room's history cleaned, Rocket.Chat's cleanRoomHistory): stream-notify-room
// "<RID>/deleteMessageBulk" [Payload]. Payload is Rocket.Chat's
// {rid, excludePinned, ignoreDiscussion, ts:{$gt|$gte, $lt|$lte}, users:[username],
// ids?:[msgId]}: clients drop the messages it selects from their local copy.
type MessagesBulkDeleted struct {
	RID     string
	Payload map[string]any
}

// Topic returns [TopicMessages].
func (MessagesBulkDeleted) Topic() string { return TopicMessages }
