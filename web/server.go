// Package web is Outpost's HTTP face: one http.Server with the middleware every request
// goes through (request log, panic recovery), the plain routes (/health, /livez,
// /_timesync) and the mount points of the transports: the REST API under /api
// (package web/rest), and later DDP, the admin console, files and livechat.
//
// Timeouts. The server sets ReadHeaderTimeout (10 s), ReadTimeout (60 s), WriteTimeout
// (60 s), IdleTimeout (120 s) and MaxHeaderBytes (64 KiB) globally, so every route is
// bounded unless it says otherwise: a route that forgets is safe, and a slow client
// cannot hold a connection with a trickled body. Routes that legitimately run long
// (WebSocket upgrades, file downloads and uploads) are wrapped in LongLived, which lifts
// the read and write deadlines for that request through http.ResponseController; a
// hijacked WebSocket connection then manages its own deadlines (heartbeats).
//
// Body size. Limits are per route, not global: a global http.MaxBytesReader could never
// be raised for the upload routes. Package rest applies rest.DefaultBodyLimit (1 MiB) to
// every JSON route and lets a route ask for more.
//
// Unknown paths under /api get Rocket.Chat's JSON 404 from package rest; other unknown
// paths get ServeMux's plain 404 until the web client and the admin console live there.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/admin"
	"github.com/outpostchat/outpost/web/ddp"
	"github.com/outpostchat/outpost/web/rest"
)

// Server-wide limits; see the package documentation.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
)

// Settings gives the public settings the HTTP face shows to anyone.
type Settings interface {
	// Public returns the cached public settings sorted by _id, not to be modified.
	Public() []model.Setting
}

// Config is what the HTTP face needs; cmd/outpost fills it.
type Config struct {
	Settings Settings      // public settings (settings.public); nil serves none
	Accounts rest.Accounts // sign-in; nil refuses every login
	// SettingsAdmin and Authz serve the settings, permissions and roles routes; nil
	// leaves those routes out.
	SettingsAdmin rest.SettingsAdmin
	Authz         rest.Authz
	Users         rest.Users // the users.* routes; nil leaves them out
	Presence      rest.Presence
	Rooms         rest.Rooms
	Messaging     rest.Messaging
	Uploads       Uploads       // rooms.media, rooms.upload and /file-upload; nil serves none
	Avatars       AvatarService // users.setAvatar, users.resetAvatar and the /avatar pictures; nil serves placeholders only
	DDP           *ddp.Server   // realtime: /websocket, /sockjs and the method.call bridge; nil serves none
	Logger        *slog.Logger  // request and error log; nil discards
	Version       string        // Outpost's own version (not the Rocket.Chat version it answers as)
	Started       time.Time     // when the process started

	// RateLimits are the REST rate limiter's live settings (rest.RateLimitSettings); nil
	// turns the limiter off. ForwardedCount is how many trusted reverse proxies stand in
	// front (HTTP_FORWARDED_COUNT); see rest.Deps.
	RateLimits     rest.LimitSettings
	ForwardedCount int

	// Admin is the admin console's services; New mounts it at /admin/ with Version,
	// Started and ForwardedCount from here. Nil serves no console.
	Admin *admin.Deps
}

// Server is Outpost's HTTP server. Create it with New, run it with Serve and stop it with
// Shutdown.
type Server struct {
	log     *slog.Logger
	version string
	mux     *http.ServeMux
	handler http.Handler
	http    *http.Server
}

// New builds the server and its routes. It does not listen.
func New(cfg Config) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{log: log, version: cfg.Version, mux: http.NewServeMux()}
	s.routes(cfg)
	s.handler = logRequests(log, recoverPanics(log, s.mux))
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return s
}

