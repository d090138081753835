// Package wire is Outpost's composition root: it opens the store and wires every
// service over it, and the DDP and HTTP faces over the services, as the binary serves
// them. cmd/outpost calls it; tests build the same App through package wiretest, so a
// test never wires a service differently from production.
//
// Only cmd/outpost and tests import wire: the packages under app/ and web/ take their
// dependencies in constructors (STYLE.md item 4).
package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/audit"
	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/backups"
	"github.com/outpostchat/outpost/app/logbuf"
	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/messaging/md"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/presence"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/app/settings"
	"github.com/outpostchat/outpost/app/stats"
	"github.com/outpostchat/outpost/app/streamhub"
	"github.com/outpostchat/outpost/app/uploads"
	"github.com/outpostchat/outpost/app/uploads/avatars"
	"github.com/outpostchat/outpost/storage"
	"github.com/outpostchat/outpost/storage/backup"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/web"
	"github.com/outpostchat/outpost/web/admin"
	"github.com/outpostchat/outpost/web/ddp"
	"github.com/outpostchat/outpost/web/rest"
)

// Options say where the data lives and how the first start goes.
type Options struct {
	Dir         string // the data directory
	MongoListen string // also serve the Mongo wire protocol on this TCP address; "" for the socket only
	RootURL     string // stored as Site_Url when set (ROOT_URL)
	Admin       Admin  // the first administrator, created on a store without one
	Logger      *slog.Logger
	BcryptCost  int    // cost of passwords hashed from now on; 0 means accounts.BcryptCost
	Version     string // Outpost's version, written into backup manifests
}

// Admin is the first administrator (ADMIN_USERNAME, ADMIN_EMAIL, ADMIN_PASS); an empty
// Username creates none.
type Admin struct{ Username, Email, Password string }

// App is the wired services over one open store.
type App struct {
	Store     *storage.Store
	Hub       *streamhub.Hub
	Settings  *settings.Service
	Accounts  *accounts.Service
	Authz     *authz.Service
	Presence  *presence.Service
	Rooms     *rooms.Service
	Messaging *messaging.Service
	Uploads   *uploads.Service
	Avatars   *avatars.Service
	Audit     *audit.Service
	Stats     *stats.Service
	Backups   *backups.Service // the console's backups (storage/backup, as `outpost backup`)
	Logs      *logbuf.Buffer   // the recent log lines of the console's Logs page; cmd/outpost sets it, nil keeps none

	log *slog.Logger
}

// Open opens the store in o.Dir, wires the services, registers their settings, seeds
// roles, permissions and #general, resets presence and creates the first admin. Close
// the App when done.
func Open(ctx context.Context, o Options) (*App, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	store, err := storage.Open(ctx, storage.Options{Dir: o.Dir, MongoListen: o.MongoListen, Logger: log.With("svc", "storage")})
	if err != nil {
		return nil, err
	}
	a := &App{Store: store, Hub: streamhub.New(log.With("svc", "streamhub")), log: log}
	if err := a.init(ctx, o); err != nil {
		return nil, errors.Join(err, a.Close())
	}
	return a, nil
}

