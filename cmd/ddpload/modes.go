package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Targets of the issue, on the 2-core reference machine.
const (
	targetIdleRSS    = 300_000_000 // bytes: 300 MB at 10,000 idle authenticated connections
	targetIdleConns  = 10_000
	targetResumeRate = 2000 // resume logins per second
	// bcryptBoundRatio: password logins at this share of the local bcrypt ceiling count
	// as bounded by bcrypt; the rest of a login is its token write (one SQLite update).
	bcryptBoundRatio  = 0.85
	perConnSetupLimit = 30 * time.Second
)

// idleResult is what the idle mode measured.
type idleResult struct {
	conns, established, failed, dropped int
	establish                           time.Duration // from the first dial to the last login answered
	p50, p99                            time.Duration // dial + connect + login of one connection
	pongs                               int64
	serverBase, serverUp, serverEnd     procStatus // before, once established, at the end of the hold
	serverOK                            bool
	clientEnd                           procStatus
	cpuUp, cpuHold                      cpuUse // while opening, while holding
	errors                              []string
}

// runIdle opens n connections (at most dialConc at a time), logs each in with the resume
// token, holds them for hold answering server pings, samples RSS, and closes them.
func runIdle(ctx context.Context, cfg *config, token string, n int) idleResult {
	r := idleResult{conns: n}
	r.serverBase, r.serverOK = sampleServer(cfg)

	holdCtx, endHold := context.WithCancel(ctx)
	defer endHold()
	estCtx, endEst := context.WithTimeout(ctx, cfg.establishTimeout)
	defer endEst()

	var (
		fails, drops tally
		pongs        atomic.Int64
		established  sync.WaitGroup // one per connection until it is up or failed
		all          sync.WaitGroup // one per connection until its goroutine ends
		lat          = make([]time.Duration, n)
		sem          = make(chan struct{}, cfg.dialConc)
	)
	cpu0 := sampleCPU(cfg.serverPID)
	start := time.Now()
	started := 0
dial:
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-estCtx.Done():
			break dial
		}
		started++
		established.Add(1)
		all.Add(1)
		go func() {
			defer all.Done()
			t0 := time.Now()
			c, err := connectAndLogin(estCtx, cfg.addr, resumeParams(token))
			<-sem
			if err != nil {
				fails.add(err)
				established.Done()
				return
			}
			lat[i] = time.Since(t0)
			established.Done()
			err = c.hold(holdCtx) // ends by closing the socket when holdCtx is cancelled
			pongs.Add(int64(c.pongs))
			if err != nil {
				drops.add(err)
				c.closeNow()
			}
		}()
	}
	established.Wait()
	r.establish = time.Since(start)
	cpu1 := sampleCPU(cfg.serverPID)
	r.cpuUp = cpuBetween(cpu0, cpu1, r.establish, runtime.NumCPU())
	for range n - started {
		fails.add(errors.New("not started: -establish-timeout reached"))
	}
	r.failed = fails.total()
	r.established = n - r.failed
	ok := slices.DeleteFunc(lat, func(d time.Duration) bool { return d == 0 })
	slices.Sort(ok)
	r.p50, r.p99 = percentile(ok, 50), percentile(ok, 99)
	r.serverUp, _ = sampleServer(cfg)

	fmt.Fprintf(cfg.stderr, "idle: %d/%d connections up in %v; holding %v\n", r.established, n, r.establish.Round(time.Millisecond), cfg.hold)
	holdStart := time.Now()
	select {
	case <-time.After(cfg.hold):
	case <-ctx.Done():
	}
	r.cpuHold = cpuBetween(cpu1, sampleCPU(cfg.serverPID), time.Since(holdStart), runtime.NumCPU())
	r.serverEnd, _ = sampleServer(cfg)
	r.clientEnd, _ = readStatus(selfPID)
	r.dropped = drops.total()
	endHold()
	waitBounded(&all, 15*time.Second)
	r.pongs = pongs.Load()
	r.errors = append(fails.top(3), prefixed("dropped during hold: ", drops.top(3))...)
	return r
}

// connectAndLogin dials, does the DDP handshake and logs in, within perConnSetupLimit.
func connectAndLogin(ctx context.Context, addr string, login any) (*ddpConn, error) {
	ctx, cancel := context.WithTimeout(ctx, perConnSetupLimit)
	defer cancel()
	c, err := dialDDP(ctx, addr)
	if err != nil {
		return nil, err
	}
	if login != nil {
		if err := c.login(ctx, login); err != nil {
			c.closeNow()
			return nil, err
		}
	}
	return c, nil
}

