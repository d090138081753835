package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage"
	"github.com/outpostchat/outpost/storage/backup"
	"github.com/outpostchat/outpost/storage/docdb"
)

var bg = context.Background()

// openStore opens a store in a new data dir; the test closes it (restore needs it
// closed), or the cleanup does.
func openStore(t testing.TB, dir string) (*storage.Store, func()) {
	t.Helper()
	s, err := storage.Open(bg, storage.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	closeFn := func() {
		once.Do(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(closeFn)
	return s, closeFn
}

func dataDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "op") // short: the Mongo socket path is bounded
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func insertMessages(t testing.TB, s *storage.Store, rid string, n int) {
	t.Helper()
	c := s.Docs.Collection(docdb.Messages)
	err := s.Docs.InTx(bg, func(ctx context.Context) error {
		for i := range n {
			m := model.Message{ID: model.NewID(), RID: rid, Msg: fmt.Sprintf("message %d", i), Ts: time.Now().UTC(), U: model.UserRef{ID: "u1", Username: "ann"}}
			if err := c.Insert(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func countMessages(t testing.TB, s *storage.Store, rid string) int64 {
	t.Helper()
	n, err := s.Docs.Collection(docdb.Messages).Count(bg, docdb.Query{Where: docdb.F("rid") + " = ?", Args: []any{rid}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func putBlob(t testing.TB, s *storage.Store, id, content string) {
	t.Helper()
	if _, err := s.Files.Put(bg, id, strings.NewReader(content), 1<<20); err != nil {
		t.Fatal(err)
	}
}

// entries reads an archive's entry names and contents.
func entries(t testing.TB, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name], _ = io.ReadAll(tr)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	s, closeStore := openStore(t, dir)
	insertMessages(t, s, "room1", 20)
	blob1, blob2 := model.NewID(), model.NewID()
	putBlob(t, s, blob1, "first blob")
	putBlob(t, s, blob2+"-thumb", "a thumbnail")

	a := backup.New(dir, "v1.2.3", nil)
	var phases []string
	b, err := a.Create(bg, func(phase string, done, total int64) { phases = append(phases, phase) })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.Name, "outpost-") || !strings.HasSuffix(b.Name, ".tar.gz") || b.Size == 0 || time.Since(b.Created) > time.Minute {
		t.Fatalf("backup %+v", b)
	}
	if strings.Join(phases, ",") != "database,files,finish" {
		t.Errorf("phases %v", phases)
	}
	es := entries(t, filepath.Join(dir, "backups", b.Name))
	if string(es["files/"+blob1[:2]+"/"+blob1]) != "first blob" || string(es["files/"+blob2[:2]+"/"+blob2+"-thumb"]) != "a thumbnail" {
		t.Fatalf("entries %v", keys(es))
	}
	if len(es) != 4 || es["db/rocketchat.sqlite"] == nil || !bytes.Contains(es["manifest.json"], []byte(`"outpostVersion": "v1.2.3"`)) {
		t.Fatalf("entries %v, manifest %s", keys(es), es["manifest.json"])
	}
	// No temporary is left behind, and the list has the one backup.
	left, _ := os.ReadDir(filepath.Join(dir, "backups"))
	if len(left) != 1 {
		t.Fatalf("backups dir holds %v", left)
	}
	list, err := a.List(bg)
	if err != nil || len(list) != 1 || list[0] != b {
		t.Fatalf("list %+v %v, want %+v", list, err, b)
	}

	// Change the data: more messages, a blob gone, a new one.
	insertMessages(t, s, "room1", 5)
	insertMessages(t, s, "room2", 3)
	if err := s.Files.Delete(blob1); err != nil {
		t.Fatal(err)
	}
	putBlob(t, s, model.NewID(), "added after")

	// Restore refuses while the store is open.
	if _, err := backup.Restore(bg, dir, filepath.Join(dir, "backups", b.Name)); !errors.Is(err, storage.ErrLocked) {
		t.Fatalf("restore while open: %v", err)
	}
	closeStore()
	res, err := backup.Restore(bg, dir, filepath.Join(dir, "backups", b.Name))
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Version != "v1.2.3" || res.Manifest.Files.Count != 2 || res.Previous == "" {
		t.Fatalf("restored %+v", res)
	}
	if _, err := os.Stat(filepath.Join(res.Previous, "db", "rocketchat.sqlite")); err != nil {
		t.Fatalf("the previous db was not kept: %v", err)
	}

	// The store opens on the restored data: the change is gone.
	s2, _ := openStore(t, dir)
	if n := countMessages(t, s2, "room1"); n != 20 {
		t.Fatalf("room1 has %d messages, want 20", n)
	}
	if n := countMessages(t, s2, "room2"); n != 0 {
		t.Fatalf("room2 has %d messages, want 0", n)
	}
	blob, err := s2.Files.Open(blob1)
	if err != nil {
		t.Fatalf("the deleted blob is not back: %v", err)
	}
	blob.Close()
	insertMessages(t, s2, "room2", 1) // and it takes writes
	// The backups survive the restore.
	if list, _ := backup.New(dir, "", nil).List(bg); len(list) != 1 {
		t.Fatalf("after restore the backups are %v", list)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestBackupWhileWriting takes backups while writers insert messages, each its own in
// sequence; each copy passes integrity_check and holds, of every writer, exactly a
// prefix of its messages, no fewer than were written before the backup began.
func TestBackupWhileWriting(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	s, _ := openStore(t, dir)
	insertMessages(t, s, "busy", 300)
	ctx, cancel := context.WithCancel(bg)
	const writers = 2
	var written [writers]atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := s.Docs.Collection(docdb.Messages)
			for i := 0; ctx.Err() == nil; i++ {
				m := model.Message{ID: model.NewID(), RID: "busy", Msg: fmt.Sprintf("w%d %d %s", w, i, strings.Repeat("x", 200)), Ts: time.Now().UTC()}
				if err := c.Insert(ctx, m); err != nil {
					if ctx.Err() == nil {
						t.Error(err)
					}
					return
				}
				written[w].Add(1)
			}
		}()
	}
	a := backup.New(dir, "test", nil)
	type taken struct {
		name   string
		before [writers]int64
	}
	var copies []taken
	for range 2 {
		var c taken
		for w := range writers {
			c.before[w] = written[w].Load()
		}
		start := time.Now()
		b, err := a.Create(bg, nil)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		t.Logf("backup in %v, %d bytes", time.Since(start), b.Size)
		c.name = b.Name
		copies = append(copies, c)
	}
	cancel()
	wg.Wait()
	if written[0].Load() == 0 {
		t.Fatal("no writes ran during the backups")
	}
	for _, c := range copies {
		es := entries(t, filepath.Join(dir, "backups", c.name))
		db := filepath.Join(t.TempDir(), "copy.sqlite")
		if err := os.WriteFile(db, es["db/rocketchat.sqlite"], 0o600); err != nil {
			t.Fatal(err)
		}
		if err := backup.Check(bg, db, true); err != nil {
			t.Fatal(err)
		}
		seqs := writerSeqs(t, db)
		for w := range writers {
			got := seqs[w]
			for i, n := range got {
				if n != i {
					t.Fatalf("writer %d: message %d is missing from the copy, %d is in it", w, i, n)
				}
			}
			if int64(len(got)) < c.before[w] {
				t.Errorf("writer %d: the copy holds %d messages; %d were written before it began", w, len(got), c.before[w])
			}
		}
	}
}

// writerSeqs reads the sequence numbers of each writer's messages in the database
// file, sorted.
func writerSeqs(t testing.TB, path string) map[int][]int {
	t.Helper()
	conn, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var table string
	if err := conn.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = 'rocketchat_message'`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(`SELECT json_extract(_ferretdb_sjson, '$.msg') FROM "` + table + `" WHERE json_extract(_ferretdb_sjson, '$.msg') LIKE 'w%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int][]int{}
	for rows.Next() {
		var msg string
		var w, i int
		if err := rows.Scan(&msg); err != nil {
			t.Fatal(err)
		}
		if _, err := fmt.Sscanf(msg, "w%d %d", &w, &i); err != nil {
			t.Fatal(err)
		}
		out[w] = append(out[w], i)
	}
	for _, s := range out {
		slices.Sort(s)
	}
	return out
}

// TestRestoreRefuses: a damaged, truncated or foreign archive changes nothing.
func TestRestoreRefuses(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	s, closeStore := openStore(t, dir)
	insertMessages(t, s, "r", 50)
	putBlob(t, s, model.NewID(), strings.Repeat("blob ", 1000))
	b, err := backup.New(dir, "t", nil).Create(bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	insertMessages(t, s, "r", 1)
	closeStore()
	good, err := os.ReadFile(filepath.Join(dir, "backups", b.Name))
	if err != nil {
		t.Fatal(err)
	}
	es := entries(t, filepath.Join(dir, "backups", b.Name))
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0xff

	cases := []struct {
		name string
		data []byte
	}{
		{"truncated", good[:len(good)*2/3]},
		{"truncated at the end", good[:len(good)-4]},
		{"a flipped byte", flipped},
		{"not gzip", []byte("hello")},
		{"empty", nil},
		{"no manifest", tarGz(t, map[string][]byte{"db/rocketchat.sqlite": es["db/rocketchat.sqlite"]})},
		{"another database", tarGz(t, map[string][]byte{"db/rocketchat.sqlite": []byte("not sqlite"), "manifest.json": es["manifest.json"]})},
		{"path escape", tarGz(t, map[string][]byte{"files/../../evil": []byte("x"), "manifest.json": es["manifest.json"]})},
		{"unexpected entry", tarGz(t, map[string][]byte{"etc/passwd": []byte("x")})},
		{"format from the future", tarGz(t, map[string][]byte{"db/rocketchat.sqlite": es["db/rocketchat.sqlite"], "manifest.json": []byte(`{"format": 9}`)})},
	}
	for _, c := range cases {
		p := filepath.Join(t.TempDir(), "bad.tar.gz")
		if err := os.WriteFile(p, c.data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := backup.Restore(bg, dir, p)
		if !errors.Is(err, backup.ErrBadArchive) {
			t.Errorf("%s: %v, want ErrBadArchive", c.name, err)
		}
	}
	if _, err := backup.Restore(bg, dir, filepath.Join(dir, "nope.tar.gz")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
	// Nothing moved: no restore-previous, no staging left, the data as it was.
	names, _ := os.ReadDir(dir)
	for _, n := range names {
		if strings.HasPrefix(n.Name(), "restore-previous") || strings.HasPrefix(n.Name(), ".restore") {
			t.Errorf("left %s", n.Name())
		}
	}
	s2, _ := openStore(t, dir)
	if n := countMessages(t, s2, "r"); n != 51 {
		t.Fatalf("after the refusals %d messages, want 51", n)
	}
}

// tarGz builds an archive of the entries (sorted by name is not needed).
func tarGz(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o600}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestOpenDeleteNames(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	openStore(t, dir)
	a := backup.New(dir, "t", nil)
	b1, err := a.Create(bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := a.Create(bg, nil) // the same second, most likely: a new name all the same
	if err != nil {
		t.Fatal(err)
	}
	if b1.Name == b2.Name {
		t.Fatalf("two backups named %s", b1.Name)
	}
	list, _ := a.List(bg)
	if len(list) != 2 {
		t.Fatalf("list %v", list)
	}
	r, info, err := a.Open(bg, b1.Name)
	if err != nil || info.Size != b1.Size {
		t.Fatalf("open: %v %+v", err, info)
	}
	n, _ := io.Copy(io.Discard, r)
	r.Close()
	if n != b1.Size {
		t.Fatalf("read %d of %d bytes", n, b1.Size)
	}
	os.WriteFile(filepath.Join(dir, "outpost.lock.tar.gz"), nil, 0o600)
	for _, name := range []string{"", "../outpost.lock", "outpost-20250101T000000Z.tar.gz", "../db/rocketchat.sqlite", ".tmp-x.tar.gz", "outpost-20250101T000000Z.tar.gz/..", "x"} {
		if _, _, err := a.Open(bg, name); model.AsError(err).Kind != model.KindNotFound {
			t.Errorf("open %q: %v", name, err)
		}
		if err := a.Delete(bg, name); model.AsError(err).Kind != model.KindNotFound {
			t.Errorf("delete %q: %v", name, err)
		}
	}
	if err := a.Delete(bg, b1.Name); err != nil {
		t.Fatal(err)
	}
	if err := a.Delete(bg, b1.Name); model.AsError(err).Kind != model.KindNotFound {
		t.Fatalf("second delete: %v", err)
	}
	if list, _ := a.List(bg); len(list) != 1 || list[0].Name != b2.Name {
		t.Fatalf("after delete %v", list)
	}
}

// TestCanceledLeavesNothing: a run stopped half way leaves no file under a backup's
// name and no temporary.
func TestCanceledLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	s, _ := openStore(t, dir)
	for range 200 {
		putBlob(t, s, model.NewID(), "b")
	}
	ctx, cancel := context.WithCancel(bg)
	_, err := backup.New(dir, "t", nil).Create(ctx, func(phase string, done, total int64) {
		if phase == backup.PhaseFiles && done > 0 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("create: %v", err)
	}
	left, _ := os.ReadDir(filepath.Join(dir, "backups"))
	if len(left) != 0 {
		t.Fatalf("left %v", left)
	}
}

// TestStoppedStore: a backup of a data dir whose server is stopped (the WAL
// checkpointed away) works, and so does one of a dir with no store.
func TestStoppedStore(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	s, closeStore := openStore(t, dir)
	insertMessages(t, s, "r", 10)
	closeStore()
	b, err := backup.New(dir, "t", nil).Create(bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Size == 0 {
		t.Fatal("empty backup")
	}
	if _, err := backup.New(t.TempDir(), "t", nil).Create(bg, nil); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Fatalf("no store: %v", err)
	}
}

// TestRestoreNewDir: an archive restores into a data directory that does not exist
// yet (a new machine), with nothing to move aside.
func TestRestoreNewDir(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	s, closeStore := openStore(t, dir)
	insertMessages(t, s, "r", 7)
	b, err := backup.New(dir, "t", nil).Create(bg, nil)
	if err != nil {
		t.Fatal(err)
	}
	closeStore()
	fresh := filepath.Join(dataDir(t), "new")
	res, err := backup.Restore(bg, fresh, filepath.Join(dir, "backups", b.Name))
	if err != nil || res.Previous != "" {
		t.Fatalf("restore into a new dir: %+v %v", res, err)
	}
	s2, _ := openStore(t, fresh)
	if n := countMessages(t, s2, "r"); n != 7 {
		t.Fatalf("%d messages, want 7", n)
	}
}
