package main

// End-to-end tests of the built binary: they build ./cmd/outpost as `just build` does
// (CGO_ENABLED=0, the same build tags), start it on a free loopback port over a fresh
// data directory, and probe it over HTTP and the Mongo socket as an operator would.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
	"golang.org/x/crypto/bcrypt"

	"github.com/outpostchat/outpost/web/rest"
)

const (
	// buildTags are the justfile's build tags: the binary under test is the one shipped.
	buildTags   = "ferretdb_no_postgresql"
	testVersion = "v0.0.0-e2e"
	// stopWithin is how long a stop may take once SIGTERM or SIGINT is sent.
	stopWithin = 5 * time.Second
	// readyWithin bounds a start; a cold start takes well under a second here.
	readyWithin = 30 * time.Second
)

// hint is part of the log line that says how to create the first admin.
const hint = "outpost admin create -username NAME -email ADDRESS -password-stdin"

var (
	binDir    string // TestMain's temp dir, holding the binary
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "outpost-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// outpostBinary builds the binary once per test process, the first time a test needs it,
// so `go test -run TestParseServe` does not pay for it. `go test` puts its own go first
// on PATH.
func outpostBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		started := time.Now()
		bin := filepath.Join(binDir, "outpost")
		cmd := exec.Command("go", "build", "-tags", buildTags, "-ldflags", "-X main.version="+testVersion, "-o", bin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		binPath = bin
		t.Logf("built %s in %v", bin, time.Since(started).Round(time.Millisecond))
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// TestBinaryVersion checks that -X main.version reaches `outpost version` and that the
// build is static.
func TestBinaryVersion(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(outpostBinary(t), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("outpost version: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "outpost "+testVersion+" ") {
		t.Errorf("outpost version printed %q, want it to start with %q", out, "outpost "+testVersion)
	}
}

// TestServe is an operator's first day: a first start with ADMIN_* on an empty data
// directory, the REST and Mongo faces, a second process refused, a clean stop, and a
// restart that keeps everything.
func TestServe(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	const username, password, email = "root", "correct horse battery", "root@example.com"
	adminEnv := []string{"ADMIN_USERNAME=" + username, "ADMIN_PASS=" + password, "ADMIN_EMAIL=" + email}

	s := startServer(t, dir, adminEnv)
	coldStart := s.waitReady(t, "/api/info")
	t.Logf("cold start to first successful /api/info on an empty data dir: %v", coldStart.Round(time.Millisecond))

	var health struct{ Status string }
	s.getJSON(t, "/health", &health)
	if health.Status != "ok" {
		t.Errorf("/health status = %q, want ok", health.Status)
	}
	var info struct {
		Success bool   `json:"success"`
		Version string `json:"version"`
	}
	s.getJSON(t, "/api/info", &info)
	if !info.Success || info.Version == "" || !strings.HasPrefix(rest.RocketChatVersion, info.Version) {
		t.Errorf("/api/info = %+v, want success and a prefix of %s", info, rest.RocketChatVersion)
	}
	if got := s.publicSetting(t, "Site_Name"); got == "" {
		t.Error("settings.public gave no Site_Name")
	}
	uniqueID := s.publicSetting(t, "uniqueID")
	if uniqueID == "" {
		t.Error("settings.public gave no uniqueID")
	}

	db := mongoDB(t, dir)
	u := findUser(t, db, username)
	checkAdmin(t, u, email, password)
	var site struct {
		ID    string `bson:"_id"`
		Value string `bson:"value"`
	}
	if err := db.Collection("rocketchat_settings").FindOne(ctx(t), bson.D{{Key: "_id", Value: "Site_Name"}}).Decode(&site); err != nil {
		t.Errorf("rocketchat_settings has no Site_Name over the Mongo socket: %v", err)
	} else if site.Value == "" {
		t.Errorf("rocketchat_settings Site_Name = %+v, want a value", site)
	}
	if strings.Contains(s.log(), hint) {
		t.Errorf("the how-to-create-an-admin hint was printed although ADMIN_* created one:\n%s", s.log())
	}
	uid, token := s.login(t, username, password)
	if uid != u.ID {
		t.Errorf("login gave userId %q, want the admin's %q", uid, u.ID)
	}
	if code, roles := s.me(t, uid, token); code != http.StatusOK || len(roles) != 1 || roles[0] != "admin" {
		t.Errorf("GET /api/v1/me = %d, roles %q; want 200 and [admin]", code, roles)
	}

	// A second process on the same data directory is refused and leaves the first alone.
	for _, args := range [][]string{
		{"serve", "--listen", freeAddr(t), "--data", dir},
		{"admin", "create", "-data", dir, "-username", "other", "-email", "other@example.com", "-password-stdin"},
	} {
		code, out := runBinary(t, "x\n", args...)
		if code == 0 || !strings.Contains(out, "in use") {
			t.Errorf("outpost %s on a data dir in use: exit %d, output %q; want non-zero and \"in use\"", args[0], code, out)
		}
	}
	s.getJSON(t, "/health", &health)
	if err := db.Client().Ping(ctx(t), nil); err != nil {
		t.Errorf("the Mongo socket stopped answering after a refused second start: %v", err)
	}
	disconnect(t, db)

	s.stop(t, syscall.SIGTERM)
	checkStopped(t, dir)

	// The lock is released, and a restart with the same environment (as a service
	// manager would give it) keeps the admin and the workspace's uniqueID.
	s = startServer(t, dir, adminEnv)
	s.waitReady(t, "/api/info")
	if got := s.publicSetting(t, "uniqueID"); got != uniqueID {
		t.Errorf("uniqueID after a restart = %q, want %q", got, uniqueID)
	}
	db = mongoDB(t, dir)
	if n, err := db.Collection("users").CountDocuments(ctx(t), bson.D{{Key: "username", Value: username}}); err != nil || n != 1 {
		t.Errorf("users named %s after a restart: %d, %v; want 1", username, n, err)
	}
	if again := findUser(t, db, username); again.ID != u.ID {
		t.Errorf("admin _id after a restart = %q, want %q", again.ID, u.ID)
	}
	if code, _ := s.me(t, uid, token); code != http.StatusOK {
		t.Errorf("GET /api/v1/me with the token from before the restart = %d, want 200", code)
	}
	disconnect(t, db)
	s.stop(t, syscall.SIGINT)
	checkStopped(t, dir)
}

// TestServeWithoutAdmin: without ADMIN_* the server says once how to create the first
// admin; `outpost admin create` does it with the server stopped, and the Mongo face also
// listens on TCP when asked.
func TestServeWithoutAdmin(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	s := startServer(t, dir, nil, "--log-format", "json")
	s.waitReady(t, "/health")
	s.stop(t, syscall.SIGTERM)
	if n := strings.Count(s.log(), hint); n != 1 {
		t.Errorf("the how-to-create-an-admin hint appears %d times, want once:\n%s", n, s.log())
	}
	for line := range strings.Lines(s.log()) {
		if !json.Valid([]byte(line)) {
			t.Errorf("--log-format json wrote a line that is not JSON: %q", line)
		}
	}

	const password = "a password with spaces "
	code, out := runBinary(t, password+"\n", "admin", "create", "-data", dir,
		"-username", "boss", "-email", "Boss@Example.com", "-password-stdin")
	if code != 0 || !strings.Contains(out, "created admin boss") {
		t.Fatalf("outpost admin create: exit %d\n%s", code, out)
	}

	mongoAddr := freeAddr(t)
	s = startServer(t, dir, nil, "--mongo-listen", mongoAddr)
	s.waitReady(t, "/api/info")
	if strings.Contains(s.log(), hint) {
		t.Errorf("the hint was printed although an admin exists:\n%s", s.log())
	}
	c, err := mongo.Connect(ctx(t), options.Client().ApplyURI("mongodb://"+mongoAddr+"/").SetTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	db := c.Database("rocketchat")
	checkAdmin(t, findUser(t, db, "boss"), "boss@example.com", password)
	disconnect(t, db)
	s.login(t, "boss@example.com", password)
	s.stop(t, syscall.SIGTERM)
	checkStopped(t, dir)
}

// TestDataDirWithCapitals: a data directory such as /home/Pi/outpost-data must work.
func TestDataDirWithCapitals(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	dir = filepath.Join(dir, "Caps")
	s := startServer(t, dir, nil)
	s.waitReady(t, "/api/info")
	s.stop(t, syscall.SIGTERM)
	checkStopped(t, dir)
}

// server is one running outpost serve.
type server struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:PORT
	out    *logBuffer
	exited chan struct{} // closed once cmd.Wait returned
}

// startServer starts outpost serve on a free port over dir, with env added to a copy of
// the test's environment that has none of Outpost's variables.
func startServer(t *testing.T, dir string, env []string, args ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(outpostBinary(t), append([]string{"serve", "--listen", addr, "--data", dir}, args...)...)
	cmd.Env = append(cleanEnv(), env...)
	s := &server{cmd: cmd, base: "http://" + addr, out: &logBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = cmd.Process.Kill()
			<-s.exited
		}
		if t.Failed() {
			t.Logf("log of outpost serve --listen %s:\n%s", addr, s.log())
		}
	})
	return s
}

// waitReady polls path until it answers 200 and returns the time since the start.
func (s *server) waitReady(t *testing.T, path string) time.Duration {
	t.Helper()
	started := time.Now()
	client := &http.Client{Timeout: time.Second}
	for time.Since(started) < readyWithin {
		if resp, err := client.Get(s.base + path); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(started)
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("outpost serve exited with %v before %s answered:\n%s", s.cmd.ProcessState, path, s.log())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("%s did not answer within %v:\n%s", path, readyWithin, s.log())
	return 0
}

// stop sends sig and requires exit code 0 within stopWithin.
func (s *server) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	sent := time.Now()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(stopWithin):
		t.Fatalf("outpost serve still running %v after %v:\n%s", stopWithin, sig, s.log())
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("outpost serve exited with %d after %v, want 0:\n%s", code, sig, s.log())
	}
	t.Logf("%v: exited 0 after %v", sig, time.Since(sent).Round(time.Millisecond))
}

