package main

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func TestParseServe(t *testing.T) {
	t.Parallel()
	defaults := config{listen: ":3000", data: "./outpost-data", logFormat: "text", logLevel: "info"}
	with := func(f func(*config)) config {
		c := defaults
		f(&c)
		return c
	}
	admin := map[string]string{"ADMIN_USERNAME": "root", "ADMIN_PASS": "s3cret", "ADMIN_EMAIL": "root@example.com"}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    config
		wantErr string // a substring of the error; "" for none
	}{
		{name: "defaults", want: defaults},
		{name: "PORT", env: map[string]string{"PORT": "4000"}, want: with(func(c *config) { c.listen = ":4000" })},
		{name: "flag beats PORT", args: []string{"--listen", "127.0.0.1:5000"}, env: map[string]string{"PORT": "4000"},
			want: with(func(c *config) { c.listen = "127.0.0.1:5000" })},
		{name: "OUTPOST_DATA", env: map[string]string{"OUTPOST_DATA": "/var/lib/outpost"},
			want: with(func(c *config) { c.data = "/var/lib/outpost" })},
		{name: "flag beats OUTPOST_DATA", args: []string{"-data=/srv/op"}, env: map[string]string{"OUTPOST_DATA": "/var/lib/outpost"},
			want: with(func(c *config) { c.data = "/srv/op" })},
		{name: "ROOT_URL", env: map[string]string{"ROOT_URL": "https://chat.example.com"},
			want: with(func(c *config) { c.rootURL = "https://chat.example.com" })},
		{name: "flag beats ROOT_URL", args: []string{"--root-url", "http://pi.local:3000"}, env: map[string]string{"ROOT_URL": "https://chat.example.com"},
			want: with(func(c *config) { c.rootURL = "http://pi.local:3000" })},
		{name: "every flag", args: []string{"--listen", ":8080", "--data", "d", "--mongo-listen", "127.0.0.1:27017",
			"--root-url", "http://x", "--log-format", "json", "--log-level", "debug"},
			want: config{listen: ":8080", data: "d", mongoListen: "127.0.0.1:27017", rootURL: "http://x", logFormat: "json", logLevel: "debug"}},
		{name: "all three ADMIN_*", env: admin,
			want: with(func(c *config) { c.admin = firstAdmin{"root", "s3cret", "root@example.com"} })},
		{name: "ADMIN_USERNAME alone", env: map[string]string{"ADMIN_USERNAME": "root"}, wantErr: "ADMIN_USERNAME, ADMIN_PASS and ADMIN_EMAIL"},
		{name: "ADMIN_PASS missing", env: map[string]string{"ADMIN_USERNAME": "root", "ADMIN_EMAIL": "root@example.com"},
			wantErr: "ADMIN_USERNAME, ADMIN_PASS and ADMIN_EMAIL"},
		{name: "ADMIN_EMAIL missing", env: map[string]string{"ADMIN_USERNAME": "root", "ADMIN_PASS": "s3cret"},
			wantErr: "ADMIN_USERNAME, ADMIN_PASS and ADMIN_EMAIL"},
		{name: "HTTP_FORWARDED_COUNT", env: map[string]string{"HTTP_FORWARDED_COUNT": "1"}, want: with(func(c *config) { c.forwarded = 1 })},
		{name: "flag beats HTTP_FORWARDED_COUNT", args: []string{"--forwarded-count", "2"}, env: map[string]string{"HTTP_FORWARDED_COUNT": "1"},
			want: with(func(c *config) { c.forwarded = 2 })},
		{name: "bad HTTP_FORWARDED_COUNT", env: map[string]string{"HTTP_FORWARDED_COUNT": "many"}, wantErr: "HTTP_FORWARDED_COUNT"},
		{name: "bad log format", args: []string{"--log-format", "xml"}, wantErr: "text or json"},
		{name: "unknown flag", args: []string{"--bogus"}, wantErr: errUsage.Error()},
		{name: "stray argument", args: []string{"--data", "d", "extra"}, wantErr: "unexpected arguments: extra"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			got, err := parseServe(tt.args, func(k string) string { return tt.env[k] }, &stderr)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseServe(%q) error = %v, want one containing %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseServe(%q): %v (stderr %q)", tt.args, err, stderr.String())
			}
			if got != tt.want {
				t.Errorf("parseServe(%q) =\n %+v\nwant\n %+v", tt.args, got, tt.want)
			}
		})
	}
}

