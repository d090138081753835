package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
)

// Users is user management; accounts.Service satisfies it. The permission each route
// needs is checked by the service and noted on its method there.
type Users interface {
	UserInfo(ctx context.Context, actor model.Actor, ref accounts.UserRef) (map[string]any, error)
	ListUsers(ctx context.Context, actor model.Actor, in accounts.ListUsersInput) (accounts.UserPage, error)
	AddUser(ctx context.Context, actor model.Actor, in accounts.UserCreate) (map[string]any, error)
	UpdateUser(ctx context.Context, actor model.Actor, in accounts.UserUpdate) (map[string]any, error)
	DeleteUser(ctx context.Context, actor model.Actor, ref accounts.UserRef) error
	SetUserActive(ctx context.Context, actor model.Actor, uid string, active bool) (map[string]any, error)
	Register(ctx context.Context, in accounts.Registration) (map[string]any, error)
	UpdateOwnInfo(ctx context.Context, actor model.Actor, token string, in accounts.OwnInfo, customFields map[string]any) (map[string]any, error)
	Preferences(ctx context.Context, actor model.Actor) (map[string]any, error)
	SetPreferences(ctx context.Context, actor model.Actor, uid string, data map[string]any) (map[string]any, error)
	GenerateToken(ctx context.Context, actor model.Actor, name string, bypassTwoFactor bool) (string, error)
	RegenerateToken(ctx context.Context, actor model.Actor, name string) (string, error)
	RemoveToken(ctx context.Context, actor model.Actor, name string) error
	PersonalTokens(ctx context.Context, actor model.Actor) ([]accounts.PersonalToken, error)
	LogoutUser(ctx context.Context, actor model.Actor, uid string) error
	LogoutOtherClients(ctx context.Context, actor model.Actor, token string) (time.Time, error)
}

// Page sizes of list routes, Rocket.Chat's API_Default_Count and API_Upper_Count_Limit.
const (
	defaultCount = 50
	maxCount     = 100
)

func missing(field string) error {
	return model.Invalid(codeInvalidParams, "must have required property '"+field+"'")
}

// usersInfo serves GET /api/v1/users.info?userId=|username=.
func (a *api) usersInfo(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ref := accounts.UserRef{ID: q.Get("userId"), Username: q.Get("username")}
	if ref.ID == "" && ref.Username == "" {
		return missing("userId")
	}
	user, err := a.Users.UserInfo(r.Context(), actorOf(r), ref)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"user": user})
}

// usersList serves GET /api/v1/users.list?query=&fields=&sort=&offset=&count=.
func (a *api) usersList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, count, err := pagination(q.Get("offset"), q.Get("count"))
	if err != nil {
		return err
	}
	in := accounts.ListUsersInput{Offset: offset, Count: count}
	if s := q.Get("query"); s != "" {
		if json.Unmarshal([]byte(s), &in.Query) != nil {
			return model.Invalid("error-invalid-query", fmt.Sprintf("Invalid query parameter provided: %q", s))
		}
	}
	if s := q.Get("fields"); s != "" {
		if json.Unmarshal([]byte(s), &in.Fields) != nil {
			return model.Invalid("error-invalid-fields", fmt.Sprintf("Invalid fields parameter provided: %q", s))
		}
	}
	if s := q.Get("sort"); s != "" {
		if in.Sort, err = parseSortFields(s); err != nil {
			return err
		}
	}
	page, err := a.Users.ListUsers(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	return WriteSuccess(w, page)
}

// pagination reads offset and count as Rocket.Chat's getPaginationItems does: count
// defaults to 50, is capped at 100, and 0 means no limit.
func pagination(offsetParam, countParam string) (offset, count int, err error) {
	offset, err1 := atoiOr(offsetParam, 0)
	count, err2 := atoiOr(countParam, defaultCount)
	if err1 != nil || err2 != nil || offset < 0 || count < 0 {
		return 0, 0, model.Invalid(codeInvalidParams, "offset and count must be non-negative integers")
	}
	return offset, min(count, maxCount), nil
}

// parseSortFields reads a sort parameter such as {"username":1,"createdAt":-1}, keeping the
// order of its keys.
func parseSortFields(s string) ([]model.SortField, error) {
	bad := model.Invalid("error-invalid-sort", fmt.Sprintf("Invalid sort parameter provided: %q", s))
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, bad
	}
	var out []model.SortField
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, bad
		}
		var dir int
		if err := dec.Decode(&dir); err != nil || (dir != 1 && dir != -1) {
			return nil, bad
		}
		out = append(out, model.SortField{Field: k.(string), Desc: dir == -1})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, bad
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, bad
	}
	return out, nil
}

// usersCreate serves POST /api/v1/users.create.
func (a *api) usersCreate(w http.ResponseWriter, r *http.Request) error {
	var in accounts.UserCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"email", in.Email}, {"name", in.Name}, {"password", in.Password}, {"username", in.Username}} {
		if f.v == "" {
			return missing(f.name)
		}
	}
	user, err := a.Users.AddUser(r.Context(), actorOf(r), in)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"user": user})
}

