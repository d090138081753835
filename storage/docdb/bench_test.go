package docdb_test

// Benchmarks of the document store at 100k and 1M Rocket.Chat-shaped messages, and of
// the same operations through embedded FerretDB (DESIGN.md §2). They run only with
// -bench; plain `go test` builds no dataset.
//
//	go test -run '^$' -bench Store -benchtime 2000x ./storage/docdb/      # ~3 min, 1.5 GB in $TMPDIR
//	go test -run '^$' -bench FerretDB -benchtime 5x ./storage/docdb/     # ~2 min: seconds per query
//
// Every benchmark reports, besides ns/op, the median and 99th percentile latency of one
// operation (p50-µs, p99-µs) and the process's CPU time per operation (cpu-µs/op), which
// other load on the machine disturbs less than wall time. Each dataset is built once per
// process (sync.Once) and shared by every benchmark that needs its size; TestMain removes
// it at the end. The insert and send benchmarks add their messages to the shared dataset
// (about 8,000 per size at -benchtime 2000x), so the later ones run on a slightly larger
// collection.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage"
	"github.com/outpostchat/outpost/storage/docdb"
)

// TestMain only cleans up the datasets benchmarks built; tests are unaffected.
func TestMain(m *testing.M) {
	code := m.Run()
	closeDatasets()
	os.Exit(code)
}

const (
	benchRooms       = 200
	benchUsers       = 1000
	subsPerRoom      = 50
	loadBatch        = 5000 // messages per transaction while building a dataset
	historyLimit     = 50
	benchParallelism = 16 // goroutines per GOMAXPROCS in the parallel variants
	benchSeed        = 42
	benchStartDate   = "2023-01-01T00:00:00Z"
)

// Documents shaped like Rocket.Chat's.

