package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage"
	"github.com/outpostchat/outpost/storage/docdb"
)

// historyOptions are the history mode's settings.
type historyOptions struct {
	seed     seedSpec
	reseed   bool
	requests int // per variant
	clients  int // concurrent REST clients
	warmup   int // unmeasured requests per variant
}

// targetHistoryP99 is the bound on channels.history (newest 50) at 1M messages.
const targetHistoryP99 = 5 * time.Millisecond

// ensureSeeded makes sure dir holds the seeded dataset opt.seed asks for, building it
// when it does not (the server must not be running on dir): it creates the admin with
// `bin admin create`, then inserts rooms, subscriptions and messages through docdb.
func ensureSeeded(ctx context.Context, bin, dir string, opt historyOptions, stderr io.Writer) (*dirState, error) {
	st, err := readState(dir)
	switch {
	case err == nil && st.Seed != nil && st.Seed.Complete && st.Seed.Spec == (seedSpecDoc{opt.seed.messages, opt.seed.rooms}) && !opt.reseed:
		fmt.Fprintf(stderr, "history: reusing %s: %d messages in %d room(s), seeded before (in %s)\n", dir, st.Seed.Messages, len(st.Seed.Rooms), st.Seed.Took)
		return st, nil
	case err == nil:
		// Ours, but of another size, unfinished, or -reseed: start again.
		fmt.Fprintf(stderr, "history: %s was seeded with another size or not to the end: removing it and seeding again\n", dir)
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
	case errors.Is(err, os.ErrNotExist):
		if empty, err := isEmptyDir(dir); err != nil {
			return nil, err
		} else if !empty {
			return nil, fmt.Errorf("%s exists and is not a directory ddpload seeded (no %s): give another -data, or remove it", dir, stateFile)
		}
	default:
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	st = newAdminState()
	st.Seed = &seedInfo{Spec: seedSpecDoc{opt.seed.messages, opt.seed.rooms}} // incomplete until the end
	if err := writeState(dir, st); err != nil {
		return nil, err
	}
	if err := createAdmin(ctx, bin, dir, st); err != nil {
		return nil, err
	}
	store, err := storage.Open(ctx, storage.Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	u, err := docdb.NewUsersStore(store.Docs).ByUsername(ctx, st.AdminUser)
	if err != nil {
		return nil, fmt.Errorf("finding %s after creating it: %w", st.AdminUser, err)
	}
	fmt.Fprintf(stderr, "history: seeding %s with %d messages in %d room(s)\n", dir, opt.seed.messages, opt.seed.rooms)
	start := time.Now()
	next := 0
	info, err := seedHistory(ctx, store, model.UserRef{ID: u.ID, Username: u.Username, Name: u.Name}, opt.seed, func(done int) {
		if done >= next {
			el := time.Since(start)
			eta := time.Duration(float64(el) / float64(done) * float64(opt.seed.messages-done))
			fmt.Fprintf(stderr, "history: %d/%d messages in %v (%.0f/s, about %v to go)\n", done, opt.seed.messages,
				el.Round(time.Second), float64(done)/el.Seconds(), eta.Round(time.Second))
			next = done + max(opt.seed.messages/10, seedBatch)
		}
	})
	if err != nil {
		return nil, err
	}
	if err := store.Close(); err != nil {
		return nil, err
	}
	st.Seed = info
	if err := writeState(dir, st); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "history: seeded in %s\n", info.Took)
	return st, nil
}

// historyResult is one variant's measurement.
type historyResult struct {
	name             string
	requests, failed int
	elapsed          time.Duration
	lat              []time.Duration // sorted, successful requests only
	serverEnd        procStatus
	serverOK         bool
	cpu              cpuUse
	errors           []string
}

func (r historyResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(len(r.lat)) / r.elapsed.Seconds()
}

func (r historyResult) pass() bool {
	return r.failed == 0 && len(r.lat) > 0 && percentile(r.lat, 99) < targetHistoryP99
}

// historyPage is the part of a channels.history answer checked.
type historyPage struct {
	Messages []struct {
		ID  string `json:"_id"`
		RID string `json:"rid"`
		Ts  string `json:"ts"`
	} `json:"messages"`
}

// checkPage checks an answer: count messages of the room, newest first, all before
// latest (when set).
func checkPage(p historyPage, rid string, count int, latest time.Time) error {
	if len(p.Messages) != count {
		return fmt.Errorf("%d messages, want %d", len(p.Messages), count)
	}
	prev := ""
	for i, m := range p.Messages {
		if m.RID != rid {
			return fmt.Errorf("message %d is of room %q", i, m.RID)
		}
		ts, err := time.Parse(time.RFC3339Nano, m.Ts)
		if err != nil {
			return fmt.Errorf("message %d: ts %q: %v", i, m.Ts, err)
		}
		if !latest.IsZero() && !ts.Before(latest) {
			return fmt.Errorf("message %d (%s) is not before latest %s", i, m.Ts, latest.Format(time.RFC3339Nano))
		}
		if prev != "" && m.Ts > prev {
			return fmt.Errorf("not newest first: %s after %s", m.Ts, prev)
		}
		prev = m.Ts
	}
	return nil
}

// historyQuery is one request: the path and what its answer must be.
type historyQuery struct {
	path   string
	rid    string
	latest time.Time
}

func historyQueries(seed *seedInfo, middle bool) []historyQuery {
	var qs []historyQuery
	for _, r := range seed.Rooms {
		q := historyQuery{path: "/api/v1/channels.history?roomId=" + url.QueryEscape(r.ID) + "&count=50", rid: r.ID}
		if middle {
			q.latest = r.Middle
			q.path += "&latest=" + url.QueryEscape(r.Middle.UTC().Format("2006-01-02T15:04:05.000Z"))
		}
		qs = append(qs, q)
	}
	return qs
}

// runHistory sends n requests (clients at a time, round-robin over qs) after warmup
// unmeasured ones, checking every answer.
func runHistory(ctx context.Context, cfg *config, c *restClient, name string, qs []historyQuery, n, clients, warmup int) historyResult {
	r := historyResult{name: name, requests: n}
	var fails tally
	one := func(ctx context.Context, i int) (time.Duration, error) {
		q := qs[i%len(qs)]
		var page historyPage
		t0 := time.Now()
		err := c.do(ctx, http.MethodGet, q.path, nil, &page)
		d := time.Since(t0)
		if err == nil {
			err = checkPage(page, q.rid, 50, q.latest)
		}
		return d, err
	}
	for i := range warmup {
		if _, err := one(ctx, i); err != nil {
			fails.add(fmt.Errorf("warm-up: %w", err))
			r.failed = n
			r.errors = fails.top(3)
			return r
		}
	}
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0 := sampleCPU(cfg.serverPID)
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				d, err := one(ctx, i)
				if err != nil {
					fails.add(err)
					continue
				}
				lat[i] = d
			}
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	r.cpu = cpuBetween(cpu0, sampleCPU(cfg.serverPID), r.elapsed, runtime.NumCPU())
	r.serverEnd, r.serverOK = sampleServer(cfg)
	ok := lat[:0]
	for _, d := range lat {
		if d > 0 {
			ok = append(ok, d)
		}
	}
	r.lat = sortedDurations(ok)
	r.failed = n - len(r.lat)
	r.errors = fails.top(3)
	return r
}

