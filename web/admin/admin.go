// Package admin is the admin console under /admin (DESIGN.md §7): server-rendered
// pages written with templ, plain HTML forms that work without JavaScript, every change
// by POST then a redirect to a GET (so the back button and reloads are safe).
//
// Security: sign-in goes through the accounts service's password login (TOTP,
// failed-login blocking), and the session cookie outpost_admin holds the user id and
// the login token it got, stored hashed like every login token; signing out removes
// that token. Only holders of at least one administration permission (AdminPermissions)
// get in, and every page and action checks its own. Every POST carries a CSRF token
// derived from the session and a server secret; responses carry a strict
// Content-Security-Policy (no inline script or style). Every change is written to the
// audit log with who, what, when and from where.
//
// The package imports app services only, through the small interfaces in Deps; web.New
// mounts it when web.Config.Admin is set.
package admin

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/audit"
	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/stats"
)

// Accounts is sign-in and user management; accounts.Service satisfies it.
type Accounts interface {
	LoginWithPassword(ctx context.Context, c accounts.Credentials) (accounts.Session, error)
	Authenticate(ctx context.Context, uid, token string) (model.User, error)
	Logout(ctx context.Context, uid, token string) error
	AdminUsers(ctx context.Context, actor model.Actor, q accounts.AdminUserQuery) ([]accounts.ManagedUser, int64, error)
	AdminUser(ctx context.Context, actor model.Actor, uid string) (accounts.ManagedUser, error)
	AddUser(ctx context.Context, actor model.Actor, in accounts.UserCreate) (map[string]any, error)
	UpdateUser(ctx context.Context, actor model.Actor, in accounts.UserUpdate) (map[string]any, error)
	DeleteUser(ctx context.Context, actor model.Actor, ref accounts.UserRef) error
	LogoutUser(ctx context.Context, actor model.Actor, uid string) error
}

// Authz is the permission checks and the role list; authz.Service satisfies it.
type Authz interface {
	Can(ctx context.Context, actor model.Actor, permission, scope string) bool
	CanAny(ctx context.Context, actor model.Actor, permissions []string, scope string) bool
	ListRoles(ctx context.Context, actor model.Actor) ([]authz.Role, error)
}

// Audit records and lists console changes; audit.Service satisfies it.
type Audit interface {
	Record(ctx context.Context, actor model.Actor, r audit.Record) error
	List(ctx context.Context, actor model.Actor, offset, count int) (audit.Page, error)
}

// Stats is the dashboard's figures; stats.Service satisfies it.
type Stats interface {
	Dashboard(ctx context.Context, actor model.Actor) (stats.Dashboard, error)
}

// Secrets reads the console's secret (SecretSetting); settings.Service satisfies it.
type Secrets interface {
	String(id string) string
}

// Deps are what the console needs. cmd/outpost/wire fills the services; web.New adds
// Version, Started and ForwardedCount. A nil Logger discards.
type Deps struct {
	Accounts    Accounts
	Authz       Authz
	Audit       Audit
	Stats       Stats
	Permissions Permissions // the Permissions page (permissions.go)
	Rooms       Rooms
	Uploads     Uploads // the Uploads page (uploads.go)
	Settings    Secrets
	Logs        Logs    // the recent server log lines of the Logs page; nil keeps none
	Backups     Backups // the Backups page (backups.go)
	Avatars     Avatars // users' and rooms' avatar forms (avatar.go); nil leaves them out
	Logger      *slog.Logger

	SettingsAdmin SettingsAdmin // the Settings page (settings.go)

	Version        string
	Started        time.Time
	ForwardedCount int // trusted reverse proxies in front (HTTP_FORWARDED_COUNT), as web/rest counts them
}

// Console is the admin console's handler.
type Console struct {
	Deps
	mux      *http.ServeMux
	fallback []byte // the secret used when the setting is empty
	static   *staticFiles
	now      func() time.Time
}

// New returns the console; mount it at /admin/.
func New(d Deps) *Console {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Console{Deps: d, mux: http.NewServeMux(), fallback: make([]byte, 32), static: assets, now: time.Now}
	rand.Read(c.fallback)
	c.routes()
	return c
}

// ServeHTTP serves the console with its security headers.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; img-src 'self' data:; object-src 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	c.mux.ServeHTTP(w, r)
}

func (c *Console) routes() {
	m := c.mux
	m.HandleFunc("GET /admin/{$}", c.page(nil, c.home))
	m.HandleFunc("GET /admin/static/{name}", c.serveStatic)
	m.HandleFunc("GET /admin/login", c.signInForm)
	m.HandleFunc("POST /admin/login", c.signIn)
	m.HandleFunc("POST /admin/logout", c.page(nil, c.signOut))
	m.HandleFunc("GET /admin/dashboard", c.page(pagePerms("dashboard"), c.dashboard))
	m.HandleFunc("GET /admin/users", c.page(pagePerms("users"), c.users))
	m.HandleFunc("GET /admin/users/new", c.page([]string{"create-user"}, c.newUserForm))
	m.HandleFunc("POST /admin/users/new", c.page([]string{"create-user"}, c.createUser))
	m.HandleFunc("GET /admin/users/{id}", c.page(pagePerms("users"), c.editUserForm))
	m.HandleFunc("POST /admin/users/{id}", c.page(pagePerms("users"), c.saveUser))
	m.HandleFunc("POST /admin/users/{id}/password", c.page([]string{"edit-other-user-password"}, c.resetPassword))
	m.HandleFunc("POST /admin/users/{id}/logout", c.page([]string{"logout-other-user"}, c.logoutUser))
	m.HandleFunc("POST /admin/users/{id}/delete", c.page([]string{"delete-user"}, c.deleteUser))
	m.HandleFunc("GET /admin/audit", c.page(pagePerms("audit"), c.auditLog))
	c.roomsRoutes(m)
	c.logsRoutes(m)
	c.permissionsRoutes(m)
	c.uploadsRoutes(m)
	c.settingsRoutes(m)
	c.backupsRoutes(m)
	c.userAvatarRoutes(m)
	for _, n := range nav {
		if n.soon {
			m.HandleFunc("GET /admin/"+n.slug, c.page(n.perms, c.comingNext(n)))
		}
	}
	m.HandleFunc("/admin/", c.page(nil, c.notFound))
}
