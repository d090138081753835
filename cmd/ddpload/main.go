// Command ddpload measures Outpost on loopback against the targets: 10,000 idle
// authenticated DDP connections under 300 MB of server RSS, 2,000 resume logins per
// second, password logins bounded only by bcrypt cost 10; chat delivery and throughput;
// room history at 1M messages.
//
//	ddpload -mode idle -conns 10000 -hold 30s -server-pid PID
//	ddpload -mode resume -conns 50 -duration 10s
//	ddpload -mode password -conns 4 -duration 10s
//	ddpload -mode idle,resume,password      (each mode with its default -conns)
//	ddpload -preset room500,rooms100 -serve ./outpost
//	ddpload -mode chat -users 200 -rooms 20 -room-size 10 -rate 100 -duration 20s
//	ddpload -mode history -serve ./outpost [-data ./outpost-load-1m]
//	ddpload -mode upload -serve ./outpost [-upload-mib 100 -upload-rss-mib 1024]
//
// Before each login mode it logs in over REST (POST /api/v1/login) for a resume token, then:
//
//   - idle opens -conns WebSockets to ws://ADDR/websocket (-dial-concurrency at a
//     time), does connect and login {resume} on each, holds them for -hold answering the
//     server's pings, and reports how many came up, how long that took, and the
//     server's RSS (from /proc/PID/status) before, once up, and at the end;
//   - resume has -conns connections each call login {resume} back to back (one call in
//     flight per connection, so -conns is the concurrency) for -duration;
//   - password does the same with {user, password: {digest, algorithm: "sha-256"}}
//     and compares the rate with bcrypt cost 10 CompareHashAndPassword per second
//     measured here on all CPUs (at least 85% of it counts as bcrypt-bound). Each such
//     login stores a new token on the user, and the user's resume logins get slower as
//     they pile up: run resume before password.
//
// chat (-users N, -rooms R, -room-size M, -rate, -duration; or -preset room500 and/or
// rooms100, the two targets) sets up as the admin over REST: users load-0001 …
// (users.create when users.info does not find them, password -user-password), channels
// load-room-mM-001 … (channels.create with their members, or channels.invite for members
// missing from an existing one), then logs every user in once over REST (a few at a
// time, giving up after 5 failures, well under the server's failed-login limits). It
// opens one DDP connection per user (login {resume}), subscribes each to
// stream-room-messages of each of its rooms and waits for every ready. It then sends
// sendMessage {_id, rid, msg} on an open-loop schedule: message k at k/rate, rooms in
// turn, each room's members in turn, refusing plans where a user would send more than
// -max-user-rate (the server's 5/s) in any second. It reports sent, accepted and errors
// by code, accepted/s, deliveries expected and received, delivery latency (event
// received − call written, per message and subscribed member) and call round trip
// percentiles, and the server's RSS (start, peak) and CPU over the run. Targets:
// room500 p99 delivery < 50 ms with every message accepted and delivered; rooms100 at
// least 1,000 accepted/s with the last answer within a second of the last send.
//
// history seeds a data directory (-data, default ./outpost-load-1m; -history-messages
// 1,000,000 in -history-rooms 1 room) straight through storage/docdb, not the API: it
// creates the admin with `outpost admin create`, then inserts the room, the admin's
// subscription and the messages, and records it in DIR/ddpload.json, so that later runs
// reuse it. It then starts the server on it and measures GET /api/v1/channels.history
// ?roomId=…&count=50, the newest 50 and with latest= at the room's middle, -requests
// times each from -clients concurrent clients after -warmup unmeasured ones, checking
// every answer. Target: p99 < 5 ms.
//
// upload (issue 5) sets FileUpload_MaxFileSize to -1 (no limit) as the admin, then times
// a copy of a -upload-mib file through a user-space buffer plus fsync, on the data
// directory's disk (the baseline; exec cp too, for information), its upload to
// rooms.media (streamed multipart, to the answer, which follows the blob's fsync) and
// its download from /file-upload (written and fsynced), each -upload-runs times, the
// fastest counting; every download is checked byte for byte and deleted with its
// message. It then uploads a -upload-rss-mib file sampling the server's RSS every 10 ms.
// Targets: upload and download at least 0.7 of the copy's rate; RSS under 64 MB above
// idle during the large upload. See upload.go.
//
// -serve BINARY starts that Outpost binary (serve --listen 127.0.0.1:0) on -data (chat:
// by default a fresh temporary directory, removed at the end) with an admin ddpload
// creates and records in DIR/ddpload.json, measures it, and stops it; without -serve the
// tool uses the server at -addr as -user (an admin, for chat).
//
// The server is found by -server-pid, else by which process listens on -addr's port.
// ddpload raises its own RLIMIT_NOFILE to the hard limit and warns when the server's
// (/proc/PID/limits) is below what the run needs. Only loopback targets are accepted.
// Every loop is bounded in count and time, and a watchdog ends the process if the whole
// run overstays its budget. Exit status: 0 every target met, 4 measured but a target
// missed, 1 an error, 2 bad flags, 3 the watchdog.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
)

