package web

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/http"

	"github.com/outpostchat/outpost/app/accounts"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads"
	"github.com/outpostchat/outpost/web/rest"
)

// Uploads is the upload service the HTTP face needs: the REST routes and downloads.
// uploads.Service satisfies it.
type Uploads interface {
	rest.Uploads
	Open(ctx context.Context, actor model.Actor, id string) (uploads.Download, error)
}

// fileCSP is the Content-Security-Policy of every served file: a file opened in a
// browser tab loads nothing and runs nothing.
const fileCSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"

// fileUpload serves GET /file-upload/{id}/{name}: an uploaded file, for those
// uploads.Service.Open lets see it. Credentials are taken, as Rocket.Chat takes them,
// from the X-User-Id and X-Auth-Token headers, the rc_uid and rc_token cookies, or the
// rc_uid and rc_token query parameters (the mobile app appends them to file URLs);
// bad ones count as none. The name in the path is the browser's; the id alone picks
// the file. Range requests and conditional requests (ETag, Last-Modified) are
// answered by http.ServeContent. Only images (not SVG), audio, video, plain text and
// PDF are shown inline, and only without ?download; everything else is an
// attachment, with nosniff and a sandboxing CSP.
func fileUpload(acc rest.Accounts, up Uploads, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		actor := fileActor(r, acc)
		d, err := up.Open(r.Context(), actor, r.PathValue("id"))
		if err != nil {
			fileError(w, r, log, err)
			return
		}
		defer d.Blob.Close()
		u := d.Upload
		disposition := "attachment"
		if uploads.Inline(u.Type) && !r.URL.Query().Has("download") {
			disposition = "inline"
		}
		h := w.Header()
		typ := u.Type
		if typ == "" {
			typ = "application/octet-stream"
		}
		h.Set("Content-Type", typ)
		h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": u.Name}))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", fileCSP)
		h.Set("Cache-Control", "private, max-age=31536000")
		if u.Etag != "" {
			h.Set("ETag", `"`+u.Etag+`"`)
		}
		http.ServeContent(w, r, "", d.ModTime, d.Blob)
	})
}

// fileActor finds who asks for a file: headers first, then cookies, then the query.
func fileActor(r *http.Request, acc rest.Accounts) model.Actor {
	if acc == nil {
		return model.Anonymous
	}
	uid, token := r.Header.Get("X-User-Id"), r.Header.Get("X-Auth-Token")
	if uid == "" || token == "" {
		c1, err1 := r.Cookie("rc_uid")
		c2, err2 := r.Cookie("rc_token")
		if err1 == nil && err2 == nil {
			uid, token = c1.Value, c2.Value
		}
	}
	if uid == "" || token == "" {
		q := r.URL.Query()
		uid, token = q.Get("rc_uid"), q.Get("rc_token")
	}
	if uid == "" || token == "" {
		return model.Anonymous
	}
	u, err := acc.Authenticate(r.Context(), uid, token)
	if err != nil {
		return model.Anonymous
	}
	return accounts.ActorOf(u)
}

// fileError answers a refused download in plain text, as Rocket.Chat's file routes
// do: 403 for the unauthenticated and for those who may not read the room, 404 for
// what does not exist, 500 for faults of ours (logged).
func fileError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	var e *model.Error
	status := http.StatusInternalServerError
	if errors.As(err, &e) {
		switch e.Kind {
		case model.KindUnauthorized, model.KindForbidden:
			status = http.StatusForbidden
		case model.KindNotFound:
			status = http.StatusNotFound
		}
	}
	if status == http.StatusInternalServerError {
		log.Error("serving a file", "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(http.StatusText(status)))
}
