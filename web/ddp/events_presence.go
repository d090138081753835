package ddp

import "github.com/outpostchat/outpost/app/streamhub"

// deliverPresence sends a status change to notify-logged "user-status" and to the
// connections watching the user on stream-user-presence.
func (s *Server) deliverPresence(e streamhub.PresenceChanged) {}