// Each mode's -conns when the flag is 0.
// chat and history take their connection counts from their own flags.
var defaultConns = map[string]int{"idle": 10_000, "resume": 50, "password": 4, "chat": 0, "history": 0, "upload": 0}

// maxConns bounds -conns.
const maxConns = 100_000

var selfPID = os.Getpid()

type config struct {
	addr             string
	user, password   string
	modes            []string
	conns            int // 0: each mode's default
	hold             time.Duration
	duration         time.Duration
	establishTimeout time.Duration
	dialConc         int
	maxCalls         int
	bcryptTime       time.Duration
	serverPID        int
	stdout, stderr   io.Writer

	chat     []chatSpec // the chat mode's runs, in order
	chatOpt  chatOptions
	history  historyOptions
	upload   uploadOptions
	serveBin string // -serve: start this Outpost binary
	data     string // -serve: its data directory
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "ddpload:", err)
		return 2
	}
	cfg.stdout, cfg.stderr = stdout, stderr

	budget := cfg.budget()
	watchdog := time.AfterFunc(budget, func() {
		fmt.Fprintf(stderr, "ddpload: watchdog: the run took longer than its budget of %v; exiting\n", budget)
		os.Exit(3)
	})
	defer watchdog.Stop()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()

	srv, seed, err := serveAndSeed(ctx, cfg)
	if srv != nil {
		defer srv.stop()
	}
	if err != nil {
		fmt.Fprintln(stderr, "ddpload:", err)
		return 1
	}
	if cfg.user == "" || cfg.password == "" {
		fmt.Fprintln(stderr, "ddpload: give -user and -password (or ADMIN_USERNAME and ADMIN_PASS), or -serve")
		return 2
	}
	if err := prepare(cfg); err != nil {
		fmt.Fprintln(stderr, "ddpload:", err)
		return 1
	}

	var rows []row
	var notes []string
	var chats []*chatResult
	var hist []historyResult
	var up *uploadResult
	failed, busy := false, false
	for _, mode := range cfg.modes {
		var rep report
		switch mode {
		case "chat":
			for _, spec := range cfg.chat {
				r, err := runChat(ctx, cfg, spec, cfg.chatOpt)
				if err != nil {
					fmt.Fprintln(stderr, "ddpload: chat:", err)
					return 1
				}
				pass, _, verdict := chatVerdict(r)
				fmt.Fprintf(stderr, "%s: %d sent, %d accepted, %d/%d deliveries, delivery p99 %s; %s\n",
					spec.name, r.sent, r.accepted, r.received, r.expected, ms(percentile(r.lat, 99)), verdict)
				failed = failed || !pass
				busy = busy || r.cpu.others > busyOthers
				chats = append(chats, r)
				if ctx.Err() != nil {
					break
				}
			}
			continue
		case "history":
			rs, err := measureHistory(ctx, cfg, seed, cfg.history)
			if err != nil {
				fmt.Fprintln(stderr, "ddpload: history:", err)
				return 1
			}
			for _, r := range rs {
				failed = failed || !r.pass()
				busy = busy || r.cpu.others > busyOthers
			}
			hist = rs
			continue
		case "upload":
			r, err := runUpload(ctx, cfg, cfg.upload)
			if err != nil {
				fmt.Fprintln(stderr, "ddpload: upload:", err)
				return 1
			}
			failed = failed || !r.pass()
			up = r
			continue
		}
		n := cfg.conns
		if n == 0 {
			n = defaultConns[mode]
		}
		// A fresh resume token per mode: a server that caps tokens per user (Rocket.Chat
		// keeps 50) may have dropped an older one during the password mode.
		_, token, err := restLogin(ctx, cfg.addr, cfg.user, cfg.password)
		if err != nil {
			fmt.Fprintln(stderr, "ddpload:", err)
			return 1
		}
		switch mode {
		case "idle":
			rep = idleReport(runIdle(ctx, cfg, token, n))
		case "resume":
			fmt.Fprintf(stderr, "resume: %d connections for %v\n", n, cfg.duration)
			rep = resumeReport(runLoop(ctx, cfg, n, cfg.duration, func() any { return resumeParams(token) }))
		case "password":
			single, parallel, err := bcryptCeiling(accounts.BcryptCost, cfg.bcryptTime)
			if err != nil {
				fmt.Fprintln(stderr, "ddpload: bcrypt:", err)
				return 1
			}
			fmt.Fprintf(stderr, "password: %d connections for %v\n", n, cfg.duration)
			p := passwordParams(cfg.user, cfg.password)
			rep = passwordReport(runLoop(ctx, cfg, n, cfg.duration, func() any { return p }), single, parallel)
		}
		if mode == "idle" {
			settle(ctx, cfg) // let the server finish closing them before the next mode
		}
		failed = failed || !rep.pass
		busy = busy || rep.others > busyOthers
		rows = append(rows, rep.row)
		notes = append(notes, rep.notes...)
		if ctx.Err() != nil {
			break
		}
	}
	fmt.Fprintln(stdout)
	if len(rows) > 0 {
		printTable(stdout, rows)
	}
	if len(chats) > 0 {
		if len(rows) > 0 {
			fmt.Fprintln(stdout)
		}
		printChatTable(stdout, chats)
		notes = append(notes, chatNotes(chats)...)
	}
	if len(hist) > 0 {
		printHistoryTable(stdout, seed, hist, cfg.history.clients)
		notes = append(notes, historyNotes(hist)...)
	}
	if up != nil {
		printUploadTable(stdout, up)
		notes = append(notes, uploadNotes(up)...)
	}
	for _, n := range notes {
		fmt.Fprintln(stdout, "  "+n)
	}
	if busy {
		fmt.Fprintln(stdout, "  note: other processes kept the CPUs busy during the run (see \"other processes\" above): rates are low by that much")
	}
	if srv != nil {
		if !srv.alive() {
			fmt.Fprintf(stderr, "ddpload: the server died during the run (%v); its log %s ends:\n%s\n", srv.waitErr, srv.logPath, tail(srv.logPath, 30))
			return 1
		}
		if srv.tempDir == "" {
			fmt.Fprintf(stdout, "  server log: %s\n", srv.logPath)
		}
	}
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "ddpload: stopped early:", context.Cause(ctx))
		return 1
	}
	if failed {
		return 4 // measured, but a target was missed
	}
	return 0
}

