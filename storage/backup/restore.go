package backup

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/outpostchat/outpost/storage"
)

// ErrBadArchive marks an archive that is not a complete, intact Outpost backup: not
// gzip or tar, truncated, damaged, with unexpected entries, or disagreeing with its
// manifest. Restore changes nothing then.
var ErrBadArchive = errors.New("not a complete Outpost backup")

// Restored says what Restore did.
type Restored struct {
	Manifest Manifest
	Previous string // the directory the replaced db/ and files/ were moved into; "" if there were none
}

// Restore replaces the store and the blobs of the data directory dir with those of the
// archive at file. It takes the directory's lock, so it refuses (an error wrapping
// storage.ErrLocked) while a server or another command uses it. It extracts the whole
// archive into a staging directory inside dir and checks it against its manifest (the
// database's size and sha256, the blobs' count and bytes) and the database with
// PRAGMA quick_check before it changes anything; then it moves dir/db and dir/files
// into dir/restore-previous-<time>/ and the restored ones into place. A dir that does
// not exist yet is created, so an archive can be restored on a new machine.
func Restore(ctx context.Context, dir, file string) (Restored, error) {
	var res Restored
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	lock, err := storage.Lock(dir)
	if err != nil {
		return res, err
	}
	defer lock.Close()
	stage, err := os.MkdirTemp(dir, ".restore-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(stage)
	m, err := extract(ctx, file, stage)
	if err != nil {
		return res, err
	}
	res.Manifest = m
	if err := Check(ctx, filepath.Join(stage, "db", DBName), false); err != nil {
		return res, fmt.Errorf("%w: %v", ErrBadArchive, err)
	}
	if err := os.MkdirAll(filepath.Join(stage, "files"), 0o700); err != nil {
		return res, err
	}
	syscall.Sync() // the extracted files are durable before they replace anything
	res.Previous, err = swap(dir, stage, time.Now().UTC())
	return res, err
}

// swap moves dir/db and dir/files into a new restore-previous-<time> directory, then
// stage/db and stage/files into dir; on a failure half way it puts the old ones back.
func swap(dir, stage string, now time.Time) (string, error) {
	parts := []string{"db", "files"}
	prev := ""
	for i := 1; prev == ""; i++ {
		p := filepath.Join(dir, "restore-previous-"+now.Format(timeLayout))
		if i > 1 {
			p += fmt.Sprintf("-%d", i)
		}
		err := os.Mkdir(p, 0o700)
		if errors.Is(err, fs.ErrExist) && i < 1000 {
			continue
		}
		if err != nil {
			return "", err
		}
		prev = p
	}
	var moved, placed []string
	undo := func(err error) (string, error) {
		for _, p := range placed {
			_ = os.Rename(filepath.Join(dir, p), filepath.Join(stage, p))
		}
		for _, p := range moved {
			_ = os.Rename(filepath.Join(prev, p), filepath.Join(dir, p))
		}
		_ = os.Remove(prev)
		return "", fmt.Errorf("restore: %w (the data directory was left as it was)", err)
	}
	for _, p := range parts {
		err := os.Rename(filepath.Join(dir, p), filepath.Join(prev, p))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return undo(err)
		}
		moved = append(moved, p)
	}
	for _, p := range parts {
		if err := os.Rename(filepath.Join(stage, p), filepath.Join(dir, p)); err != nil {
			return undo(err)
		}
		placed = append(placed, p)
	}
	syncDir(dir)
	if len(moved) == 0 {
		_ = os.Remove(prev)
		return "", nil
	}
	return prev, nil
}

// extract unpacks the archive file into stage (stage/db/rocketchat.sqlite,
// stage/files/...) and returns its manifest once every check passed.
func extract(ctx context.Context, file, stage string) (Manifest, error) {
	var m Manifest
	f, err := os.Open(file)
	if err != nil {
		return m, err
	}
	defer f.Close()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s", filepath.Base(file), ErrBadArchive, fmt.Sprintf(format, args...))
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, copyBuffer))
	if err != nil {
		return m, bad("not a gzip file (%v)", err)
	}
	tr := tar.NewReader(zr)
	var (
		haveManifest, haveDB bool
		dbSize               int64
		dbSum                string
		count, bytes         int64
		seen                 = map[string]bool{}
	)
	for {
		if err := ctx.Err(); err != nil {
			return m, err
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, bad("unreadable (%v): truncated or damaged", err)
		}
		name := h.Name
		if seen[name] {
			return m, bad("%q appears twice", name)
		}
		seen[name] = true
		if h.Typeflag == tar.TypeDir && strings.HasPrefix(name, filesEntry) {
			continue // directories are made as files need them
		}
		if h.Typeflag != tar.TypeReg || h.Size < 0 {
			return m, bad("%q is not a regular file", name)
		}
		switch {
		case name == manifestName:
			if h.Size > maxManifest {
				return m, bad("the manifest is too large")
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				return m, bad("unreadable manifest (%v)", err)
			}
			if err := json.Unmarshal(data, &m); err != nil {
				return m, bad("the manifest is not valid JSON (%v)", err)
			}
			haveManifest = true
		case name == dbEntry:
			dbSize, dbSum, err = writeEntry(tr, h, filepath.Join(stage, "db", DBName))
			if err != nil {
				return m, bad("the database could not be extracted (%v)", err)
			}
			haveDB = true
		case strings.HasPrefix(name, filesEntry):
			rel := strings.TrimPrefix(name, filesEntry)
			if rel == "" || path.Clean(rel) != rel || !filepath.IsLocal(rel) || strings.Contains(rel, `\`) {
				return m, bad("%q is not a blob's path", name)
			}
			n, _, err := writeEntry(tr, h, filepath.Join(stage, "files", filepath.FromSlash(rel)))
			if err != nil {
				return m, bad("%q could not be extracted (%v)", name, err)
			}
			count++
			bytes += n
		default:
			return m, bad("unexpected entry %q", name)
		}
	}
	// Read the gzip stream to its end, so its checksum and length are verified too.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return m, bad("damaged at the end (%v)", err)
	}
	switch {
	case !haveManifest:
		return m, bad("no %s: truncated, or not made by outpost backup", manifestName)
	case m.Format != Format:
		return m, bad("manifest format %d; this Outpost reads format %d (a newer Outpost made it?)", m.Format, Format)
	case !haveDB:
		return m, bad("no database")
	case dbSize != m.Database.Size || dbSum != m.Database.SHA256:
		return m, bad("the database does not match the manifest's sha256")
	case count != m.Files.Count || bytes != m.Files.Bytes:
		return m, bad("%d files of %d bytes where the manifest says %d of %d", count, bytes, m.Files.Count, m.Files.Bytes)
	}
	return m, nil
}

// writeEntry writes the current entry of tr to a new file at p, returning its size and
// sha256.
func writeEntry(tr *tar.Reader, h *tar.Header, p string) (int64, string, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return 0, "", err
	}
	out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, "", err
	}
	hash := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, hash), tr)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != h.Size {
		err = io.ErrUnexpectedEOF
	}
	if err == nil && !h.ModTime.IsZero() {
		_ = os.Chtimes(p, h.ModTime, h.ModTime)
	}
	return n, hex.EncodeToString(hash.Sum(nil)), err
}
