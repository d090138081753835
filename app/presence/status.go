package presence

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// MaxStatusText is the longest status text kept; longer ones are cut, as Rocket.Chat's
// setStatusText does (trim, then the first 120 characters).
const MaxStatusText = 120

func invalidStatus() *model.Error {
	return model.Invalid("error-invalid-status", "Valid status types include online, away, offline, and busy.")
}

func errNoUser() *model.Error {
	return model.Invalid("error-invalid-user", `The required "userId" or "username" param provided does not match any users`)
}

func errNotSignedIn() *model.Error {
	return &model.Error{Kind: model.KindUnauthorized, Code: "error-invalid-user", Message: "Invalid user"}
}

// SetStatus sets a user's chosen status and status text (setUserStatus,
// users.setStatus): uid "" or the actor's own id is the actor; anyone else needs
// edit-other-user-info. status is online, away, busy or offline (invisible, allowed by
// Accounts_AllowInvisibleStatusOption), or "" to keep it; text nil keeps the status
// text, "" clears it, and changing it needs Accounts_AllowUserStatusMessageChange. The
// status shown is computed with the user's connections: a user with none stays offline.
//
// Rocket.Chat's setUserStatus method checks the same settings with the same codes
// (error-not-allowed, error-status-not-allowed). Its users.setStatus route differs in
// two ways Outpost does not copy: with Accounts_AllowUserStatusMessageChange off it
// refuses even a status without text, and it stores the status as given, even for a
// user without connections, until their next connection recomputes it.
func (s *Service) SetStatus(ctx context.Context, actor model.Actor, uid, status string, text *string) error {
	if actor.IsAnonymous() {
		return errNotSignedIn()
	}
	if uid == "" {
		uid = actor.UserID
	}
	if uid != actor.UserID && (s.authz == nil || !s.authz.Can(ctx, actor, "edit-other-user-info", "")) {
		return model.Forbidden("error-unauthorized")
	}
	if text != nil && !s.flag(settingAllowStatusMessage) {
		return &model.Error{Kind: model.KindInvalid, Code: "error-not-allowed", Message: "Not allowed",
			Details: map[string]any{"method": "setUserStatus"}}
	}
	var c change
	if status != "" {
		if err := s.checkStatus(status); err != nil {
			return err
		}
		c.chosen = &status
	}
	if text != nil {
		t := normalizeText(*text)
		c.text = &t
	}
	if c.chosen == nil && c.text == nil {
		return nil
	}
	return s.update(ctx, uid, c)
}

// SetDefaultStatus sets the actor's chosen status (UserPresence:setDefaultStatus).
func (s *Service) SetDefaultStatus(ctx context.Context, actor model.Actor, status string) error {
	if actor.IsAnonymous() {
		return errNotSignedIn()
	}
	if err := s.checkStatus(status); err != nil {
		return err
	}
	return s.update(ctx, actor.UserID, change{chosen: &status})
}

func (s *Service) checkStatus(status string) error {
	switch status {
	case Online, Away, Busy:
		return nil
	case Offline:
		if !s.flag(settingAllowInvisible) {
			return &model.Error{Kind: model.KindInvalid, Code: "error-status-not-allowed", Message: "Invisible status is disabled",
				Details: map[string]any{"method": "setUserStatus"}}
		}
		return nil
	}
	return invalidStatus()
}

// normalizeText trims and cuts a status text to MaxStatusText characters.
func normalizeText(t string) string {
	t = strings.TrimSpace(t)
	if r := []rune(t); len(r) > MaxStatusText {
		t = string(r[:MaxStatusText])
	}
	return t
}

// StatusInfo is users.getStatus's answer. ConnectionStatus is there only for the
// caller's own status, as in Rocket.Chat.
type StatusInfo struct {
	ID               string `json:"_id"`
	Status           string `json:"status"`
	Message          string `json:"message,omitempty"`
	ConnectionStatus string `json:"connectionStatus,omitempty"`
}

