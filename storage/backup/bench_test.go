package backup_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage/backup"
	"github.com/outpostchat/outpost/storage/docdb"
)

// BenchmarkCreate is a backup of a store with 50,000 messages and 500 uploads of 64 KiB
// (random bytes: photos do not compress), reporting the archive's and the database's
// sizes.
func BenchmarkCreate(b *testing.B) {
	dir := dataDir(b)
	s, _ := openStore(b, dir)
	c := s.Docs.Collection(docdb.Messages)
	for batch := range 50 {
		err := s.Docs.InTx(bg, func(ctx context.Context) error {
			for i := range 1000 {
				m := model.Message{ID: model.NewID(), RID: fmt.Sprintf("room%02d", i%20), Ts: time.Now().UTC(), U: model.UserRef{ID: "u1", Username: "ann"},
					Msg: fmt.Sprintf("message %d of batch %d: the quick brown fox jumps over the lazy dog", i, batch)}
				if err := c.Insert(ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	blob := make([]byte, 64<<10)
	for range 500 {
		for i := range blob {
			blob[i] = byte(rand.Uint32())
		}
		if _, err := s.Files.Put(bg, model.NewID(), bytes.NewReader(blob), 1<<20); err != nil {
			b.Fatal(err)
		}
	}
	db, _ := os.Stat(filepath.Join(dir, "db", "rocketchat.sqlite"))
	a := backup.New(dir, "bench", nil)
	var last model.Backup
	b.ResetTimer()
	for b.Loop() {
		bk, err := a.Create(bg, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if last.Name != "" {
			a.Delete(bg, last.Name)
		}
		last = bk
		b.StartTimer()
	}
	b.ReportMetric(float64(last.Size)/(1<<20), "archive-MiB")
	b.ReportMetric(float64(db.Size())/(1<<20), "db-MiB")
}
