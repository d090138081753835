package accounts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/streamhub"
)

// Registration is users.register's body and the client's address.
type Registration struct {
	Username, Email, Pass, Name, SecretURL string
	IP                                     string
}

// Register is users.register: anyone may sign up while Accounts_RegistrationForm is
// "Public" (or "Secret URL" with the secret). Like Rocket.Chat it allows
// Rate_Limiter_Limit_RegisterUser calls per client address per
// API_Enable_Rate_Limiter_Limit_Time_Default milliseconds.
func (s *Service) Register(ctx context.Context, in Registration) (map[string]any, error) {
	const method = "registerUser"
	if err := s.registerLimit(in.IP); err != nil {
		return nil, err
	}
	switch s.text("Accounts_RegistrationForm") {
	case "Public":
	case "Secret URL":
		if secret := s.text("Accounts_RegistrationForm_SecretURL"); secret == "" || in.SecretURL != secret {
			return nil, refused("error-user-registration-secret", "User registration is only allowed via Secret URL", map[string]any{"method": method})
		}
	default:
		return nil, refused("error-user-registration-disabled", "User registration is disabled", map[string]any{"method": method})
	}
	in.Username, in.Email, in.Name = strings.TrimSpace(in.Username), normEmail(in.Email), strings.TrimSpace(in.Name)
	if _, err := s.users.ByUsername(ctx, in.Username); err == nil {
		return nil, model.Invalid("", "Username is already in use")
	}
	if err := checkEmail(in.Email); err != nil {
		return nil, err
	}
	if in.Pass == "" {
		return nil, model.Invalid("error-invalid-password", "The password must not be empty")
	}
	if in.Name == "" && s.flag("Accounts_RequireNameForSignUp") {
		return nil, required("Name", method)
	}
	if err := s.checkUsername(in.Username, method); err != nil {
		e := model.AsError(err)
		e.Code, e.Message = "username-invalid", in.Username+" is not a valid username, use only letters, numbers, dots, hyphens and underscores"
		return nil, e
	}
	u := s.newUser(in.Username, in.Email, in.Name, nil)
	u.Active = !s.flag("Accounts_ManuallyApproveNewUsers")
	if err := s.insert(ctx, &u, in.Pass); err != nil {
		return nil, err
	}
	s.log.Info("user registered", "username", u.Username, "ip", in.IP)
	s.userCreated(ctx, u)
	return userDoc(u, viewOwner), nil
}

// registerLimit counts a registration attempt from ip and refuses it past the limit.
func (s *Service) registerLimit(ip string) error {
	if !s.flag("API_Enable_Rate_Limiter") {
		return nil
	}
	limit := s.number("Rate_Limiter_Limit_RegisterUser")
	window := time.Duration(s.number("API_Enable_Rate_Limiter_Limit_Time_Default")) * time.Millisecond
	if limit <= 0 || window <= 0 {
		return nil
	}
	now := s.now()
	m := &s.mgmt
	m.regMu.Lock()
	defer m.regMu.Unlock()
	if m.regs == nil || len(m.regs) >= maxTracked {
		m.regs = map[string][]time.Time{} // forgetting everyone is the price of a bounded map
	}
	recent := slices.DeleteFunc(m.regs[ip], func(t time.Time) bool { return now.Sub(t) >= window })
	if int64(len(recent)) >= limit {
		m.regs[ip] = recent
		wait := int((window - now.Sub(recent[0]) + time.Second - 1) / time.Second)
		return &model.Error{Kind: model.KindTooMany, Code: "error-too-many-requests",
			Message: fmt.Sprintf("Error, too many requests. Please slow down. You must wait %d seconds before trying this endpoint again.", wait)}
	}
	m.regs[ip] = append(recent, now)
	return nil
}

// OwnInfo is users.updateOwnBasicInfo's data (nil: keep). CurrentPassword is the hex
// SHA-256 of the current password, as Rocket.Chat's clients send it.
type OwnInfo struct {
	Email           *string `json:"email"`
	Name            *string `json:"name"`
	Username        *string `json:"username"`
	Nickname        *string `json:"nickname"`
	Bio             *string `json:"bio"`
	StatusText      *string `json:"statusText"`
	CurrentPassword string  `json:"currentPassword"`
	NewPassword     string  `json:"newPassword"`
}

