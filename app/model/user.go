package model

import "time"

// Email is one address of a user.
type Email struct {
	Address  string `json:"address"`
	Verified bool   `json:"verified"`
}

// LoginToken is one resume token, stored only hashed: base64(sha256(token)).
type LoginToken struct {
	When            time.Time `json:"when"`
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
}

// PasswordService is services.password.
type PasswordService struct {
	Bcrypt string `json:"bcrypt"`
}

// ResumeService is services.resume.
type ResumeService struct {
	LoginTokens []LoginToken `json:"loginTokens"`
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
	UpdatedAt             time.Time      `json:"_updatedAt"`
}
