package messaging

import (
	"context"
	"slices"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// NotifyStore finds whom a message may notify.
type NotifyStore interface {
	// NotifySubscriptions returns the room's subscriptions: every one when uids is nil,
	// else those of uids.
	NotifySubscriptions(ctx context.Context, rid string, uids []string) ([]model.Subscription, error)
	// UserStatuses returns the status of each of uids that exists.
	UserStatuses(ctx context.Context, uids []string) (map[string]string, error)
}

const (
	desktopDefault    = "Accounts_Default_User_Preferences_desktopNotifications"
	maxNotifyMembers  = "Notifications_Max_Room_Members"
	notifyAll         = "all"
	notifyMentions    = "mentions"
	notifyNothing     = "nothing"
	statusBusy        = "busy"
	defaultMaxMembers = 100
)

func notifySettings() []model.Setting {
	return []model.Setting{
		{ID: desktopDefault, Type: model.SettingSelect, PackageValue: notifyAll, Public: true, Group: "Accounts",
			Section: "Accounts_Section_Default_User_Preferences", I18nLabel: desktopDefault, Values: []model.SettingOption{
				{Key: notifyAll, I18nLabel: "All_messages"},
				{Key: notifyMentions, I18nLabel: "Mentions"},
				{Key: notifyNothing, I18nLabel: "Nothing"},
			}},
		{ID: maxNotifyMembers, Type: model.SettingInt, PackageValue: defaultMaxMembers, Public: true, Group: "General",
			Section: "Notifications", I18nLabel: maxNotifyMembers, I18nDescription: "Notifications_Max_Room_Members_Description"},
	}
}

// notify sends the desktop notification of a stored message (stream-notify-user
// "<uid>/notification") to the members Rocket.Chat's sendNotificationsOnMessage
// would notify. In a room of at most Notifications_Max_Room_Members members (0: no
// limit) every member may be notified; in a bigger one only those the message
// mentions and, for a thread reply, the thread's followers. Each member's
// subscription decides (shouldNotify); members who turned notifications off, who
// ignore the sender, or whose status is busy get nothing.
func (s *Service) notify(ctx context.Context, m model.Message, out sent) {
	room := out.room
	direct := room.T == model.RoomDirect
	limit := s.config.Int(maxNotifyMembers)
	crowded := !direct && limit != 0 && room.UsersCount > limit
	mentioned := userMentions(&m, m.U.ID)
	var followers []string
	if m.TMID != "" && out.parent != nil {
		followers = out.parent.Replies
	}
	var only []string // nil: every member
	if crowded {
		only = append(slices.Clone(mentioned), followers...)
		if len(only) == 0 {
			return
		}
	}
	subs, err := s.store.NotifySubscriptions(ctx, room.ID, only)
	if err != nil {
		s.log.Error("finding whom to notify", "rid", room.ID, "err", err)
		return
	}
	def := s.config.String(desktopDefault)
	var targets []model.Subscription
	var uids []string
	for _, sub := range subs {
		uid := sub.U.ID
		if uid == m.U.ID || sub.DisableNotifications || slices.Contains(sub.Ignored, m.U.ID) {
			continue
		}
		c := notifyCase{
			pref: sub.DesktopNotifications, serverDefault: def, crowded: crowded, direct: direct,
			group:     (out.toAll || out.toHere) && !sub.MuteGroupMentions,
			mentioned: slices.Contains(mentioned, uid),
			thread:    m.TMID != "", reply: slices.Contains(followers, uid),
		}
		if c.shouldNotify() {
			targets = append(targets, sub)
			uids = append(uids, uid)
		}
	}
	if len(targets) == 0 {
		return
	}
	statuses, err := s.store.UserStatuses(ctx, uids)
	if err != nil {
		s.log.Error("reading statuses to notify", "rid", room.ID, "err", err)
		return
	}
	name, title, text := room.Name, "#"+or(room.FName, room.Name), m.U.Username+": "+m.Msg
	if direct {
		name, title, text = m.U.Username, m.U.Username, m.Msg
	}
	for _, sub := range targets {
		if statuses[sub.U.ID] == statusBusy {
			continue
		}
		payload := map[string]any{
			"_id": m.ID, "rid": m.RID, "type": room.T, "name": name,
			"sender":  map[string]any{"_id": m.U.ID, "username": m.U.Username, "name": m.U.Name},
			"message": map[string]any{"msg": m.Msg},
		}
		if m.TMID != "" {
			payload["tmid"] = m.TMID
		}
		s.hub.Publish(streamhub.Notification{UserID: sub.U.ID, Payload: map[string]any{"title": title, "text": text, "payload": payload}})
	}
}

// notifyCase is what decides one member's desktop notification.
type notifyCase struct {
	pref          string // the subscription's desktopNotifications; "" follows serverDefault
	serverDefault string // Accounts_Default_User_Preferences_desktopNotifications
	crowded       bool   // the room has more members than Notifications_Max_Room_Members
	direct        bool   // a direct message
	group         bool   // @all or @here, and the member does not mute group mentions
	mentioned     bool   // the message mentions the member
	thread        bool   // the message is a thread reply
	reply         bool   // the member follows that thread
}

// shouldNotify follows Rocket.Chat's shouldNotifyDesktop (without the highlighted
// words, which Outpost does not keep).
func (c notifyCase) shouldNotify() bool {
	if c.crowded && c.pref == "" && !c.mentioned && !c.reply {
		return false
	}
	if c.pref == notifyNothing {
		return false
	}
	if c.pref == "" {
		if c.serverDefault == notifyAll && (!c.thread || c.reply) {
			return true
		}
		if c.serverDefault == notifyNothing {
			return false
		}
	}
	return (c.direct || !c.crowded && c.group || c.pref == notifyAll || c.mentioned) && (!c.thread || c.reply)
}
