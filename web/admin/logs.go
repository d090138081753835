package admin

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/logbuf"
)

// Logs is the server's recent log lines; *logbuf.Buffer satisfies it.
type Logs interface {
	Lines(q logbuf.Query) logbuf.Page
	Subscribe(size int) *logbuf.Subscription
}

// Paging of the Logs page: at most logsPerPage lines and about logsPageBytes of text,
// so that a page of long lines stays well under 100 KB gzipped.
const (
	logsPerPage   = 100
	logsPageBytes = 48 << 10
	maxLogText    = 200
)

// logLevels are the level filter's choices: each shows its level and the ones above.
var logLevels = []struct {
	value, label string
	level        slog.Level
}{
	{"debug", "Debug and above (all)", slog.LevelDebug},
	{"info", "Info and above", slog.LevelInfo},
	{"warn", "Warnings and errors", slog.LevelWarn},
	{"error", "Errors only", slog.LevelError},
}

// logsView is the Logs page.
type logsView struct {
	Level, Q   string
	Levels     [][2]string // value, label
	Rows       []logRow
	Kept       bool   // the server keeps log lines (Deps.Logs is set)
	Error      string // of the filter form
	Older      string // link to older lines, or ""
	Newest     string // link back to the newest lines when paged back, or ""
	Refresh    string // this view's link without paging
	Stream     string // the live stream's URL, or "" when paged back
	Paged      bool
	Before     uint64
	Filtered   bool
	Unfiltered string // the page without filters
}

// logRow is one line of the page.
type logRow struct {
	Seq                   uint64
	Stamp, Clock          string // RFC 3339 (UTC) and the time of day shown
	Level, LevelText, Svc string
	Msg, Attrs            string
}

// logFilter reads the page's and the stream's query: level, text and paging.
func logFilter(qs url.Values) (level string, q logbuf.Query, msg string) {
	level = qs.Get("level")
	q.Level = slog.LevelDebug
	if level != "" {
		found := false
		for _, l := range logLevels {
			if l.value == level {
				q.Level, found = l.level, true
			}
		}
		if !found {
			return "", q, "Unknown level: choose debug, info, warn or error."
		}
	}
	q.Text = strings.TrimSpace(qs.Get("q"))
	if len(q.Text) > maxLogText {
		return level, q, "The search text is too long (at most 200 characters)."
	}
	if b := qs.Get("before"); b != "" {
		n, err := strconv.ParseUint(b, 10, 64)
		if err != nil || n == 0 {
			return level, q, "That page of the log does not exist: the position is not a line number."
		}
		q.Before = n
	}
	return level, q, ""
}

// levelName is the class of a level: debug, info, warn or error.
func logLevelName(l slog.Level) string {
	switch {
	case l < slog.LevelInfo:
		return "debug"
	case l < slog.LevelWarn:
		return "info"
	case l < slog.LevelError:
		return "warn"
	}
	return "error"
}

func logRowOf(l logbuf.Line) logRow {
	t := l.Time.UTC()
	return logRow{Seq: l.Seq, Stamp: t.Format(time.RFC3339Nano), Clock: t.Format("Jan 02 15:04:05.000"),
		Level: logLevelName(l.Level), LevelText: l.Level.String(), Svc: l.Svc, Msg: l.Msg, Attrs: l.Attrs}
}

// logsLink is /admin/logs with the filters and extra parameters (empty ones left out).
func logsLink(path, level, text string, extra ...string) string {
	v := url.Values{}
	if level != "" {
		v.Set("level", level)
	}
	if text != "" {
		v.Set("q", text)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] != "" {
			v.Set(extra[i], extra[i+1])
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// logsPage serves GET /admin/logs (view-logs): the newest lines at the bottom, filters
// and paging back in the query string; admin.js streams new lines in.
func (c *Console) logsPage(w http.ResponseWriter, r *http.Request, s *session) {
	level, q, msg := logFilter(r.URL.Query())
	v := logsView{Level: level, Q: q.Text, Kept: c.Logs != nil, Before: q.Before, Paged: q.Before != 0,
		Filtered: level != "" || q.Text != "", Unfiltered: "/admin/logs"}
	for _, l := range logLevels {
		v.Levels = append(v.Levels, [2]string{l.value, l.label})
	}
	v.Refresh = logsLink("/admin/logs", level, q.Text)
	status := http.StatusOK
	if msg != "" {
		status, v.Error = http.StatusBadRequest, msg
	}
	if v.Kept && msg == "" {
		q.Limit, q.MaxBytes = logsPerPage, logsPageBytes
		p := c.Logs.Lines(q)
		for _, l := range p.Lines {
			v.Rows = append(v.Rows, logRowOf(l))
		}
		if p.More && len(p.Lines) > 0 {
			v.Older = logsLink("/admin/logs", level, q.Text, "before", strconv.FormatUint(p.Lines[0].Seq, 10))
		}
		if v.Paged {
			v.Newest = v.Refresh
		} else {
			v.Stream = logsLink("/admin/logs/stream", level, q.Text, "after", strconv.FormatUint(p.Last, 10))
		}
	}
	c.renderStatus(w, r, status, logsPage(c.pageData(r, s, "logs", "Logs"), v))
}

// logsRoutes mounts the Logs page and its live stream.
func (c *Console) logsRoutes(m *http.ServeMux) {
	st := newLogStreams()
	m.HandleFunc("GET /admin/logs", c.page(pagePerms("logs"), c.logsPage))
	m.HandleFunc("GET /admin/logs/stream", c.page(pagePerms("logs"), func(w http.ResponseWriter, r *http.Request, s *session) {
		c.logStream(st, w, r, s)
	}))
}

func logSeqText(n uint64) string { return strconv.FormatUint(n, 10) }
