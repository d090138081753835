package ddp

import "github.com/outpostchat/outpost/app/streamhub"

// statusNumbers are the status codes of the presence streams (PROTOCOL.md §2.2).
var statusNumbers = map[string]int{"offline": 0, "online": 1, "away": 2, "busy": 3}

// deliverPresence sends a status change to notify-logged "user-status"
// [[uid, username, status, statusText, name, roles]] and to the connections watching the
// user on stream-user-presence ([username, status, statusText]), as Rocket.Chat's
// presence.status listener does. Like it, it skips a user without a username, and a
// status that has no code (disabled).
func (s *Server) deliverPresence(e streamhub.PresenceChanged) {
	n, ok := statusNumbers[e.Status]
	if !ok || e.Username == "" {
		return
	}
	roles := e.Roles
	if roles == nil {
		roles = []string{}
	}
	s.Emit(StreamNotifyLogged, "user-status", []any{e.UserID, e.Username, n, e.StatusText, e.Name, roles})
	s.EmitPresence(e.UserID, []any{e.Username, n, e.StatusText})
}
