package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// config is the serve command's configuration: flags beat environment beats defaults.
type config struct {
	listen      string
	data        string
	mongoListen string
	rootURL     string
	logFormat   string
	logLevel    string
	admin       firstAdmin
	// forwarded is how many trusted reverse proxies stand in front (Rocket.Chat's
	// HTTP_FORWARDED_COUNT): the rate limiter then reads the client's address from
	// X-Forwarded-For.
	forwarded int
}

type firstAdmin struct{ username, password, email string }

func parseServe(args []string, env func(string) string, stderr io.Writer) (config, error) {
	c := config{listen: ":3000", data: "./outpost-data", logFormat: "text", logLevel: "info"}
	if p := env("PORT"); p != "" {
		c.listen = ":" + p
	}
	if d := env("OUTPOST_DATA"); d != "" {
		c.data = d
	}
	c.rootURL = env("ROOT_URL")
	c.admin = firstAdmin{env("ADMIN_USERNAME"), env("ADMIN_PASS"), env("ADMIN_EMAIL")}
	if f := env("HTTP_FORWARDED_COUNT"); f != "" {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return c, fmt.Errorf("HTTP_FORWARDED_COUNT must be a whole number of proxies, not %q", f)
		}
		c.forwarded = n
	}

	fs := flag.NewFlagSet("outpost serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", c.listen, "HTTP listen `address` (env PORT gives :PORT)")
	fs.StringVar(&c.data, "data", c.data, "data `directory` (env OUTPOST_DATA)")
	fs.StringVar(&c.mongoListen, "mongo-listen", "", "also serve the Mongo wire protocol on this TCP `address` (loopback), besides <data>/mongo.sock")
	fs.StringVar(&c.rootURL, "root-url", c.rootURL, "public `URL` of this server, stored as Site_Url (env ROOT_URL)")
	fs.StringVar(&c.logFormat, "log-format", c.logFormat, "log format: text or json")
	fs.StringVar(&c.logLevel, "log-level", c.logLevel, "log level: debug, info, warn or error")
	fs.IntVar(&c.forwarded, "forwarded-count", c.forwarded, "trusted reverse proxies in front, for client addresses from X-Forwarded-For (env HTTP_FORWARDED_COUNT)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return c, err
		}
		return c, errUsage
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("-log-format must be text or json, not %q", c.logFormat)
	}
	set := 0
	for _, v := range []string{c.admin.username, c.admin.password, c.admin.email} {
		if v != "" {
			set++
		}
	}
	if set != 0 && set != 3 {
		return c, fmt.Errorf("set all three of ADMIN_USERNAME, ADMIN_PASS and ADMIN_EMAIL, or none")
	}
	return c, nil
}

func newLogger(format, level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
