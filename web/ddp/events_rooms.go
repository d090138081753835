package ddp

import "github.com/outpostchat/outpost/app/streamhub"

// deliverRooms sends room, subscription and message events to their streams.
func (s *Server) deliverRooms(ev streamhub.Event) {}
