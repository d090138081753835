package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads/avatars"
	"github.com/outpostchat/outpost/web/rest"
)

// Avatars finds the pictures the /avatar routes serve; avatars.Service satisfies it.
type Avatars interface {
	User(ctx context.Context, username string) (avatars.Avatar, error)
	UserByID(ctx context.Context, uid string) (avatars.Avatar, error)
	Room(ctx context.Context, rid, viewer string) (avatars.Avatar, error)
	Picture(ctx context.Context, a avatars.Avatar, size int, format string) (avatars.Picture, error)
	// Initials is the PNG or JPEG placeholder of name, cached.
	Initials(name string, size int, format string) (avatars.Picture, error)
	BlockUnauthenticated() bool
	CacheTime() int64
}

// AvatarService is the avatar service of the HTTP face: the REST routes and the
// pictures. avatars.Service satisfies it.
type AvatarService interface {
	Avatars
	rest.Avatars
}

// avatarRoutes mounts /avatar/{name} (also /avatar/@name), /avatar/uid/{uid} and
// /avatar/room/{rid} (PROTOCOL.md §4.3). Without an avatar service every name gets
// the initials placeholder and rooms are unknown.
//
// Every route takes ?size (16–1024) and ?format: "png", "jpg" or "jpeg" draw the
// placeholder as that raster image, as Rocket.Chat converts its SVG with sharp, and
// convert a stored picture of another format; anything else is the SVG placeholder and
// the picture as stored.
func avatarRoutes(mux *http.ServeMux, acc rest.Accounts, av Avatars, log *slog.Logger) {
	h := &avatarHandler{acc: acc, av: av, log: log}
	mux.HandleFunc("GET /avatar/{name}", h.user)
	if av != nil {
		mux.HandleFunc("GET /avatar/uid/{uid}", h.userByID)
		mux.HandleFunc("GET /avatar/room/{rid}", h.room)
	}
}

type avatarHandler struct {
	acc rest.Accounts
	av  Avatars
	log *slog.Logger
}

// user serves /avatar/{name}: the user's picture, else the placeholder with the name's
// initial on a colour of its own, as Rocket.Chat shows for users without one; "@name"
// always gets the placeholder, and so does an unknown name (Rocket.Chat answers no 404
// there).
func (h *avatarHandler) user(w http.ResponseWriter, r *http.Request) {
	raw := strings.TrimSuffix(r.PathValue("name"), ".svg")
	name := strings.TrimPrefix(raw, "@")
	if name == "" || len(name) > 256 || !utf8.ValidString(name) {
		http.Error(w, "bad avatar name", http.StatusBadRequest)
		return
	}
	if h.av == nil || strings.HasPrefix(raw, "@") {
		h.placeholder(w, r, name)
		return
	}
	if !h.allowed(r) {
		h.blocked(w, r, name)
		return
	}
	a, err := h.av.User(r.Context(), name)
	h.serve(w, r, a, err)
}

// userByID serves /avatar/uid/{uid}: 404 for an unknown user, as Rocket.Chat.
func (h *avatarHandler) userByID(w http.ResponseWriter, r *http.Request) {
	uid := r.PathValue("uid")
	if !h.allowed(r) {
		h.blocked(w, r, uid)
		return
	}
	a, err := h.av.UserByID(r.Context(), uid)
	h.serve(w, r, a, err)
}

// room serves /avatar/room/{rid}: the room's picture (a discussion without one shows
// its parent's avatar), else the placeholder of its name (a direct message: the other
// members' usernames, as the signed-in viewer's subscription names it); 404 for an
// unknown room.
func (h *avatarHandler) room(w http.ResponseWriter, r *http.Request) {
	rid := r.PathValue("rid")
	if !h.allowed(r) {
		h.blocked(w, r, rid)
		return
	}
	viewer := fileActor(r, h.acc).UserID
	a, err := h.av.Room(r.Context(), rid, viewer)
	h.serve(w, r, a, err)
}

// allowed applies Accounts_AvatarBlockUnauthenticatedAccess: then only requests with
// valid credentials (rc_uid and rc_token in the query or cookies, as Rocket.Chat reads
// them, or the REST headers) see pictures.
func (h *avatarHandler) allowed(r *http.Request) bool {
	if !h.av.BlockUnauthenticated() {
		return true
	}
	return !fileActor(r, h.acc).IsAnonymous()
}

