package rest

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/presence"
)

// Presence is users' status; presence.Service satisfies it. The service checks who may
// do what.
type Presence interface {
	SetStatus(ctx context.Context, actor model.Actor, uid, status string, text *string) error
	Status(ctx context.Context, actor model.Actor, uid string) (presence.StatusInfo, error)
	Presence(ctx context.Context, actor model.Actor, q presence.Query) (presence.Result, error)
}

// presenceRoutes registers users.setStatus, users.getStatus and users.presence.
func (a *api) presenceRoutes() {
	a.handle("POST /api/v1/users.setStatus", a.authed(a.usersSetStatus))
	a.handle("GET /api/v1/users.getStatus", a.authed(a.usersGetStatus))
	a.handle("GET /api/v1/users.presence", a.authed(a.usersPresence))
}

// usersSetStatus serves POST /api/v1/users.setStatus {status?, message?, userId?}: at
// least one of status and message; message "" clears the status text.
func (a *api) usersSetStatus(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Status  string  `json:"status"`
		Message *string `json:"message"`
		UserID  string  `json:"userId"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Status == "" && body.Message == nil {
		return missing("status")
	}
	if err := a.Presence.SetStatus(r.Context(), actorOf(r), body.UserID, body.Status, body.Message); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

// usersGetStatus serves GET /api/v1/users.getStatus?userId= (the caller's own status
// without it): {_id, status, message?, connectionStatus? (own status only)}.
func (a *api) usersGetStatus(w http.ResponseWriter, r *http.Request) error {
	info, err := a.Presence.Status(r.Context(), actorOf(r), r.URL.Query().Get("userId"))
	if err != nil {
		return err
	}
	return WriteSuccess(w, info)
}

// usersPresence serves GET /api/v1/users.presence?ids=a,b (also repeated, or ids[]=)
// or ?from=<ISO date>: {users:[{_id, username, name, status, utcOffset, statusText,
// avatarETag}], full}. A from that is not a date counts as none, as new Date() giving
// NaN does in Rocket.Chat.
func (a *api) usersPresence(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var in presence.Query
	for _, v := range append(q["ids"], q["ids[]"]...) {
		for id := range strings.SplitSeq(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				in.IDs = append(in.IDs, id)
			}
		}
	}
	if from := q.Get("from"); from != "" {
		in.From = parseISODate(from)
	}
	res, err := a.Presence.Presence(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	return WriteSuccess(w, res)
}

// parseISODate reads the ISO 8601 dates clients send (with or without seconds,
// fraction and zone; a date without a zone is UTC); the zero time if it is none.
func parseISODate(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
