package admin

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/a-h/templ"

	"github.com/outpostchat/outpost/app/model"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
	return w
}}

// renderStatus renders a page whole into memory, then sends it (gzipped when the client
// takes it). A page that fails to render is a logged 500, never half a page.
func (c *Console) renderStatus(w http.ResponseWriter, r *http.Request, status int, comp templ.Component) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := comp.Render(r.Context(), buf); err != nil {
		c.Logger.Error("rendering an admin page", "path", r.URL.Path, "err", err)
		http.Error(w, "Internal server error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	writeBody(w, r, status, buf.Bytes())
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, comp templ.Component) {
	c.renderStatus(w, r, http.StatusOK, comp)
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(v, ",") {
			name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
				return true
			}
		}
	}
	return false
}

// writeBody sends body with status, gzipped when the client takes it and it is worth it.
func writeBody(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	if len(body) < 1024 || !acceptsGzip(r) {
		w.WriteHeader(status)
		_, _ = w.Write(body)
		return
	}
	out := bufPool.Get().(*bytes.Buffer)
	out.Reset()
	defer bufPool.Put(out)
	gz := gzipPool.Get().(*gzip.Writer)
	gz.Reset(out)
	_, _ = gz.Write(body)
	_ = gz.Close()
	gzipPool.Put(gz)
	h.Set("Content-Encoding", "gzip")
	w.WriteHeader(status)
	_, _ = w.Write(out.Bytes())
}

// redirect answers a POST (or a GET that only moves on) with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// problem shows a message page inside the console's layout.
func (c *Console) problem(w http.ResponseWriter, r *http.Request, s *session, status int, title, msg string) {
	c.renderStatus(w, r, status, messagePage(c.pageData(r, s, "", title), msg))
}

// forbidden is the 403 page for a signed-in admin who lacks a page's permission.
func (c *Console) forbidden(w http.ResponseWriter, r *http.Request, s *session, msg string) {
	if msg == "" {
		msg = "Your roles do not give you the permission this page needs. An administrator can grant it under Permissions."
	}
	c.problem(w, r, s, http.StatusForbidden, "Not allowed", msg)
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request, s *session) {
	c.problem(w, r, s, http.StatusNotFound, "Not found", "There is no such page in the console.")
}

// fail shows a service error as a page: its safe message, with the status its kind
// means. Internal errors are logged and shown as a generic message.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	e := model.AsError(err)
	switch e.Kind {
	case model.KindForbidden, model.KindUnauthorized:
		c.forbidden(w, r, s, e.Message)
	case model.KindNotFound:
		c.problem(w, r, s, http.StatusNotFound, "Not found", e.Message)
	case model.KindInvalid, model.KindConflict:
		c.problem(w, r, s, http.StatusBadRequest, "Not done", e.Message)
	case model.KindTooMany:
		c.problem(w, r, s, http.StatusTooManyRequests, "Too many requests", e.Message)
	default:
		c.Logger.Error("admin console", "path", r.URL.Path, "err", err)
		c.problem(w, r, s, http.StatusInternalServerError, "Something went wrong", "The server could not do this. The details are in the server log.")
	}
}

// message is the user-safe text of a service error for a form; internal errors are
// logged and given a generic text.
func (c *Console) message(r *http.Request, err error) string {
	e := model.AsError(err)
	if e.Kind == model.KindInternal {
		c.Logger.Error("admin console", "path", r.URL.Path, "err", err)
		return "The server could not do this. The details are in the server log."
	}
	if e.Message == "" {
		return e.Code
	}
	return e.Message
}
