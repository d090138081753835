// Package backup makes and restores archives of a data directory (DESIGN.md §3): a
// consistent copy of the store taken online, with SQLite's backup API, while the server
// keeps serving and writing, and the blobs under files/, in one gzipped tar under
// <data>/backups.
//
// An archive, outpost-<UTC time>.tar.gz, mirrors the data directory and holds, in order:
//
//	db/rocketchat.sqlite   the database as of one instant, the WAL's content included
//	files/<shard>/<id>     the blobs present when the copy of the files began
//	manifest.json          format, Outpost version, time, sizes, sha256 of the database
//
// The database copy is one backup step over all pages, so it runs inside a single read
// transaction: in WAL mode that never blocks the server's writer, and it sees exactly
// the commits made before it began. Blobs are never changed in place (a write renames a
// complete file over its name), so copying them after the database gives files for
// every upload the copy knows of, as long as blobs are only added and removed; one
// removed while the copy runs is skipped and counted in the manifest.
//
// An archive is written under a temporary name beside the final one and linked to its
// final name only when complete, so a crash or a full disk never leaves a partial file
// under a backup's name. Restore (restore.go) refuses while a server holds the data
// directory, checks the whole archive before touching anything and moves the data it
// replaces aside.
package backup

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"modernc.org/sqlite"

	"github.com/outpostchat/outpost/app/model"
)

// The layout of a data directory and of an archive.
const (
	DBName       = "rocketchat.sqlite"      // the database file, in <data>/db
	dbEntry      = "db/" + DBName           // its name in an archive
	filesEntry   = "files/"                 // the prefix of the blobs' names in an archive
	manifestName = "manifest.json"          // the manifest's name in an archive
	Ext          = ".tar.gz"                // the extension of an archive
	timeLayout   = "20060102T150405Z"       // the time in an archive's name
	tempPrefix   = ".tmp-"                  // temporary files and directories under backups/
	staleAfter   = 6 * time.Hour            // a temporary left this long is a crashed run's
	Format       = 1                        // the manifest format this package writes and reads
	gzipLevel    = gzip.BestSpeed           // SQLite pages compress well even so; blobs (images) hardly at all
	copyBuffer   = 256 << 10                // the archive writer's buffer
	maxManifest  = 1 << 20                  // bound on manifest.json when restoring
	backupsDir   = "backups"                // <data>/backups
	tempDBPrefix = tempPrefix + "snapshot-" // the database copy's working directory
)

// nameRE is an archive's name: outpost-<time>[-n].tar.gz. Only such names are listed,
// opened or deleted, so no other path under the data directory is reachable by name.
var nameRE = regexp.MustCompile(`^outpost-([0-9]{8}T[0-9]{6}Z)(-[0-9]{1,4})?\.tar\.gz$`)

// Phases reported to Create's progress function.
const (
	PhaseDatabase = "database" // copying the database
	PhaseFiles    = "files"    // archiving the blobs (done and total count them)
	PhaseFinish   = "finish"   // flushing and naming the archive
)

// Manifest describes an archive; it is its last entry.
type Manifest struct {
	Format   int       `json:"format"`
	Version  string    `json:"outpostVersion"`
	Created  time.Time `json:"created"`
	Database struct {
		Path   string `json:"path"`
		Size   int64  `json:"size"`
		SHA256 string `json:"sha256"`
	} `json:"database"`
	Files struct {
		Count   int64 `json:"count"`
		Bytes   int64 `json:"bytes"`
		Skipped int64 `json:"skipped"` // removed while the copy ran
	} `json:"files"`
}

// Archiver makes, lists, opens and deletes the archives of one data directory. It
// needs no lock on the directory: it only reads the store and the blobs, so it works
// beside a running server as well as on a stopped one.
type Archiver struct {
	dir     string
	version string
	log     *slog.Logger
	now     func() time.Time
}

// New returns the archiver of the data directory dir; version is written into every
// manifest. A nil log discards.
func New(dir, version string, log *slog.Logger) *Archiver {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Archiver{dir: dir, version: version, log: log, now: time.Now}
}

// Dir is the directory the archives are kept in, <data>/backups.
func (a *Archiver) Dir() string { return filepath.Join(a.dir, backupsDir) }

