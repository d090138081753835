package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// serverProc is an Outpost server ddpload started itself (-serve).
type serverProc struct {
	cmd     *exec.Cmd
	addr    string
	logPath string
	exited  chan struct{} // closed when the process has ended
	waitErr error
	tempDir string // a data directory to remove once the server has stopped
}

// servingAddr finds the listen address in the server's "outpost is serving" log line,
// text (addr=127.0.0.1:N) or JSON ("addr":"127.0.0.1:N").
var servingAddr = regexp.MustCompile(`addr"?[=:]"?(127\.0\.0\.1:[0-9]+)`)

// startServer runs `bin serve --listen 127.0.0.1:0 --data dir` with extra environment
// env, its output appended to logPath, and waits until it says where it listens.
func startServer(ctx context.Context, bin, dir, logPath string, env []string) (*serverProc, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data", dir)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = pw, pw
	// The server ends with ddpload, even when the watchdog or a signal ends ddpload.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	pw.Close()
	s := &serverProc{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	addrc := make(chan string, 1)
	go func() {
		defer logFile.Close()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		found := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logFile, line)
			if !found && strings.Contains(line, "outpost is serving") {
				if m := servingAddr.FindStringSubmatch(line); m != nil {
					found = true
					addrc <- m[1]
				}
			}
		}
		_, _ = io.Copy(logFile, pr)
	}()
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	select {
	case s.addr = <-addrc:
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("the server exited before serving (%v); its log: %s\n%s", s.waitErr, logPath, tail(logPath, 20))
	case <-time.After(2 * time.Minute):
		s.stop()
		return nil, fmt.Errorf("the server did not say where it listens within 2 minutes; its log: %s", logPath)
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

func (s *serverProc) pid() int { return s.cmd.Process.Pid }

// alive reports whether the server is still running.
func (s *serverProc) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// stop asks the server to stop (SIGTERM), kills it if it has not within 15 s, and
// removes its temporary data directory.
func (s *serverProc) stop() {
	if s.alive() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	if s.tempDir != "" {
		os.RemoveAll(s.tempDir)
		s.tempDir = ""
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// stateFile is ddpload's file in a data directory it manages: the admin it made and,
// for the history mode, what it seeded.
const stateFile = "ddpload.json"

type dirState struct {
	AdminUser     string    `json:"adminUser"`
	AdminPassword string    `json:"adminPassword"`
	Seed          *seedInfo `json:"seed,omitempty"`
}

var stateMu sync.Mutex

func readState(dir string) (*dirState, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	var st dirState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, stateFile), err)
	}
	return &st, nil
}

func writeState(dir string, st *dirState) error {
	stateMu.Lock()
	defer stateMu.Unlock()
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, stateFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, stateFile))
}

// newAdminState is a fresh admin identity for a data directory.
func newAdminState() *dirState {
	return &dirState{AdminUser: "load-admin", AdminPassword: "load-" + model.RandomString(20)}
}

// adminEnv is the environment that has a server create the admin on its first start.
func (st *dirState) adminEnv() []string {
	return []string{"ADMIN_USERNAME=" + st.AdminUser, "ADMIN_PASS=" + st.AdminPassword, "ADMIN_EMAIL=" + st.AdminUser + "@example.com"}
}

// createAdmin runs `bin admin create` on the stopped data directory dir.
func createAdmin(ctx context.Context, bin, dir string, st *dirState) error {
	cmd := exec.CommandContext(ctx, bin, "admin", "create", "-data", dir, "-username", st.AdminUser,
		"-email", st.AdminUser+"@example.com", "-password-stdin")
	cmd.Stdin = strings.NewReader(st.AdminPassword + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s admin create: %w: %s", bin, err, out)
	}
	return nil
}

// isEmptyDir reports whether dir does not exist or holds nothing.
func isEmptyDir(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	return len(entries) == 0, err
}
