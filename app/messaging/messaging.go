// Package messaging owns messages: sending (with the room's and the members'
// subscription counters in one transaction), editing, deleting, history and sync, threads
// and full-text search (PROTOCOL.md §3.1, §4.1 D–E, §4.2, §5.4). Permission checks live
// here, so REST, DDP and the console share them; every change is published on the hub
// after its transaction commits.
package messaging

import (
	"context"
	"log/slog"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// Rooms is what messaging needs of the room service.
type Rooms interface {
	// Access returns the room and the actor's subscription (nil when none) if the actor may read
	// the room; NotFound("error-invalid-room") for an unknown room, Forbidden("error-not-allowed") otherwise.
	Access(ctx context.Context, actor model.Actor, rid string) (model.Room, *model.Subscription, error)
	// DirectWith returns the direct message between the actor and the user named by
	// _id or username, creating it when missing (rooms.Service.DirectWith).
	DirectWith(ctx context.Context, actor model.Actor, nameOrID string) (model.Room, *model.Subscription, error)
}

// Authz answers permission checks; authz.Service satisfies it. scope is a room id for
// room-scoped roles, or "".
type Authz interface {
	Can(ctx context.Context, actor model.Actor, permission, scope string) bool
}

// Config is the settings the service reads; settings.Service satisfies it.
type Config interface {
	Bool(id string) bool
	Int(id string) int64
	String(id string) string
	// Get returns a setting, for values of other types (Hide_System_Messages' list).
	Get(id string) (model.Setting, bool)
}

// Store is what messaging keeps: messages (and their trash), plus the message-driven
// fields of rooms and subscriptions. storage/docdb.MessagesStore implements it.
type Store interface {
	MessageStore
	FanoutStore
	LookupStore
	ExtraStore
	CleanStore
	FileStore
	UserStore
	NotifyStore
}

// MessageStore keeps rocketchat_message and its deleted documents. Its methods take
// plain values (storage imports only app/model); the query structs below document them.
type MessageStore interface {
	// Message finds a message by _id; model.ErrNotFound if none.
	Message(ctx context.Context, id string) (model.Message, error)
	// InsertMessage stores a new message; a taken _id wraps model.ErrDuplicate.
	InsertMessage(ctx context.Context, m model.Message) error
	// UpdateMessage sets and unsets fields of a message (dotted paths) and returns it after
	// the change; model.ErrNotFound if none.
	UpdateMessage(ctx context.Context, id string, set map[string]any, unset []string) (model.Message, error)
	// TrashMessage removes a message, keeping a copy in the trash with __collection__ and
	// _deletedAt = at; model.ErrNotFound if none.
	TrashMessage(ctx context.Context, id string, at time.Time) error
	// AddThreadReply counts one more reply in the thread tmid: tcount+1, tlm = ts,
	// replies += followers; it returns the parent after the change.
	AddThreadReply(ctx context.Context, tmid string, followers []string, ts time.Time) (model.Message, error)
	// RemoveThreadReply counts one reply less in the thread tmid.
	RemoveThreadReply(ctx context.Context, tmid string, at time.Time) (model.Message, error)
	// LastVisibleMessage returns the newest message of the room that may stand as its
	// lastMessage (not hidden, not a system message, not a thread-only reply), nil if none.
	LastVisibleMessage(ctx context.Context, rid string) (*model.Message, error)
	// History lists a room's visible messages (see HistoryQuery for the parameters).
	History(ctx context.Context, rid string, latest, oldest *time.Time, inclusive, showThreads, asc bool, offset, limit int, hidden []string) ([]model.Message, error)
	// CountHistory counts what History would list without offset and limit.
	CountHistory(ctx context.Context, rid string, latest, oldest *time.Time, inclusive, showThreads bool, hidden []string) (int64, error)
	// Changed lists a room's messages (hidden ones too) by _updatedAt (see ChangeQuery).
	Changed(ctx context.Context, rid, tmid string, after, before *time.Time, desc bool, offset, limit int) ([]model.Message, error)
	// Deleted lists a room's deleted messages by _deletedAt (see ChangeQuery): their ids
	// and deletion times.
	Deleted(ctx context.Context, rid, tmid string, after, before *time.Time, desc bool, offset, limit int) ([]string, []time.Time, error)
	// CountDeleted counts what Deleted would list without before, offset and limit.
	CountDeleted(ctx context.Context, rid, tmid string, after *time.Time) (int64, error)
	// ThreadMessages lists the replies of thread tmid by ts (newest first when desc),
	// and how many there are.
	ThreadMessages(ctx context.Context, tmid string, desc bool, offset, limit int) ([]model.Message, int64, error)
	// Threads lists a room's thread parents by tlm, newest first, and how many there
	// are (see ThreadsQuery).
	Threads(ctx context.Context, rid, follower string, ids []string, text string, offset, limit int) ([]model.Message, int64, error)
	// Search finds a room's visible user messages whose text matches the words of text,
	// newest first.
	Search(ctx context.Context, rid, text string, offset, count int) ([]model.Message, error)
}

// FanoutStore changes the room and subscription fields a message drives.
type FanoutStore interface {
	// UpdateRoom changes a room (see RoomChange) and returns it after the change.
	UpdateRoom(ctx context.Context, rid string, incMsgs int, lm *time.Time, setLast bool, last *model.Message, at time.Time) (model.Room, error)
	// UpdateSubscriptions changes the room's subscriptions (see SubscriptionChange) and
	// returns the ones it changed, after the change.
	UpdateSubscriptions(ctx context.Context, rid string, only, except []string, set map[string]any, inc map[string]int,
		addToSet map[string]string, skipUnchanged bool, at time.Time) ([]model.Subscription, error)
	// MemberIDs returns the ids of the users subscribed to the room.
	MemberIDs(ctx context.Context, rid string) ([]string, error)
}

// LookupStore finds the users and rooms a message names.
type LookupStore interface {
	// User finds a user by _id; model.ErrNotFound if none.
	User(ctx context.Context, id string) (model.User, error)
	// UsersByUsernames returns the users with these usernames (exact match), in any order.
	UsersByUsernames(ctx context.Context, usernames []string) ([]model.User, error)
	// RoomsByNames returns the rooms with these names, in any order.
	RoomsByNames(ctx context.Context, names []string) ([]model.Room, error)
	// DirectRoomID returns the id of the direct-message room between uid and the user
	// named username, "" if there is none.
	DirectRoomID(ctx context.Context, uid, username string) (string, error)
}

// HistoryQuery selects a room's visible messages (not _hidden): ts before Latest and
// after Oldest (either may be nil; Inclusive makes both bounds inclusive), thread
// replies only with tshow unless ShowThreadMessages, newest first unless Asc; messages
// whose t is one of Hidden (the room's hidden system message types) are left out.
type HistoryQuery struct {
	RID                string
	Latest, Oldest     *time.Time
	Inclusive          bool
	ShowThreadMessages bool
	Asc                bool
	Offset, Limit      int
	Hidden             []string
}

// ChangeQuery selects by _updatedAt (or _deletedAt): after After, before Before (both
// exclusive, nil for no bound), ascending unless Desc.
type ChangeQuery struct {
	RID           string
	TMID          string // only this thread's replies, when set
	After, Before *time.Time
	Desc          bool
	Offset, Limit int
}

// ThreadsQuery documents Threads' parameters: a room's thread parents, all, those
// whose replies hold follower (when set), or those whose _id is in ids (when not nil);
// text, when set, must occur in msg, ignoring case.
type ThreadsQuery struct{}

// DeletedMessage is a message's trace in the trash.
type DeletedMessage struct {
	ID        string    `json:"_id"`
	DeletedAt time.Time `json:"_deletedAt"`
}

// RoomChange is what a message changes in its room: msgs by IncMsgs; lm and
// lastMessage set to Last (when SetLast; a nil Last unsets lastMessage), _updatedAt = At.
type RoomChange struct {
	IncMsgs int
	SetLM   *time.Time
	SetLast bool
	Last    *model.Message
	At      time.Time
}

// SubscriptionChange updates the subscriptions of RID: those of the users in Only when
// Only is not nil, else all, but never those in Except. Set, Inc and AddToSet are
// field operators; when SkipUnchanged, subscriptions that already hold every Set value
// (and Inc and AddToSet are empty) are left alone, so a busy room's quiet members cost
// nothing. _updatedAt is set to At on every changed subscription.
type SubscriptionChange struct {
	RID           string
	Only          []string
	Except        []string
	Set           map[string]any
	Inc           map[string]int
	AddToSet      map[string]string
	SkipUnchanged bool
	At            time.Time
}

// Service sends, edits, deletes and lists messages.
type Service struct {
	rooms   Rooms
	store   Store
	tx      model.Transactor
	authz   Authz
	config  Config
	hub     *streamhub.Hub
	log     *slog.Logger
	now     func() time.Time
	limiter *rateLimiter

	// parse turns a message's text into its md AST; extract finds its mentions,
	// channels and URLs. Both default to a simple built-in (plain.go) until the markdown
	// parser of app/messaging/md is wired with SetParser.
	parse   func(string) []any
	extract func(ast []any, text string) Tokens

	// onFilesRemoved, when set, removes the uploads of a deleted message (sendfile.go).
	onFilesRemoved func(ctx context.Context, ids []string)
}

// Tokens are the @mentions (usernames, "all", "here"), #channels (names) and URLs a
// message holds.
type Tokens struct {
	Mentions []string
	Channels []string
	URLs     []string
}

// New returns the messaging service.
func New(rooms Rooms, store Store, tx model.Transactor, az Authz, config Config, hub *streamhub.Hub, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{rooms: rooms, store: store, tx: tx, authz: az, config: config, hub: hub, log: log, now: time.Now,
		parse: plainParse, extract: plainTokens}
	s.limiter = newRateLimiter(func() time.Time { return s.now() })
	return s
}

// SetParser replaces the built-in message parser: parse gives the md AST of a text,
// extract the mentions, channels and URLs of an AST (the text is passed too).
func (s *Service) SetParser(parse func(string) []any, extract func(ast []any, text string) Tokens) {
	s.parse, s.extract = parse, extract
}

// SetClock replaces time.Now, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Settings are the message settings this service registers, with Rocket.Chat's ids
// and defaults (Message_MaxAllowedSize is a core setting).
func Settings() []model.Setting {
	b := func(id string, v bool) model.Setting {
		return model.Setting{ID: id, Type: model.SettingBoolean, PackageValue: v, Public: true, Group: "Message", I18nLabel: id}
	}
	n := func(id string, v int) model.Setting {
		return model.Setting{ID: id, Type: model.SettingInt, PackageValue: v, Public: true, Group: "Message", I18nLabel: id}
	}
	unread := []model.SettingOption{
		{Key: "all_messages", I18nLabel: "All_messages"},
		{Key: "user_mentions_only", I18nLabel: "User_mentions_only"},
		{Key: "group_mentions_only", I18nLabel: "Group_mentions_only"},
		{Key: "user_and_group_mentions_only", I18nLabel: "User_and_group_mentions_only"},
	}
	return append([]model.Setting{
		b("Message_AllowEditing", true),
		n("Message_AllowEditing_BlockEditInMinutes", 0),
		b("Message_AllowDeleting", true),
		n("Message_AllowDeleting_BlockDeleteInMinutes", 0),
		b("Store_Last_Message", true),
		b("Threads_enabled", true),
		{ID: "Unread_Count", Type: model.SettingSelect, PackageValue: "user_and_group_mentions_only", Public: true,
			Group: "General", Section: "Unread_Count", I18nLabel: "Unread_Count", Values: unread},
		{ID: "Unread_Count_DM", Type: model.SettingSelect, PackageValue: "all_messages", Public: true,
			Group: "General", Section: "Unread_Count", I18nLabel: "Unread_Count_DM", Values: unread},
		b("Message_AllowPinning", true),
		b("Message_AllowStarring", true),
		{ID: "UI_Use_Real_Name", Type: model.SettingBoolean, PackageValue: false, Public: true,
			Group: "Layout", Section: "User_Interface", I18nLabel: "UI_Use_Real_Name"},
		hiddenSetting(),
		erasureSetting(),
	}, notifySettings()...)
}

// stamp is now as the store keeps it: UTC, whole milliseconds.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// access checks that the actor may read the room.
func (s *Service) access(ctx context.Context, actor model.Actor, rid string) (model.Room, *model.Subscription, error) {
	if actor.IsAnonymous() {
		return model.Room{}, nil, model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	if rid == "" {
		return model.Room{}, nil, model.Invalid("error-invalid-room", "Invalid room")
	}
	return s.rooms.Access(ctx, actor, rid)
}

// message finds a message, NotFound with code when there is none.
func (s *Service) message(ctx context.Context, id, code, text string) (model.Message, error) {
	if id == "" {
		return model.Message{}, model.Invalid(code, text)
	}
	m, err := s.store.Message(ctx, id)
	if err != nil {
		if isNotFound(err) {
			return model.Message{}, model.Invalid(code, text)
		}
		return model.Message{}, model.Internal(err)
	}
	return m, nil
}

// The store's methods take plain values; these helpers pass the query structs.

func (s *Service) history(ctx context.Context, q HistoryQuery) ([]model.Message, error) {
	return s.store.History(ctx, q.RID, q.Latest, q.Oldest, q.Inclusive, q.ShowThreadMessages, q.Asc, q.Offset, q.Limit, q.Hidden)
}

func (s *Service) countHistory(ctx context.Context, q HistoryQuery) (int64, error) {
	return s.store.CountHistory(ctx, q.RID, q.Latest, q.Oldest, q.Inclusive, q.ShowThreadMessages, q.Hidden)
}

func (s *Service) changed(ctx context.Context, q ChangeQuery) ([]model.Message, error) {
	return s.store.Changed(ctx, q.RID, q.TMID, q.After, q.Before, q.Desc, q.Offset, q.Limit)
}

func (s *Service) deleted(ctx context.Context, q ChangeQuery) ([]DeletedMessage, error) {
	ids, at, err := s.store.Deleted(ctx, q.RID, q.TMID, q.After, q.Before, q.Desc, q.Offset, q.Limit)
	if err != nil || len(ids) != len(at) {
		return nil, err
	}
	out := make([]DeletedMessage, len(ids))
	for i := range ids {
		out[i] = DeletedMessage{ID: ids[i], DeletedAt: at[i]}
	}
	return out, nil
}

func (s *Service) updateRoom(ctx context.Context, rid string, c RoomChange) (model.Room, error) {
	return s.store.UpdateRoom(ctx, rid, c.IncMsgs, c.SetLM, c.SetLast, c.Last, c.At)
}

func (s *Service) updateSubs(ctx context.Context, c SubscriptionChange) ([]model.Subscription, error) {
	return s.store.UpdateSubscriptions(ctx, c.RID, c.Only, c.Except, c.Set, c.Inc, c.AddToSet, c.SkipUnchanged, c.At)
}
