package rooms

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/outpostchat/outpost/app/model"
)

// NewRoom is what creating a channel or private group takes (channels.create,
// groups.create, methods createChannel and createPrivateGroup).
type NewRoom struct {
	Type        string   // model.RoomPublic or model.RoomPrivate
	Name        string   // checked against UTF8_Channel_Names_Validation
	Members     []string // usernames; unknown ones are skipped, as Rocket.Chat does
	ReadOnly    bool
	ExcludeSelf bool
	Topic       string
	Description string
	Broadcast   bool
	Encrypted   bool
	Default     bool // honoured for admins (view-room-administration) only
}

// Create creates a channel or private group owned by the actor (createRoom.ts): the
// actor gets the owner role and the room as read (ls), every member a subscription
// with open:true. It needs create-c or create-p.
func (s *Service) Create(ctx context.Context, actor model.Actor, in NewRoom) (model.Room, error) {
	if in.Type != model.RoomPublic && in.Type != model.RoomPrivate {
		return model.Room{}, invalid("error-invalid-room-type", "Invalid room type")
	}
	if !s.authz.Can(ctx, actor, "create-"+in.Type, "") {
		return model.Room{}, notAllowed()
	}
	owner, err := s.me(ctx, actor)
	if err != nil {
		return model.Room{}, err
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		return model.Room{}, invalid("error-invalid-name", "Invalid name")
	}
	if err := s.checkName(name); err != nil {
		return model.Room{}, err
	}
	members := slices.Clone(in.Members)
	if !in.ExcludeSelf && !slices.Contains(members, owner.Username) {
		members = append(members, owner.Username)
	}
	if in.Broadcast {
		in.ReadOnly = true // createRoom: a broadcast room is read-only
	}
	now := s.stamp()
	r := model.Room{
		ID: model.NewID(), T: in.Type, Name: name, FName: name, Ts: now,
		U:  &model.UserRef{ID: owner.ID, Username: owner.Username, Name: owner.Name},
		RO: in.ReadOnly, Topic: in.Topic, Description: in.Description, Broadcast: in.Broadcast, Encrypted: in.Encrypted,
		Default:   in.Default && s.authz.Can(ctx, actor, "view-room-administration", ""),
		UpdatedAt: now,
	}
	err = s.write(ctx, func(ctx context.Context, b *batch) error {
		if err := s.nameFree(ctx, name, ""); err != nil {
			return err
		}
		if err := s.rooms.InsertRoom(ctx, r); err != nil {
			return err
		}
		seen := map[string]bool{}
		var subs []model.Subscription
		for _, username := range members {
			u, err := s.users.ByUsername(ctx, strings.TrimPrefix(username, "@"))
			if errors.Is(err, model.ErrNotFound) {
				continue
			} else if err != nil {
				return err
			}
			if seen[u.ID] {
				continue
			}
			seen[u.ID] = true
			sub := s.newSubscription(r, u)
			if u.ID == owner.ID {
				ls := now
				sub.LS, sub.Roles = &ls, []string{"owner"}
			}
			if err := s.subs.InsertSubscription(ctx, sub); err != nil {
				return err
			}
			subs = append(subs, sub)
		}
		var err error
		if r, err = s.rooms.IncRoom(ctx, r.ID, "usersCount", len(subs), now); err != nil {
			return err
		}
		for _, sub := range subs {
			b.add(subInserted(sub, r))
		}
		return s.roomChanged(ctx, b, "inserted", r)
	})
	if err != nil {
		return model.Room{}, err
	}
	s.log.Info("room created", "rid", r.ID, "t", r.T, "name", r.Name, "by", actor.Username)
	return ClientRoom(r), nil
}

// validNames caches the compiled UTF8_Channel_Names_Validation pattern.
var validNames struct {
	sync.Mutex
	src string
	re  *regexp.Regexp
}

// checkName applies getValidRoomName's rules: with
// UI_Allow_room_names_with_special_chars any name without control characters, else
// one matching ^UTF8_Channel_Names_Validation$ (default [0-9a-zA-Z-_.]+).
func (s *Service) checkName(name string) error {
	bad := &model.Error{Kind: model.KindInvalid, Code: "error-invalid-room-name",
		Message: fmt.Sprintf("%s is not a valid room name", name), Details: map[string]any{"channel_name": name}}
	if len(name) > 256 || strings.ContainsFunc(name, unicode.IsControl) {
		return bad
	}
	if s.cfg.Bool("UI_Allow_room_names_with_special_chars") {
		return nil
	}
	pattern := s.cfg.String("UTF8_Channel_Names_Validation")
	if pattern == "" {
		pattern = "[0-9a-zA-Z-_.]+"
	}
	validNames.Lock()
	if validNames.src != pattern || validNames.re == nil {
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		if err != nil {
			re = regexp.MustCompile(`^[0-9a-zA-Z\-_.]+$`)
		}
		validNames.src, validNames.re = pattern, re
	}
	re := validNames.re
	validNames.Unlock()
	if !re.MatchString(name) {
		return bad
	}
	return nil
}

// nameFree fails with error-duplicate-channel-name when another room than except has
// the name, ignoring case.
func (s *Service) nameFree(ctx context.Context, name, except string) error {
	other, err := s.rooms.RoomByName(ctx, name)
	switch {
	case errors.Is(err, model.ErrNotFound):
		return nil
	case err != nil:
		return err
	case other.ID == except:
		return nil
	}
	return &model.Error{Kind: model.KindInvalid, Code: "error-duplicate-channel-name",
		Message: fmt.Sprintf("A channel with name '%s' exists", name), Details: map[string]any{"channel_name": name}}
}

