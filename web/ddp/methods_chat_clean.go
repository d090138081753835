package ddp

import (
	"context"
	"encoding/json"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
)

// RoomCleaner is what cleanRoomHistory needs; messaging.Service satisfies it.
type RoomCleaner interface {
	CleanHistory(ctx context.Context, actor model.Actor, in messaging.CleanInput) (int, error)
}

// registerRoomCleaner adds cleanRoomHistory({roomId, latest, oldest, inclusive?, limit?,
// excludePinned?, ignoreDiscussion?, filesOnly?, fromUsers?, ignoreThreads?}) → count,
// when m can clean. The method's defaults are Rocket.Chat's: inclusive true,
// excludePinned false, ignoreDiscussion true, filesOnly false, ignoreThreads true;
// latest and oldest are required dates.
func registerRoomCleaner(s *Server, m any) {
	c, ok := m.(RoomCleaner)
	if !ok {
		return
	}
	authedMethod(s, "cleanRoomHistory", func(ctx context.Context, a model.Actor, p []json.RawMessage) (any, error) {
		in := struct {
			RoomID           string     `json:"roomId"`
			Latest           *time.Time `json:"latest"`
			Oldest           *time.Time `json:"oldest"`
			Inclusive        *bool      `json:"inclusive"`
			Limit            int        `json:"limit"`
			ExcludePinned    bool       `json:"excludePinned"`
			IgnoreDiscussion *bool      `json:"ignoreDiscussion"`
			FilesOnly        bool       `json:"filesOnly"`
			FromUsers        []string   `json:"fromUsers"`
			IgnoreThreads    *bool      `json:"ignoreThreads"`
		}{}
		if err := Param(p, 0, &in); err != nil {
			return nil, err
		}
		switch {
		case in.RoomID == "":
			return nil, &model.Error{Kind: model.KindInvalid, Code: codeInvalidParams, Message: "Match error: Expected string, got undefined"}
		case in.Latest == nil || in.Oldest == nil:
			return nil, &model.Error{Kind: model.KindInvalid, Code: codeInvalidParams, Message: "Match error: Expected Date"}
		}
		orTrue := func(b *bool) bool { return b == nil || *b }
		return c.CleanHistory(ctx, a, messaging.CleanInput{RID: in.RoomID, Latest: *in.Latest, Oldest: *in.Oldest,
			Inclusive: orTrue(in.Inclusive), Limit: in.Limit, ExcludePinned: in.ExcludePinned,
			IgnoreDiscussion: orTrue(in.IgnoreDiscussion), FilesOnly: in.FilesOnly, Users: in.FromUsers,
			IgnoreThreads: orTrue(in.IgnoreThreads)})
	})
}