type benchUser struct {
	ID       string `json:"_id"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
}

type mdText struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type mdBlock struct {
	Type  string   `json:"type"`
	Value []mdText `json:"value"`
}

type benchMsg struct {
	ID        string      `json:"_id"`
	RID       string      `json:"rid"`
	Msg       string      `json:"msg"`
	TS        time.Time   `json:"ts"`
	U         benchUser   `json:"u"`
	UpdatedAt time.Time   `json:"_updatedAt"`
	MD        []mdBlock   `json:"md"`
	Mentions  []benchUser `json:"mentions"`
}

type benchLastMessage struct {
	ID  string    `json:"_id"`
	Msg string    `json:"msg"`
	TS  time.Time `json:"ts"`
	U   benchUser `json:"u"`
}

type benchRoom struct {
	ID         string    `json:"_id"`
	T          string    `json:"t"`
	Name       string    `json:"name"`
	Fname      string    `json:"fname"`
	Msgs       int       `json:"msgs"`
	UsersCount int       `json:"usersCount"`
	TS         time.Time `json:"ts"`
	LM         time.Time `json:"lm"`
	U          benchUser `json:"u"`
	UpdatedAt  time.Time `json:"_updatedAt"`
}

type benchSub struct {
	ID        string    `json:"_id"`
	RID       string    `json:"rid"`
	Name      string    `json:"name"`
	T         string    `json:"t"`
	U         benchUser `json:"u"`
	Unread    int       `json:"unread"`
	Alert     bool      `json:"alert"`
	Open      bool      `json:"open"`
	TS        time.Time `json:"ts"`
	LS        time.Time `json:"ls"`
	UpdatedAt time.Time `json:"_updatedAt"`
}

var words = strings.Fields(`the a deploy build is ok failing again please review this PR
	merged into main tomorrow meeting at noon lunch coffee server restart logs look fine
	why did it break can you check ticket customer reported slow page login works now
	thanks great done on it ETA soon release notes staging prod rollback hotfix`)

// dataset is a data directory holding n messages, opened once and shared.
type dataset struct {
	n      int
	dir    string
	st     *storage.Store
	rooms  []string // room ids; rooms 0-2 are hot
	users  []benchUser
	msgIDs []string // the ids of the n messages built

	build  time.Duration
	dbSize int64

	mongoOnce sync.Once
	mongo     *mongo.Client
	mongoErr  error
}

type datasetEntry struct {
	once sync.Once
	ds   *dataset
	err  error
}

var datasets struct {
	sync.Mutex
	m map[int]*datasetEntry
}

// getDataset returns the dataset of n messages, building it on first use.
func getDataset(b *testing.B, n int) *dataset {
	b.Helper()
	datasets.Lock()
	if datasets.m == nil {
		datasets.m = map[int]*datasetEntry{}
	}
	e := datasets.m[n]
	if e == nil {
		e = &datasetEntry{}
		datasets.m[n] = e
	}
	datasets.Unlock()
	e.once.Do(func() {
		e.ds, e.err = buildDataset(n)
		if e.err == nil {
			b.Logf("dataset of %d messages built in %v; %s is %.1f MiB (%.0f bytes/message incl. indexes)",
				n, e.ds.build.Round(time.Millisecond), docdb.FileName, float64(e.ds.dbSize)/(1<<20), float64(e.ds.dbSize)/float64(n))
		}
	})
	if e.err != nil {
		b.Fatal(e.err)
	}
	return e.ds
}

func closeDatasets() {
	datasets.Lock()
	defer datasets.Unlock()
	for _, e := range datasets.m {
		ds := e.ds
		if ds == nil {
			continue
		}
		if ds.mongo != nil {
			_ = ds.mongo.Disconnect(context.Background())
		}
		if ds.st != nil {
			if err := ds.st.Close(); err != nil {
				fmt.Fprintln(os.Stderr, "closing benchmark store:", err)
			}
		}
		os.RemoveAll(ds.dir)
	}
}

// pickRoom draws a room index: three hot rooms take 15%, 10% and 5% of the traffic, the
// other 197 share the rest evenly.
func pickRoom(r *rand.Rand) int {
	switch x := r.Float64(); {
	case x < 0.15:
		return 0
	case x < 0.25:
		return 1
	case x < 0.30:
		return 2
	}
	return 3 + r.IntN(benchRooms-3)
}

func randText(r *rand.Rand) string {
	var sb strings.Builder
	for sb.Len() < 100 {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(words[r.IntN(len(words))])
	}
	return sb.String()
}

func (ds *dataset) newMsg(r *rand.Rand, room int, ts time.Time) benchMsg {
	text := randText(r)
	u := ds.users[r.IntN(len(ds.users))]
	m := benchMsg{
		ID:        model.NewID(),
		RID:       ds.rooms[room],
		Msg:       text,
		TS:        ts,
		U:         u,
		UpdatedAt: ts,
		MD:        []mdBlock{{Type: "PARAGRAPH", Value: []mdText{{Type: "PLAIN_TEXT", Value: text}}}},
		Mentions:  []benchUser{},
	}
	if r.IntN(10) == 0 {
		mu := ds.users[r.IntN(len(ds.users))]
		m.Mentions = append(m.Mentions, benchUser{ID: mu.ID, Username: mu.Username})
	}
	return m
}

func buildDataset(n int) (_ *dataset, err error) {
	dir, err := os.MkdirTemp("", "opb") // short: the FerretDB socket lives inside
	if err != nil {
		return nil, err
	}
	ds := &dataset{n: n, dir: dir}
	defer func() {
		if err != nil {
			if ds.st != nil {
				ds.st.Close()
			}
			os.RemoveAll(dir)
		}
	}()
	ctx := context.Background()
	ds.st, err = storage.Open(ctx, storage.Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	r := rand.New(rand.NewPCG(benchSeed, uint64(n)))
	base, _ := time.Parse(time.RFC3339, benchStartDate)

	for i := range benchUsers {
		ds.users = append(ds.users, benchUser{ID: model.NewID(), Username: fmt.Sprintf("user%d", i), Name: fmt.Sprintf("User Number %d", i)})
	}
	rooms := ds.st.Docs.Collection(docdb.Rooms)
	subs := ds.st.Docs.Collection(docdb.Subscriptions)
	err = ds.st.Docs.InTx(ctx, func(ctx context.Context) error {
		for i := range benchRooms {
			id := model.NewID()
			ds.rooms = append(ds.rooms, id)
			owner := ds.users[i%len(ds.users)]
			name := fmt.Sprintf("room-%d", i)
			if err := rooms.Insert(ctx, benchRoom{ID: id, T: "c", Name: name, Fname: name, UsersCount: subsPerRoom,
				TS: base, LM: base, U: benchUser{ID: owner.ID, Username: owner.Username}, UpdatedAt: base}); err != nil {
				return err
			}
			for j := range subsPerRoom {
				u := ds.users[(i*7+j*13)%len(ds.users)]
				if err := subs.Insert(ctx, benchSub{ID: model.NewID(), RID: id, Name: name, T: "c",
					U: benchUser{ID: u.ID, Username: u.Username}, Open: true, TS: base, LS: base, UpdatedAt: base}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	msgs := ds.st.Docs.Collection(docdb.Messages)
	ds.msgIDs = make([]string, 0, n)
	for done := 0; done < n; {
		k := min(loadBatch, n-done)
		err := ds.st.Docs.InTx(ctx, func(ctx context.Context) error {
			for i := range k {
				ts := base.Add(time.Duration(done+i)*15*time.Second + time.Duration(r.IntN(15000))*time.Millisecond)
				m := ds.newMsg(r, pickRoom(r), ts)
				if err := msgs.Insert(ctx, m); err != nil {
					return err
				}
				ds.msgIDs = append(ds.msgIDs, m.ID)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("loading messages %d-%d: %w", done, done+k, err)
		}
		done += k
	}
	ds.build = time.Since(start)
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(filepath.Join(dir, "db", docdb.FileName+suffix)); err == nil {
			ds.dbSize += fi.Size()
		}
	}
	return ds, nil
}

// latencies collects the duration of each operation.
type latencies []time.Duration

// cpuTime is the CPU time (user and system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// report adds the latency percentiles and, as a measure less disturbed by other load on
// the machine than wall time, the process's CPU time per operation (FerretDB's included).
func (l latencies) report(b *testing.B, cpu time.Duration) {
	if len(l) == 0 {
		return
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(len(l)), "cpu-µs/op")
	slices.Sort(l)
	at := func(p float64) float64 {
		i := min(len(l)-1, int(float64(len(l))*p))
		return float64(l[i].Nanoseconds()) / 1e3
	}
	b.ReportMetric(at(0.50), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// measure runs op b.N times, timing each call.
func measure(b *testing.B, op func(r *rand.Rand) error) {
	b.Helper()
	r := rand.New(rand.NewPCG(benchSeed, uint64(time.Now().UnixNano())))
	lat := make(latencies, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		t0 := time.Now()
		err := op(r)
		lat = append(lat, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	lat.report(b, cpuTime()-cpu0)
}

// measureParallel runs op b.N times from benchParallelism×GOMAXPROCS goroutines.
func measureParallel(b *testing.B, op func(r *rand.Rand) error) {
	b.Helper()
	var (
		mu  sync.Mutex
		all = make(latencies, 0, b.N)
	)
	b.SetParallelism(benchParallelism)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(benchSeed, uint64(time.Now().UnixNano())))
		var lat latencies
		for pb.Next() {
			t0 := time.Now()
			err := op(r)
			lat = append(lat, time.Since(t0))
			if err != nil {
				b.Error(err)
				break
			}
		}
		mu.Lock()
		all = append(all, lat...)
		mu.Unlock()
	})
	b.StopTimer()
	all.report(b, cpuTime()-cpu0)
}

var benchSizes = []struct {
	name string
	n    int
}{{"docs=100k", 100_000}, {"docs=1M", 1_000_000}}

// BenchmarkStore measures docdb, Outpost's own SQL over FerretDB's SQLite layout.
func BenchmarkStore(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(size.name, func(b *testing.B) {
			benchStoreOps(b, size.n)
		})
	}
}

func benchStoreOps(b *testing.B, n int) {
	ctx := context.Background()
	b.Run("insert", func(b *testing.B) {
		ds := getDataset(b, n)
		msgs := ds.st.Docs.Collection(docdb.Messages)
		measure(b, func(r *rand.Rand) error {
			m := ds.newMsg(r, pickRoom(r), time.Now())
			return ds.st.Docs.InTx(ctx, func(ctx context.Context) error { return msgs.Insert(ctx, m) })
		})
	})
	b.Run("insert-parallel", func(b *testing.B) {
		ds := getDataset(b, n)
		msgs := ds.st.Docs.Collection(docdb.Messages)
		measureParallel(b, func(r *rand.Rand) error {
			m := ds.newMsg(r, pickRoom(r), time.Now())
			return ds.st.Docs.InTx(ctx, func(ctx context.Context) error { return msgs.Insert(ctx, m) })
		})
	})
	b.Run("history", func(b *testing.B) {
		ds := getDataset(b, n)
		msgs := ds.st.Docs.Collection(docdb.Messages)
		var out []benchMsg
		measure(b, func(r *rand.Rand) error {
			q := docdb.Query{Where: docdb.F("rid") + " = ?", Args: []any{ds.rooms[pickRoom(r)]},
				Order: docdb.F("ts") + " DESC", Limit: historyLimit}
			if err := msgs.Find(ctx, q, &out); err != nil {
				return err
			}
			if len(out) != historyLimit {
				return fmt.Errorf("history gave %d messages", len(out))
			}
			return nil
		})
	})
	b.Run("find-by-id", func(b *testing.B) {
		ds := getDataset(b, n)
		msgs := ds.st.Docs.Collection(docdb.Messages)
		measure(b, func(r *rand.Rand) error {
			var m benchMsg
			id := ds.msgIDs[r.IntN(len(ds.msgIDs))]
			if err := msgs.FindOne(ctx, docdb.ByID(id), &m); err != nil {
				return err
			}
			if m.ID != id {
				return fmt.Errorf("asked for %s, got %s", id, m.ID)
			}
			return nil
		})
	})
	b.Run("update-by-id", func(b *testing.B) {
		ds := getDataset(b, n)
		msgs := ds.st.Docs.Collection(docdb.Messages)
		measure(b, func(r *rand.Rand) error {
			id := ds.msgIDs[r.IntN(len(ds.msgIDs))]
			return msgs.UpdateOne(ctx, id, docdb.U().Inc("tcount", 1).Set("_updatedAt", time.Now()), nil)
		})
	})
	send := func(ds *dataset) func(r *rand.Rand) error {
		d := ds.st.Docs
		msgs, rooms, subs := d.Collection(docdb.Messages), d.Collection(docdb.Rooms), d.Collection(docdb.Subscriptions)
		return func(r *rand.Rand) error {
			now := time.Now()
			m := ds.newMsg(r, pickRoom(r), now)
			return d.InTx(ctx, func(ctx context.Context) error {
				if err := msgs.Insert(ctx, m); err != nil {
					return err
				}
				lm := benchLastMessage{ID: m.ID, Msg: m.Msg, TS: m.TS, U: m.U}
				if err := rooms.UpdateOne(ctx, m.RID, docdb.U().Inc("msgs", 1).Set("lm", now).Set("lastMessage", lm), nil); err != nil {
					return err
				}
				k, err := subs.Update(ctx, docdb.Query{Where: docdb.F("rid") + " = ?", Args: []any{m.RID}},
					docdb.U().Inc("unread", 1).Set("alert", true).Set("_updatedAt", now))
				if err == nil && k != subsPerRoom {
					err = fmt.Errorf("send updated %d subscriptions", k)
				}
				return err
			})
		}
	}
	b.Run("send", func(b *testing.B) {
		measure(b, send(getDataset(b, n)))
	})
	b.Run("send-parallel", func(b *testing.B) {
		measureParallel(b, send(getDataset(b, n)))
	})
}

// BenchmarkFerretDB measures the same operations through embedded FerretDB with the
// Mongo driver, at 100k messages only: it reads whole tables, seconds per query, so run
// it with a tiny fixed count, e.g. -benchtime=5x.
func BenchmarkFerretDB(b *testing.B) {
	b.Run("docs=100k", func(b *testing.B) {
		benchFerretOps(b, 100_000)
	})
}

func (ds *dataset) mongoColl(b *testing.B) *mongo.Collection {
	ds.mongoOnce.Do(func() {
		ds.mongo, ds.mongoErr = mongo.Connect(context.Background(), options.Client().ApplyURI(ds.st.Mongo.URI()))
	})
	if ds.mongoErr != nil {
		b.Fatal(ds.mongoErr)
	}
	return ds.mongo.Database("rocketchat").Collection(docdb.Messages)
}

func benchFerretOps(b *testing.B, n int) {
	ctx := context.Background()
	b.Run("insert", func(b *testing.B) {
		ds := getDataset(b, n)
		c := ds.mongoColl(b)
		measure(b, func(r *rand.Rand) error {
			m := ds.newMsg(r, pickRoom(r), time.Now())
			mentions := bson.A{}
			for _, u := range m.Mentions {
				mentions = append(mentions, bson.D{{Key: "_id", Value: u.ID}, {Key: "username", Value: u.Username}})
			}
			_, err := c.InsertOne(ctx, bson.D{
				{Key: "_id", Value: m.ID},
				{Key: "rid", Value: m.RID},
				{Key: "msg", Value: m.Msg},
				{Key: "ts", Value: m.TS},
				{Key: "u", Value: bson.D{{Key: "_id", Value: m.U.ID}, {Key: "username", Value: m.U.Username}, {Key: "name", Value: m.U.Name}}},
				{Key: "_updatedAt", Value: m.UpdatedAt},
				{Key: "md", Value: bson.A{bson.D{{Key: "type", Value: "PARAGRAPH"}, {Key: "value", Value: bson.A{
					bson.D{{Key: "type", Value: "PLAIN_TEXT"}, {Key: "value", Value: m.Msg}}}}}}},
				{Key: "mentions", Value: mentions},
			})
			return err
		})
	})
	b.Run("history", func(b *testing.B) {
		ds := getDataset(b, n)
		c := ds.mongoColl(b)
		measure(b, func(r *rand.Rand) error {
			cur, err := c.Find(ctx, bson.D{{Key: "rid", Value: ds.rooms[pickRoom(r)]}},
				options.Find().SetSort(bson.D{{Key: "ts", Value: -1}}).SetLimit(historyLimit))
			if err != nil {
				return err
			}
			var out []bson.M
			if err := cur.All(ctx, &out); err != nil {
				return err
			}
			if len(out) != historyLimit {
				return fmt.Errorf("history gave %d messages", len(out))
			}
			return nil
		})
	})
	b.Run("find-by-id", func(b *testing.B) {
		ds := getDataset(b, n)
		c := ds.mongoColl(b)
		measure(b, func(r *rand.Rand) error {
			var m bson.M
			return c.FindOne(ctx, bson.D{{Key: "_id", Value: ds.msgIDs[r.IntN(len(ds.msgIDs))]}}).Decode(&m)
		})
	})
	b.Run("update-by-id", func(b *testing.B) {
		ds := getDataset(b, n)
		c := ds.mongoColl(b)
		measure(b, func(r *rand.Rand) error {
			res, err := c.UpdateOne(ctx, bson.D{{Key: "_id", Value: ds.msgIDs[r.IntN(len(ds.msgIDs))]}},
				bson.D{{Key: "$inc", Value: bson.D{{Key: "tcount", Value: 1}}}, {Key: "$set", Value: bson.D{{Key: "_updatedAt", Value: time.Now()}}}})
			if err == nil && res.MatchedCount != 1 {
				err = fmt.Errorf("updateOne matched %d", res.MatchedCount)
			}
			return err
		})
	})
}