// serveAndSeed, with -serve, prepares the data directory (history: seeds it; others: a
// fresh temporary one unless -data), starts the server on it and points cfg at it. For
// history it returns what was seeded, read from the directory's state file when the
// server is someone else's.
func serveAndSeed(ctx context.Context, cfg *config) (*serverProc, *seedInfo, error) {
	history := slices.Contains(cfg.modes, "history")
	if cfg.serveBin == "" {
		if !history {
			return nil, nil, nil
		}
		st, err := readState(cfg.data)
		if err != nil || st.Seed == nil || !st.Seed.Complete {
			return nil, nil, fmt.Errorf("history without -serve measures a server already running on a directory ddpload seeded, but %s has no complete seed (%v): "+
				"run with -serve BINARY to seed it first", cfg.data, err)
		}
		if cfg.user == "" {
			cfg.user, cfg.password = st.AdminUser, st.AdminPassword
		}
		return nil, st.Seed, nil
	}
	if _, err := raiseFileLimit(); err != nil { // the server inherits it
		return nil, nil, err
	}
	bin, err := exec.LookPath(cfg.serveBin)
	if err != nil {
		return nil, nil, fmt.Errorf("-serve: %w", err)
	}
	var st *dirState
	var env []string
	tempDir := "" // removed with the server
	switch {
	case history:
		if cfg.data == "" {
			cfg.data = defaultHistoryDir
		}
		if st, err = ensureSeeded(ctx, bin, cfg.data, cfg.history, cfg.stderr); err != nil {
			return nil, nil, err
		}
	case cfg.data == "":
		dir, err := os.MkdirTemp("", "ddpload-") // short: the store's Unix socket lives inside
		if err != nil {
			return nil, nil, err
		}
		cfg.data = dir
		tempDir = dir
		st = newAdminState()
		env = st.adminEnv()
		if err := writeState(dir, st); err != nil {
			return nil, nil, err
		}
	default:
		// A kept directory: the admin ddpload made on its first run there.
		if st, err = readState(cfg.data); errors.Is(err, os.ErrNotExist) {
			if empty, err := isEmptyDir(cfg.data); err != nil || !empty {
				return nil, nil, fmt.Errorf("-data %s is not empty and has no %s: give a new directory (or -user and -password of its admin)", cfg.data, stateFile)
			}
			if err := os.MkdirAll(cfg.data, 0o700); err != nil {
				return nil, nil, err
			}
			st = newAdminState()
			if err := writeState(cfg.data, st); err != nil {
				return nil, nil, err
			}
		} else if err != nil {
			return nil, nil, err
		}
		env = st.adminEnv() // creates the admin only on a store without one
	}
	if cfg.user == "" {
		cfg.user, cfg.password = st.AdminUser, st.AdminPassword
	}
	logPath := filepath.Join(cfg.data, "ddpload-server.log")
	srv, err := startServer(ctx, bin, cfg.data, logPath, env)
	if err != nil {
		if tempDir != "" {
			os.RemoveAll(tempDir)
		}
		return nil, nil, err
	}
	srv.tempDir = tempDir
	cfg.addr, cfg.serverPID = srv.addr, srv.pid()
	fmt.Fprintf(cfg.stderr, "ddpload: started %s on %s (pid %d, data %s, log %s)\n", cfg.serveBin, srv.addr, srv.pid(), cfg.data, logPath)
	return srv, st.Seed, nil
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("ddpload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modes := fs.String("mode", "idle", "comma-separated modes: idle, resume, password (or all), chat, history, upload")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:3000", "the server's `host:port` (loopback only)")
	fs.StringVar(&cfg.user, "user", os.Getenv("ADMIN_USERNAME"), "username to log in as, an admin for chat (default $ADMIN_USERNAME)")
	fs.StringVar(&cfg.password, "password", os.Getenv("ADMIN_PASS"), "its password (default $ADMIN_PASS)")
	fs.IntVar(&cfg.conns, "conns", 0, "connections; 0 means each mode's default (idle 10000, resume 50, password 4)")
	fs.DurationVar(&cfg.hold, "hold", 30*time.Second, "idle: how long to hold the connections once up")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "resume, password: how long to call login; chat: how long to send (default 30s there)")
	fs.DurationVar(&cfg.establishTimeout, "establish-timeout", 60*time.Second, "idle: give up opening connections after this")
	fs.IntVar(&cfg.dialConc, "dial-concurrency", 200, "idle, chat: connections being opened at once")
	fs.IntVar(&cfg.maxCalls, "max-calls", 1_000_000, "resume, password: most login calls per connection")
	fs.DurationVar(&cfg.bcryptTime, "bcrypt-time", 2*time.Second, "password: how long to measure local bcrypt for")
	fs.IntVar(&cfg.serverPID, "server-pid", 0, "the server's `pid`, for its RSS and fd limit (default: whoever listens on -addr)")
	pidFile := fs.String("server-pidfile", "", "a `file` holding the server's pid (instead of -server-pid)")

	presets := fs.String("preset", "", "chat: comma-separated presets, run in order: room500 (500 users, 1 room of 500, 50 msg/s, 30 s), "+
		"rooms100 (1000 users, 100 rooms of 10, 1000 msg/s, 30 s); other chat flags given override theirs; implies -mode chat")
	custom := chatSpec{name: "chat"}
	fs.IntVar(&custom.users, "users", 100, "chat: users, `N` (load-0001 …), each on its own DDP connection")
	fs.IntVar(&custom.rooms, "rooms", 10, "chat: channels, `R`")
	fs.IntVar(&custom.size, "room-size", 10, "chat: members per channel, `M`")
	fs.Float64Var(&custom.rate, "rate", 50, "chat: messages per second, all users together")
	fs.StringVar(&cfg.chatOpt.prefix, "prefix", "load-", "chat: prefix of the users' and channels' names")
	fs.StringVar(&cfg.chatOpt.password, "user-password", "load-password-1234", "chat: the load users' password")
	fs.DurationVar(&cfg.chatOpt.drain, "drain", 5*time.Second, "chat: after sending, wait at most this for the last answers and deliveries")
	fs.IntVar(&cfg.chatOpt.maxRate, "max-user-rate", serverUserRate, "chat: most messages one user may be due to send within a second (the server's DDP limit)")

	fs.IntVar(&cfg.history.seed.messages, "history-messages", 1_000_000, "history: messages to seed")
	fs.IntVar(&cfg.history.seed.rooms, "history-rooms", 1, "history: rooms the messages are spread over")
	fs.BoolVar(&cfg.history.reseed, "reseed", false, "history: seed the data directory again even if it holds the dataset")
	fs.IntVar(&cfg.history.requests, "requests", 2000, "history: measured requests per variant")
	fs.IntVar(&cfg.history.clients, "clients", 4, "history: concurrent REST clients")
	fs.IntVar(&cfg.history.warmup, "warmup", 100, "history: unmeasured requests per variant before measuring")

	checkUpload := uploadFlags(fs, &cfg.upload)
	fs.StringVar(&cfg.serveBin, "serve", "", "start this Outpost `binary` on -data (listening on a free loopback port) instead of using -addr; "+
		"it is stopped at the end")
	fs.StringVar(&cfg.data, "data", "", "with -serve: the data `directory` (default: history "+defaultHistoryDir+", kept to be reused; other modes a fresh temporary one); "+
		"without -serve, history reads the seeded rooms from DIR/"+stateFile)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *presets != "" && !set["mode"] {
		*modes = "chat"
	}
	var err error
	if cfg.modes, err = parseModes(*modes); err != nil {
		return nil, err
	}
	if err := checkLoopback(cfg.addr); err != nil {
		return nil, err
	}
	switch {
	case cfg.conns < 0 || cfg.conns > maxConns:
		return nil, fmt.Errorf("-conns must be between 0 and %d", maxConns)
	case cfg.dialConc < 1 || cfg.dialConc > 10_000:
		return nil, errors.New("-dial-concurrency must be between 1 and 10000")
	case cfg.maxCalls < 1:
		return nil, errors.New("-max-calls must be at least 1")
	case cfg.hold < 0 || cfg.hold > time.Hour, cfg.duration <= 0 || cfg.duration > time.Hour,
		cfg.establishTimeout <= 0 || cfg.establishTimeout > time.Hour, cfg.bcryptTime <= 0 || cfg.bcryptTime > time.Minute:
		return nil, errors.New("-hold, -duration and -establish-timeout must be positive and at most an hour, -bcrypt-time at most a minute")
	case cfg.chatOpt.drain < 0 || cfg.chatOpt.drain > 10*time.Minute:
		return nil, errors.New("-drain must be between 0 and 10m")
	case cfg.chatOpt.maxRate < 1:
		return nil, errors.New("-max-user-rate must be at least 1")
	case cfg.history.seed.rooms < 1 || cfg.history.seed.messages < cfg.history.seed.rooms || cfg.history.seed.messages > 50_000_000:
		return nil, errors.New("-history-messages must be between -history-rooms and 50000000, -history-rooms at least 1")
	case cfg.history.seed.messages/cfg.history.seed.rooms < 100:
		return nil, errors.New("history: want at least 100 messages per room (a page of 50 before the middle)")
	case cfg.history.requests < 1 || cfg.history.requests > 10_000_000 || cfg.history.clients < 1 || cfg.history.clients > 1000 || cfg.history.warmup < 0:
		return nil, errors.New("-requests must be 1 to 10000000, -clients 1 to 1000, -warmup not negative")
	}
	if err := checkUpload(); err != nil {
		return nil, err
	}
	if slices.Contains(cfg.modes, "chat") {
		if cfg.chat, err = chatSpecs(*presets, custom, set, cfg.duration); err != nil {
			return nil, err
		}
		for _, spec := range cfg.chat {
			if _, err := newChatPlan(spec); err != nil {
				return nil, fmt.Errorf("%s: %w", spec.name, err)
			}
		}
	}
	if slices.Contains(cfg.modes, "history") && len(cfg.modes) > 1 {
		return nil, errors.New("-mode history runs alone: its server runs on the seeded data directory")
	}
	if cfg.serveBin == "" && cfg.data == "" && slices.Contains(cfg.modes, "history") {
		cfg.data = defaultHistoryDir
	}
	if *pidFile != "" && cfg.serverPID == 0 {
		b, err := os.ReadFile(*pidFile)
		if err != nil {
			return nil, err
		}
		if cfg.serverPID, err = strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
			return nil, fmt.Errorf("-server-pidfile %s: %w", *pidFile, err)
		}
	}
	return cfg, nil
}

