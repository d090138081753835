package messaging

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// IgnoreInput is chat.ignoreUser and ignoreUser: the actor hides (Ignore) or shows
// again the messages of UserID in room RID.
type IgnoreInput struct {
	RID    string
	UserID string
	Ignore bool
}

// IgnoreUser adds UserID to (or removes it from) the actor's subscription's ignored
// list (Rocket.Chat's ignoreUser). Both users must be subscribed to the room.
func (s *Service) IgnoreUser(ctx context.Context, actor model.Actor, in IgnoreInput) error {
	if actor.IsAnonymous() {
		return model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	invalid := model.Invalid("error-invalid-subscription", "Invalid subscription")
	if in.RID == "" || in.UserID == "" {
		return invalid
	}
	mine, err := s.store.Subscription(ctx, in.RID, actor.UserID)
	if isNotFound(err) {
		return invalid
	} else if err != nil {
		return model.Internal(err)
	}
	if _, err := s.store.Subscription(ctx, in.RID, in.UserID); isNotFound(err) {
		return invalid
	} else if err != nil {
		return model.Internal(err)
	}
	if slices.Contains(mine.Ignored, in.UserID) == in.Ignore {
		return nil
	}
	op := map[string]string{"ignored": in.UserID}
	var add, pull map[string]string
	if in.Ignore {
		add = op
	} else {
		pull = op
	}
	sub, err := s.store.EditSubscription(ctx, in.RID, actor.UserID, add, pull, nil, s.stamp())
	if isNotFound(err) {
		return invalid
	} else if err != nil {
		return model.AsError(err)
	}
	s.publishSub(sub)
	return nil
}

// Report is a document of rocketchat_moderation_reports for a reported message, as
// Rocket.Chat's ModerationReports.createWithMessageDescriptionAndUserId writes it: the
// whole message, the reporter's text, who reported (with their account's creation
// date) and the room.
type Report struct {
	ID          string        `json:"_id"`
	Message     model.Message `json:"message"`
	Description string        `json:"description"`
	ReportedBy  ReportUser    `json:"reportedBy"`
	Room        ReportRoom    `json:"room"`
	Ts          time.Time     `json:"ts"`
	UpdatedAt   time.Time     `json:"_updatedAt"`
}

// ReportUser is a report's reportedBy.
type ReportUser struct {
	ID        string    `json:"_id"`
	Username  string    `json:"username"`
	Name      string    `json:"name,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// ReportRoom is a report's room.
type ReportRoom struct {
	ID    string `json:"_id"`
	Name  string `json:"name,omitempty"`
	T     string `json:"t"`
	FName string `json:"fname,omitempty"`
}

// ReportMessage is chat.reportMessage: the actor reports a message of a room they may
// read to the moderators (Rocket.Chat's reportMessage). Its errors are Rocket.Chat's
// bare codes.
func (s *Service) ReportMessage(ctx context.Context, actor model.Actor, messageID, description string) error {
	fail := func(code string) error { return &model.Error{Kind: model.KindInvalid, Message: code} }
	if actor.IsAnonymous() {
		return model.Errorf(model.KindUnauthorized, "error-invalid-user", "Invalid user")
	}
	if strings.TrimSpace(description) == "" {
		return fail("error-invalid-description")
	}
	if messageID == "" {
		return fail("error-invalid-message_id")
	}
	m, err := s.store.Message(ctx, messageID)
	if isNotFound(err) {
		return fail("error-invalid-message_id")
	} else if err != nil {
		return model.Internal(err)
	}
	user, err := s.store.User(ctx, actor.UserID)
	if isNotFound(err) {
		return fail("error-invalid-user")
	} else if err != nil {
		return model.Internal(err)
	}
	// A message in a room the actor may not read is reported as unknown.
	room, _, err := s.readable(ctx, actor, m.RID, func() error { return fail("error-invalid-message_id") })
	if err != nil {
		return err
	}
	now := s.stamp()
	r := Report{
		ID: model.NewID(), Message: m, Description: description, Ts: now, UpdatedAt: now,
		ReportedBy: ReportUser{ID: user.ID, Username: user.Username, Name: user.Name, CreatedAt: user.CreatedAt},
		Room:       ReportRoom{ID: room.ID, Name: room.Name, T: room.T, FName: room.FName},
	}
	if err := s.store.InsertReport(ctx, r); err != nil {
		return model.Internal(err)
	}
	return nil
}
