// Command outpost is a Rocket.Chat-compatible team chat server in one file.
//
//	outpost                      serve on :3000 with ./outpost-data
//	outpost serve [flags]        serve; see outpost serve -help
//	outpost admin create [flags] create an administrator (server stopped)
//	outpost backup [-data DIR]   archive the store and files into DIR/backups
//	outpost restore FILE         restore a backup (server stopped)
//	outpost version              print the version
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/outpostchat/outpost/web/rest"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `Outpost: a Rocket.Chat-compatible team chat server in one file.

Usage:
  outpost                         serve on :3000 with ./outpost-data
  outpost serve [flags]           serve (outpost serve -help lists the flags)
  outpost admin create [flags]    create an administrator while the server is stopped
  outpost backup [-data DIR]      archive the store and files into DIR/backups (server running or not)
  outpost restore FILE [-data DIR] restore a backup while the server is stopped
  outpost version                 print the version

Environment: PORT, ROOT_URL, OUTPOST_DATA, ADMIN_USERNAME, ADMIN_PASS, ADMIN_EMAIL.
Flags beat environment, environment beats defaults.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, stderr)
	case "version":
		fmt.Fprintf(stdout, "outpost %s (Rocket.Chat API %s) %s %s/%s\n", version, rest.RocketChatVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	case "admin":
		err = admin(args, stdout, stderr)
	case "backup":
		err = backupCmd(args, stdout, stderr)
	case "restore":
		err = restoreCmd(args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "outpost: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "outpost: %v\n", err)
	return 1
}

// errUsage marks an error whose message the flag package has already printed.
var errUsage = errors.New("usage")
