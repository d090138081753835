package streamhub

// Topics of the user events (app/accounts).
const (
	// TopicUsers is the topic of [UserChanged]: stream-notify-user "<uid>/userData".
	TopicUsers = "users"
	// TopicUserNames is the topic of [UserNameChanged]: stream-notify-logged
	// "Users:NameChanged".
	TopicUserNames = "user-names"
	// TopicUserTokens is the topic of [UserTokensRevoked]: sessions to end.
	TopicUserTokens = "user-tokens"
)

// UserChanged reports that a user document was inserted, updated or removed, as
// Rocket.Chat's watch.users does. Its owner receives it on stream-notify-user
// "<ID>/userData" as {type:"inserted", data}, {type:"updated", diff, unset} or
// {type:"removed", id}. Values are plain JSON-like data (string, bool, float64, int64,
// time.Time, []string, []any, map[string]any) and never hold credentials.
type UserChanged struct {
	Action   string         // "inserted", "updated" or "removed", Rocket.Chat's clientAction
	ID       string         // the user's _id
	Username string         // the username (before a removal)
	Data     map[string]any // inserted: the user as its owner sees it
	Diff     map[string]any // updated: the new values by dotted field path
	Unset    map[string]int // updated: the removed field paths, each mapped to 1
}

// Topic returns [TopicUsers].
func (UserChanged) Topic() string { return TopicUsers }

// UserNameChanged reports that a user's username or display name changed; Rocket.Chat
// sends {_id, name, username} to every signed-in client ("Users:NameChanged").
type UserNameChanged struct {
	ID          string
	Username    string
	Name        string
	OldUsername string // the username before the change ("" when it did not change)
}

// Topic returns [TopicUserNames].
func (UserNameChanged) Topic() string { return TopicUserNames }

// UserTokensRevoked reports that login tokens of a user stopped being valid (logout of
// every client, deactivation, deletion, a password change): live sessions signed in
// with one of them must end, as Meteor closes them.
type UserTokensRevoked struct {
	UserID string
	// Hashed lists the revoked tokens as stored: base64(sha256(token)). All means every
	// token of the user was revoked, whatever Hashed holds.
	Hashed []string
	All    bool
}

// Topic returns [TopicUserTokens].
func (UserTokensRevoked) Topic() string { return TopicUserTokens }

// UserMessagesErased reports what became of a deleted user's messages under
// Message_ErasureType: "Delete" (removed) or "Unlink" (handed to ReplaceBy, with Alias).
// Rocket.Chat broadcasts user.deleted for these two (not for "Keep", so open clients
// keep showing the messages) and sends every signed-in client
// {userId, messageErasureType, replaceByUser} on stream-notify-logged "Users:Deleted".
type UserMessagesErased struct {
	UserID      string
	ErasureType string
	ReplaceBy   *ReplaceBy // Unlink only
}

// ReplaceBy is the user an unlinked user's messages now belong to.
type ReplaceBy struct {
	ID, Username, Alias string
}

// Topic returns [TopicUsers].
func (UserMessagesErased) Topic() string { return TopicUsers }