// Create writes a new archive and returns it. progress, when not nil, is called as the
// work moves on (phase, and for PhaseFiles how many blobs of how many are done).
func (a *Archiver) Create(ctx context.Context, progress func(phase string, done, total int64)) (model.Backup, error) {
	if progress == nil {
		progress = func(string, int64, int64) {}
	}
	started := a.now().UTC().Truncate(time.Second)
	bdir := a.Dir()
	if err := os.MkdirAll(bdir, 0o700); err != nil {
		return model.Backup{}, err
	}
	a.removeStale(bdir, started.Add(-staleAfter))
	work, err := os.MkdirTemp(bdir, tempDBPrefix)
	if err != nil {
		return model.Backup{}, err
	}
	defer os.RemoveAll(work)

	progress(PhaseDatabase, 0, 1)
	m := Manifest{Format: Format, Version: a.version, Created: started}
	dbCopy := filepath.Join(work, DBName)
	m.Database.Path = dbEntry
	m.Database.Size, m.Database.SHA256, err = Snapshot(ctx, filepath.Join(a.dir, "db", DBName), dbCopy)
	if err != nil {
		return model.Backup{}, err
	}
	blobs, err := listBlobs(filepath.Join(a.dir, "files"))
	if err != nil {
		return model.Backup{}, err
	}

	tmp, err := os.CreateTemp(bdir, tempPrefix+"*"+Ext)
	if err != nil {
		return model.Backup{}, err
	}
	published := false
	defer func() {
		if !published {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, copyBuffer)
	gz, _ := gzip.NewWriterLevel(bw, gzipLevel)
	tw := tar.NewWriter(gz)
	if _, err := addFile(tw, dbEntry, dbCopy, started); err != nil {
		return model.Backup{}, err
	}
	total := int64(len(blobs))
	for i, rel := range blobs {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return model.Backup{}, err
			}
			progress(PhaseFiles, int64(i), total)
		}
		n, err := addFile(tw, filesEntry+rel, filepath.Join(a.dir, "files", filepath.FromSlash(rel)), time.Time{})
		switch {
		case errors.Is(err, fs.ErrNotExist):
			m.Files.Skipped++ // removed since the listing: its upload is gone too
			continue
		case err != nil:
			return model.Backup{}, err
		}
		m.Files.Count++
		m.Files.Bytes += n
	}
	progress(PhaseFinish, total, total)
	mj, _ := json.MarshalIndent(m, "", "  ")
	if err := addBytes(tw, manifestName, mj, started); err != nil {
		return model.Backup{}, err
	}
	if err := errors.Join(tw.Close(), gz.Close(), bw.Flush()); err != nil {
		return model.Backup{}, err
	}
	if err := tmp.Sync(); err != nil {
		return model.Backup{}, err
	}
	info, err := tmp.Stat()
	if err != nil {
		return model.Backup{}, err
	}
	if err := tmp.Close(); err != nil {
		return model.Backup{}, err
	}
	name, err := publish(tmp.Name(), bdir, started)
	if err != nil {
		return model.Backup{}, err
	}
	published = true
	syncDir(bdir)
	a.log.Info("backup written", "name", name, "size", info.Size(), "files", m.Files.Count, "skipped", m.Files.Skipped,
		"took", a.now().Sub(started).Round(time.Millisecond))
	return model.Backup{Name: name, Size: info.Size(), Created: started}, nil
}

// publish gives the complete temporary archive tmp its final name in dir: a hard link,
// which never replaces an existing archive (two taken in the same second get -2, -3...),
// then the temporary name goes.
func publish(tmp, dir string, at time.Time) (string, error) {
	base := "outpost-" + at.Format(timeLayout)
	for i := 1; i < 1000; i++ {
		name := base + Ext
		if i > 1 {
			name = fmt.Sprintf("%s-%d%s", base, i, Ext)
		}
		final := filepath.Join(dir, name)
		err := os.Link(tmp, final)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil { // a file system without hard links: rename when the name is free
			if _, serr := os.Lstat(final); serr == nil {
				continue
			}
			if err := os.Rename(tmp, final); err != nil {
				return "", err
			}
			return name, nil
		}
		return name, os.Remove(tmp)
	}
	return "", errors.New("backup: too many backups in one second")
}

// Snapshot copies the SQLite database src to dst (a new file) with the online backup
// API, in one step and so in one read transaction, checks the copy with
// PRAGMA quick_check and returns its size and sha256.
func Snapshot(ctx context.Context, src, dst string) (size int64, sum string, err error) {
	if _, err := os.Stat(src); err != nil {
		return 0, "", fmt.Errorf("backup: no database at %s: %w", src, err)
	}
	db, err := sql.Open("sqlite", sqliteURI(src, "mode=ro&_pragma=busy_timeout(10000)"))
	if err != nil {
		return 0, "", err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		b, ok := dc.(interface {
			NewBackup(dstURI string) (*sqlite.Backup, error)
		})
		if !ok {
			return fmt.Errorf("backup: the SQLite driver (%T) has no backup API", dc)
		}
		bk, err := b.NewBackup(sqliteURI(dst, ""))
		if err != nil {
			return err
		}
		// Step(-1) copies every page at once. Stepping a few pages at a time would let
		// the server's commits in between restart the copy, over and over on a busy
		// server; in WAL mode the one long read blocks no writer.
		_, err = bk.Step(-1)
		return errors.Join(err, bk.Finish())
	})
	if err != nil {
		return 0, "", fmt.Errorf("backup: copying the database: %w", err)
	}
	if err := Check(ctx, dst, false); err != nil {
		return 0, "", err
	}
	return hashFile(dst)
}

