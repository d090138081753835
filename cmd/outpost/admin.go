package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
)

// admin runs `outpost admin create`: it opens the data directory (the server must be
// stopped, the directory's lock says so otherwise) and creates an administrator.
func admin(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: outpost admin create -username NAME -email ADDRESS [-password-stdin] [-data DIR]")
		return errUsage
	}
	fs := flag.NewFlagSet("outpost admin create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("OUTPOST_DATA", "./outpost-data"), "data `directory`")
	username := fs.String("username", "", "the admin's username")
	email := fs.String("email", "", "the admin's email address")
	name := fs.String("name", "", "the admin's display name (default: the username)")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := fs.Parse(args[1:]); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return errUsage
	}
	if !*fromStdin {
		return fmt.Errorf("pass the password on standard input with -password-stdin, e.g. `read -rs P; echo \"$P\" | outpost admin create ... -password-stdin`")
	}
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("reading the password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")

	log, _ := newLogger("text", "warn", stderr)
	ctx := context.Background()
	a, err := openApp(ctx, config{data: *data}, log)
	if err != nil {
		return err
	}
	defer closeApp(a, log)
	u, err := a.Accounts.CreateUser(ctx, model.System, accounts.NewUser{
		Username: *username, Email: *email, Password: password, Name: *name, Roles: []string{"admin"}, Verified: true,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created admin %s (%s)\n", u.Username, u.ID)
	return nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