// usersUpdate serves POST /api/v1/users.update {userId, data:{...}}.
func (a *api) usersUpdate(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		UserID string             `json:"userId"`
		Data   *accounts.UserData `json:"data"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	switch {
	case body.UserID == "":
		return missing("userId")
	case body.Data == nil:
		return missing("data")
	}
	user, err := a.Users.UpdateUser(r.Context(), actorOf(r), accounts.UserUpdate{UserID: body.UserID, Data: *body.Data})
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"user": user})
}

// usersDelete serves POST /api/v1/users.delete {userId} or {username}.
func (a *api) usersDelete(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		UserID   string `json:"userId"`
		Username string `json:"username"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	if err := a.Users.DeleteUser(r.Context(), actorOf(r), accounts.UserRef{ID: body.UserID, Username: body.Username}); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

// usersSetActiveStatus serves POST /api/v1/users.setActiveStatus {userId, activeStatus}.
func (a *api) usersSetActiveStatus(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		UserID       string `json:"userId"`
		ActiveStatus *bool  `json:"activeStatus"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	switch {
	case body.UserID == "":
		return missing("userId")
	case body.ActiveStatus == nil:
		return missing("activeStatus")
	}
	user, err := a.Users.SetUserActive(r.Context(), actorOf(r), body.UserID, *body.ActiveStatus)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"user": user})
}

// usersRegister serves POST /api/v1/users.register {username, email, pass, name?,
// secretURL?}; no credentials needed.
func (a *api) usersRegister(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Username  string `json:"username"`
		Email     string `json:"email"`
		Pass      string `json:"pass"`
		Name      string `json:"name"`
		SecretURL string `json:"secretURL"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"username", body.Username}, {"email", body.Email}, {"pass", body.Pass}} {
		if f.v == "" {
			return missing(f.name)
		}
	}
	if uid, token := r.Header.Get("X-User-Id"), r.Header.Get("X-Auth-Token"); uid != "" && token != "" && a.Accounts != nil {
		if _, err := a.Accounts.Authenticate(r.Context(), uid, token); err == nil {
			return model.Invalid("", "Logged in users can not register again.")
		}
	}
	user, err := a.Users.Register(r.Context(), accounts.Registration{
		Username: body.Username, Email: body.Email, Pass: body.Pass, Name: body.Name, SecretURL: body.SecretURL, IP: a.clientAddr(r),
	})
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"user": user})
}

// usersUpdateOwnBasicInfo serves POST /api/v1/users.updateOwnBasicInfo {data, customFields?}.
func (a *api) usersUpdateOwnBasicInfo(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Data         *accounts.OwnInfo `json:"data"`
		CustomFields map[string]any    `json:"customFields"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Data == nil {
		return missing("data")
	}
	c := callerOf(r)
	user, err := a.Users.UpdateOwnInfo(r.Context(), actorOf(r), c.token, *body.Data, body.CustomFields)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"user": user})
}

// usersGetPreferences serves GET /api/v1/users.getPreferences.
func (a *api) usersGetPreferences(w http.ResponseWriter, r *http.Request) error {
	prefs, err := a.Users.Preferences(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"preferences": prefs})
}

// usersSetPreferences serves POST /api/v1/users.setPreferences {userId?, data}.
func (a *api) usersSetPreferences(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		UserID string         `json:"userId"`
		Data   map[string]any `json:"data"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.Data == nil {
		return missing("data")
	}
	user, err := a.Users.SetPreferences(r.Context(), actorOf(r), body.UserID, body.Data)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"user": user})
}

type tokenBody struct {
	TokenName       string `json:"tokenName"`
	BypassTwoFactor bool   `json:"bypassTwoFactor"`
}

// usersGeneratePAT serves POST /api/v1/users.generatePersonalAccessToken {tokenName, bypassTwoFactor?}.
func (a *api) usersGeneratePAT(w http.ResponseWriter, r *http.Request) error {
	var b tokenBody
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	token, err := a.Users.GenerateToken(r.Context(), actorOf(r), b.TokenName, b.BypassTwoFactor)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"token": token})
}

// usersRegeneratePAT serves POST /api/v1/users.regeneratePersonalAccessToken {tokenName}.
func (a *api) usersRegeneratePAT(w http.ResponseWriter, r *http.Request) error {
	var b tokenBody
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	token, err := a.Users.RegenerateToken(r.Context(), actorOf(r), b.TokenName)
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"token": token})
}

// usersRemovePAT serves POST /api/v1/users.removePersonalAccessToken {tokenName}.
func (a *api) usersRemovePAT(w http.ResponseWriter, r *http.Request) error {
	var b tokenBody
	if err := DecodeJSON(r, &b); err != nil {
		return err
	}
	if err := a.Users.RemoveToken(r.Context(), actorOf(r), b.TokenName); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

// usersGetPATs serves GET /api/v1/users.getPersonalAccessTokens.
func (a *api) usersGetPATs(w http.ResponseWriter, r *http.Request) error {
	tokens, err := a.Users.PersonalTokens(r.Context(), actorOf(r))
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"tokens": tokens})
}

// usersLogout serves POST /api/v1/users.logout {userId?}.
func (a *api) usersLogout(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		UserID string `json:"userId"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	uid := firstOf(body.UserID, actorOf(r).UserID)
	if err := a.Users.LogoutUser(r.Context(), actorOf(r), uid); err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"message": "User " + uid + " has been logged out!"})
}

// usersLogoutOtherClients serves POST /api/v1/users.logoutOtherClients: every session
// of the caller but this one ends; it answers the caller's token and when it expires.
func (a *api) usersLogoutOtherClients(w http.ResponseWriter, r *http.Request) error {
	c := callerOf(r)
	expires, err := a.Users.LogoutOtherClients(r.Context(), actorOf(r), c.token)
	if err != nil {
		return err
	}
	out := map[string]any{"token": c.token, "tokenExpires": ""}
	if !expires.IsZero() {
		out["tokenExpires"] = expires.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return WriteSuccess(w, out)
}