func (a *App) init(ctx context.Context, o Options) error {
	log, docs := a.log, a.Store.Docs
	a.Settings = settings.New(docdb.NewSettingsStore(docs), a.Hub, log.With("svc", "settings"))
	if err := a.Settings.Load(ctx); err != nil {
		return err
	}
	uniqueID := a.Settings.String("uniqueID")
	if uniqueID == "" {
		uniqueID = model.RandomString(17)
	}
	if err := a.Settings.Register(ctx, settings.Core(uniqueID)...); err != nil {
		return err
	}
	if err := a.Settings.Register(ctx, slices.Concat(accounts.Settings(), accounts.UserSettings(), accounts.TwoFactorSettings(),
		presence.Settings(), rooms.Settings(), messaging.Settings(), uploads.Settings(), uploads.QuotaSettings(), avatars.Settings(), rest.RateLimitSettings(),
		admin.Settings())...); err != nil {
		return err
	}
	if err := admin.EnsureSecret(ctx, a.Settings); err != nil {
		return err
	}
	if o.RootURL != "" && a.Settings.String("Site_Url") != o.RootURL {
		if err := a.Settings.Set(ctx, model.System, "Site_Url", o.RootURL); err != nil {
			return fmt.Errorf("ROOT_URL: %w", err)
		}
	}
	a.Authz = authz.New(docdb.NewRolesStore[authz.Role](docs), docdb.NewPermissionsStore[authz.Permission](docs),
		docdb.NewUserRolesStore(docs), docdb.NewSubscriptionRolesStore(docs),
		docs, a.Hub, log.With("svc", "authz"))
	if err := a.Authz.Seed(ctx); err != nil {
		return err
	}
	a.Accounts = accounts.New(docdb.NewUsersStore(docs), docs, a.Settings, log.With("svc", "accounts"))
	if o.BcryptCost != 0 {
		a.Accounts.SetBcryptCost(o.BcryptCost)
	}
	a.Accounts.SetPermissions(a.Authz)
	a.Accounts.SetEvents(a.Hub)
	a.Presence = presence.New(docdb.NewPresenceStore[presence.User](docs), a.Hub, a.Settings, a.Authz, log.With("svc", "presence"))
	if err := a.Presence.Reset(ctx); err != nil {
		return err
	}
	a.Rooms = rooms.New(docdb.NewRoomsStore(docs), docdb.NewSubscriptionsStore(docs), docdb.NewUsersStore(docs),
		docs, a.Hub, a.Authz, a.Settings, log.With("svc", "rooms"))
	if err := a.Rooms.Seed(ctx); err != nil {
		return err
	}
	a.Accounts.SetOnUserCreated(a.Rooms.JoinDefaultRooms)
	// A deleted user's messages (Message_ErasureType), then their rooms, as Rocket.Chat's
	// deleteUser orders them.
	a.Accounts.SetOnUserDeleted(func(ctx context.Context, u model.User) error {
		return errors.Join(a.Messaging.UserDeleted(ctx, u), a.Rooms.UserDeleted(ctx, u))
	})
	a.Messaging = messaging.New(a.Rooms, docdb.NewMessagesStore(docs), docs, a.Authz, a.Settings, a.Hub, log.With("svc", "messaging"))
	a.Messaging.SetParser(func(s string) []any { return md.Parse(s, md.Options{}) },
		func(ast []any, _ string) messaging.Tokens {
			return messaging.Tokens{Mentions: md.Mentions(ast), Channels: md.Channels(ast), URLs: md.URLs(ast)}
		})
	a.Uploads = uploads.New(docdb.NewUploadsStore[uploads.Upload](docs), uploadBlobs{a.Store.Files}, docs, a.Rooms, a.Messaging,
		a.Settings, log.With("svc", "uploads"))
	a.Uploads.SetImager(uploads.DescribeImage)
	a.Messaging.SetOnFilesRemoved(a.Uploads.Remove)
	a.Uploads.SetAdmin(uploads.AdminDeps{Store: docdb.NewUploadsStore[uploads.Upload](docs), Messages: a.Messaging, Perms: a.Authz,
		DiskUsage: a.Store.Files.Size}) // the console's uploads page
	a.Avatars = avatars.New(docdb.NewUsersStore(docs), docdb.NewRoomsStore(docs), uploadBlobs{a.Store.Files}, a.Authz, a.Settings,
		a.Hub, log.With("svc", "avatars"))
	a.Rooms.SetRoomAvatars(a.Avatars) // saveRoomSettings roomAvatar
	a.Audit = audit.New(docdb.NewAuditStore[audit.Entry](docs), a.Authz, log.With("svc", "audit"))
	a.Stats = stats.New(docdb.NewStatsStore(docs), a.Authz, a.Store.Dir, log.With("svc", "stats"))
	a.Backups = backups.New(backup.New(a.Store.Dir, o.Version, log.With("svc", "backup")), a.Authz, log.With("svc", "backups"))
	return a.ensureAdmin(ctx, o.Admin)
}