// measureHistory logs in as the seeded rooms' member and runs both variants: the
// newest 50, and the 50 before the middle of each room (latest=).
func measureHistory(ctx context.Context, cfg *config, seed *seedInfo, opt historyOptions) ([]historyResult, error) {
	uid, token, err := restLogin(ctx, cfg.addr, cfg.user, cfg.password)
	if err != nil {
		return nil, err
	}
	c := newRESTClient(cfg.addr, uid, token)
	var out []historyResult
	for _, v := range []struct {
		name   string
		middle bool
	}{{"newest 50", false}, {"50 before the middle (latest=)", true}} {
		fmt.Fprintf(cfg.stderr, "history: %s: %d requests from %d clients (after %d unmeasured)\n", v.name, opt.requests, opt.clients, opt.warmup)
		out = append(out, runHistory(ctx, cfg, c, v.name, historyQueries(seed, v.middle), opt.requests, opt.clients, opt.warmup))
	}
	return out, nil
}

func printHistoryTable(w io.Writer, seed *seedInfo, rs []historyResult, clients int) {
	if len(rs) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "history (%d messages in %d room(s), %d clients)\trequests\tok\tfail\trate\tp50\tp99\tmax\tserver CPU\tserver RSS\ttarget\n",
		seed.Messages, len(seed.Rooms), clients)
	for _, r := range rs {
		verdict := "FAIL"
		if r.pass() {
			verdict = "PASS"
		}
		maxLat := time.Duration(0)
		if len(r.lat) > 0 {
			maxLat = r.lat[len(r.lat)-1]
		}
		cpu, rss := "-", "-"
		if r.serverOK {
			cpu, rss = fmt.Sprintf("%.0f%% of a core", 100*r.cpu.server), mib(r.serverEnd.RSS)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f req/s\t%s\t%s\t%s\t%s\t%s\t%s: p99 < 5 ms\n",
			r.name, r.requests, len(r.lat), r.failed, r.rate(), ms(percentile(r.lat, 50)), ms(percentile(r.lat, 99)), ms(maxLat), cpu, rss, verdict)
	}
	tw.Flush()
}

func historyNotes(rs []historyResult) []string {
	if len(rs) == 0 {
		return nil
	}
	notes := []string{"history: GET /api/v1/channels.history?roomId=…&count=50[&latest=…], time to the whole answer read; every answer checked: 50 messages of the room, newest first, before latest"}
	for _, r := range rs {
		if r.cpu.others > busyOthers {
			notes = append(notes, fmt.Sprintf("history: %s: other processes kept %.2f cores busy", r.name, r.cpu.others))
		}
		for _, e := range r.errors {
			notes = append(notes, "history: "+r.name+": error: "+e)
		}
	}
	return notes
}

// defaultHistoryDir is where the seeded dataset is cached.
const defaultHistoryDir = "./outpost-load-1m"