// Check opens the database file path and runs PRAGMA quick_check, or integrity_check
// when full, on it: an error unless SQLite answers "ok". It leaves the file as it was.
func Check(ctx context.Context, path string, full bool) error {
	db, err := sql.Open("sqlite", sqliteURI(path, "_pragma=busy_timeout(10000)"))
	if err != nil {
		return err
	}
	defer db.Close()
	pragma := "PRAGMA quick_check"
	if full {
		pragma = "PRAGMA integrity_check"
	}
	rows, err := db.QueryContext(ctx, pragma)
	if err != nil {
		return fmt.Errorf("backup: checking the database: %w", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("backup: checking the database: %w", err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("backup: the database copy is damaged: %s", strings.Join(problems[:min(3, len(problems))], "; "))
	}
	return nil
}

// sqliteURI is a file: URI of path with the query q, escaping the characters a URI
// gives a meaning.
func sqliteURI(path, q string) string {
	u := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	if q != "" {
		u += "?" + q
	}
	return u
}

func hashFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// listBlobs lists the regular files under dir (slash-separated, relative), leaving out
// the blob store's temporary files, which start with a dot. A missing dir has none.
func listBlobs(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // the dir itself, or a shard removed meanwhile
			}
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	return out, err
}

// addFile appends the file at path to tw under name and returns its size; an error
// wrapping fs.ErrNotExist when it is gone. A zero mtime takes the file's own.
func addFile(tw *tar.Writer, name, path string, mtime time.Time) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if mtime.IsZero() {
		mtime = info.ModTime()
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: info.Size(), Mode: 0o600, ModTime: mtime.UTC()}); err != nil {
		return 0, err
	}
	n, err := io.CopyN(tw, f, info.Size())
	if err != nil {
		return n, fmt.Errorf("backup: %s changed while being copied (%d of %d bytes): %w", name, n, info.Size(), err)
	}
	return n, nil
}

func addBytes(tw *tar.Writer, name string, data []byte, mtime time.Time) error {
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o600, ModTime: mtime.UTC()}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// removeStale removes temporary files and directories under dir older than before:
// what a run that crashed or was killed left. A concurrent run's are younger.
func (a *Archiver) removeStale(dir string, before time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		if info, err := e.Info(); err == nil && info.ModTime().Before(before) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err == nil {
				a.log.Info("removed a stale backup temporary", "name", e.Name())
			}
		}
	}
}

// List returns the archives, newest first.
func (a *Archiver) List(ctx context.Context) ([]model.Backup, error) {
	entries, err := os.ReadDir(a.Dir())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []model.Backup
	for _, e := range entries {
		if !e.Type().IsRegular() || !nameRE.MatchString(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // deleted meanwhile
		}
		out = append(out, model.Backup{Name: e.Name(), Size: info.Size(), Created: createdOf(e.Name(), info.ModTime())})
	}
	slices.SortFunc(out, func(x, y model.Backup) int {
		if c := y.Created.Compare(x.Created); c != 0 {
			return c
		}
		return strings.Compare(y.Name, x.Name)
	})
	return out, nil
}

// createdOf is the time in an archive's name, else mod.
func createdOf(name string, mod time.Time) time.Time {
	if m := nameRE.FindStringSubmatch(name); m != nil {
		if t, err := time.Parse(timeLayout, m[1]); err == nil {
			return t
		}
	}
	return mod.UTC()
}

// errNoBackup is the answer for a name that is not an archive's.
func errNoBackup() error {
	return model.NotFound("error-backup-not-found", "There is no backup of that name.")
}

// path returns the archive's path, or the not-found error for a name that is not an
// archive's name.
func (a *Archiver) path(name string) (string, error) {
	if !nameRE.MatchString(name) {
		return "", errNoBackup()
	}
	return filepath.Join(a.Dir(), name), nil
}

// Open opens the archive name for reading.
func (a *Archiver) Open(ctx context.Context, name string) (io.ReadSeekCloser, model.Backup, error) {
	p, err := a.path(name)
	if err != nil {
		return nil, model.Backup{}, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, model.Backup{}, errNoBackup()
	}
	if err != nil {
		return nil, model.Backup{}, err
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, model.Backup{}, errNoBackup()
	}
	return f, model.Backup{Name: name, Size: info.Size(), Created: createdOf(name, info.ModTime())}, nil
}

// Delete removes the archive name.
func (a *Archiver) Delete(ctx context.Context, name string) error {
	p, err := a.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); errors.Is(err, fs.ErrNotExist) {
		return errNoBackup()
	} else if err != nil {
		return err
	}
	syncDir(a.Dir())
	return nil
}

// syncDir makes a directory's entries durable; errors are ignored (some file systems
// cannot sync a directory).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
