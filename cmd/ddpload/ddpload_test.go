package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/ddp"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, ms(i))
	}
	for _, tt := range []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{[]time.Duration{ms(7)}, 99, ms(7)},
		{hundred, 50, ms(50)},
		{hundred, 99, ms(99)},
		{hundred, 100, ms(100)},
		{[]time.Duration{ms(1), ms(2), ms(3)}, 50, ms(2)},
	} {
		if got := percentile(tt.in, tt.p); got != tt.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(tt.in), tt.p, got, tt.want)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	t.Parallel()
	for addr, ok := range map[string]bool{
		"127.0.0.1:3000": true, "127.0.0.2:3000": true, "[::1]:3000": true, "localhost:3000": true,
		"10.0.0.1:3000": false, "example.org:3000": false, "0.0.0.0:3000": false, "127.0.0.1": false, ":3000": false,
	} {
		if err := checkLoopback(addr); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}

func TestParseModes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"idle": "idle", "all": "idle,resume,password", "password, resume": "password,resume", "resume,resume": "resume",
	} {
		got, err := parseModes(in)
		if err != nil || strings.Join(got, ",") != want {
			t.Errorf("parseModes(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "idle,", "bogus", "all,idle"} {
		if _, err := parseModes(in); err == nil {
			t.Errorf("parseModes(%q) accepted", in)
		}
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	if _, err := parseFlags([]string{"-addr", "192.168.1.2:3000", "-user", "u", "-password", "p"}, io.Discard); err == nil {
		t.Error("a non-loopback -addr was accepted")
	}
	if _, err := parseFlags([]string{"-conns", "-1", "-user", "u", "-password", "p"}, io.Discard); err == nil {
		t.Error("-conns -1 was accepted")
	}
	pidFile := t.TempDir() + "/pid"
	if err := os.WriteFile(pidFile, []byte("4242\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := parseFlags([]string{"-mode", "all", "-user", "u", "-password", "p", "-server-pidfile", pidFile}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.serverPID != 4242 || len(cfg.modes) != 3 {
		t.Errorf("parseFlags: pid %d, modes %v", cfg.serverPID, cfg.modes)
	}
	// The budget covers every phase, so the watchdog never cuts a run that keeps its
	// own bounds.
	if min := cfg.establishTimeout + cfg.hold + 2*cfg.duration + cfg.bcryptTime; cfg.budget() <= min {
		t.Errorf("budget %v is not above the phases' %v", cfg.budget(), min)
	}
}

func TestParseStatus(t *testing.T) {
	t.Parallel()
	const status = "Name:\toutpost\nUmask:\t0022\nVmPeak:\t 1234 kB\nVmHWM:\t  307200 kB\nVmRSS:\t  204800 kB\nThreads:\t9\n"
	s, err := parseStatus(status)
	if err != nil || s.RSS != 200<<20 || s.HWM != 300<<20 || s.Threads != 9 {
		t.Errorf("parseStatus = %+v, %v", s, err)
	}
	if _, err := parseStatus("Name:\tkthreadd\nThreads:\t1\n"); err == nil {
		t.Error("parseStatus without VmRSS did not fail")
	}
	self, err := readStatus(os.Getpid())
	if err != nil || self.RSS <= 0 {
		t.Errorf("readStatus(self) = %+v, %v", self, err)
	}
}

func TestParseOpenFilesLimit(t *testing.T) {
	t.Parallel()
	const limits = "Limit                     Soft Limit           Hard Limit           Units     \n" +
		"Max cpu time              unlimited            unlimited            seconds   \n" +
		"Max open files            1024                 524288               files     \n"
	if n, err := parseOpenFilesLimit(limits); err != nil || n != 1024 {
		t.Errorf("parseOpenFilesLimit = %d, %v; want 1024", n, err)
	}
	if n, err := parseOpenFilesLimit(strings.Replace(limits, "1024    ", "unlimited", 1)); err != nil || n != -1 {
		t.Errorf("unlimited: %d, %v; want -1", n, err)
	}
	if _, err := openFilesLimit(os.Getpid()); err != nil {
		t.Errorf("openFilesLimit(self): %v", err)
	}
}

func TestListeningInodes(t *testing.T) {
	t.Parallel()
	const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0
   1: 0100007F:0BB8 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 20 4 30 10 -1
   2: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 100 0 0 10 0
`
	if got := listeningInodes(tcp, 3000); len(got) != 1 || got[0] != "111" {
		t.Errorf("port 3000: %v, want [111] (the established socket is not a listener)", got)
	}
	if got := listeningInodes(tcp, 8080); len(got) != 1 || got[0] != "333" {
		t.Errorf("port 8080: %v, want [333]", got)
	}
	if got := listeningInodes(tcp, 9999); len(got) != 0 {
		t.Errorf("port 9999: %v, want none", got)
	}
}

func TestCPUParsing(t *testing.T) {
	t.Parallel()
	// Field 2 holds a space and a parenthesis; utime 150 and stime 50 are fields 14, 15.
	stat := "4242 (out post) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 9 0 100 1000 200"
	if got := parseProcCPU(stat); got != 200 {
		t.Errorf("parseProcCPU = %d, want 200", got)
	}
	busy, total := parseSystemCPU("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0 0 0\n")
	if busy != 150 || total != 1000 {
		t.Errorf("parseSystemCPU = %d, %d; want 150, 1000", busy, total)
	}
	u := cpuBetween(cpuTimes{server: 0, self: 0, busy: 0, total: 0}, cpuTimes{server: 100, self: 50, busy: 300, total: 400}, time.Second, 2)
	if u.server != 1 || u.self != 0.5 || u.others != 0 {
		t.Errorf("cpuBetween = %+v, want server 1, self 0.5, others 0 (1.5 of 1.5 busy cores)", u)
	}
}

func TestPongFor(t *testing.T) {
	t.Parallel()
	for id, want := range map[string]string{"": `{"msg":"pong"}`, "null": `{"msg":"pong"}`, `"x1"`: `{"msg":"pong","id":"x1"}`} {
		if got := string(pongFor(json.RawMessage(id))); got != want {
			t.Errorf("pongFor(%s) = %s, want %s", id, got, want)
		}
	}
}

func TestTally(t *testing.T) {
	t.Parallel()
	var ta tally
	for range 3 {
		ta.add(errors.New("a"))
	}
	ta.add(errors.New("b"))
	for i := range maxKinds + 5 {
		ta.add(errors.New(strings.Repeat("x", i+2)))
	}
	if got := ta.total(); got != 4+maxKinds+5 {
		t.Errorf("total = %d", got)
	}
	if top := ta.top(2); len(top) != 2 || top[0] != "7× (other)" || top[1] != "3× a" {
		t.Errorf("top = %q", top)
	}
}

// fakeAccounts accepts one resume token and one password.
type fakeAccounts struct{ token, digest string }

func (f fakeAccounts) session(typ string) accounts.Session {
	return accounts.Session{User: model.User{ID: "u1", Username: "alice", Active: true}, Token: f.token,
		Expires: time.Now().Add(time.Hour), Type: typ}
}

func (f fakeAccounts) LoginWithPassword(_ context.Context, c accounts.Credentials) (accounts.Session, error) {
	if c.User != "alice" || c.Digest != f.digest {
		return accounts.Session{}, &model.Error{Kind: model.KindUnauthorized, Code: "401", Message: "User not found"}
	}
	return f.session("password"), nil
}

func (f fakeAccounts) Resume(_ context.Context, token string) (accounts.Session, error) {
	if token != f.token {
		return accounts.Session{}, &model.Error{Kind: model.KindUnauthorized, Code: "401", Message: "User not found"}
	}
	return f.session("resume"), nil
}

func (fakeAccounts) Logout(context.Context, string, string) error { return nil }

// TestModesAgainstDDP runs the three modes, scaled down, against the real DDP server
// with fake accounts and a fast heartbeat, so that idle connections must answer pings.
func TestModesAgainstDDP(t *testing.T) {
	t.Parallel()
	sum := sha256.Sum256([]byte("secret"))
	acc := fakeAccounts{token: "tok-1", digest: hex.EncodeToString(sum[:])}
	srv := ddp.New(ddp.Config{PingInterval: 50 * time.Millisecond, PingTimeout: time.Second})
	ddp.RegisterAccountMethods(srv, acc)
	mux := http.NewServeMux()
	mux.Handle("GET /websocket", srv.Handler())
	mux.HandleFunc("POST /api/v1/login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ User, Password string }
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.User != "alice" || body.Password != "secret" {
			http.Error(w, `{"status":"error"}`, http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, `{"status":"success","data":{"userId":"u1","authToken":"tok-1"}}`)
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	addr := strings.TrimPrefix(hs.URL, "http://")
	ctx := t.Context()
	cfg := &config{addr: addr, user: "alice", password: "secret", hold: 300 * time.Millisecond, duration: 200 * time.Millisecond,
		establishTimeout: 10 * time.Second, dialConc: 8, maxCalls: 1000, serverPID: os.Getpid(), stdout: io.Discard, stderr: io.Discard}

	if _, _, err := restLogin(ctx, addr, "alice", "wrong"); err == nil {
		t.Error("REST login with a wrong password succeeded")
	}
	_, token, err := restLogin(ctx, addr, "alice", "secret")
	if err != nil || token != "tok-1" {
		t.Fatalf("restLogin = %q, %v", token, err)
	}

	idle := runIdle(ctx, cfg, token, 20)
	if idle.established != 20 || idle.failed != 0 || idle.dropped != 0 || idle.pongs == 0 || !idle.serverOK || idle.serverEnd.RSS <= 0 {
		t.Errorf("idle: %+v; want 20 up, none failed or dropped, pings answered, RSS read", idle)
	}
	if rep := idleReport(idle); !rep.pass || rep.row.target != "n/a (< 10000 conns)" {
		t.Errorf("idle report of a small run: %+v", rep)
	}
	if bad := runIdle(ctx, cfg, "wrong-token", 3); bad.established != 0 || bad.failed != 3 {
		t.Errorf("idle with a bad token: %d up, %d failed; want 0 and 3", bad.established, bad.failed)
	}

	resume := runLoop(ctx, cfg, 3, cfg.duration, func() any { return resumeParams(token) })
	if resume.ok == 0 || resume.failed != 0 || resume.p50 <= 0 || resume.p99 < resume.p50 {
		t.Errorf("resume: %+v", resume)
	}
	pw := runLoop(ctx, cfg, 2, cfg.duration, func() any { return passwordParams("alice", "secret") })
	if pw.ok == 0 || pw.failed != 0 {
		t.Errorf("password: %+v", pw)
	}
	// A refused login is a method error: counted, and the connection goes on.
	wrong := runLoop(ctx, cfg, 1, 100*time.Millisecond, func() any { return passwordParams("alice", "nope") })
	if wrong.ok != 0 || wrong.failed < 2 || len(wrong.errors) != 1 || !strings.Contains(wrong.errors[0], "User not found") {
		t.Errorf("wrong password: ok %d, failed %d, errors %q", wrong.ok, wrong.failed, wrong.errors)
	}
}

func TestBcryptCeiling(t *testing.T) {
	t.Parallel()
	single, parallel, err := bcryptCeiling(bcrypt.MinCost, 50*time.Millisecond)
	if err != nil || single <= 0 || parallel <= 0 {
		t.Errorf("bcryptCeiling = %v, %v, %v", single, parallel, err)
	}
}