// loginResult is what the resume and password modes measured.
type loopResult struct {
	conns, ok, failed int
	elapsed           time.Duration
	p50, p99          time.Duration
	serverEnd         procStatus
	serverOK          bool
	clientEnd         procStatus
	cpu               cpuUse
	errors            []string
}

func (r loopResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ok) / r.elapsed.Seconds()
}

// runLoop opens k connections, then has each make login calls back to back (params from
// login) for d or maxCalls calls, whichever comes first: k is the concurrency.
func runLoop(ctx context.Context, cfg *config, k int, d time.Duration, login func() any) loopResult {
	r := loopResult{conns: k}
	var fails tally
	conns := make([]*ddpConn, 0, k)
	for range k {
		c, err := connectAndLogin(ctx, cfg.addr, nil)
		if err != nil {
			fails.add(err)
			continue
		}
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.close()
		}
	}()
	runCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	lats := make([][]time.Duration, len(conns))
	var wg sync.WaitGroup
	cpu0 := sampleCPU(cfg.serverPID)
	start := time.Now()
	for i, c := range conns {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 1024)
			for range cfg.maxCalls {
				if runCtx.Err() != nil {
					break
				}
				t0 := time.Now()
				err := c.login(runCtx, login())
				if runCtx.Err() != nil {
					break // the call was cut off by the end of the run: neither counted
				}
				if err != nil {
					fails.add(err)
					if errors.As(err, new(*methodError)) {
						continue
					}
					break // the connection is gone
				}
				lat = append(lat, time.Since(t0))
			}
			lats[i] = lat
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	r.cpu = cpuBetween(cpu0, sampleCPU(cfg.serverPID), r.elapsed, runtime.NumCPU())
	all := slices.Concat(lats...)
	slices.Sort(all)
	r.ok = len(all)
	r.failed = fails.total()
	r.p50, r.p99 = percentile(all, 50), percentile(all, 99)
	r.serverEnd, r.serverOK = sampleServer(cfg)
	r.clientEnd, _ = readStatus(selfPID)
	r.errors = fails.top(3)
	return r
}

// bcryptCeiling measures bcrypt CompareHashAndPassword per second at cost (the server's
// is accounts.BcryptCost) on this machine, with one goroutine and with one per CPU, for
// about d (bounded in count too).
func bcryptCeiling(cost int, d time.Duration) (single, parallel float64, err error) {
	hash, err := bcrypt.GenerateFromPassword([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), cost)
	if err != nil {
		return 0, 0, err
	}
	measure := func(workers int, d time.Duration) float64 {
		var n atomic.Int64
		var wg sync.WaitGroup
		deadline := time.Now().Add(d)
		start := time.Now()
		for range workers {
			wg.Go(func() {
				for range 10_000 {
					if time.Now().After(deadline) {
						return
					}
					_ = bcrypt.CompareHashAndPassword(hash, []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"))
					n.Add(1)
				}
			})
		}
		wg.Wait()
		return float64(n.Load()) / time.Since(start).Seconds()
	}
	return measure(1, d/2), measure(runtime.NumCPU(), d/2), nil
}

// sampleServer reads the server's /proc status; ok is false without a server pid.
func sampleServer(cfg *config) (procStatus, bool) {
	if cfg.serverPID <= 0 {
		return procStatus{RSS: -1, HWM: -1}, false
	}
	s, err := readStatus(cfg.serverPID)
	if err != nil {
		return procStatus{RSS: -1, HWM: -1}, false
	}
	return s, true
}

// waitBounded waits for wg, at most d.
func waitBounded(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

func prefixed(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

// settle waits, at most 10 s, until the server uses under a tenth of a core: after the
// idle mode it is still tearing down thousands of connections.
func settle(ctx context.Context, cfg *config) {
	if cfg.serverPID <= 0 {
		return
	}
	const step = 250 * time.Millisecond
	prev := sampleCPU(cfg.serverPID)
	for range 40 {
		select {
		case <-ctx.Done():
			return
		case <-time.After(step):
		}
		cur := sampleCPU(cfg.serverPID)
		if cpuBetween(prev, cur, step, runtime.NumCPU()).server < 0.1 {
			return
		}
		prev = cur
	}
}