// routes mounts every route on the server's mux.
func (s *Server) routes(cfg Config) {
	s.mux.HandleFunc("GET /health", health)
	s.mux.HandleFunc("GET /livez", health)
	s.mux.HandleFunc("GET /_timesync", timesync)
	var av Avatars // no typed nils below
	var restAv rest.Avatars
	if cfg.Avatars != nil {
		av, restAv = cfg.Avatars, cfg.Avatars
	}
	avatarRoutes(s.mux, cfg.Accounts, av, s.log)
	s.mux.Handle("/api/", rest.New(rest.Deps{
		Settings:      cfg.Settings,
		Accounts:      cfg.Accounts,
		SettingsAdmin: cfg.SettingsAdmin,
		Authz:         cfg.Authz,
		Users:         cfg.Users,
		Presence:      cfg.Presence,
		Rooms:         cfg.Rooms,
		Messaging:     cfg.Messaging,
		Uploads:       cfg.Uploads,
		Avatars:       restAv,
		Logger:        s.log,
		Version:       cfg.Version,
		Started:       cfg.Started,

		RateLimits:     cfg.RateLimits,
		ForwardedCount: cfg.ForwardedCount,
	}))
	if cfg.Admin != nil {
		d := *cfg.Admin
		d.Version, d.Started, d.ForwardedCount = cfg.Version, cfg.Started, cfg.ForwardedCount
		s.mux.Handle("/admin/", admin.New(d))
	}
	if cfg.Uploads != nil {
		s.mux.Handle("GET /file-upload/{id}/{name...}", LongLived(fileUpload(cfg.Accounts, cfg.Uploads, s.log)))
	}
	if cfg.DDP != nil {
		// Rocket.Chat defines method.call and method.callAnon with rateLimiterOptions:
		// false: the REST limiter skips them and the DDP method limiter applies per
		// method inside. So they are mounted here, outside package rest's limiter.
		h := LongLived(cfg.DDP.Handler())
		s.mux.Handle("GET /websocket", h)
		s.mux.Handle("/sockjs/", h)
		s.mux.Handle("POST /api/v1/method.call/{method}", cfg.DDP.MethodCallHandler(ddpAuth(cfg.Accounts, false)))
		s.mux.Handle("POST /api/v1/method.callAnon/{method}", cfg.DDP.MethodCallHandler(ddpAuth(cfg.Accounts, true)))
	}
}

// ddpAuth authenticates method.call requests by their X-User-Id and X-Auth-Token
// headers; for method.callAnon (optional) missing or bad ones mean anonymous.
func ddpAuth(acc rest.Accounts, optional bool) func(*http.Request) (model.Actor, error) {
	return func(r *http.Request) (model.Actor, error) {
		uid, token := r.Header.Get("X-User-Id"), r.Header.Get("X-Auth-Token")
		if uid != "" && token != "" && acc != nil {
			u, err := acc.Authenticate(r.Context(), uid, token)
			if err == nil {
				return accounts.ActorOf(u), nil
			}
			if !optional {
				return model.Actor{}, err
			}
		}
		if optional {
			return model.Anonymous, nil
		}
		return model.Actor{}, model.Errorf(model.KindUnauthorized, "unauthorized", "You must be logged in to do this.")
	}
}

// Handler returns the server's whole handler, middleware included, for tests and for
// serving it some other way.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve accepts connections on ln until Shutdown. It returns nil after a Shutdown and the
// listener's error otherwise.
func (s *Server) Serve(ln net.Listener) error {
	s.log.Info("http server listening", slog.String("addr", ln.Addr().String()), slog.String("version", s.version))
	if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops accepting connections, runs the RegisterOnShutdown hooks, closes idle
// connections and waits for in-flight requests to finish. If ctx ends first, it closes the
// remaining connections and returns ctx's error. Hijacked connections (WebSocket) are not
// tracked by net/http: their owners close them from a RegisterOnShutdown hook.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		_ = s.http.Close()
	}
	return err
}

// RegisterOnShutdown registers f to run, in its own goroutine, when Shutdown starts. The
// DDP layer uses it to close its WebSocket sessions.
func (s *Server) RegisterOnShutdown(f func()) { s.http.RegisterOnShutdown(f) }

// LongLived lifts the server's read and write deadlines for requests to h: use it for
// routes that legitimately outlast them (WebSocket upgrades, file downloads and uploads).
// Such a route must bound its own work, for example by heartbeats or progress checks.
func LongLived(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{}) // not supported by test recorders; nothing to lift then
		_ = rc.SetWriteDeadline(time.Time{})
		h.ServeHTTP(w, r)
	})
}