// chatSpecs returns the chat runs: each preset with the chat flags that were given
// (set) overriding its values, or one run from the flags alone.
func chatSpecs(presets string, flags chatSpec, set map[string]bool, duration time.Duration) ([]chatSpec, error) {
	flags.duration = 30 * time.Second
	if set["duration"] {
		flags.duration = duration
	}
	if presets == "" {
		return []chatSpec{flags}, nil
	}
	specs, err := parsePresets(presets)
	if err != nil {
		return nil, err
	}
	for i := range specs {
		s := &specs[i]
		if set["users"] {
			s.users = flags.users
		}
		if set["rooms"] {
			s.rooms = flags.rooms
		}
		if set["room-size"] {
			s.size = flags.size
		}
		if set["rate"] {
			s.rate = flags.rate
		}
		if set["duration"] {
			s.duration = flags.duration
		}
	}
	return specs, nil
}

// parseModes reads -mode: a comma-separated list in any order, run in the order given;
// "all" is idle,resume,password.
func parseModes(s string) ([]string, error) {
	if s == "all" {
		return []string{"idle", "resume", "password"}, nil
	}
	var out []string
	seen := map[string]bool{}
	for m := range strings.SplitSeq(s, ",") {
		m = strings.TrimSpace(m)
		if _, ok := defaultConns[m]; !ok {
			return nil, fmt.Errorf("-mode: unknown mode %q (want idle, resume, password, all, chat, history or upload)", m)
		}
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out, nil
}

// budget is the longest the whole run may take before the watchdog ends it.
func (c *config) budget() time.Duration {
	d := time.Minute // REST login, start-up, slack
	for _, m := range c.modes {
		switch m {
		case "idle":
			d += c.establishTimeout + c.hold + 30*time.Second
		case "resume":
			d += perConnSetupLimit + c.duration + 15*time.Second
		case "password":
			d += c.bcryptTime + perConnSetupLimit + c.duration + 15*time.Second
		case "chat":
			for _, s := range c.chat {
				// users.create and a REST login each cost the server a bcrypt (~70 ms
				// of a core here), then connections, sending and the drain.
				d += 2*time.Minute + time.Duration(s.users)*150*time.Millisecond + s.duration + c.chatOpt.drain
			}
		case "upload":
			d += uploadBudget(c.upload)
		case "history":
			// Seeding runs at a few thousand messages a second.
			d += 5*time.Minute + time.Duration(c.history.seed.messages)*time.Millisecond +
				time.Duration(2*(c.history.requests+c.history.warmup))*50*time.Millisecond/time.Duration(c.history.clients)
		}
	}
	return d
}

// prepare raises the fd limit, finds the server and checks its fd limit.
func prepare(cfg *config) error {
	need := cfg.conns
	for _, m := range cfg.modes {
		if cfg.conns == 0 {
			need = max(need, defaultConns[m])
		}
	}
	for _, s := range cfg.chat {
		need = max(need, s.users)
	}
	need += 64 // stdio, the REST client, slack
	limit, err := raiseFileLimit()
	if err != nil {
		return fmt.Errorf("raising RLIMIT_NOFILE: %w", err)
	}
	if uint64(need) > limit {
		return fmt.Errorf("this process may open %d files (hard limit) but needs about %d: raise the hard limit (ulimit -Hn as root, or LimitNOFILE=) or lower -conns", limit, need)
	}
	if cfg.serverPID > 0 && !listens(cfg.serverPID, cfg.addr) {
		// A wrapper's pid (a shell, nohup, `go run`) is a common mistake: look it up.
		fmt.Fprintf(cfg.stderr, "ddpload: pid %d does not listen on %s; looking for the process that does\n", cfg.serverPID, cfg.addr)
		cfg.serverPID = 0
	}
	if cfg.serverPID == 0 {
		pid, err := findListener(cfg.addr)
		if err != nil {
			fmt.Fprintf(cfg.stderr, "ddpload: cannot find the server process (%v): no server RSS\n", err)
		}
		cfg.serverPID = pid
	}
	if cfg.serverPID > 0 {
		if _, err := readStatus(cfg.serverPID); err != nil {
			return fmt.Errorf("server pid %d: %w", cfg.serverPID, err)
		}
		sl, err := openFilesLimit(cfg.serverPID)
		switch {
		case err != nil:
			fmt.Fprintf(cfg.stderr, "ddpload: cannot read the server's fd limit: %v\n", err)
		case sl >= 0 && sl < int64(need):
			fmt.Fprintf(cfg.stderr, "ddpload: WARNING: the server (pid %d) may open only %d files but this run needs about %d: "+
				"start it after `ulimit -n %d` (or raise it live: prlimit --pid %d --nofile=%d:%d)\n",
				cfg.serverPID, sl, need, need+1000, cfg.serverPID, need+1000, need+1000)
		}
	}
	fmt.Fprintf(cfg.stderr, "ddpload: target %s, server pid %d, fd limit %d, modes %s\n",
		cfg.addr, cfg.serverPID, limit, strings.Join(cfg.modes, ","))
	return nil
}

// report is one mode's outcome: its table row, notes under the table, whether it met
// its target, and how many cores other processes kept busy meanwhile.
type report struct {
	row
	notes  []string
	pass   bool
	others float64
}

// busyOthers is the load of other processes, in cores, above which the run is flagged
// as noisy.
const busyOthers = 0.25

func idleReport(r idleResult) report {
	pass := r.established >= min(r.conns, targetIdleConns) && r.dropped == 0 && r.conns >= targetIdleConns &&
		r.serverOK && r.serverEnd.RSS <= targetIdleRSS
	verdict := "MISS"
	if pass {
		verdict = "PASS"
	}
	target := fmt.Sprintf("%s: %d up, RSS ≤ 300 MB (286.1 MiB)", verdict, targetIdleConns)
	if r.conns < targetIdleConns {
		target = fmt.Sprintf("n/a (< %d conns)", targetIdleConns)
	}
	rate := "-"
	if r.establish > 0 {
		rate = fmt.Sprintf("%.0f conn/s", float64(r.established)/r.establish.Seconds())
	}
	rw := row{
		mode: "idle", conns: strconv.Itoa(r.conns), ok: strconv.Itoa(r.established - r.dropped),
		fail: strconv.Itoa(r.failed + r.dropped), elapsed: r.establish.Round(time.Millisecond).String(), rate: rate,
		p50: ms(r.p50), p99: ms(r.p99), serverRSS: mib(r.serverEnd.RSS), clientRSS: mib(r.clientEnd.RSS), target: target,
	}
	notes := []string{fmt.Sprintf("idle: time = first dial to last login answered; p50/p99 = dial+connect+login of one connection; "+
		"%d failed to open, %d dropped during the hold; %d server pings answered", r.failed, r.dropped, r.pongs)}
	if r.serverOK {
		per := "-"
		if up := r.established - r.dropped; up > 0 {
			per = fmt.Sprintf("%.1f KiB", float64(r.serverEnd.RSS-r.serverBase.RSS)/float64(up)/1024)
		}
		notes = append(notes, fmt.Sprintf("idle: server RSS %s before, %s once up, %s at the end of the hold (peak %s, %d threads); %s per connection",
			mib(r.serverBase.RSS), mib(r.serverUp.RSS), mib(r.serverEnd.RSS), mib(r.serverEnd.HWM), r.serverEnd.Threads, per))
	}
	notes = append(notes, "idle: while opening: "+r.cpuUp.String(), "idle: while holding: "+r.cpuHold.String())
	for _, e := range r.errors {
		notes = append(notes, "idle: error: "+e)
	}
	return report{rw, notes, pass || r.conns < targetIdleConns, max(r.cpuUp.others, r.cpuHold.others)}
}

func resumeReport(r loopResult) report {
	pass := r.rate() >= targetResumeRate
	verdict := "MISS"
	if pass {
		verdict = "PASS"
	}
	rw := loopRow("resume", r)
	rw.target = fmt.Sprintf("%s: ≥ %d/s", verdict, targetResumeRate)
	notes := []string{"resume: " + r.cpu.String()}
	for _, e := range r.errors {
		notes = append(notes, "resume: error: "+e)
	}
	return report{rw, notes, pass, r.cpu.others}
}

func passwordReport(r loopResult, single, parallel float64) report {
	ratio := r.rate() / parallel
	pass := ratio >= bcryptBoundRatio
	verdict := "MISS"
	if pass {
		verdict = "PASS"
	}
	rw := loopRow("password", r)
	rw.target = fmt.Sprintf("%s: %.0f%% of bcrypt ceiling %.1f/s", verdict, ratio*100, parallel)
	notes := []string{fmt.Sprintf("password: bcrypt cost %d CompareHashAndPassword here: %.1f/s on one goroutine, %.1f/s on %d (the ceiling)",
		accounts.BcryptCost, single, parallel, runtime.NumCPU()), "password: " + r.cpu.String()}
	notes = append(notes, fmt.Sprintf("password: each login stored a new resume token on the user (%d this run): "+
		"resume logins of that user get slower as its tokens pile up, so run resume before password", r.ok))
	if r.ok > 0 && single > 0 {
		// Noise-proof view: server CPU per login against one bcrypt compare's CPU.
		perLogin := r.cpu.server * r.elapsed.Seconds() / float64(r.ok)
		notes = append(notes, fmt.Sprintf("password: server CPU per login %.1f ms, one bcrypt compare %.1f ms: bcrypt is %.0f%% of a login's CPU",
			perLogin*1000, 1000/single, 100/single/perLogin))
	}
	for _, e := range r.errors {
		notes = append(notes, "password: error: "+e)
	}
	return report{rw, notes, pass, r.cpu.others}
}

func loopRow(mode string, r loopResult) row {
	return row{
		mode: mode, conns: strconv.Itoa(r.conns), ok: strconv.Itoa(r.ok), fail: strconv.Itoa(r.failed),
		elapsed: r.elapsed.Round(time.Millisecond).String(), rate: fmt.Sprintf("%.1f login/s", r.rate()),
		p50: ms(r.p50), p99: ms(r.p99), serverRSS: mib(r.serverEnd.RSS), clientRSS: mib(r.clientEnd.RSS),
	}
}
