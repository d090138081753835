// Package rest serves Rocket.Chat's REST API under /api: routing, the JSON success and
// error shapes (PROTOCOL.md §4.0), and one thin handler per endpoint, grouped one file per
// route group (info.go, settings.go, …).
//
// Handlers decode and validate input, call an app service and return its result or its
// error; WriteError is the one place a domain error (model.Error) becomes an HTTP status
// and Rocket.Chat's error body. Routes are Go 1.22 http.ServeMux patterns with the full
// path ("GET /api/v1/settings.public").
//
// Unknown routes under /api answer 404 {"success":false,"error":"Resource not found"}, as
// Rocket.Chat does. A known route asked with the wrong method answers 405 with an Allow
// header and the same JSON shape ({"success":false,"error":"Method not allowed"}): clients
// treat any non-2xx as a failure, and 405 tells a developer what went wrong where a 404
// would send them looking for a typo in the path.
//
// Request bodies are limited per route (DefaultBodyLimit unless the route asks for more,
// as the upload routes will); a body over the limit, malformed JSON or a value of the
// wrong type is a 400 in Rocket.Chat's shape, never a 500.
package rest

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// DefaultBodyLimit is the largest request body a JSON route reads: 1 MiB.
const DefaultBodyLimit int64 = 1 << 20

// Settings gives the public settings, as settings.public shows them to anyone.
type Settings interface {
	// Public returns the cached public settings sorted by _id. The caller must not
	// modify the returned slice or its elements.
	Public() []model.Setting
}

// Deps are what the REST API needs from the rest of Outpost. cmd/outpost (through
// web.New) fills them; a nil Settings serves an empty list, a nil Logger discards, and
// without Authz and SettingsAdmin the admin routes are not served.
type Deps struct {
	Settings      Settings
	SettingsAdmin SettingsAdmin
	Accounts      Accounts
	Users         Users // user management (users.*); nil leaves those routes out
	Authz         Authz
	Presence      Presence  // presence and status (users.setStatus…); nil leaves those routes out
	Rooms         Rooms     // rooms and subscriptions (channels.*, groups.*, im.*, rooms.*…); nil leaves them out
	Messaging     Messaging // messages (chat.*, *.history…); nil leaves them out
	Uploads       Uploads   // rooms.media, rooms.mediaConfirm, rooms.upload; nil leaves them out
	Avatars       Avatars   // users.setAvatar, users.resetAvatar; nil leaves them out
	Logger        *slog.Logger
	Version       string    // Outpost's own version, for admins' /api/info once sign-in exists
	Started       time.Time // process start, likewise

	// RateLimits are the rate limiter's live settings (RateLimitSettings, ratelimit.go);
	// nil turns the limiter off, as Rocket.Chat's TEST_MODE does.
	RateLimits LimitSettings
	// ForwardedCount is how many trusted reverse proxies stand in front of Outpost
	// (Rocket.Chat's HTTP_FORWARDED_COUNT): with it, the rate limiter counts anonymous
	// callers by their X-Forwarded-For address; 0 trusts no forwarding header.
	ForwardedCount int
}

// api holds the dependencies every handler shares, nil ones replaced by stand-ins.
type api struct {
	Deps
	mux    *http.ServeMux
	limits *limiter // nil without Deps.RateLimits
}

