package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/messaging/md"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/presence"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/storage"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/web"
	"github.com/outpostchat/outpost/web/ddp"
	"github.com/outpostchat/outpost/web/rest"
)

// shutdownGrace bounds how long in-flight requests may take once a stop is asked for;
// the whole stop stays within 5 s.
const shutdownGrace = 4 * time.Second

func serve(args []string, stderr io.Writer) error {
	cfg, err := parseServe(args, os.Getenv, stderr)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg.logFormat, cfg.logLevel, stderr)
	if err != nil {
		return err
	}
	if os.Getenv("MONGO_URL") != "" {
		log.Warn("MONGO_URL is set but ignored: Outpost keeps its data in the embedded store under the data directory")
	}
	started := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	app, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer app.close(log)

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	dsrv := ddp.New(ddp.Config{Logger: log.With("svc", "ddp")})
	ddp.RegisterAccountMethods(dsrv, app.accounts)
	ddp.RegisterCoreStreams(dsrv)
	ddp.RegisterPresenceMethods(dsrv, app.presence)
	ddp.RegisterRoomMethods(dsrv, app.rooms)
	ddp.RegisterRoomStreams(dsrv, app.rooms)
	ddp.RegisterChatMethods(dsrv, app.messaging)
	fwdCtx, stopForwarding := context.WithCancel(context.Background())
	defer stopForwarding()
	go dsrv.Forward(fwdCtx, app.hub)
	app.presence.Start(fwdCtx)

	srv := web.New(web.Config{Settings: app.settings, SettingsAdmin: app.settings, Authz: app.authz, Accounts: app.accounts, Users: app.accounts, Presence: app.presence, Rooms: app.rooms, Messaging: app.messaging,
		RateLimits: app.settings, ForwardedCount: cfg.forwarded, DDP: dsrv, Logger: log.With("svc", "web"), Version: version, Started: started})
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("outpost is serving", "version", version, "addr", ln.Addr().String(), "data", cfg.data,
		"mongo", app.store.Mongo.URI(), "startup", time.Since(started).Round(time.Millisecond))

	select {
	case err := <-errc:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	stop() // a second signal now ends the process at once
	log.Info("stopping")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	// http.Server.Shutdown does not wait for WebSockets: close them alongside.
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := dsrv.Shutdown(sctx); err != nil {
			log.Warn("websockets cut off", "err", err)
		}
	})
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("in-flight requests cut off", "err", err)
	}
	wg.Wait()
	// Disconnects after this point change nobody's status; the next start resets them.
	app.presence.Close()
	return nil // the deferred close checkpoints the store; main then exits 0
}

// app is the wired services over one open store.
type app struct {
	store     *storage.Store
	hub       *streamhub.Hub
	settings  *settings.Service
	accounts  *accounts.Service
	authz     *authz.Service
	presence  *presence.Service
	rooms     *rooms.Service
	messaging *messaging.Service
}

func openApp(ctx context.Context, cfg config, log *slog.Logger) (*app, error) {
	store, err := storage.Open(ctx, storage.Options{Dir: cfg.data, MongoListen: cfg.mongoListen, Logger: log.With("svc", "storage")})
	if err != nil {
		return nil, err
	}
	a := &app{store: store, hub: streamhub.New(log.With("svc", "streamhub"))}
	if err := a.init(ctx, cfg, log); err != nil {
		a.close(log)
		return nil, err
	}
	return a, nil
}

func (a *app) init(ctx context.Context, cfg config, log *slog.Logger) error {
	a.settings = settings.New(docdb.NewSettingsStore(a.store.Docs), a.hub, log.With("svc", "settings"))
	if err := a.settings.Load(ctx); err != nil {
		return err
	}
	uniqueID := a.settings.String("uniqueID")
	if uniqueID == "" {
		uniqueID = model.RandomString(17)
	}
	if err := a.settings.Register(ctx, settings.Core(uniqueID)...); err != nil {
		return err
	}
	if err := a.settings.Register(ctx, slices.Concat(accounts.Settings(), accounts.UserSettings(), accounts.TwoFactorSettings(),
		presence.Settings(), rooms.Settings(), messaging.Settings(), rest.RateLimitSettings())...); err != nil {
		return err
	}
	if cfg.rootURL != "" && a.settings.String("Site_Url") != cfg.rootURL {
		if err := a.settings.Set(ctx, model.System, "Site_Url", cfg.rootURL); err != nil {
			return fmt.Errorf("ROOT_URL: %w", err)
		}
	}
	a.authz = authz.New(docdb.NewRolesStore[authz.Role](a.store.Docs), docdb.NewPermissionsStore[authz.Permission](a.store.Docs),
		docdb.NewUserRolesStore(a.store.Docs), docdb.NewSubscriptionRolesStore(a.store.Docs),
		a.store.Docs, a.hub, log.With("svc", "authz"))
	if err := a.authz.Seed(ctx); err != nil {
		return err
	}
	a.accounts = accounts.New(docdb.NewUsersStore(a.store.Docs), a.store.Docs, a.settings, log.With("svc", "accounts"))
	a.accounts.SetPermissions(a.authz)
	a.accounts.SetEvents(a.hub)
	a.presence = presence.New(docdb.NewPresenceStore[presence.User](a.store.Docs), a.hub, a.settings, a.authz, log.With("svc", "presence"))
	if err := a.presence.Reset(ctx); err != nil {
		return err
	}
	a.rooms = rooms.New(docdb.NewRoomsStore(a.store.Docs), docdb.NewSubscriptionsStore(a.store.Docs), docdb.NewUsersStore(a.store.Docs),
		a.store.Docs, a.hub, a.authz, a.settings, log.With("svc", "rooms"))
	if err := a.rooms.Seed(ctx); err != nil {
		return err
	}
	a.accounts.SetOnUserCreated(a.rooms.JoinDefaultRooms)
	a.accounts.SetOnUserDeleted(a.rooms.UserDeleted)
	a.messaging = messaging.New(a.rooms, docdb.NewMessagesStore(a.store.Docs), a.store.Docs, a.authz, a.settings, a.hub, log.With("svc", "messaging"))
	a.messaging.SetParser(func(s string) []any { return md.Parse(s, md.Options{}) },
		func(ast []any, _ string) messaging.Tokens {
			return messaging.Tokens{Mentions: md.Mentions(ast), Channels: md.Channels(ast), URLs: md.URLs(ast)}
		})
	return a.ensureAdmin(ctx, cfg.admin, log)
}

// ensureAdmin creates the first admin from ADMIN_* on a store without one, or says once
// how to create one.
func (a *app) ensureAdmin(ctx context.Context, fa firstAdmin, log *slog.Logger) error {
	has, err := a.accounts.HasAdmin(ctx)
	if err != nil || has {
		return err
	}
	if fa.username == "" {
		log.Warn("there is no administrator yet: stop Outpost and run `outpost admin create -username NAME -email ADDRESS -password-stdin`, " +
			"or start it once with ADMIN_USERNAME, ADMIN_PASS and ADMIN_EMAIL set")
		return nil
	}
	_, err = a.accounts.CreateUser(ctx, model.System, accounts.NewUser{
		Username: fa.username, Email: fa.email, Password: fa.password, Roles: []string{"admin"}, Verified: true,
	})
	if err != nil {
		return fmt.Errorf("creating the first admin from ADMIN_USERNAME: %w", err)
	}
	return nil
}

func (a *app) close(log *slog.Logger) {
	a.hub.Close()
	if err := a.store.Close(); err != nil {
		log.Error("closing the store", "err", err)
		return
	}
	log.Info("stopped")
}