// CreatedDirect is a direct message as its creation answers it: the room and its rid.
type CreatedDirect struct {
	model.Room
	RID string `json:"rid"`
}

// CreateDirect opens the direct message between the actor and the users (methods
// createDirectMessage, REST im.create), creating it when it does not exist
// (createDirectRoom.ts): needs create-d; the members, the actor included unless
// excludeSelf, may number at most DirectMesssage_maxUsers. A 1:1 room's _id is the two
// user ids sorted and joined; usernames are sorted by display name; each member's
// subscription is named after the others. The creator's subscription is opened.
func (s *Service) CreateDirect(ctx context.Context, actor model.Actor, usernames []string, excludeSelf bool) (CreatedDirect, error) {
	me, err := s.me(ctx, actor)
	if err != nil {
		return CreatedDirect{}, err
	}
	if !s.authz.Can(ctx, actor, "create-d", "") {
		return CreatedDirect{}, notAllowed()
	}
	members := []model.User{}
	seen := map[string]bool{}
	if !excludeSelf {
		members, seen[me.ID] = append(members, me), true
	}
	for _, name := range usernames {
		name = strings.TrimPrefix(strings.TrimSpace(name), "@")
		if name == "" {
			continue
		}
		u, err := s.users.ByUsername(ctx, name)
		if errors.Is(err, model.ErrNotFound) {
			return CreatedDirect{}, invalid("error-invalid-user", "Invalid user")
		} else if err != nil {
			return CreatedDirect{}, model.Internal(err)
		}
		if !seen[u.ID] {
			members, seen[u.ID] = append(members, u), true
		}
	}
	if len(members) == 0 || (len(usernames) == 0 && !excludeSelf) {
		return CreatedDirect{}, invalid("error-invalid-user", "Invalid user")
	}
	maxUsers := max(int(s.cfg.Int("DirectMesssage_maxUsers")), 1)
	if len(members) > maxUsers {
		return CreatedDirect{}, invalid("error-direct-message-max-user-exceeded",
			fmt.Sprintf("You cannot add more than %d users, including yourself to a direct message", maxUsers))
	}
	sorted := byDisplayName(members)
	uids := make([]string, len(members))
	for i, u := range members {
		uids[i] = u.ID
	}
	slices.Sort(uids)
	names := make([]string, len(sorted))
	for i, u := range sorted {
		names[i] = u.Username
	}
	var out model.Room
	err = s.write(ctx, func(ctx context.Context, b *batch) error {
		r, err := s.directRoom(ctx, uids)
		if err != nil {
			return err
		}
		inserted := r == nil
		now := s.stamp()
		if inserted {
			r = &model.Room{T: model.RoomDirect, Usernames: names, UIDs: uids, UsersCount: int64(len(members)), Ts: now, UpdatedAt: now}
			if len(uids) == 2 {
				r.ID = uids[0] + uids[1] // createDirectRoom: deprecated, still how 1:1 ids are made
			} else {
				r.ID = model.NewID()
			}
			if err := s.rooms.InsertRoom(ctx, *r); err != nil {
				return err
			}
		}
		for _, u := range members {
			var others []model.User
			for _, o := range sorted {
				if o.ID != u.ID {
					others = append(others, o)
				}
			}
			if len(others) == 0 {
				others = []model.User{u} // a note to self
			}
			cur, err := s.subscription(ctx, r.ID, u.ID)
			if err != nil {
				return err
			}
			if cur != nil {
				if u.ID == me.ID && !cur.Open {
					upd, err := s.subs.UpdateSubscription(ctx, r.ID, u.ID, map[string]any{"open": true, "_updatedAt": now}, nil)
					if err != nil {
						return err
					}
					b.add(subUpdated(upd))
				}
				continue
			}
			sub := s.newSubscription(*r, u)
			sub.Name, sub.FName = directNames(others)
			sub.Open = u.ID == me.ID || len(members) > 2
			if err := s.subs.InsertSubscription(ctx, sub); err != nil {
				return err
			}
			b.add(subInserted(sub, *r))
		}
		out = *r
		if inserted {
			return s.roomChanged(ctx, b, "inserted", *r)
		}
		return nil
	})
	if err != nil {
		return CreatedDirect{}, err
	}
	return CreatedDirect{Room: ClientRoom(out), RID: out.ID}, nil
}

// directRoom finds the direct message of exactly uids, nil when there is none.
func (s *Service) directRoom(ctx context.Context, uids []string) (*model.Room, error) {
	if len(uids) == 2 {
		r, err := s.rooms.Room(ctx, uids[0]+uids[1])
		if err == nil {
			return &r, nil
		} else if !errors.Is(err, model.ErrNotFound) {
			return nil, err
		}
	}
	r, err := s.rooms.DirectRoomWith(ctx, uids)
	if errors.Is(err, model.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// directNames is the name (usernames) and fname (display names) a member's
// subscription to a direct message takes from the other members.
func directNames(others []model.User) (name, fname string) {
	var ns, fs []string
	for _, o := range others {
		ns, fs = append(ns, o.Username), append(fs, cmpOr(o.Name, o.Username))
	}
	return strings.Join(ns, ", "), strings.Join(fs, ", ")
}

// byDisplayName sorts users by display name (name, else username), ignoring case, as
// the members of a direct message are listed.
func byDisplayName(users []model.User) []model.User {
	sorted := slices.Clone(users)
	slices.SortStableFunc(sorted, func(a, b model.User) int {
		return strings.Compare(strings.ToLower(cmpOr(a.Name, a.Username)), strings.ToLower(cmpOr(b.Name, b.Username)))
	})
	return sorted
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
