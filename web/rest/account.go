package rest

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
)

// loginRequest is every shape POST /api/v1/login accepts (PROTOCOL.md §4.0.4).
type loginRequest struct {
	User     string          `json:"user"`
	Username string          `json:"username"`
	Email    string          `json:"email"`
	Password json.RawMessage `json:"password"` // a string, or {digest, algorithm}
	Resume   string          `json:"resume"`
	Code     string          `json:"code"` // the second factor (RC ≥ 3.9); or header x-2fa-code
}

type loginData struct {
	UserID    string `json:"userId"`
	AuthToken string `json:"authToken"`
	Me        meView `json:"me"`
}

// login serves POST /api/v1/login.
func (a *api) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	if a.Accounts == nil {
		return model.Internal(errors.New("rest: no accounts service"))
	}
	var (
		s   accounts.Session
		err error
	)
	if req.Resume != "" {
		s, err = a.Accounts.Resume(r.Context(), req.Resume)
	} else {
		c := accounts.Credentials{User: firstOf(req.User, req.Username, req.Email), IP: a.clientAddr(r),
			Code: firstOf(req.Code, r.Header.Get("X-2fa-Code"))}
		if err := c.SetPassword(req.Password); err != nil {
			return err
		}
		s, err = a.Accounts.LoginWithPassword(r.Context(), c)
	}
	if err != nil {
		return loginError(w, err)
	}
	return WriteSuccess(w, struct {
		Status string    `json:"status"`
		Data   loginData `json:"data"`
	}{"success", loginData{UserID: s.User.ID, AuthToken: s.Token, Me: newMe(s.User)}})
}

// loginError answers a failed login as Rocket.Chat does: 401 with status "error", the
// code in error (Unauthorized for wrong credentials), a message and the error's
// details. A user with two-factor authentication who sent no code gets
//
//	{"success":false,"status":"error","message":"TOTP Required","error":"totp-required",
//	 "details":{"availableMethods":["totp"],"codeGenerated":false,"method":"totp"}}
//
// and "totp-invalid" / "TOTP Invalid" likewise for a wrong code.
func loginError(w http.ResponseWriter, err error) error {
	e := model.AsError(err)
	if e.Kind != model.KindUnauthorized {
		return err
	}
	body := errorBody{Status: "error", Error: "Unauthorized", Message: "Unauthorized"}
	if e.Code != "401" {
		body.Error, body.Message, body.Details = e.Code, e.Message, e.Details
	}
	writeJSON(w, http.StatusUnauthorized, body)
	return nil
}

// logout serves POST (and GET) /api/v1/logout.
func (a *api) logout(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	if err := a.Accounts.Logout(r.Context(), c.user.ID, c.token); err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"status": "success", "data": map[string]string{"message": "You've been logged out!"}})
}

// me serves GET /api/v1/me.
func (a *api) me(w http.ResponseWriter, r *http.Request) error {
	return WriteSuccess(w, newMe(callerOf(r).user))
}

// meView is the signed-in user as /me and login show them: the user document without
// its secrets.
type meView struct {
	ID                    string         `json:"_id"`
	Username              string         `json:"username,omitempty"`
	Name                  string         `json:"name,omitempty"`
	Emails                []model.Email  `json:"emails,omitempty"`
	Email                 string         `json:"email,omitempty"`
	Status                string         `json:"status"`
	StatusConnection      string         `json:"statusConnection,omitempty"`
	UTCOffset             float64        `json:"utcOffset"`
	Active                bool           `json:"active"`
	Roles                 []string       `json:"roles"`
	Type                  string         `json:"type"`
	Language              string         `json:"language,omitempty"`
	RequirePasswordChange bool           `json:"requirePasswordChange"`
	CustomFields          map[string]any `json:"customFields"`
	Settings              meSettings     `json:"settings"`
	Services              meServices     `json:"services"`
	CreatedAt             time.Time      `json:"createdAt"`
	UpdatedAt             time.Time      `json:"_updatedAt"`
	LastLogin             *time.Time     `json:"lastLogin,omitempty"`
}

type meSettings struct {
	Profile     map[string]any `json:"profile"`
	Preferences map[string]any `json:"preferences"`
}

// meServices is what getUserInfo shows of services: totp only while enabled.
type meServices struct {
	TOTP     *meEnabled `json:"totp,omitempty"`
	Password struct {
		Exists bool `json:"exists"`
	} `json:"password"`
}

type meEnabled struct {
	Enabled bool `json:"enabled"`
}

func newMe(u model.User) meView {
	m := meView{
		ID: u.ID, Username: u.Username, Name: u.Name, Emails: u.Emails, Status: u.Status,
		StatusConnection: u.StatusConnection, UTCOffset: u.UTCOffset, Active: u.Active, Roles: u.Roles,
		Type: u.Type, Language: u.Language, RequirePasswordChange: u.RequirePasswordChange,
		CustomFields: u.CustomFields, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt, LastLogin: u.LastLogin,
		Settings: meSettings{Profile: map[string]any{}, Preferences: map[string]any{}},
	}
	if m.CustomFields == nil {
		m.CustomFields = map[string]any{}
	}
	if m.Roles == nil {
		m.Roles = []string{}
	}
	for _, e := range u.Emails {
		if e.Verified {
			m.Email = e.Address
			break
		}
	}
	m.Services.Password.Exists = u.Services.Password != nil
	if t := u.Services.TOTP; t != nil && t.Enabled {
		m.Services.TOTP = &meEnabled{Enabled: true}
	}
	return m
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// clientIP is the peer's address; proxies' forwarding headers are not trusted.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