// blocked answers a refused request as Rocket.Chat's protectAvatarsWithFallback does:
// the placeholder of the name in the URL (in the requested format), never cached.
func (h *avatarHandler) blocked(w http.ResponseWriter, r *http.Request, name string) {
	w.Header().Set("Cache-Control", "no-store")
	h.writeInitials(w, r, name)
}

// serve writes a's picture, or its placeholder when it has none.
func (h *avatarHandler) serve(w http.ResponseWriter, r *http.Request, a avatars.Avatar, err error) {
	if err != nil {
		if isNotFound(err) {
			http.Error(w, "Not Found", http.StatusNotFound)
			return
		}
		h.log.Error("serving an avatar", "path", r.URL.Path, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	if !a.HasPicture() {
		h.placeholder(w, r, a.Name)
		return
	}
	p, err := h.av.Picture(r.Context(), a, requestedSize(r), requestedFormat(r))
	if isNotFound(err) { // an etag without its blob (an imported user, a reset room): the placeholder
		h.placeholder(w, r, a.Name)
		return
	} else if err != nil {
		h.log.Error("serving an avatar", "path", r.URL.Path, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	defer p.Close()
	hd := w.Header()
	h.cacheHeaders(hd)
	hd.Set("ETag", strconv.Quote(a.ETag))
	hd.Set("Content-Security-Policy", "default-src 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	if p.Type != "" {
		hd.Set("Content-Type", p.Type)
	}
	http.ServeContent(w, r, "", p.ModTime, p.Body)
}

// placeholder writes the initials placeholder of name with the avatar cache headers.
func (h *avatarHandler) placeholder(w http.ResponseWriter, r *http.Request, name string) {
	h.cacheHeaders(w.Header())
	h.writeInitials(w, r, name)
}

// cacheHeaders sets Rocket.Chat's Cache-Control (Accounts_AvatarCacheTime) and
// Content-Disposition.
func (h *avatarHandler) cacheHeaders(hd http.Header) {
	age := int64(3600)
	if h.av != nil {
		age = h.av.CacheTime()
	}
	hd.Set("Cache-Control", "public, max-age="+strconv.FormatInt(age, 10))
	hd.Set("Content-Disposition", "inline")
}

// requestedSize is ?size clamped to 16–1024, or 0 when absent or not a number.
func requestedSize(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("size"))
	if err != nil || n <= 0 {
		return 0
	}
	return min(max(n, avatars.MinPlaceholderSize), avatars.MaxPlaceholderSize)
}

// requestedFormat is ?format: avatars.FormatPNG, FormatJPEG or FormatSVG.
func requestedFormat(r *http.Request) string { return avatars.ParseFormat(r.URL.Query().Get("format")) }

// writeInitials writes the placeholder of name at the requested size (200 when none)
// and format, with Rocket.Chat's fixed Last-Modified (an If-Modified-Since of it is
// answered 304).
func (h *avatarHandler) writeInitials(w http.ResponseWriter, r *http.Request, name string) {
	size, format := requestedSize(r), requestedFormat(r)
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	if format == avatars.FormatSVG {
		hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		var buf bytes.Buffer
		_ = avatars.WriteSVG(&buf, name, size)
		hd.Set("Content-Type", avatars.ContentType(format))
		http.ServeContent(w, r, "", avatars.PlaceholderModTime, bytes.NewReader(buf.Bytes()))
		return
	}
	hd.Set("Content-Security-Policy", "default-src 'none'")
	var (
		p   avatars.Picture
		err error
	)
	if h.av != nil {
		p, err = h.av.Initials(name, size, format)
	} else {
		var b []byte
		b, err = avatars.RenderInitials(name, size, format)
		p = avatars.Picture{Body: bytes.NewReader(b), Type: avatars.ContentType(format), ModTime: avatars.PlaceholderModTime}
	}
	if err != nil {
		h.log.Error("drawing an avatar placeholder", "path", r.URL.Path, "err", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	defer p.Close()
	hd.Set("Content-Type", p.Type)
	http.ServeContent(w, r, "", p.ModTime, p.Body)
}

// isNotFound reports a missing document or blob.
func isNotFound(err error) bool {
	var e *model.Error
	return errors.Is(err, model.ErrNotFound) || (errors.As(err, &e) && e.Kind == model.KindNotFound)
}
