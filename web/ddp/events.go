package ddp

import (
	"context"
	"slices"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/streamhub"
)

// Forward delivers the hub's events to the streams clients subscribe to, as Rocket.Chat's
// listeners do (PROTOCOL.md §2.3), until ctx ends. If the hub drops it for falling
// behind, it logs and subscribes again.
func (s *Server) Forward(ctx context.Context, hub *streamhub.Hub) {
	for ctx.Err() == nil {
		sub := hub.Subscribe(4096, streamhub.All)
		s.forward(ctx, sub)
		sub.Close()
		if err := sub.Err(); err == streamhub.ErrOverflow {
			s.log.Warn("event forwarding fell behind; some events were lost")
			continue
		}
		return
	}
}

func (s *Server) forward(ctx context.Context, sub *streamhub.Subscription) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-sub.C():
			if !ok {
				return
			}
			s.deliver(ev)
		}
	}
}

// Stream payloads, shaped as Rocket.Chat sends them.
type (
	settingPayload struct {
		ID    string `json:"_id"`
		Value any    `json:"value"`
	}
	permissionPayload struct {
		ID        string    `json:"_id"`
		Roles     []string  `json:"roles"`
		Group     string    `json:"group,omitempty"`
		Section   string    `json:"section,omitempty"`
		Level     string    `json:"level,omitempty"`
		SettingID string    `json:"settingId,omitempty"`
		UpdatedAt time.Time `json:"_updatedAt"`
	}
	rolePayload struct {
		Type         string    `json:"type"`
		ID           string    `json:"_id"`
		Name         string    `json:"name"`
		Scope        string    `json:"scope"`
		Description  string    `json:"description"`
		Protected    bool      `json:"protected"`
		Mandatory2FA bool      `json:"mandatory2fa"`
		UpdatedAt    time.Time `json:"_updatedAt"`
	}
	userRef struct {
		ID       string `json:"_id"`
		Username string `json:"username"`
		Name     string `json:"name,omitempty"`
	}
	roleChangePayload struct {
		Type  string  `json:"type"`
		ID    string  `json:"_id"`
		U     userRef `json:"u"`
		Scope string  `json:"scope,omitempty"`
	}
)

func (s *Server) deliver(ev streamhub.Event) {
	switch e := ev.(type) {
	case streamhub.SettingChanged:
		if e.Public {
			s.Emit(StreamNotifyAll, "public-settings-changed", "updated", settingPayload{e.ID, e.Value})
		}
	case streamhub.PermissionChanged:
		s.Emit(StreamNotifyLogged, "permissions-changed", e.Action, permissionPayload{
			ID: e.ID, Roles: e.Roles, Group: e.Group, Section: e.Section, Level: e.Level, SettingID: e.SettingID, UpdatedAt: e.UpdatedAt,
		})
	case streamhub.RoleChanged:
		s.Emit(StreamRoles, "roles", rolePayload{
			Type: e.Action, ID: e.ID, Name: e.Name, Scope: e.Scope, Description: e.Description,
			Protected: e.Protected, Mandatory2FA: e.Mandatory2FA, UpdatedAt: e.UpdatedAt,
		})
	case streamhub.UserChanged:
		switch e.Action {
		case "inserted":
			s.Emit(StreamNotifyUser, e.ID+"/userData", map[string]any{"type": "inserted", "data": e.Data})
		case "updated":
			unset := e.Unset
			if unset == nil {
				unset = map[string]int{}
			}
			s.Emit(StreamNotifyUser, e.ID+"/userData", map[string]any{"type": "updated", "diff": e.Diff, "unset": unset})
		case "removed":
			s.Emit(StreamNotifyUser, e.ID+"/userData", map[string]any{"type": "removed", "id": e.ID})
		}
	case streamhub.UserNameChanged:
		s.Emit(StreamNotifyLogged, "Users:NameChanged", map[string]any{"_id": e.ID, "name": e.Name, "username": e.Username})
	case streamhub.UserTokensRevoked:
		if e.All {
			s.Emit(StreamNotifyUser, e.UserID+"/force_logout")
		}
		for _, c := range s.ConnsOfUser(e.UserID) {
			if e.All || slices.Contains(e.Hashed, accounts.HashToken(c.LoginToken())) {
				c.Close(CloseProtocolError, "logged out")
			}
		}
	case streamhub.UserRoleChanged:
		if e.Scope == "" {
			// Live sessions act with the user's new global roles from now on.
			for _, c := range s.ConnsOfUser(e.UserID) {
				a := c.Actor()
				a.Roles = e.Roles
				c.setUser(a, c.LoginToken())
			}
		}
		s.Emit(StreamNotifyLogged, "roles-change", roleChangePayload{
			Type: e.Type, ID: e.RoleID, U: userRef{e.UserID, e.Username, e.Name}, Scope: e.Scope,
		})
	case streamhub.PresenceChanged:
		s.deliverPresence(e)
	case streamhub.AvatarChanged:
		s.deliverAvatar(e)
	case streamhub.UserMessagesErased:
		s.Emit(StreamNotifyLogged, "Users:Deleted", erasedPayload(e))
	default:
		s.deliverRooms(ev)
	}
}

// usersDeletedPayload is Rocket.Chat's notify-logged "Users:Deleted" argument.
type usersDeletedPayload struct {
	UserID             string         `json:"userId"`
	MessageErasureType string         `json:"messageErasureType"`
	ReplaceByUser      *replaceByUser `json:"replaceByUser,omitempty"`
}

type replaceByUser struct {
	ID       string `json:"_id"`
	Username string `json:"username"`
	Alias    string `json:"alias"`
}

func erasedPayload(e streamhub.UserMessagesErased) usersDeletedPayload {
	p := usersDeletedPayload{UserID: e.UserID, MessageErasureType: e.ErasureType}
	if r := e.ReplaceBy; r != nil {
		p.ReplaceByUser = &replaceByUser{ID: r.ID, Username: r.Username, Alias: r.Alias}
	}
	return p
}
