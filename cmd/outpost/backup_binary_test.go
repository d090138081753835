package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var writtenRE = regexp.MustCompile(`backup written: (\S+\.tar\.gz) \(`)

// TestBackupRestore is an operator's backup and restore with the built binary: a backup
// of a running server, more messages, a restore refused while the server runs and for
// a damaged archive, a restore with the server stopped, and a restart that serves the
// restored data: the later message is gone.
func TestBackupRestore(t *testing.T) {
	t.Parallel()
	dir := dataDir(t)
	const username, password = "root", "correct horse battery"
	env := []string{"ADMIN_USERNAME=" + username, "ADMIN_PASS=" + password, "ADMIN_EMAIL=root@example.com"}
	s := startServer(t, dir, env)
	s.waitReady(t, "/api/info")
	uid, token := s.login(t, username, password)
	rid := s.post(t, uid, token, "kept: sent before the backup")

	code, out := runBinary(t, "", "backup", "--data", dir)
	m := writtenRE.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("outpost backup of a running server: exit %d\n%s", code, out)
	}
	archive := m[1]
	t.Logf("outpost backup: %s", strings.TrimSpace(out))
	s.post(t, uid, token, "gone: sent after the backup")

	code, out = runBinary(t, "", "restore", archive, "--data", dir)
	if code == 0 || !strings.Contains(out, "stop the server first") {
		t.Fatalf("restore while the server runs: exit %d\n%s", code, out)
	}
	s.stop(t, syscall.SIGTERM)

	// A damaged archive is refused and changes nothing.
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.tar.gz")
	os.WriteFile(bad, data[:len(data)/2], 0o600)
	code, out = runBinary(t, "", "restore", "--data", dir, bad)
	if code == 0 || !strings.Contains(out, "nothing was changed") {
		t.Fatalf("restore of a truncated archive: exit %d\n%s", code, out)
	}
	code, out = runBinary(t, "", "restore", archive, "--data", dir)
	if code != 0 || !strings.Contains(out, "restored ") || !strings.Contains(out, "restore-previous-") {
		t.Fatalf("restore: exit %d\n%s", code, out)
	}
	t.Logf("outpost restore: %s", strings.TrimSpace(out))

	s = startServer(t, dir, env)
	s.waitReady(t, "/api/info")
	msgs := s.history(t, uid, token, rid) // the token was issued before the backup
	if !slicesContain(msgs, "kept: sent before the backup") || slicesContain(msgs, "gone: sent after the backup") {
		t.Fatalf("after the restore #general holds %q", msgs)
	}
	s.post(t, uid, token, "the restored server takes writes")
	s.stop(t, syscall.SIGTERM)

	// Usage errors.
	for _, args := range [][]string{{"restore"}, {"restore", "a", "b"}, {"backup", "extra"}} {
		if code, out := runBinary(t, "", args...); code != 2 || !strings.Contains(out, "usage: outpost "+args[0]) {
			t.Errorf("outpost %v: exit %d\n%s", args, code, out)
		}
	}
}

func slicesContain(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// post sends text to #general over REST and returns the room's id.
func (s *server) post(t *testing.T, uid, token, text string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"channel": "#general", "text": text})
	req, _ := http.NewRequest(http.MethodPost, s.base+"/api/v1/chat.postMessage", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-User-Id", uid)
	req.Header.Set("X-Auth-Token", token)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Message struct {
			RID string `json:"rid"`
		} `json:"message"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("chat.postMessage: %s %v", resp.Status, err)
	}
	return r.Message.RID
}

// history is the texts of the room's messages.
func (s *server) history(t *testing.T, uid, token, rid string) []string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+"/api/v1/channels.history?count=100&roomId="+rid, nil)
	req.Header.Set("X-User-Id", uid)
	req.Header.Set("X-Auth-Token", token)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Messages []struct {
			Msg string `json:"msg"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("channels.history: %s %v", resp.Status, err)
	}
	var out []string
	for _, m := range r.Messages {
		out = append(out, m.Msg)
	}
	return out
}