func (s *server) log() string { return s.out.String() }

func (s *server) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(s.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// login signs in over REST as the clients do and returns the user id and token.
func (s *server) login(t *testing.T, user, password string) (uid, token string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"user": user, "password": password})
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Post(s.base+"/api/v1/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Status string `json:"status"`
		Data   struct {
			UserID    string `json:"userId"`
			AuthToken string `json:"authToken"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != http.StatusOK || r.Status != "success" || r.Data.AuthToken == "" {
		t.Fatalf("POST /api/v1/login as %s: %s %+v %v", user, resp.Status, r, err)
	}
	return r.Data.UserID, r.Data.AuthToken
}

// me is GET /api/v1/me's status and roles for a user id and token.
func (s *server) me(t *testing.T, uid, token string) (int, []string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+"/api/v1/me", nil)
	req.Header.Set("X-User-Id", uid)
	req.Header.Set("X-Auth-Token", token)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var me struct {
		Roles []string `json:"roles"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&me)
	return resp.StatusCode, me.Roles
}

// publicSetting reads one public setting the way the clients do.
func (s *server) publicSetting(t *testing.T, id string) string {
	t.Helper()
	var body struct {
		Success  bool `json:"success"`
		Settings []struct {
			ID    string `json:"_id"`
			Value any    `json:"value"`
		} `json:"settings"`
	}
	s.getJSON(t, "/api/v1/settings.public?_id="+id, &body)
	if !body.Success || len(body.Settings) != 1 || body.Settings[0].ID != id {
		t.Errorf("settings.public?_id=%s = %+v", id, body)
		return ""
	}
	v, _ := body.Settings[0].Value.(string)
	return v
}

