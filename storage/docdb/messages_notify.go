package docdb

import (
	"context"

	"github.com/outpostchat/outpost/app/model"
)

// NotifySubscriptions returns a room's subscriptions, every one when uids is nil, else
// those of uids: whom a message may notify.
func (s *MessagesStore) NotifySubscriptions(ctx context.Context, rid string, uids []string) ([]model.Subscription, error) {
	q := Query{Where: F("rid") + " = ?", Args: []any{rid}}
	if uids != nil {
		if len(uids) == 0 {
			return nil, nil
		}
		q.Where += " AND " + F("u._id") + " IN (" + placeholders(len(uids)) + ")"
		for _, u := range uids {
			q.Args = append(q.Args, u)
		}
	}
	var subs []model.Subscription
	err := s.subs.Find(ctx, q, &subs)
	return subs, err
}

// UserStatuses returns the status of each of uids that exists.
func (s *MessagesStore) UserStatuses(ctx context.Context, uids []string) (map[string]string, error) {
	if len(uids) == 0 {
		return nil, nil
	}
	q := Query{Where: docColumn + "->'_id' IN (" + placeholders(len(uids)) + ")"}
	for _, u := range uids {
		q.Args = append(q.Args, idText(u))
	}
	var rows []struct {
		ID     string `json:"_id"`
		Status string `json:"status"`
	}
	if err := s.users.Find(ctx, q, &rows); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Status
	}
	return out, nil
}