func TestParseServeHelp(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	_, err := parseServe([]string{"-help"}, func(string) string { return "" }, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	for _, f := range []string{"-listen", "-data", "-mongo-listen", "-root-url", "-log-format", "-log-level"} {
		if !strings.Contains(stderr.String(), f) {
			t.Errorf("help does not list %s:\n%s", f, stderr.String())
		}
	}
}

func TestNewLogger(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		format, level string
		ok            bool
	}{
		{"text", "info", true}, {"json", "debug", true}, {"text", "WARN", true}, {"text", "error", true},
		{"text", "loud", false}, {"json", "", false},
	} {
		_, err := newLogger(tt.format, tt.level, io.Discard)
		if (err == nil) != tt.ok {
			t.Errorf("newLogger(%q, %q) error = %v, want ok=%v", tt.format, tt.level, err, tt.ok)
		}
	}
	var buf bytes.Buffer
	l, _ := newLogger("json", "info", &buf)
	l.Info("hello", "k", "v")
	if !strings.HasPrefix(buf.String(), "{") || !strings.Contains(buf.String(), `"k":"v"`) {
		t.Errorf("json logger wrote %q", buf.String())
	}
}

// TestRunExitCodes covers the commands that return without opening a data directory;
// binary_test.go runs serve and admin create for real.
func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		code        int
		stdout      string // substring expected on stdout
		stderr      string // substring expected on stderr
		quietStdout bool
	}{
		{name: "version", args: []string{"version"}, code: 0, stdout: "outpost " + version + " (Rocket.Chat API "},
		{name: "help", args: []string{"help"}, code: 0, stdout: "outpost admin create"},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, stderr: `unknown command "frobnicate"`, quietStdout: true},
		{name: "serve -help", args: []string{"serve", "-help"}, code: 0, stderr: "-listen"},
		{name: "bare flags mean serve", args: []string{"-help"}, code: 0, stderr: "-mongo-listen"},
		{name: "serve unknown flag", args: []string{"serve", "--bogus"}, code: 2, stderr: "flag provided but not defined: -bogus"},
		{name: "serve bad log format", args: []string{"serve", "--log-format", "xml"}, code: 1, stderr: "outpost: -log-format must be text or json"},
		{name: "serve bad log level", args: []string{"serve", "--log-level", "loud"}, code: 1, stderr: "-log-level"},
		{name: "admin without subcommand", args: []string{"admin"}, code: 2, stderr: "usage: outpost admin create"},
		{name: "admin unknown subcommand", args: []string{"admin", "delete"}, code: 2, stderr: "usage: outpost admin create"},
		{name: "admin create without -password-stdin", args: []string{"admin", "create", "-username", "root", "-email", "root@example.com"},
			code: 1, stderr: "-password-stdin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: serve reads the process environment, which must not leak in.
			for _, k := range []string{"PORT", "OUTPOST_DATA", "ROOT_URL", "ADMIN_USERNAME", "ADMIN_PASS", "ADMIN_EMAIL"} {
				t.Setenv(k, "")
			}
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Errorf("run(%q) = %d, want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.stdout) {
				t.Errorf("run(%q) stdout = %q, want it to contain %q", tt.args, stdout.String(), tt.stdout)
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("run(%q) stderr = %q, want it to contain %q", tt.args, stderr.String(), tt.stderr)
			}
			if tt.quietStdout && stdout.Len() > 0 {
				t.Errorf("run(%q) wrote to stdout: %q", tt.args, stdout.String())
			}
		})
	}
}
