// Command ddpload measures Outpost's DDP endpoint on loopback against the issue's
// targets: 10,000 idle authenticated connections under 300 MB of server RSS, 2,000
// resume logins per second, and password logins bounded only by bcrypt cost 10.
//
//	ddpload -mode idle -conns 10000 -hold 30s -server-pid PID
//	ddpload -mode resume -conns 50 -duration 10s
//	ddpload -mode password -conns 4 -duration 10s
//	ddpload -mode idle,resume,password      (each mode with its default -conns)
//
// Before each mode it logs in over REST (POST /api/v1/login) for a resume token, then:
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
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/outpostchat/outpost/app/accounts"
)

// Each mode's -conns when the flag is 0.
var defaultConns = map[string]int{"idle": 10_000, "resume": 50, "password": 4}

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

	if err := prepare(cfg); err != nil {
		fmt.Fprintln(stderr, "ddpload:", err)
		return 1
	}

	var rows []row
	var notes []string
	failed, busy := false, false
	for _, mode := range cfg.modes {
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
		var rep report
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
	printTable(stdout, rows)
	for _, n := range notes {
		fmt.Fprintln(stdout, "  "+n)
	}
	if busy {
		fmt.Fprintln(stdout, "  note: other processes kept the CPUs busy during the run (see \"other processes\" above): rates are low by that much")
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

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("ddpload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modes := fs.String("mode", "idle", "comma-separated modes: idle, resume, password (or all)")
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:3000", "the server's `host:port` (loopback only)")
	fs.StringVar(&cfg.user, "user", os.Getenv("ADMIN_USERNAME"), "username to log in as (default $ADMIN_USERNAME)")
	fs.StringVar(&cfg.password, "password", os.Getenv("ADMIN_PASS"), "its password (default $ADMIN_PASS)")
	fs.IntVar(&cfg.conns, "conns", 0, "connections; 0 means each mode's default (idle 10000, resume 50, password 4)")
	fs.DurationVar(&cfg.hold, "hold", 30*time.Second, "idle: how long to hold the connections once up")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "resume, password: how long to call login")
	fs.DurationVar(&cfg.establishTimeout, "establish-timeout", 60*time.Second, "idle: give up opening connections after this")
	fs.IntVar(&cfg.dialConc, "dial-concurrency", 200, "idle: connections being opened at once")
	fs.IntVar(&cfg.maxCalls, "max-calls", 1_000_000, "resume, password: most login calls per connection")
	fs.DurationVar(&cfg.bcryptTime, "bcrypt-time", 2*time.Second, "password: how long to measure local bcrypt for")
	fs.IntVar(&cfg.serverPID, "server-pid", 0, "the server's `pid`, for its RSS and fd limit (default: whoever listens on -addr)")
	pidFile := fs.String("server-pidfile", "", "a `file` holding the server's pid (instead of -server-pid)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	var err error
	if cfg.modes, err = parseModes(*modes); err != nil {
		return nil, err
	}
	if err := checkLoopback(cfg.addr); err != nil {
		return nil, err
	}
	switch {
	case cfg.user == "" || cfg.password == "":
		return nil, errors.New("give -user and -password (or ADMIN_USERNAME and ADMIN_PASS)")
	case cfg.conns < 0 || cfg.conns > maxConns:
		return nil, fmt.Errorf("-conns must be between 0 and %d", maxConns)
	case cfg.dialConc < 1 || cfg.dialConc > 10_000:
		return nil, errors.New("-dial-concurrency must be between 1 and 10000")
	case cfg.maxCalls < 1:
		return nil, errors.New("-max-calls must be at least 1")
	case cfg.hold < 0 || cfg.hold > time.Hour, cfg.duration <= 0 || cfg.duration > time.Hour,
		cfg.establishTimeout <= 0 || cfg.establishTimeout > time.Hour, cfg.bcryptTime <= 0 || cfg.bcryptTime > time.Minute:
		return nil, errors.New("-hold, -duration and -establish-timeout must be positive and at most an hour, -bcrypt-time at most a minute")
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
			return nil, fmt.Errorf("-mode: unknown mode %q (want idle, resume, password or all)", m)
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