// userDoc is the part of Rocket.Chat's users document these tests check.
type userDoc struct {
	ID        string    `bson:"_id"`
	CreatedAt time.Time `bson:"createdAt"`
	Username  string    `bson:"username"`
	Type      string    `bson:"type"`
	Active    bool      `bson:"active"`
	Roles     []string  `bson:"roles"`
	Emails    []struct {
		Address  string `bson:"address"`
		Verified bool   `bson:"verified"`
	} `bson:"emails"`
	Services struct {
		Password struct {
			Bcrypt string `bson:"bcrypt"`
		} `bson:"password"`
	} `bson:"services"`
}

func findUser(t *testing.T, db *mongo.Database, username string) userDoc {
	t.Helper()
	var u userDoc
	if err := db.Collection("users").FindOne(ctx(t), bson.D{{Key: "username", Value: username}}).Decode(&u); err != nil {
		t.Fatalf("users.findOne({username: %q}) over the Mongo socket: %v", username, err)
	}
	return u
}

// checkAdmin checks Rocket.Chat's shape of an admin, its password stored as Meteor does:
// bcrypt of the hex SHA-256 digest.
func checkAdmin(t *testing.T, u userDoc, email, password string) {
	t.Helper()
	if len(u.ID) != 17 || u.Type != "user" || !u.Active || u.CreatedAt.IsZero() {
		t.Errorf("user %s: _id %q, type %q, active %v, createdAt %v; want a 17-character id, type user, active, a date",
			u.Username, u.ID, u.Type, u.Active, u.CreatedAt)
	}
	if len(u.Roles) != 1 || u.Roles[0] != "admin" {
		t.Errorf("user %s roles = %q, want [admin]", u.Username, u.Roles)
	}
	if len(u.Emails) == 0 || u.Emails[0].Address != email {
		t.Errorf("user %s emails = %+v, want %s first", u.Username, u.Emails, email)
	}
	digest := sha256.Sum256([]byte(password))
	if err := bcrypt.CompareHashAndPassword([]byte(u.Services.Password.Bcrypt), []byte(hex.EncodeToString(digest[:]))); err != nil {
		t.Errorf("user %s services.password.bcrypt does not verify hex(sha256(password)): %v", u.Username, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(u.Services.Password.Bcrypt), []byte(password)) == nil {
		t.Errorf("user %s services.password.bcrypt is of the plain password, not of its digest", u.Username)
	}
}

// mongoDB connects to the data dir's socket with the URI the README gives mongosh.
func mongoDB(t *testing.T, dir string) *mongo.Database {
	t.Helper()
	uri := "mongodb://" + strings.ReplaceAll(filepath.Join(dir, "mongo.sock"), "/", "%2F") + "/"
	c, err := mongo.Connect(ctx(t), options.Client().ApplyURI(uri).SetTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("connect %s: %v", uri, err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c.Database("rocketchat")
}

func disconnect(t *testing.T, db *mongo.Database) {
	t.Helper()
	if err := db.Client().Disconnect(ctx(t)); err != nil && !errors.Is(err, mongo.ErrClientDisconnected) {
		t.Error(err)
	}
}

// checkStopped checks what a clean stop leaves: the WAL checkpointed into the database
// file and no socket.
func checkStopped(t *testing.T, dir string) {
	t.Helper()
	if fi, err := os.Stat(filepath.Join(dir, "db", "rocketchat.sqlite-wal")); err == nil && fi.Size() != 0 {
		t.Errorf("db/rocketchat.sqlite-wal holds %d bytes after a clean stop, want it checkpointed", fi.Size())
	}
	if fi, err := os.Stat(filepath.Join(dir, "db", "rocketchat.sqlite")); err != nil || fi.Size() == 0 {
		t.Errorf("db/rocketchat.sqlite after a stop: %v, %v", fi, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "mongo.sock")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("mongo.sock is still there after a clean stop (%v)", err)
	}
}

// runBinary runs outpost to completion with stdin and returns its exit code and output.
func runBinary(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), readyWithin)
	defer cancel()
	cmd := exec.CommandContext(c, outpostBinary(t), args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("outpost %s: %v", strings.Join(args, " "), err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// dataDir is a fresh, empty data directory with a short path: the Mongo socket's path,
// <dir>/mongo.sock, must fit in a Unix socket address (108 bytes).
func dataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "op")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if n := len(filepath.Join(dir, "mongo.sock")); n > 100 {
		t.Fatalf("%s is too long for a Unix socket path (%d bytes): set TMPDIR to a shorter directory", dir, n)
	}
	return dir
}

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// cleanEnv is the test's environment without the variables Outpost reads.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "PORT", "ROOT_URL", "MONGO_URL", "OUTPOST_DATA", "ADMIN_USERNAME", "ADMIN_PASS", "ADMIN_EMAIL":
			continue
		}
		env = append(env, kv)
	}
	return env
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// logBuffer collects a process's output while the test reads it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
