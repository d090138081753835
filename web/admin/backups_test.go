package admin_test

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/authz"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

var backupLink = regexp.MustCompile(`href="(/admin/backups/outpost-[0-9TZ-]+\.tar\.gz)"`)

func TestBackupsPage(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	b.signIn("boss")
	want(t, b.get("/admin/backups"), 200, "Back up now", "None yet.", "outpost restore")

	// Back up now: the page follows the run, then lists the archive.
	p := b.post("/admin/backups/run", nil)
	want(t, p, 200, "Backup started.")
	if strings.Contains(p.body, "This page reloads itself") && !strings.Contains(p.body, `http-equiv="refresh"`) {
		t.Fatal("a running backup's page does not reload itself")
	}
	a.Backups.Wait()
	p = b.get("/admin/backups")
	want(t, p, 200, "Last backup:", "started by boss")
	if strings.Contains(p.body, `http-equiv="refresh"`) {
		t.Fatal("the page keeps reloading after the backup ended")
	}
	m := backupLink.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no backup listed:\n%s", p.body)
	}
	href := m[1]
	name := strings.TrimPrefix(href, "/admin/backups/")

	// Download: an attachment, the whole archive, with ranges.
	res, err := b.c.Get(b.base + href)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/gzip" {
		t.Fatalf("download: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	disp, params, _ := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
	if disp != "attachment" || params["filename"] != name {
		t.Fatalf("Content-Disposition %q", res.Header.Get("Content-Disposition"))
	}
	if got := archiveNames(t, data); !got["manifest.json"] || !got["db/rocketchat.sqlite"] {
		t.Fatalf("the download holds %v", got)
	}
	req, _ := http.NewRequest("GET", b.base+href, nil)
	req.Header.Set("Range", "bytes=10-19")
	res, err = b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusPartialContent || string(part) != string(data[10:20]) {
		t.Fatalf("range: %d, %d bytes", res.StatusCode, len(part))
	}

	// Unknown and malicious names are a 404, never a file outside backups/.
	for _, path := range []string{"/admin/backups/outpost-20000101T000000Z.tar.gz", "/admin/backups/nope", "/admin/backups/..%2Foutpost.lock",
		"/admin/backups/..%2Fdb%2Frocketchat.sqlite"} {
		want(t, b.get(path), 404, "Not found")
	}
	b.get("/admin/backups")
	want(t, b.post("/admin/backups/nope/delete", nil), 404)
	want(t, b.post("/admin/backups/outpost-20000101T000000Z.tar.gz/delete", nil), 404)

	// Delete.
	b.get("/admin/backups")
	p = b.post(href+"/delete", nil)
	want(t, p, 200, "Backup deleted.", "None yet.")
	if _, err := os.Stat(filepath.Join(a.Store.Dir, "backups", name)); !os.IsNotExist(err) {
		t.Fatalf("the archive is still there: %v", err)
	}
	want(t, b.get(href), 404)

	// The audit log has the run, the download (once: the range was not counted) and the delete.
	p = b.get("/admin/audit")
	want(t, p, 200, "backup.run", "backup.download", "backup.delete", name)
	if n := strings.Count(p.body, "backup.download"); n != 1 {
		t.Fatalf("%d downloads audited, want 1", n)
	}
}

// archiveNames lists a tar.gz's entries.
func archiveNames(t testing.TB, data []byte) map[string]bool {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string]bool{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = true
	}
}

// TestBackupsConflict: a second "Back up now" while one runs comes back with the
// message and status 409.
func TestBackupsConflict(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	boss := wiretest.Actor(t, a, "boss", "admin")
	b.signIn("boss")
	for try := 0; ; try++ {
		b.get("/admin/backups")
		if err := a.Backups.Run(bg, boss); err != nil {
			t.Fatal(err)
		}
		p := b.post("/admin/backups/run", nil)
		a.Backups.Wait()
		if p.status == http.StatusConflict {
			want(t, p, 409, "already running", "Copying the database", `http-equiv="refresh"`)
			break
		}
		if try == 5 {
			t.Fatalf("the backups ended before the form came 6 times: %d", p.status)
		}
	}
}

func TestBackupsFailurePaths(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	boss := wiretest.Actor(t, a, "boss", "admin")
	wiretest.User(t, a, "robo", "bot")
	if _, err := a.Authz.UpdatePermissions(bg, model.System, []authz.PermissionUpdate{{ID: "view-logs", Roles: []string{"admin", "bot"}}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Backups.Run(bg, boss); err != nil {
		t.Fatal(err)
	}
	a.Backups.Wait()
	list, _ := a.Backups.List(bg, boss)
	href := "/admin/backups/" + list[0].Name

	// Not signed in: to the sign-in page, nothing served or done.
	anon := newBrowser(t, b.base)
	for _, path := range []string{"/admin/backups", href} {
		if p := anon.get(path); !strings.HasPrefix(p.url, "/admin/login") {
			t.Fatalf("%s without a session: %s", path, p.url)
		}
	}
	if p := anon.post(href+"/delete", url.Values{"csrf": {"x"}}); !strings.HasPrefix(p.url, "/admin/login") {
		t.Fatalf("delete without a session: %s", p.url)
	}

	// Without run-import: 403 everywhere, and the nav does not offer the page.
	p := b.signIn("robo")
	if strings.Contains(p.body, `href="/admin/backups"`) {
		t.Fatal("the navigation offers backups to robo")
	}
	want(t, b.get("/admin/backups"), 403, "Not allowed")
	want(t, b.get(href), 403, "Not allowed")
	b.get("/admin/audit")
	want(t, b.post("/admin/backups/run", nil), 403)
	want(t, b.post(href+"/delete", nil), 403)

	// A forged form changes nothing.
	b2 := newBrowser(t, b.base)
	b2.signIn("boss")
	b2.get("/admin/backups")
	want(t, b2.post(href+"/delete", url.Values{"csrf": {"forged"}}), 403, "stale")
	want(t, b2.post("/admin/backups/run", url.Values{"csrf": {"forged"}}), 403)
	if st, _ := a.Backups.Status(bg, boss); st.Running {
		t.Fatal("a forged form started a backup")
	}
	if after, _ := a.Backups.List(bg, boss); len(after) != 1 {
		t.Fatalf("backups after forged forms: %v", after)
	}
}

// TestBackupsPageWeight: with many archives the page stays under 100 KB gzipped.
func TestBackupsPageWeight(t *testing.T) {
	t.Parallel()
	a, b := console(t)
	wiretest.User(t, a, "boss", "admin")
	b.signIn("boss")
	for i := range 300 {
		name := fmt.Sprintf("outpost-2025%02d%02dT120000Z.tar.gz", i%12+1, i/12+1)
		if err := os.WriteFile(filepath.Join(a.Store.Dir, "backups", name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res, size, body := b.gzipGet("/admin/backups")
	if res.StatusCode != 200 || strings.Count(body, "<tr>") < 200 {
		t.Fatalf("%d, %d rows", res.StatusCode, strings.Count(body, "<tr>"))
	}
	t.Logf("/admin/backups with %d archives: %d bytes gzip, %d plain", strings.Count(body, "<tr>")-1, size, len(body))
	if size > 100<<10 {
		t.Fatalf("%d bytes transferred", size)
	}
}
