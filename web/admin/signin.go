package admin

import (
	"net/http"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/audit"
	"github.com/outpostchat/outpost/app/model"
)

// signInView is the sign-in form.
type signInView struct {
	CSRF     string
	Next     string
	User     string
	Password string // given back only when the form asks for the second factor
	NeedCode bool
	Error    string
	Version  string
}

// signInForm serves GET /admin/login; a signed-in admin goes on at once.
func (c *Console) signInForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if s, ok := c.readSession(r); ok && c.Authz.CanAny(r.Context(), s.actor, AdminPermissions, "") {
		redirect(w, r, next)
		return
	}
	c.render(w, r, signInPage(signInView{CSRF: c.preToken(w, r), Next: next, Version: c.Version}))
}

// signIn serves POST /admin/login: the accounts service's password login (TOTP and
// failed-login blocking included), then the console's own gate.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	v := signInView{Version: c.Version}
	if err := r.ParseForm(); err != nil {
		v.CSRF, v.Next, v.Error = c.preToken(w, r), "/admin/", "The form could not be read. Try again."
		c.renderStatus(w, r, http.StatusBadRequest, signInPage(v))
		return
	}
	v.Next, v.User = safeNext(r.PostForm.Get("next")), r.PostForm.Get("user")
	ck, err := r.Cookie(preCookie)
	if err != nil || !sameToken(r.PostForm.Get("csrf"), c.mac("pre", ck.Value)) {
		v.CSRF, v.Error = c.preToken(w, r), "The sign-in form had expired. Please sign in again."
		c.renderStatus(w, r, http.StatusForbidden, signInPage(v))
		return
	}
	v.CSRF = c.mac("pre", ck.Value)
	password, code := r.PostForm.Get("password"), r.PostForm.Get("code")
	if v.User == "" || password == "" {
		v.Error = "Enter your username or email address and your password."
		c.renderStatus(w, r, http.StatusBadRequest, signInPage(v))
		return
	}
	sess, err := c.Accounts.LoginWithPassword(r.Context(), accounts.Credentials{User: v.User, Password: password, Code: code, IP: c.clientAddr(r)})
	if err != nil {
		status := http.StatusUnauthorized
		switch e := model.AsError(err); e.Code {
		case "totp-required":
			v.NeedCode, v.Password = true, password
			v.Error = "This account has two-factor authentication: enter the code from your authenticator app, or a backup code."
		case "totp-invalid":
			v.NeedCode, v.Password = true, password
			v.Error = "That code is not right. Enter the current code from your authenticator app, or a backup code."
		case "error-login-blocked-for-user", "error-login-blocked-for-ip":
			status = http.StatusTooManyRequests
			v.Error = "Too many failed sign-ins. Wait a few minutes and try again."
		case "error-user-is-not-activated":
			v.Error = "This account is deactivated."
		default:
			if e.Kind == model.KindInternal {
				status, v.Error = http.StatusInternalServerError, c.message(r, err)
			} else {
				v.Error = "Wrong username, email or password."
			}
		}
		c.renderStatus(w, r, status, signInPage(v))
		return
	}
	actor := sess.Actor()
	if !c.Authz.CanAny(r.Context(), actor, AdminPermissions, "") {
		// No console for this user: give the token back at once, so no cookie or
		// login is left behind.
		if err := c.Accounts.Logout(r.Context(), sess.User.ID, sess.Token); err != nil {
			c.Logger.Warn("admin sign-in: dropping the token of a non-admin", "err", err)
		}
		c.renderStatus(w, r, http.StatusForbidden, noAdminPage(sess.User.Username, ""))
		return
	}
	c.setCookie(w, r, cookieName, sess.User.ID+"."+sess.Token, sess.Expires)
	c.clearCookie(w, r, preCookie)
	_ = c.Audit.Record(r.Context(), actor, audit.Record{Action: "admin.signin", Target: sess.User.Username, Addr: c.clientAddr(r), Via: "admin"})
	redirect(w, r, v.Next)
}

// signOut serves POST /admin/logout: the session's login token is removed.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *session) {
	if err := c.Accounts.Logout(r.Context(), s.user.ID, s.token); err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.clearCookie(w, r, cookieName)
	_ = c.Audit.Record(r.Context(), s.actor, audit.Record{Action: "admin.signout", Target: s.user.Username, Addr: s.addr, Via: "admin"})
	redirect(w, r, "/admin/login")
}

// home serves GET /admin/: the first built page the user may see, else the first page.
func (c *Console) home(w http.ResponseWriter, r *http.Request, s *session) {
	to := s.nav[0].slug
	for _, n := range s.nav {
		if !n.soon {
			to = n.slug
			break
		}
	}
	redirect(w, r, "/admin/"+to)
}

// comingNext serves a page that is not built yet: what it will do.
func (c *Console) comingNext(n navItem) func(w http.ResponseWriter, r *http.Request, s *session) {
	return func(w http.ResponseWriter, r *http.Request, s *session) {
		c.render(w, r, soonPage(c.pageData(r, s, n.slug, n.title), n.about))
	}
}