// Status returns a user's status (users.getStatus): uid "" is the actor; any signed-in
// user may read anyone's.
func (s *Service) Status(ctx context.Context, actor model.Actor, uid string) (StatusInfo, error) {
	if actor.IsAnonymous() {
		return StatusInfo{}, errNotSignedIn()
	}
	self := uid == "" || uid == actor.UserID
	if self {
		uid = actor.UserID
	}
	u, err := s.store.PresenceUser(ctx, uid)
	if errors.Is(err, model.ErrNotFound) {
		return StatusInfo{}, errNoUser()
	}
	if err != nil {
		return StatusInfo{}, model.Internal(err)
	}
	info := StatusInfo{ID: u.ID, Status: or(u.Status, Offline), Message: u.StatusText}
	if self {
		info.ConnectionStatus = or(u.StatusConnection, Offline)
	}
	return info, nil
}

// Query selects users for users.presence: IDs (the users among them who are not
// offline), else, when From is less than 10 minutes ago, the users changed since From,
// else every user who is not offline.
type Query struct {
	IDs  []string
	From time.Time
}

// Result is users.presence's answer; Full says whether Users is every user not offline
// (the client then treats everyone else as offline) rather than a delta.
type Result struct {
	Users []UserPresence `json:"users"`
	Full  bool           `json:"full"`
}

// UserPresence is one user in users.presence, the fields Rocket.Chat projects.
type UserPresence struct {
	ID         string   `json:"_id"`
	Username   string   `json:"username,omitempty"`
	Name       string   `json:"name,omitempty"`
	Status     string   `json:"status,omitempty"`
	UTCOffset  *float64 `json:"utcOffset,omitempty"`
	StatusText string   `json:"statusText,omitempty"`
	AvatarETag string   `json:"avatarETag,omitempty"`
}

// maxQueryIDs caps the ids one users.presence call may ask about.
const maxQueryIDs = 5000

// fromWindow is how far back users.presence's from may go for a delta (Rocket.Chat's 10
// minutes); an older from gets the full list.
const fromWindow = 10 * time.Minute

// Presence answers users.presence for any signed-in user, as Rocket.Chat's route does
// (apps/meteor/app/api/server/v1/users.ts): ids → Users.findNotOfflineByIds, full false;
// a from under 10 minutes old (or in the future) → findNotIdUpdatedFrom, full false;
// otherwise findUsersNotOffline, full true. The projection is username, name, status,
// utcOffset, statusText and avatarETag (no roles). With Presence_broadcast_disabled it
// answers no users and full.
func (s *Service) Presence(ctx context.Context, actor model.Actor, q Query) (Result, error) {
	if actor.IsAnonymous() {
		return Result{}, errNotSignedIn()
	}
	if s.flag(settingBroadcastDisabled) {
		return Result{Users: []UserPresence{}, Full: true}, nil
	}
	var (
		users []User
		err   error
		full  bool
	)
	switch {
	case len(q.IDs) > 0:
		users, err = s.store.OnlineByIDs(ctx, dedupe(q.IDs, maxQueryIDs))
	case !q.From.IsZero() && s.now().Sub(q.From) < fromWindow:
		users, err = s.store.UpdatedSince(ctx, q.From, actor.UserID)
	default:
		users, err = s.store.Online(ctx)
		full = true
	}
	if err != nil {
		return Result{}, model.Internal(err)
	}
	out := Result{Users: make([]UserPresence, 0, len(users)), Full: full}
	for _, u := range users {
		out.Users = append(out.Users, UserPresence{ID: u.ID, Username: u.Username, Name: u.Name, Status: u.Status,
			UTCOffset: u.UTCOffset, StatusText: u.StatusText, AvatarETag: u.AvatarETag})
	}
	return out, nil
}

// Reset sets every user without a live connection offline: call it at start-up, before
// serving (Rocket.Chat forgets all connections when it starts). No events go out: no
// client is connected yet.
func (s *Service) Reset(ctx context.Context) error {
	s.mu.Lock()
	keep := make([]string, 0, len(s.users))
	for uid := range s.users {
		keep = append(keep, uid)
	}
	s.mu.Unlock()
	n, err := s.store.ResetPresence(ctx, keep, s.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return model.Internal(err)
	}
	if n > 0 {
		s.log.Info("presence reset: users set offline", "users", n)
	}
	return nil
}

// dedupe drops empty and repeated ids and keeps at most limit.
func dedupe(ids []string, limit int) []string {
	seen := make(map[string]struct{}, len(ids))
	out := make([]string, 0, min(len(ids), limit))
	for _, id := range ids {
		if _, ok := seen[id]; ok || id == "" {
			continue
		}
		if len(out) == limit {
			break
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	return out
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