// handlerFunc is the shape of every REST handler: it writes a success itself and returns
// any error for the route wrapper to map with WriteError, provided nothing was written yet.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// New returns the handler for every path under /api/. Mount it on "/api/".
func New(d Deps) http.Handler {
	if d.Settings == nil {
		d.Settings = noSettings{}
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	a := &api{Deps: d, mux: http.NewServeMux()}
	if d.RateLimits != nil {
		a.limits = newLimiter(d.RateLimits)
	}
	a.routes()
	return a
}

// routes registers every endpoint; one line per route, the handler in its group's file.
func (a *api) routes() {
	a.handle("GET /api/info", a.info)
	a.handle("GET /api/v1/settings.public", a.settingsPublic)
	a.handle("GET /api/v1/settings.oauth", a.settingsOAuth)
	a.handle("GET /api/v1/licenses.info", a.authed(a.licensesInfo))
	a.handle("POST /api/v1/login", a.login)
	a.handle("POST /api/v1/logout", a.authed(a.logout))
	a.handle("GET /api/v1/logout", a.authed(a.logout))
	a.handle("GET /api/v1/me", a.authed(a.me))
	a.handle("POST /api/v1/users.2fa.enableEmail", a.authed(a.users2faEmail))
	a.handle("POST /api/v1/users.2fa.disableEmail", a.authed(a.users2faEmail))
	a.handle("POST /api/v1/users.2fa.sendEmailCode", a.users2faSendEmailCode)
	a.handle("POST /api/v1/users.totp.enable", a.authed(a.usersTOTPEnable))
	a.handle("POST /api/v1/users.totp.validate", a.authed(a.usersTOTPValidate))
	a.handle("POST /api/v1/users.totp.disable", a.authed(a.usersTOTPDisable))
	a.handle("POST /api/v1/users.totp.regenerateCodes", a.authed(a.usersTOTPRegenerateCodes))
	a.handle("GET /api/v1/users.totp.codesRemaining", a.authed(a.usersTOTPCodesRemaining))
	if a.Users != nil {
		a.handle("GET /api/v1/users.info", a.authed(a.usersInfo))
		a.handle("GET /api/v1/users.list", a.authed(a.usersList))
		a.handle("POST /api/v1/users.create", a.authed(a.usersCreate))
		a.handle("POST /api/v1/users.update", a.authed(a.usersUpdate))
		a.handle("POST /api/v1/users.delete", a.authed(a.usersDelete))
		a.handle("POST /api/v1/users.setActiveStatus", a.authed(a.usersSetActiveStatus))
		a.handle("POST /api/v1/users.register", a.usersRegister)
		a.handle("POST /api/v1/users.updateOwnBasicInfo", a.authed(a.usersUpdateOwnBasicInfo))
		a.handle("GET /api/v1/users.getPreferences", a.authed(a.usersGetPreferences))
		a.handle("POST /api/v1/users.setPreferences", a.authed(a.usersSetPreferences))
		a.handle("POST /api/v1/users.generatePersonalAccessToken", a.authed(a.usersGeneratePAT))
		a.handle("POST /api/v1/users.regeneratePersonalAccessToken", a.authed(a.usersRegeneratePAT))
		a.handle("POST /api/v1/users.removePersonalAccessToken", a.authed(a.usersRemovePAT))
		a.handle("GET /api/v1/users.getPersonalAccessTokens", a.authed(a.usersGetPATs))
		a.handle("POST /api/v1/users.logout", a.authed(a.usersLogout))
		a.handle("POST /api/v1/users.logoutOtherClients", a.authed(a.usersLogoutOtherClients))
	}
	if a.Presence != nil {
		a.presenceRoutes()
	}
	if a.Rooms != nil {
		a.roomRoutes()
	}
	if a.Messaging != nil {
		a.chatRoutes()
	}
	if a.Uploads != nil {
		a.uploadRoutes()
	}
	if a.Avatars != nil {
		a.avatarRoutes()
	}
	if a.Authz == nil || a.SettingsAdmin == nil {
		return
	}
	a.handle("GET /api/v1/settings/{id}", a.authed(a.settingGet))
	a.handle("POST /api/v1/settings/{id}", a.authed(a.settingSet))
	a.handle("GET /api/v1/permissions.listAll", a.authed(a.permissionsListAll))
	a.handle("POST /api/v1/permissions.update", a.authed(a.permissionsUpdate))
	a.handle("GET /api/v1/roles.list", a.authed(a.rolesList))
	a.handle("POST /api/v1/roles.create", a.authed(a.rolesCreate))
	a.handle("POST /api/v1/roles.addUserToRole", a.authed(a.rolesAddUser))
	a.handle("POST /api/v1/roles.removeUserFromRole", a.authed(a.rolesRemoveUser))
	a.handle("GET /api/v1/roles.getUsersInRole", a.authed(a.rolesUsersInRole))
	a.handle("GET /api/v1/roles.getUsersInPublicRoles", a.authed(a.rolesUsersInPublicRoles))
}

// handle registers h for pattern with the default body limit.
func (a *api) handle(pattern string, h handlerFunc) {
	a.handleLimit(pattern, DefaultBodyLimit, h)
}

// handleLimit registers h for pattern, reading at most limit bytes of request body. The
// route is rate limited by its rule in routeLimits, or by the default one (ratelimit.go).
func (a *api) handleLimit(pattern string, limit int64, h handlerFunc) {
	rule := routeLimitFor(pattern)
	a.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		r, err := a.rateLimit(w, r, pattern, rule)
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			WriteError(w, r, a.Logger, err)
		}
	})
}

// ServeHTTP routes the request, answering unknown routes and wrong methods in
// Rocket.Chat's JSON shape instead of ServeMux's plain-text ones.
func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.mux.Handler(r); pattern != "" {
		a.mux.ServeHTTP(w, r)
		return
	}
	// No route matched. Let the mux tell 404 from 405 (and compute Allow) into a probe.
	p := probe{header: http.Header{}}
	a.mux.ServeHTTP(&p, r)
	if p.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", p.header.Get("Allow"))
		writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "Method not allowed"})
		return
	}
	WriteError(w, r, a.Logger, model.NotFound("", ""))
}

// probe is a ResponseWriter that only records the status and headers written to it.
type probe struct {
	header http.Header
	status int
}

func (p *probe) Header() http.Header         { return p.header }
func (p *probe) WriteHeader(status int)      { p.status = status }
func (p *probe) Write(b []byte) (int, error) { return len(b), nil }

// noSettings stands in for a missing Settings dependency.
type noSettings struct{}

func (noSettings) Public() []model.Setting { return nil }
