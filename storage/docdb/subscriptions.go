package docdb

import (
	"context"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// SubscriptionsStore keeps rocketchat_subscription and the room list each user keeps in
// users.__rooms.
type SubscriptionsStore struct {
	db    *DB
	subs  *Collection
	users *Collection
}

// NewSubscriptionsStore returns the subscriptions store of db.
func NewSubscriptionsStore(db *DB) *SubscriptionsStore {
	return &SubscriptionsStore{db: db, subs: db.Collection(Subscriptions), users: db.Collection(Users)}
}

// Subscription finds the subscription of uid to rid; model.ErrNotFound if none.
func (s *SubscriptionsStore) Subscription(ctx context.Context, rid, uid string) (model.Subscription, error) {
	var sub model.Subscription
	err := s.subs.FindOne(ctx, subscriptionOf(rid, uid), &sub)
	return sub, err
}

// InsertSubscription stores a new subscription and adds its room to the user's
// __rooms; a second subscription of the same user to the same room gives an error
// wrapping model.ErrDuplicate.
func (s *SubscriptionsStore) InsertSubscription(ctx context.Context, sub model.Subscription) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Subscription(ctx, sub.RID, sub.U.ID); err == nil {
			return model.ErrDuplicate
		}
		if err := s.subs.Insert(ctx, sub); err != nil {
			return err
		}
		_, err := s.users.Update(ctx, ByID(sub.U.ID), U().AddToSet("__rooms", sub.RID))
		return err
	})
}

// UpdateSubscription sets and unsets fields of the subscription of uid to rid and
// returns it after the change; model.ErrNotFound if none.
func (s *SubscriptionsStore) UpdateSubscription(ctx context.Context, rid, uid string, set map[string]any, unset []string) (model.Subscription, error) {
	var out model.Subscription
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		n, err := s.subs.Update(ctx, subscriptionOf(rid, uid), fieldUpdate(set, unset))
		if err != nil {
			return err
		}
		if n == 0 {
			return model.ErrNotFound
		}
		out, err = s.Subscription(ctx, rid, uid)
		return err
	})
	return out, err
}

// UpdateRoomSubscriptions sets fields on every subscription to the room and returns
// them after the change.
func (s *SubscriptionsStore) UpdateRoomSubscriptions(ctx context.Context, rid string, set map[string]any) ([]model.Subscription, error) {
	var out []model.Subscription
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.subs.Update(ctx, Query{Where: F("rid") + " = ?", Args: []any{rid}}, fieldUpdate(set, nil)); err != nil {
			return err
		}
		return s.subs.Find(ctx, Query{Where: F("rid") + " = ?", Args: []any{rid}}, &out)
	})
	return out, err
}

// DeleteSubscription removes the subscription of uid to rid, keeping a copy in the
// trash, takes the room out of the user's __rooms and returns what it removed;
// model.ErrNotFound if none.
func (s *SubscriptionsStore) DeleteSubscription(ctx context.Context, rid, uid string, at time.Time) (model.Subscription, error) {
	var sub model.Subscription
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var d Doc
		if err := s.subs.FindOne(ctx, subscriptionOf(rid, uid), &d); err != nil {
			return err
		}
		if err := fromDoc(d, &sub); err != nil {
			return err
		}
		if _, err := s.subs.Delete(ctx, ByID(sub.ID)); err != nil {
			return err
		}
		if err := trash(ctx, s.db, Subscriptions, d, at); err != nil {
			return err
		}
		_, err := s.users.Update(ctx, ByID(uid), U().Pull("__rooms", rid))
		return err
	})
	return sub, err
}

// SubscriptionsOfUser returns every subscription of the user.
func (s *SubscriptionsStore) SubscriptionsOfUser(ctx context.Context, uid string) ([]model.Subscription, error) {
	var out []model.Subscription
	err := s.subs.Find(ctx, Query{Where: F("u._id") + " = ?", Args: []any{uid}}, &out)
	return out, err
}

// SubscriptionsOfRoom returns every subscription to the room, sorted by username.
func (s *SubscriptionsStore) SubscriptionsOfRoom(ctx context.Context, rid string) ([]model.Subscription, error) {
	var out []model.Subscription
	err := s.subs.Find(ctx, Query{Where: F("rid") + " = ?", Args: []any{rid}, Order: F("u.username")}, &out)
	return out, err
}

// SubscriptionsRemovedSince returns the _id and deletion time of the user's
// subscriptions deleted after since.
func (s *SubscriptionsStore) SubscriptionsRemovedSince(ctx context.Context, uid string, since time.Time) (map[string]time.Time, error) {
	return trashedSince(ctx, s.db, Subscriptions, since, F("u._id")+" = ?", uid)
}

// MemberIDs returns the user ids of the room's subscriptions.
func (s *SubscriptionsStore) MemberIDs(ctx context.Context, rid string) ([]string, error) {
	return memberIDs(ctx, s.subs, rid)
}