// UpdateOwnInfo is users.updateOwnBasicInfo (saveUserProfile): the actor changes their
// own profile. Changing the email or password needs the current password (Rocket.Chat's
// password second factor: totp-required / totp-invalid); a new password ends every
// other session. token is the caller's own token, which stays valid.
func (s *Service) UpdateOwnInfo(ctx context.Context, actor model.Actor, token string, in OwnInfo, custom map[string]any) (map[string]any, error) {
	const method = "saveUserProfile"
	if !s.flag("Accounts_AllowUserProfileChange") {
		return nil, refused("error-not-allowed", "Not allowed", map[string]any{"method": method})
	}
	old, err := s.users.ByID(ctx, actor.UserID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, noSuchUser("Invalid user")
	}
	if err != nil {
		return nil, model.Internal(err)
	}
	email := ""
	if in.Email != nil {
		email = *in.Email
	}
	if (email != "" || in.NewPassword != "") && old.Services.Password != nil {
		details := map[string]any{"method": "password"}
		switch {
		case in.CurrentPassword == "":
			return nil, refused("totp-required", "TOTP Required", map[string]any{"method": "password", "codeGenerated": false})
		case !hexDigest.MatchString(strings.ToLower(in.CurrentPassword)) || !checkDigest(old.Services.Password.Bcrypt, strings.ToLower(in.CurrentPassword)):
			return nil, refused("totp-invalid", "TOTP Invalid", details)
		}
	}
	var password *string
	if in.NewPassword != "" {
		password = &in.NewPassword
	}
	if err := s.checkEditing(old, in.Username, in.Name, in.StatusText, in.Email, true); err != nil {
		return nil, err
	}
	if password != nil && !s.flag("Accounts_AllowPasswordChange") {
		return nil, notAllowed("Edit user password is not allowed", "insertOrUpdateUser", "Update_user")
	}
	c := newChange()
	name := in.Name
	if name != nil && *name == "" {
		name = nil // saveUserProfile changes only non-empty names
	}
	if err := s.identity(c, old, in.Username, name); err != nil {
		return nil, err
	}
	if in.StatusText != nil {
		c.text("statusText", truncate(*in.StatusText, 120))
	}
	if in.Bio != nil {
		if utf8.RuneCountInString(*in.Bio) > 260 {
			return nil, refused("error-bio-size-exceeded", "Bio size exceeds 260 characters", map[string]any{"method": method})
		}
		c.text("bio", *in.Bio)
	}
	if in.Nickname != nil && *in.Nickname != "" {
		if utf8.RuneCountInString(*in.Nickname) > 120 {
			return nil, refused("error-nickname-size-exceeded", "Nickname size exceeds 120 characters", map[string]any{"method": method})
		}
		c.text("nickname", *in.Nickname)
	}
	if email != "" {
		if err := s.email(c, old, email, false); err != nil {
			return nil, err
		}
	}
	fields, err := customFields(custom)
	if err != nil {
		return nil, err
	}
	for k, v := range fields {
		c.put("customFields."+k, v)
	}
	keep := hashToken(token)
	if password != nil && old.Services.Password != nil {
		if CheckPassword(old.Services.Password.Bcrypt, *password) {
			return nil, refused("error-password-same-as-current", "Entered password same as current password", map[string]any{"method": method})
		}
		hash, err := hashPassword(*password, s.cost)
		if err != nil {
			return nil, model.Internal(err)
		}
		c.set["services.password.bcrypt"] = hash
	}
	_, u, err := s.apply(ctx, old.ID, c, func(_ context.Context, cur model.User) error {
		if _, ok := c.set["services.password.bcrypt"]; !ok {
			return nil
		}
		// Every other session ends; personal access tokens stay (removeOtherTokens).
		tokens := []model.LoginToken{}
		if cur.Services.Resume != nil {
			for _, lt := range cur.Services.Resume.LoginTokens {
				if lt.HashedToken == keep || lt.Type != "" {
					tokens = append(tokens, lt)
				}
			}
		}
		c.set["services.resume.loginTokens"] = tokens
		c.revoked = &streamhub.UserTokensRevoked{UserID: cur.ID, Hashed: hashesOf(cur, func(lt model.LoginToken) bool {
			return lt.HashedToken != keep && lt.Type == ""
		})}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return userDoc(u, viewOwner), nil
}

// Preferences is users.getPreferences: the actor's own preferences and language.
func (s *Service) Preferences(ctx context.Context, actor model.Actor) (map[string]any, error) {
	u, err := s.users.ByID(ctx, actor.UserID)
	if errors.Is(err, model.ErrNotFound) {
		return nil, noSuchUser("Invalid user")
	}
	if err != nil {
		return nil, model.Internal(err)
	}
	prefs := prefsOf(u)
	if u.Language != "" {
		prefs["language"] = u.Language
	}
	return prefs, nil
}

// SetPreferences is users.setPreferences: a user changes their own preferences, or
// another's with edit-other-user-info (uid empty: the actor). It answers
// {_id, settings:{preferences}} with the language among the preferences.
func (s *Service) SetPreferences(ctx context.Context, actor model.Actor, uid string, data map[string]any) (map[string]any, error) {
	if uid == "" {
		uid = actor.UserID
	}
	if uid != actor.UserID && !s.can(ctx, actor, "edit-other-user-info") {
		return nil, refused("error-action-not-allowed", "Editing user is not allowed", nil)
	}
	prefs, err := checkPreferences(data)
	if err != nil {
		return nil, err
	}
	c := newChange()
	for k, v := range prefs {
		if k == "language" {
			c.put("language", v)
			continue
		}
		c.put("settings.preferences."+k, v)
	}
	_, u, err := s.apply(ctx, uid, c, nil)
	if err != nil {
		if e := model.AsError(err); e.Code == "error-invalid-user" {
			return nil, noSuchUser(`The optional "userId" param provided does not match any users`)
		}
		return nil, err
	}
	out := prefsOf(u)
	if u.Language != "" {
		out["language"] = u.Language
	}
	return map[string]any{"_id": u.ID, "settings": map[string]any{"preferences": out}}, nil
}

// Kinds of preference values.
const (
	prefString = iota
	prefNumber
	prefBool
	prefStrings
	prefObjects
)

// preferenceKinds are the preferences users.setPreferences takes, as Rocket.Chat's
// UsersSetPreferencesParamsPOST schema lists them.
var preferenceKinds = map[string]int{
	"newRoomNotification": prefString, "newMessageNotification": prefString, "clockMode": prefNumber,
	"useEmojis": prefBool, "convertAsciiEmoji": prefBool, "saveMobileBandwidth": prefBool,
	"collapseMediaByDefault": prefBool, "autoImageLoad": prefBool, "emailNotificationMode": prefString,
	"unreadAlert": prefBool, "notificationsSoundVolume": prefNumber, "desktopNotifications": prefString,
	"pushNotifications": prefString, "enableAutoAway": prefBool, "highlights": prefStrings,
	"alsoSendThreadToChannel": prefString, "desktopNotificationRequireInteraction": prefBool,
	"showThreadsInMainChannel": prefBool, "hideUsernames": prefBool, "hideRoles": prefBool,
	"displayAvatars": prefBool, "hideFlexTab": prefBool, "sendOnEnter": prefString, "language": prefString,
	"sidebarShowFavorites": prefBool, "sidebarShowUnread": prefBool, "sidebarSortby": prefString,
	"sidebarViewMode": prefString, "sidebarDisplayAvatar": prefBool, "sidebarGroupByType": prefBool,
	"muteFocusedConversations": prefBool, "dontAskAgainList": prefObjects, "featuresPreview": prefObjects,
	"themeAppearence": prefString, "fontSize": prefString, "receiveLoginDetectionEmail": prefBool,
	"notifyCalendarEvents": prefBool, "idleTimeLimit": prefNumber, "idleTimeLimitH": prefNumber, "idleTimeLimitM": prefNumber,
	"idleTimeLimitS": prefNumber, "omnichannelTranscriptEmail": prefBool, "omnichannelTranscriptPDF": prefBool,
	"omnichannelHideConversationAfterClosing": prefBool, "enableMobileRinging": prefBool, "mentionsWithSymbol": prefBool,
}

// checkPreferences validates preference values by kind, coercing "true"/"false" and
// numeric strings as Rocket.Chat's schema (coerceTypes) does; null values are dropped.
func checkPreferences(data map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(data))
	for k, v := range data {
		kind, ok := preferenceKinds[k]
		if !ok {
			return nil, model.Invalid("invalid-params", "must NOT have additional properties '"+k+"'")
		}
		if v == nil {
			continue
		}
		bad := func(what string) error { return model.Invalid("invalid-params", "'"+k+"' must be "+what) }
		switch kind {
		case prefString:
			str, ok := v.(string)
			if !ok {
				return nil, bad("string")
			}
			if k == "alsoSendThreadToChannel" && !slices.Contains([]string{"default", "always", "never"}, str) {
				return nil, bad("equal to one of the allowed values")
			}
			out[k] = str
		case prefNumber:
			switch n := v.(type) {
			case float64:
				out[k] = n
			case string:
				var f float64
				if _, err := fmt.Sscanf(n, "%g", &f); err != nil {
					return nil, bad("number")
				}
				out[k] = f
			default:
				return nil, bad("number")
			}
		case prefBool:
			switch b := v.(type) {
			case bool:
				out[k] = b
			case string:
				if b != "true" && b != "false" {
					return nil, bad("boolean")
				}
				out[k] = b == "true"
			default:
				return nil, bad("boolean")
			}
		case prefStrings:
			list, ok := v.([]any)
			if !ok {
				return nil, bad("array")
			}
			strs := make([]string, 0, len(list))
			for _, x := range list {
				str, ok := x.(string)
				if !ok {
					return nil, bad("array of strings")
				}
				strs = append(strs, str)
			}
			out[k] = strs
		case prefObjects:
			list, ok := v.([]any)
			if !ok {
				return nil, bad("array")
			}
			for _, x := range list {
				if _, ok := x.(map[string]any); !ok {
					return nil, bad("array of objects")
				}
			}
			out[k] = list
		}
	}
	return out, nil
}
