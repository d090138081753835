package model

import "time"

// Email is one address of a user.
type Email struct {
	Address  string `json:"address"`
	Verified bool   `json:"verified"`
}

// LoginToken is one resume token, stored only hashed: base64(sha256(token)).
type LoginToken struct {
	When            time.Time `json:"when,omitempty"` // absent on personal access tokens
	HashedToken     string    `json:"hashedToken"`
	Type            string    `json:"type,omitempty"` // "personalAccessToken" for PATs
	Name            string    `json:"name,omitempty"`
	CreatedAt       time.Time `json:"createdAt,omitempty"`
	LastTokenPart   string    `json:"lastTokenPart,omitempty"`
	BypassTwoFactor bool      `json:"bypassTwoFactor,omitempty"`
}

// UserServices holds a user's credentials. The password is bcrypt of the hex SHA-256 of
// the plaintext, as Meteor's accounts-password stores it.
type UserServices struct {
	Password *PasswordService `json:"password,omitempty"`
	Resume   *ResumeService   `json:"resume,omitempty"`
	TOTP     *TOTPService     `json:"totp,omitempty"`
}

// PasswordService is services.password.
type PasswordService struct {
	Bcrypt string `json:"bcrypt"`
}

// ResumeService is services.resume.
type ResumeService struct {
	LoginTokens []LoginToken `json:"loginTokens"`
}

// TOTPService is services.totp, the user's authenticator-app second factor, as
// Rocket.Chat stores it (apps/meteor/app/2fa/server): 2fa:enable stores
// {enabled:false, tempSecret}; 2fa:validateTempToken sets enabled, secret and
// hashedBackup and unsets tempSecret; 2fa:disable leaves {enabled:false}. Secrets are
// RFC 4648 base32; hashedBackup holds the unused backup codes as hex SHA-256, each
// removed once used.
type TOTPService struct {
	Enabled      bool     `json:"enabled"`
	Secret       string   `json:"secret,omitempty"`
	TempSecret   string   `json:"tempSecret,omitempty"`
	HashedBackup []string `json:"hashedBackup,omitempty"`
}

// User is a document of the users collection.
type User struct {
	ID                    string         `json:"_id"`
	CreatedAt             time.Time      `json:"createdAt"`
	Services              UserServices   `json:"services"`
	Username              string         `json:"username,omitempty"`
	Emails                []Email        `json:"emails,omitempty"`
	Type                  string         `json:"type"`
	Status                string         `json:"status"`
	Active                bool           `json:"active"`
	Name                  string         `json:"name,omitempty"`
	Roles                 []string       `json:"roles"`
	RequirePasswordChange bool           `json:"requirePasswordChange,omitempty"`
	StatusConnection      string         `json:"statusConnection,omitempty"`
	UTCOffset             float64        `json:"utcOffset,omitempty"`
	Language              string         `json:"language,omitempty"`
	LastLogin             *time.Time     `json:"lastLogin,omitempty"`
	CustomFields          map[string]any `json:"customFields,omitempty"`
	Nickname              string         `json:"nickname,omitempty"`
	Bio                   string         `json:"bio,omitempty"`
	StatusText            string         `json:"statusText,omitempty"`
	AvatarETag            string         `json:"avatarETag,omitempty"`
	Settings              *UserSettings  `json:"settings,omitempty"`
	UpdatedAt             time.Time      `json:"_updatedAt"`
}

// UserSettings is users.settings: the user's own preferences, each overriding the
// Accounts_Default_User_Preferences_* setting of the same name.
type UserSettings struct {
	Preferences map[string]any `json:"preferences,omitempty"`
}

// UserQuery selects users for a listing: every condition in All holds and, when Any is
// not empty, at least one of Any. Offset and Limit page the result (Limit 0: no limit).
type UserQuery struct {
	All, Any []UserCond
	Sort     []SortField
	Offset   int
	Limit    int
}

// UserCond is one condition on a user field: "username", "name", "nickname", "type",
// "active", "roles" or "emails.address". Either the field equals Equals (a string, or a
// bool for active; for the arrays roles and emails.address: holds an element equal to
// it, emails ignoring case), or, when Match is set, its text matches.
type UserCond struct {
	Field  string
	Equals any
	Match  *TextMatch
}

// TextMatch is the part of a regular expression stores answer: the text occurs in the
// value, at its start when Start, at its end when End, ignoring ASCII case when Fold.
type TextMatch struct {
	Text       string
	Start, End bool
	Fold       bool
}

// SortField orders a listing by one field, ascending unless Desc.
type SortField struct {
	Field string
	Desc  bool
}
