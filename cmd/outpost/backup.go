package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/outpostchat/outpost/storage"
	"github.com/outpostchat/outpost/storage/backup"
)

// backupCmd runs `outpost backup [-data DIR]`: a consistent archive of the store and
// the files into DIR/backups. It needs no lock, so it runs beside a running server (it
// only reads) as well as on a stopped one.
func backupCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("outpost backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("OUTPOST_DATA", "./outpost-data"), "data `directory`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: outpost backup [-data DIR]\n\nWrites DIR/backups/outpost-<UTC time>.tar.gz, while the server runs or not.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log, _ := newLogger("text", "warn", stderr)
	a := backup.New(*data, version, log)
	start := time.Now()
	b, err := a.Create(ctx, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written: %s (%s in %s)\n", filepath.Join(a.Dir(), b.Name), sizeText(b.Size), time.Since(start).Round(time.Millisecond))
	return nil
}

// restoreCmd runs `outpost restore FILE [-data DIR]`, with the server stopped.
func restoreCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("outpost restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("OUTPOST_DATA", "./outpost-data"), "data `directory`")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: outpost restore FILE [-data DIR]\n\n"+
			"With the server stopped, replaces DIR's database and files with those of the backup FILE;\n"+
			"the data it replaces is kept in DIR/restore-previous-<time>/.")
		fs.PrintDefaults()
	}
	// The file may come before or after the flags.
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return errUsage
	}
	rest := fs.Args()
	if len(rest) > 0 {
		if err := fs.Parse(rest[1:]); err != nil {
			if err == flag.ErrHelp {
				return err
			}
			return errUsage
		}
		rest = append(rest[:1], fs.Args()...)
	}
	if len(rest) != 1 {
		fs.Usage()
		return errUsage
	}
	file := rest[0]
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := backup.Restore(ctx, *data, file)
	if errors.Is(err, storage.ErrLocked) {
		return fmt.Errorf("%w: stop the server first, then restore", err)
	}
	if err != nil {
		return fmt.Errorf("restore refused, nothing was changed: %w", err)
	}
	m := res.Manifest
	fmt.Fprintf(stdout, "restored %s into %s: the backup of %s (Outpost %s), a database of %s and %d files.\n",
		filepath.Base(file), *data, m.Created.UTC().Format("2006-01-02 15:04:05 UTC"), m.Version, sizeText(m.Database.Size), m.Files.Count)
	if res.Previous != "" {
		fmt.Fprintf(stdout, "The data it replaced is in %s; delete that directory once the restored server works.\n", res.Previous)
	}
	fmt.Fprintf(stdout, "Start the server: outpost serve --data %s\n", *data)
	return nil
}

// sizeText formats a size with binary units.
func sizeText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
