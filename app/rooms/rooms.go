// Package rooms owns rooms (rocketchat_room) and their members' subscriptions
// (rocketchat_subscription): creating channels, private groups and direct messages,
// joining, leaving, inviting and kicking, room roles (owner, moderator, leader), room
// settings and the system messages that record each change, and the per-user state
// (read, unread, favorite, hidden, notification preferences) clients sync.
//
// Every change is written in one transaction; its events (streamhub.RoomChanged,
// SubscriptionChanged, MessageSaved for the system messages, UserRoleChanged) are
// published after it commits. Rocket.Chat's behaviour is followed from its source
// (apps/meteor/app/lib/server/functions/createRoom.ts, createDirectRoom.ts,
// addUserToRoom.ts, removeUserFromRoom.ts; apps/meteor/server/methods/*.ts); the
// facts used are noted where they are applied.
package rooms

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// RoomStore keeps rocketchat_room and the system messages of rooms.
type RoomStore interface {
	// Room finds a room by _id; model.ErrNotFound if none.
	Room(ctx context.Context, rid string) (model.Room, error)
	// RoomByName finds a room by name ignoring case; model.ErrNotFound if none.
	RoomByName(ctx context.Context, name string) (model.Room, error)
	InsertRoom(ctx context.Context, r model.Room) error
	// UpdateRoom sets and unsets dotted fields and returns the room after the change.
	UpdateRoom(ctx context.Context, rid string, set map[string]any, unset []string) (model.Room, error)
	// IncRoom adds n to a numeric field, sets _updatedAt and returns the room after.
	IncRoom(ctx context.Context, rid, field string, n int, at time.Time) (model.Room, error)
	// DeleteRoom removes the room, keeping a copy in the trash.
	DeleteRoom(ctx context.Context, rid string, at time.Time) error
	DeleteRoomMessages(ctx context.Context, rid string) error
	DefaultRooms(ctx context.Context) ([]model.Room, error)
	RoomsByIDs(ctx context.Context, ids []string) ([]model.Room, error)
	// FindRooms pages the rooms of the types whose name contains text, by name.
	FindRooms(ctx context.Context, types []string, text string, offset, count int) ([]model.Room, int64, error)
	// AdminRoomsPage pages the rooms of the types (and discussions, team main rooms)
	// default rooms first, then by name and _id, with their total (admin.go).
	AdminRoomsPage(ctx context.Context, types []string, discussions, teams bool, offset, count int) ([]model.Room, int64, error)
	// RoomsMatching returns at least every room whose name, fname or usernames contain text.
	RoomsMatching(ctx context.Context, text string) ([]model.Room, error)
	// DirectRoomWith finds the direct message whose members are exactly uids.
	DirectRoomWith(ctx context.Context, uids []string) (model.Room, error)
	// InsertSystemMessage stores a message and adds one to the room's msgs.
	InsertSystemMessage(ctx context.Context, m model.Message) error
	RoomsRemovedSince(ctx context.Context, since time.Time) (map[string]time.Time, error)
	Message(ctx context.Context, id string) (model.Message, error)
	CountMessagesSince(ctx context.Context, rid string, since time.Time) (int64, error)
	// UpdateRoomSets adds values to array fields ($addToSet) and pulls values from
	// others ($pull), sets _updatedAt and returns the room after the change.
	UpdateRoomSets(ctx context.Context, rid string, add, pull map[string]string, at time.Time) (model.Room, error)
}

// SubscriptionStore keeps rocketchat_subscription (and users.__rooms with it).
type SubscriptionStore interface {
	// Subscription finds uid's subscription to rid; model.ErrNotFound if none.
	Subscription(ctx context.Context, rid, uid string) (model.Subscription, error)
	// InsertSubscription stores a new subscription; model.ErrDuplicate when the user
	// already has one to the room.
	InsertSubscription(ctx context.Context, sub model.Subscription) error
	UpdateSubscription(ctx context.Context, rid, uid string, set map[string]any, unset []string) (model.Subscription, error)
	UpdateRoomSubscriptions(ctx context.Context, rid string, set map[string]any) ([]model.Subscription, error)
	// DeleteSubscription removes a subscription, keeping a copy in the trash.
	DeleteSubscription(ctx context.Context, rid, uid string, at time.Time) (model.Subscription, error)
	SubscriptionsOfUser(ctx context.Context, uid string) ([]model.Subscription, error)
	// SubscriptionsOfRoom returns a room's subscriptions sorted by username.
	SubscriptionsOfRoom(ctx context.Context, rid string) ([]model.Subscription, error)
	// MemberIDs returns the user ids of a room's subscriptions.
	MemberIDs(ctx context.Context, rid string) ([]string, error)
	// RoleHolders returns a room's subscriptions that hold room roles, by username.
	RoleHolders(ctx context.Context, rid string) ([]model.Subscription, error)
	// MembersPage pages a room's subscriptions by username, those whose username
	// contains text (any case), with their total.
	MembersPage(ctx context.Context, rid, text string, offset, count int) ([]model.Subscription, int64, error)
	SubscriptionsRemovedSince(ctx context.Context, uid string, since time.Time) (map[string]time.Time, error)
}

// UserStore finds users; docdb.UsersStore satisfies it.
type UserStore interface {
	ByID(ctx context.Context, id string) (model.User, error)
	// ByUsername finds a user by username ignoring case; model.ErrNotFound if none.
	ByUsername(ctx context.Context, username string) (model.User, error)
	ListUsers(ctx context.Context, q model.UserQuery) ([]model.User, int64, error)
	// ListUsersIn is ListUsers over the users whose _id is one of ids, also keeping
	// only those whose status ("offline" when unset) is one of statuses, if any.
	ListUsersIn(ctx context.Context, ids, statuses []string, q model.UserQuery) ([]model.User, int64, error)
}

