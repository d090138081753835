package ddp

import (
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// myMessagesInfo is the second arg of a __my_messages__ event.
type myMessagesInfo struct {
	RoomParticipant bool   `json:"roomParticipant"`
	RoomType        string `json:"roomType"`
	RoomName        string `json:"roomName,omitempty"`
}

type messagesRead struct {
	Until time.Time `json:"until"`
	TMID  string    `json:"tmid,omitempty"`
}

// deliverRooms sends room, subscription and message events to their streams, as
// Rocket.Chat's listeners do (PROTOCOL.md §2.3).
func (s *Server) deliverRooms(ev streamhub.Event) {
	switch e := ev.(type) {
	case streamhub.MessageSaved:
		s.Emit(StreamRoomMessages, e.RID, e.Message)
		if s.members != nil {
			s.EmitFilter(StreamRoomMessages, myMessages, func(a model.Actor) bool { return s.members.has(a.UserID, e.RID) },
				e.Message, myMessagesInfo{RoomParticipant: true, RoomType: e.RoomType, RoomName: e.RoomName})
		}
	case streamhub.MessageDeleted:
		s.Emit(StreamNotifyRoom, e.RID+"/deleteMessage", map[string]string{"_id": e.ID})
	case streamhub.MessagesBulkDeleted:
		s.Emit(StreamNotifyRoom, e.RID+"/deleteMessageBulk", e.Payload)
	case streamhub.MessagesRead:
		s.Emit(StreamNotifyRoom, e.RID+"/messagesRead", messagesRead{Until: e.Until, TMID: e.TMID})
	case streamhub.RoomChanged:
		for _, uid := range e.Members {
			s.Emit(StreamNotifyUser, uid+"/rooms-changed", e.Action, e.Room)
		}
	case streamhub.SubscriptionChanged:
		switch e.Action {
		case "inserted":
			if s.members != nil {
				s.members.joined(e.UserID, e.RID)
			}
			if e.Room != nil {
				s.Emit(StreamNotifyUser, e.UserID+"/rooms-changed", "inserted", e.Room)
			}
		case "removed":
			if s.members != nil {
				s.members.left(e.UserID, e.RID)
			}
			s.StopRoomEvents(e.UserID, e.RID)
		}
		s.Emit(StreamNotifyUser, e.UserID+"/subscriptions-changed", e.Action, e.Sub)
	case streamhub.Notification:
		s.Emit(StreamNotifyUser, e.UserID+"/notification", e.Payload)
	case streamhub.EphemeralMessage:
		s.Emit(StreamNotifyUser, e.UserID+"/message", e.Message)
	}
}
