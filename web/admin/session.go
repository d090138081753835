package admin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
)

// Cookies: the session (user id and login token) and, before sign-in, a random value
// the sign-in form's CSRF token is bound to.
const (
	cookieName = "outpost_admin"
	preCookie  = "outpost_admin_pre"
	cookiePath = "/admin"
)

// SecretSetting is the hidden setting holding the server secret CSRF tokens are keyed
// with (EnsureSecret creates it). Hidden settings are never served by any API.
const SecretSetting = "Outpost_Admin_Secret"

// maxForm bounds a console form's body.
const maxForm = 64 << 10

// session is a signed-in console user.
type session struct {
	user  model.User
	actor model.Actor
	token string
	csrf  string
	nav   []navItem // the pages the user may see
	addr  string    // the client's address
}

// secret is the key of the CSRF tokens: the setting, or a per-process random key when
// the setting is empty.
func (c *Console) secret() []byte {
	if c.Settings != nil {
		if s := c.Settings.String(SecretSetting); s != "" {
			return []byte(s)
		}
	}
	return c.fallback
}

// mac is the HMAC-SHA256 of the parts under the secret, base64url.
func (c *Console) mac(parts ...string) string {
	h := hmac.New(sha256.New, c.secret())
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// sessionCSRF is the CSRF token of a session: bound to its login token (hashed, as
// stored), so it changes with every sign-in and dies with sign-out.
func (c *Console) sessionCSRF(uid, token string) string {
	return c.mac("session", uid, accounts.HashToken(token))
}

// sameToken compares a submitted token in constant time.
func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// secure reports whether the client reached us over TLS: directly, or through a trusted
// proxy (ForwardedCount > 0) that says so in X-Forwarded-Proto.
func (c *Console) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if c.ForwardedCount <= 0 {
		return false
	}
	proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

// clientAddr is the client's address as web/rest counts it: the peer, or with
// ForwardedCount trusted proxies the X-Forwarded-For entry that many hops back.
func (c *Console) clientAddr(r *http.Request) string {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	if c.ForwardedCount <= 0 {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	if c.ForwardedCount > len(hops) {
		return peer
	}
	if ip := net.ParseIP(hops[len(hops)-c.ForwardedCount]); ip != nil {
		return ip.String()
	}
	return peer
}

func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, expires time.Time) {
	ck := &http.Cookie{Name: name, Value: value, Path: cookiePath, HttpOnly: true, Secure: c.secure(r), SameSite: http.SameSiteLaxMode}
	if !expires.IsZero() {
		ck.Expires = expires
	}
	http.SetCookie(w, ck)
}

func (c *Console) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: cookiePath, HttpOnly: true, Secure: c.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// readSession finds the signed-in user of the request; ok false when there is none or
// its token is no longer valid.
func (c *Console) readSession(r *http.Request) (*session, bool) {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return nil, false
	}
	uid, token, found := strings.Cut(ck.Value, ".")
	if !found || uid == "" || token == "" || len(ck.Value) > 200 {
		return nil, false
	}
	u, err := c.Accounts.Authenticate(r.Context(), uid, token)
	if err != nil {
		return nil, false
	}
	return &session{user: u, actor: accounts.ActorOf(u), token: token, csrf: c.sessionCSRF(uid, token), addr: c.clientAddr(r)}, true
}

// visibleNav is the pages the actor may see.
func (c *Console) visibleNav(ctx context.Context, actor model.Actor) []navItem {
	var out []navItem
	for _, n := range nav {
		if c.Authz.CanAny(ctx, actor, n.perms, "") {
			out = append(out, n)
		}
	}
	return out
}

// page wraps a console page or action: a request without a valid session goes to the
// sign-in page; a user with no administration permission, or without any of perms
// (when given), gets the 403 page; a POST must carry the session's CSRF token.
func (c *Console) page(perms []string, fn func(w http.ResponseWriter, r *http.Request, s *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := c.readSession(r)
		if !ok {
			c.clearCookieIfSet(w, r)
			next := ""
			if r.Method == http.MethodGet && r.URL.Path != "/admin/" {
				next = "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, "/admin/login"+next, http.StatusSeeOther)
			return
		}
		ctx := r.Context()
		if !c.Authz.CanAny(ctx, s.actor, AdminPermissions, "") {
			c.renderStatus(w, r, http.StatusForbidden, noAdminPage(s.user.Username, s.csrf))
			return
		}
		s.nav = c.visibleNav(ctx, s.actor)
		if perms != nil && !c.Authz.CanAny(ctx, s.actor, perms, "") {
			c.forbidden(w, r, s, "")
			return
		}
		if r.Method == http.MethodPost {
			if err := c.readForm(w, r); err != nil { // urlencoded, or multipart on upload routes (avatar.go)
				c.badForm(w, r, s, err)
				return
			}
			if !sameToken(r.PostForm.Get("csrf"), s.csrf) {
				c.forbidden(w, r, s, "The form was stale or did not come from this console. Go back, reload the page and try again.")
				return
			}
		}
		fn(w, r, s)
	}
}

func (c *Console) clearCookieIfSet(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(cookieName); err == nil {
		c.clearCookie(w, r, cookieName)
	}
}

// preToken returns the sign-in form's CSRF token, setting the pre-session cookie it is
// bound to when the request has none.
func (c *Console) preToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if ck, err := r.Cookie(preCookie); err == nil && len(ck.Value) >= 16 && len(ck.Value) <= 64 {
		v = ck.Value
	} else {
		b := make([]byte, 18)
		rand.Read(b)
		v = base64.RawURLEncoding.EncodeToString(b)
		c.setCookie(w, r, preCookie, v, time.Time{})
	}
	return c.mac("pre", v)
}

// safeNext is where to go after sign-in: a path inside the console, else its home.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "/admin/login") || strings.ContainsAny(next, "\\\r\n") || strings.Contains(next, "//") {
		return "/admin/"
	}
	return next
}

// EnsureSecret gives SecretSetting a random value when it has none. Call it at start,
// after registering Settings().
func EnsureSecret(ctx context.Context, s interface {
	String(id string) string
	Set(ctx context.Context, actor model.Actor, id string, value any) error
}) error {
	if s.String(SecretSetting) != "" {
		return nil
	}
	b := make([]byte, 32)
	rand.Read(b)
	return s.Set(ctx, model.System, SecretSetting, base64.RawURLEncoding.EncodeToString(b))
}

// Settings are the console's settings: the hidden CSRF secret.
func Settings() []model.Setting {
	return []model.Setting{{ID: SecretSetting, Type: model.SettingString, PackageValue: "", Hidden: true, Group: "General", I18nLabel: SecretSetting}}
}