// Authorizer checks permissions; authz.Service satisfies it. scope is a room id for
// the room roles (owner, moderator, leader).
type Authorizer interface {
	Can(ctx context.Context, actor model.Actor, permission, scope string) bool
}

// Config is the settings the service reads; settings.Service satisfies it.
type Config interface {
	Bool(id string) bool
	String(id string) string
	Int(id string) int64
}

// Service manages rooms and subscriptions.
type Service struct {
	rooms RoomStore
	subs  SubscriptionStore
	users UserStore
	tx    model.Transactor
	hub   *streamhub.Hub
	authz Authorizer
	cfg   Config
	log   *slog.Logger
	now   func() time.Time

	avatars RoomAvatars // roomAvatar's pictures (SetRoomAvatars); nil refuses the key
}

// New returns the room service.
func New(rooms RoomStore, subs SubscriptionStore, users UserStore, tx model.Transactor, hub *streamhub.Hub, az Authorizer, cfg Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{rooms: rooms, subs: subs, users: users, tx: tx, hub: hub, authz: az, cfg: cfg, log: log, now: time.Now}
}

// Settings are the room settings this service registers, with Rocket.Chat's ids and
// defaults.
func Settings() []model.Setting {
	return []model.Setting{
		{ID: "UTF8_Channel_Names_Validation", Type: model.SettingString, PackageValue: "[0-9a-zA-Z-_.]+", Group: "General", Section: "UTF8", I18nLabel: "UTF8_Channel_Names_Validation"},
		{ID: "UI_Allow_room_names_with_special_chars", Type: model.SettingBoolean, PackageValue: false, Public: true, Group: "Layout", Section: "User_Interface", I18nLabel: "UI_Allow_room_names_with_special_chars"},
		{ID: "DirectMesssage_maxUsers", Type: model.SettingInt, PackageValue: 8, Public: true, Group: "Message", I18nLabel: "DirectMesssage_maxUsers"},
		{ID: "Number_of_users_autocomplete_suggestions", Type: model.SettingInt, PackageValue: 5, Public: true, Group: "Accounts", I18nLabel: "Number_of_users_autocomplete_suggestions"},
	}
}

// Seed creates the #general channel (_id GENERAL, default) when it is missing, as
// Rocket.Chat's first start does.
func (s *Service) Seed(ctx context.Context) error {
	now := s.stamp()
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.rooms.Room(ctx, model.GeneralRoomID); err == nil {
			return nil
		} else if !errors.Is(err, model.ErrNotFound) {
			return err
		}
		return s.rooms.InsertRoom(ctx, model.Room{
			ID: model.GeneralRoomID, T: model.RoomPublic, Name: "general", FName: "general", Ts: now,
			Default: true, UpdatedAt: now,
		})
	})
	if err != nil {
		return errors.Join(errors.New("rooms: seed #general"), err)
	}
	return nil
}

// Access returns the room and the actor's subscription (nil when none) if the actor may read
// the room: public channels for users with view-c-room (preview), otherwise members only;
// NotFound("error-invalid-room") for an unknown room, Forbidden("error-not-allowed") otherwise.
func (s *Service) Access(ctx context.Context, actor model.Actor, rid string) (model.Room, *model.Subscription, error) {
	if rid == "" {
		return model.Room{}, nil, errInvalidRoom()
	}
	r, err := s.rooms.Room(ctx, rid)
	if errors.Is(err, model.ErrNotFound) {
		return model.Room{}, nil, errInvalidRoom()
	} else if err != nil {
		return model.Room{}, nil, model.Internal(err)
	}
	var sub *model.Subscription
	if !actor.IsAnonymous() {
		got, err := s.subs.Subscription(ctx, rid, actor.UserID)
		switch {
		case err == nil:
			sub = &got
		case !errors.Is(err, model.ErrNotFound):
			return model.Room{}, nil, model.Internal(err)
		}
	}
	if sub != nil {
		return r, sub, nil
	}
	// canAccessRoom's validators: a public channel with view-c-room, or a subscription.
	if r.T == model.RoomPublic && s.authz.Can(ctx, actor, "view-c-room", "") {
		return r, nil, nil
	}
	return model.Room{}, nil, notAllowed()
}

// RoomIDsOf returns the ids of the rooms the user is subscribed to.
func (s *Service) RoomIDsOf(ctx context.Context, uid string) ([]string, error) {
	subs, err := s.subs.SubscriptionsOfUser(ctx, uid)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(subs))
	for i, sub := range subs {
		out[i] = sub.RID
	}
	return out, nil
}

// MemberIDs returns the ids of the users subscribed to the room.
func (s *Service) MemberIDs(ctx context.Context, rid string) ([]string, error) {
	return s.subs.MemberIDs(ctx, rid)
}

// stamp is now as the store keeps it: UTC, whole milliseconds.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Errors in Rocket.Chat's words.
func errInvalidRoom() *model.Error { return model.NotFound("error-invalid-room", "Invalid room") }

func notAllowed() *model.Error {
	return &model.Error{Kind: model.KindForbidden, Code: "error-not-allowed", Message: "Not allowed"}
}

func invalid(code, msg string) *model.Error { return model.Invalid(code, msg) }

// ClientRoom is the room as clients see it: without its join code.
func ClientRoom(r model.Room) model.Room {
	r.JoinCode = ""
	return r
}
