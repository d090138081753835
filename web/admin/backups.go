package admin

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/backups"
	"github.com/outpostchat/outpost/app/model"
)

// Backups runs and keeps the data directory's backups; backups.Service satisfies it.
// Each method checks run-import itself.
type Backups interface {
	Run(ctx context.Context, actor model.Actor) error
	Status(ctx context.Context, actor model.Actor) (backups.Status, error)
	List(ctx context.Context, actor model.Actor) ([]model.Backup, error)
	Open(ctx context.Context, actor model.Actor, name string) (io.ReadSeekCloser, model.Backup, error)
	Delete(ctx context.Context, actor model.Actor, name string) error
}

// backupFlashes are the backups page's messages after a change (?done=KEY).
var backupFlashes = map[string]string{
	"backup-started": "Backup started. This page follows it until it ends.",
	"backup-deleted": "Backup deleted.",
}

// backupRow is one archive of the listing.
type backupRow struct {
	Name, Href, Size, When string
}

// backupsView is the backups page.
type backupsView struct {
	Rows     []backupRow
	Running  bool
	Progress string // what the running backup is doing
	Last     *lastBackup
	Error    string
}

// lastBackup is how the last backup ended.
type lastBackup struct {
	OK                 bool
	Name, Href, Detail string
}

func (c *Console) backupsRoutes(m *http.ServeMux) {
	perms := pagePerms("backups")
	m.HandleFunc("GET /admin/backups", c.page(perms, c.backups))
	m.HandleFunc("POST /admin/backups/run", c.page(perms, c.runBackup))
	m.HandleFunc("GET /admin/backups/{name}", c.page(perms, c.downloadBackup))
	m.HandleFunc("POST /admin/backups/{name}/delete", c.page(perms, c.deleteBackup))
}

// backups serves GET /admin/backups: the archives, the running backup's progress (the
// page reloads itself every few seconds while one runs) and the last result.
func (c *Console) backups(w http.ResponseWriter, r *http.Request, s *session) {
	c.showBackups(w, r, s, http.StatusOK, "")
}

func (c *Console) showBackups(w http.ResponseWriter, r *http.Request, s *session, status int, msg string) {
	if c.Backups == nil {
		c.problem(w, r, s, http.StatusNotFound, "Backups", "Backups are not available in this server.")
		return
	}
	ctx := r.Context()
	st, err := c.Backups.Status(ctx, s.actor)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	list, err := c.Backups.List(ctx, s.actor)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	v := backupsView{Running: st.Running, Error: msg}
	if st.Running {
		v.Progress = progressText(st, c.now())
	}
	if l := st.Last; l != nil {
		lb := &lastBackup{OK: l.Err == ""}
		took := l.Finished.Sub(l.Started).Round(time.Millisecond)
		if lb.OK {
			lb.Name, lb.Href = l.Backup.Name, backupHref(l.Backup.Name)
			lb.Detail = fmt.Sprintf("%s, in %s, started by %s at %s", bytesText(l.Backup.Size), took, l.By, when(l.Started))
		} else {
			lb.Detail = fmt.Sprintf("Started by %s at %s, failed after %s: %s", l.By, when(l.Started), took, l.Err)
		}
		v.Last = lb
	}
	for _, b := range list {
		v.Rows = append(v.Rows, backupRow{Name: b.Name, Href: backupHref(b.Name), Size: bytesText(b.Size), When: when(b.Created)})
	}
	p := c.pageData(r, s, "backups", "Backups")
	if p.Flash == "" {
		p.Flash = backupFlashes[r.URL.Query().Get("done")]
	}
	c.renderStatus(w, r, status, backupsPage(p, v))
}

func backupHref(name string) string { return "/admin/backups/" + url.PathEscape(name) }

// progressText says what the running backup does.
func progressText(st backups.Status, now time.Time) string {
	since := fmt.Sprintf("started by %s %s ago", st.By, now.Sub(st.Started).Round(time.Second))
	switch st.Phase {
	case "files":
		return fmt.Sprintf("Archiving files: %s of %s (%s).", count(st.Done), count(st.Total), since)
	case "finish":
		return fmt.Sprintf("Finishing the archive (%s).", since)
	}
	return fmt.Sprintf("Copying the database (%s).", since)
}

// runBackup serves POST /admin/backups/run: starts a backup in the background.
func (c *Console) runBackup(w http.ResponseWriter, r *http.Request, s *session) {
	if c.Backups == nil {
		c.notFound(w, r, s)
		return
	}
	if err := c.Backups.Run(r.Context(), s.actor); err != nil {
		if model.AsError(err).Kind == model.KindConflict {
			c.showBackups(w, r, s, http.StatusConflict, c.message(r, err))
			return
		}
		c.fail(w, r, s, err)
		return
	}
	c.record(r, s, "backup.run", "", nil)
	redirect(w, r, "/admin/backups?done=backup-started")
}

// downloadBackup serves GET /admin/backups/{name}: the archive as an attachment, with
// range requests (a large download can resume). Every download is audited; a resumed
// one (a Range past the start) is not counted again.
func (c *Console) downloadBackup(w http.ResponseWriter, r *http.Request, s *session) {
	if c.Backups == nil {
		c.notFound(w, r, s)
		return
	}
	f, b, err := c.Backups.Open(r.Context(), s.actor, r.PathValue("name"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	defer f.Close()
	if rg := r.Header.Get("Range"); r.Method == http.MethodGet && (rg == "" || strings.HasPrefix(rg, "bytes=0-")) {
		c.record(r, s, "backup.download", b.Name, map[string]string{"size": fmt.Sprint(b.Size)})
	}
	h := w.Header()
	h.Set("Content-Type", "application/gzip")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": b.Name}))
	h.Set("Cache-Control", "no-store")
	http.ServeContent(w, r, b.Name, b.Created, f)
}

// deleteBackup serves POST /admin/backups/{name}/delete.
func (c *Console) deleteBackup(w http.ResponseWriter, r *http.Request, s *session) {
	if c.Backups == nil {
		c.notFound(w, r, s)
		return
	}
	name := r.PathValue("name")
	if err := c.Backups.Delete(r.Context(), s.actor, name); err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.record(r, s, "backup.delete", name, nil)
	redirect(w, r, "/admin/backups?done=backup-deleted")
}