// ensureAdmin creates the first admin from o.Admin on a store without one, or says once
// how to create one.
func (a *App) ensureAdmin(ctx context.Context, fa Admin) error {
	has, err := a.Accounts.HasAdmin(ctx)
	if err != nil || has {
		return err
	}
	if fa.Username == "" {
		a.log.Warn("there is no administrator yet: stop Outpost and run `outpost admin create -username NAME -email ADDRESS -password-stdin`, " +
			"or start it once with ADMIN_USERNAME, ADMIN_PASS and ADMIN_EMAIL set")
		return nil
	}
	_, err = a.Accounts.CreateUser(ctx, model.System, accounts.NewUser{
		Username: fa.Username, Email: fa.Email, Password: fa.Password, Roles: []string{"admin"}, Verified: true,
	})
	if err != nil {
		return fmt.Errorf("creating the first admin from ADMIN_USERNAME: %w", err)
	}
	return nil
}

// RegisterDDP registers every DDP method and stream the binary serves on d.
func (a *App) RegisterDDP(d *ddp.Server) {
	ddp.RegisterAccountMethods(d, a.Accounts)
	ddp.RegisterCoreStreams(d)
	ddp.RegisterPresenceMethods(d, a.Presence)
	ddp.RegisterRoomMethods(d, a.Rooms)
	ddp.RegisterRoomStreams(d, a.Rooms)
	ddp.RegisterChatMethods(d, a.Messaging)
	ddp.RegisterAvatarMethods(d, a.Avatars)
}

// DDP returns a realtime server with every method and stream registered (RegisterDDP).
// Start feeds it.
func (a *App) DDP(log *slog.Logger) *ddp.Server {
	d := ddp.New(ddp.Config{Logger: log})
	a.RegisterDDP(d)
	return d
}

// Start forwards the hub's events to d's sessions and runs presence's auto-away sweep
// until ctx ends. The returned channel is closed once forwarding has stopped.
func (a *App) Start(ctx context.Context, d *ddp.Server) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Forward(ctx, a.Hub)
	}()
	a.Presence.Start(ctx)
	a.Uploads.Start(ctx)
	if d != nil {
		a.Stats.SetConnections(d)
	}
	a.Stats.Start(ctx)
	return done
}

// WebConfig is the HTTP face over the services, with d for realtime (nil serves none)
// and the REST rate limiter fed by the settings. The caller adds what only it knows:
// Version, Started, ForwardedCount.
func (a *App) WebConfig(d *ddp.Server, log *slog.Logger) web.Config {
	return web.Config{Settings: a.Settings, SettingsAdmin: a.Settings, Authz: a.Authz, Accounts: a.Accounts, Users: a.Accounts,
		Presence: a.Presence, Rooms: a.Rooms, Messaging: a.Messaging, Uploads: a.Uploads, Avatars: a.Avatars, RateLimits: a.Settings, DDP: d, Logger: log,
		Admin: &admin.Deps{Accounts: a.Accounts, Authz: a.Authz, Audit: a.Audit, Stats: a.Stats, Uploads: a.Uploads, Permissions: a.Authz, Rooms: a.Rooms, Settings: a.Settings, SettingsAdmin: a.Settings, Backups: a.Backups, Logs: a.adminLogs(), Avatars: a.Avatars, Logger: log}}
}

// Close stops presence and the hub and closes the store (a checkpoint).
func (a *App) Close() error {
	// Presence first: disconnects after this change nobody's status; the next start
	// resets them.
	if a.Presence != nil {
		a.Presence.Close()
	}
	if a.Backups != nil {
		a.Backups.Close() // a running backup stops and removes its partial archive
	}
	a.Hub.Close()
	return a.Store.Close()
}
