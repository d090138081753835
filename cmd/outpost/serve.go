package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/outpostchat/outpost/app/logbuf"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/web"
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
	logs := logbuf.New(logbuf.DefaultSize) // the latest lines, for the admin console's Logs page
	log = slog.New(logs.Wrap(log.Handler()))
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
	app.Logs = logs
	defer closeApp(app, log)

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	dsrv := app.DDP(log.With("svc", "ddp"))
	fwdCtx, stopForwarding := context.WithCancel(context.Background())
	defer stopForwarding()
	app.Start(fwdCtx, dsrv)

	wcfg := app.WebConfig(dsrv, log.With("svc", "web"))
	wcfg.ForwardedCount, wcfg.Version, wcfg.Started = cfg.forwarded, version, started
	srv := web.New(wcfg)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("outpost is serving", "version", version, "addr", ln.Addr().String(), "data", cfg.data,
		"mongo", app.Store.Mongo.URI(), "startup", time.Since(started).Round(time.Millisecond))

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
	return nil // the deferred close ends presence and checkpoints the store; main then exits 0
}

// openApp opens the data directory and wires the services as cfg says.
func openApp(ctx context.Context, cfg config, log *slog.Logger) (*wire.App, error) {
	return wire.Open(ctx, wire.Options{
		Dir: cfg.data, MongoListen: cfg.mongoListen, RootURL: cfg.rootURL, Logger: log, Version: version,
		Admin: wire.Admin{Username: cfg.admin.username, Email: cfg.admin.email, Password: cfg.admin.password},
	})
}

// closeApp closes the services and checkpoints the store.
func closeApp(a *wire.App, log *slog.Logger) {
	if err := a.Close(); err != nil {
		log.Error("closing the store", "err", err)
		return
	}
	log.Info("stopped")
}
