package admin

import (
	"context"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads"
)

// Uploads is the uploads page's service; uploads.Service satisfies it. Every method
// checks uploads.PermAdmin (view-room-administration); AdminDelete also the message
// deletion permissions of the file's room (force-delete-message or delete-message).
type Uploads interface {
	AdminFiles(ctx context.Context, actor model.Actor, q uploads.AdminQuery) (uploads.AdminPage, error)
	AdminFile(ctx context.Context, actor model.Actor, id string) (uploads.AdminFile, error)
	AdminPreview(ctx context.Context, actor model.Actor, id string, full bool) (uploads.Download, error)
	AdminDelete(ctx context.Context, actor model.Actor, id string) (uploads.Deleted, error)
	Usage(ctx context.Context, actor model.Actor, top int) (uploads.Usage, error)
}

// uploadsPerPage is the uploads listing's page size.
const uploadsPerPage = 25

// listPreviewMax is the largest image shown as its own preview in the listing when it
// has no thumbnail (images smaller than the thumbnail box get none). A page lists 25
// files and previews load lazily; past this size the listing shows a badge and the
// detail page the picture, so a page of small originals stays near the console's
// 100 KB budget.
const listPreviewMax = 32 << 10

// previewCSP is the Content-Security-Policy of a served preview, as web/files.go
// serves files: the picture opened on its own loads and runs nothing.
const previewCSP = "default-src 'none'; img-src 'self'; sandbox"

// uploadTypes are the type filter's choices.
var uploadTypes = []struct{ value, label string }{
	{"image", "Images"}, {"video", "Video"}, {"audio", "Audio"}, {"other", "Other files"},
}

func (c *Console) uploadsRoutes(m *http.ServeMux) {
	perms := pagePerms("uploads")
	m.HandleFunc("GET /admin/uploads", c.page(perms, c.uploadsList))
	m.HandleFunc("GET /admin/uploads/{id}", c.page(perms, c.uploadDetail))
	m.HandleFunc("GET /admin/uploads/{id}/preview", c.page(perms, c.uploadPreview))
	m.HandleFunc("POST /admin/uploads/{id}/delete", c.page(perms, c.deleteUpload))
}

// uploadsView is the listing with the storage figures.
type uploadsView struct {
	Room, User, Type, State string
	Rows                    []uploadRow
	Pager                   pager
	Error                   string
	Usage                   usageView
}

// uploadRow is a file of the listing or the detail page.
type uploadRow struct {
	Href, Preview, Full           string // the detail page; the preview's URL ("" for none); the whole image's
	Name, Size, Type, Group, When string
	Room, RoomType, User, UserID  string
	Width, Height                 string // of the preview, when known
	Pending                       bool
}

// usageView is the storage used.
type usageView struct {
	Cards              []card
	TopUsers, TopRooms []usageRow
}

type usageRow struct{ Name, Files, Bytes string }

var roomTypeNames = map[string]string{"c": "channel", "p": "private", "d": "direct", "l": "omnichannel"}

// uploadRowOf is the row of a file.
func uploadRowOf(f uploads.AdminFile) uploadRow {
	href := "/admin/uploads/" + url.PathEscape(f.ID)
	r := uploadRow{Href: href, Name: f.Name, Size: bytesText(f.Size), Type: f.Type, Group: f.TypeGroup, When: when(f.UploadedAt),
		Room: f.Room, RoomType: roomTypeNames[f.RoomType], User: f.Username, UserID: f.UserID, Pending: f.ExpiresAt != nil}
	if r.Room == "" {
		r.Room = "(deleted room)"
	}
	if r.User == "" {
		r.User = "(deleted user)"
	}
	if uploads.Previewable(f.Upload) {
		r.Full = href + "/preview?full=1"
		switch {
		case f.Thumb != nil:
			r.Preview = href + "/preview"
			r.Width, r.Height = dims(f.Thumb.Identify)
		case f.Size <= listPreviewMax:
			r.Preview = r.Full
			r.Width, r.Height = dims(f.Identify)
		}
	}
	return r
}

// fileBadge is the short label of a file without a preview.
func fileBadge(group string) string {
	switch group {
	case "image":
		return "IMG"
	case "video":
		return "VID"
	case "audio":
		return "AUD"
	}
	return "FILE"
}

func dims(id *uploads.Identify) (string, string) {
	if id == nil || id.Size == nil || id.Size.Width <= 0 || id.Size.Height <= 0 {
		return "", ""
	}
	return strconv.Itoa(id.Size.Width), strconv.Itoa(id.Size.Height)
}

// uploadsList serves GET /admin/uploads: the filters (room name, username, type,
// confirmed or waiting) and paging in the query string, newest first, and the
// storage used.
func (c *Console) uploadsList(w http.ResponseWriter, r *http.Request, s *session) {
	qs := r.URL.Query()
	v := uploadsView{Room: strings.TrimSpace(qs.Get("room")), User: strings.TrimSpace(qs.Get("user")), Type: qs.Get("type"), State: qs.Get("state")}
	if v.State != "pending" {
		v.State = ""
	}
	page := pageParam(r)
	status := http.StatusOK
	res, err := c.Uploads.AdminFiles(r.Context(), s.actor, uploads.AdminQuery{Room: v.Room, User: v.User, Type: v.Type,
		Pending: v.State == "pending", Offset: (page - 1) * uploadsPerPage, Count: uploadsPerPage})
	if err != nil {
		e := model.AsError(err)
		if e.Kind != model.KindInvalid {
			c.fail(w, r, s, err)
			return
		}
		status, v.Error = http.StatusBadRequest, e.Message
	}
	for _, f := range res.Files {
		v.Rows = append(v.Rows, uploadRowOf(f))
	}
	v.Pager = newPager("/admin/uploads", qs, page, uploadsPerPage, len(res.Files), res.Total)
	u, err := c.Uploads.Usage(r.Context(), s.actor, 10)
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	v.Usage = usageOf(u)
	p := c.pageData(r, s, "uploads", "Uploads")
	if r.URL.Query().Get("done") == "filedeleted" {
		p.Flash = "File deleted."
	}
	c.renderStatus(w, r, status, uploadsPage(p, v))
}

func usageOf(u uploads.Usage) usageView {
	v := usageView{Cards: []card{
		{"Files", count(u.Files - u.Thumbs), count(u.Thumbs) + " thumbnails, " + count(u.Pending) + " waiting for confirmation"},
		{"Size of the files", bytesText(u.Bytes), bytesText(u.ThumbBytes) + " of it thumbnails; figures of " + when(u.At)},
	}}
	disk := card{Label: "On disk", Value: "—", Detail: "The files directory could not be measured."}
	if u.DiskKnown {
		disk = card{Label: "On disk", Value: bytesText(u.DiskBytes), Detail: "<data>/files with avatars, measured " + when(u.DiskAt)}
	}
	v.Cards = append(v.Cards, disk)
	for _, r := range u.TopUsers {
		name := r.Name
		if name == "" {
			name = "(deleted user " + r.ID + ")"
		}
		v.TopUsers = append(v.TopUsers, usageRow{name, count(r.Files), bytesText(r.Bytes)})
	}
	for _, r := range u.TopRooms {
		name := r.Name
		if name == "" {
			name = "(deleted room " + r.ID + ")"
		}
		v.TopRooms = append(v.TopRooms, usageRow{name, count(r.Files), bytesText(r.Bytes)})
	}
	return v
}

// uploadView is a file's page.
type uploadView struct {
	Row       uploadRow
	File      uploads.AdminFile
	Thumb     string // the thumbnail's size and dimensions, "" without one
	Dims      string
	Expires   string
	CanDelete bool
	DelError  string
}

// uploadView builds a file's page; CanDelete says whether the delete form is offered
// (the service decides again).
func (c *Console) uploadView(r *http.Request, s *session, f uploads.AdminFile) uploadView {
	v := uploadView{Row: uploadRowOf(f), File: f}
	if v.Row.Preview == "" && v.Row.Full != "" { // too big for the listing, shown here
		v.Row.Preview = v.Row.Full
		v.Row.Width, v.Row.Height = dims(f.Identify)
	}
	if f.Thumb != nil {
		v.Row.Preview = v.Row.Href + "/preview"
		v.Row.Width, v.Row.Height = dims(f.Thumb.Identify)
		v.Thumb = bytesText(f.Thumb.Size)
		if w, h := dims(f.Thumb.Identify); w != "" {
			v.Thumb += ", " + w + " × " + h
		}
	}
	if w, h := dims(f.Identify); w != "" {
		v.Dims = w + " × " + h
	}
	if f.ExpiresAt != nil {
		v.Expires = when(*f.ExpiresAt)
	}
	ctx := r.Context()
	v.CanDelete = c.Authz.Can(ctx, s.actor, "force-delete-message", f.RID) || c.Authz.Can(ctx, s.actor, "delete-message", f.RID)
	return v
}

// uploadDetail serves GET /admin/uploads/{id}: the file's facts, a larger preview and
// the delete form.
func (c *Console) uploadDetail(w http.ResponseWriter, r *http.Request, s *session) {
	f, err := c.Uploads.AdminFile(r.Context(), s.actor, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	c.render(w, r, uploadPage(c.pageData(r, s, "uploads", f.Name), c.uploadView(r, s, f)))
}

// uploadPreview serves GET /admin/uploads/{id}/preview: an image file's thumbnail (or
// with ?full=1 the image itself), for the console's own pages, whose session cookie
// /file-upload never sees (its path is /admin) and whose admins need not be members of
// the room. It is served as web/files.go serves files: the stored type, nosniff, a
// sandboxing CSP, never SVG (uploads.Previewable).
func (c *Console) uploadPreview(w http.ResponseWriter, r *http.Request, s *session) {
	d, err := c.Uploads.AdminPreview(r.Context(), s.actor, r.PathValue("id"), r.URL.Query().Get("full") == "1")
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	defer d.Blob.Close()
	h := w.Header()
	h.Set("Content-Type", d.Upload.Type)
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": d.Upload.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", previewCSP)
	h.Set("Cache-Control", "private, max-age=3600")
	if d.Upload.Etag != "" {
		h.Set("ETag", `"`+d.Upload.Etag+`"`)
	}
	http.ServeContent(w, r, "", d.ModTime, d.Blob)
}

// deleteUpload serves POST /admin/uploads/{id}/delete: the file goes with the message
// that posted it (uploads.Service.AdminDelete); the admin ticks a box to confirm.
func (c *Console) deleteUpload(w http.ResponseWriter, r *http.Request, s *session) {
	f, err := c.Uploads.AdminFile(r.Context(), s.actor, r.PathValue("id"))
	if err != nil {
		c.fail(w, r, s, err)
		return
	}
	show := func(msg string) {
		v := c.uploadView(r, s, f)
		v.DelError = msg
		c.renderStatus(w, r, http.StatusBadRequest, uploadPage(c.pageData(r, s, "uploads", f.Name), v))
	}
	if r.PostForm.Get("confirm") != "yes" {
		show("Tick the box to confirm the deletion.")
		return
	}
	d, err := c.Uploads.AdminDelete(r.Context(), s.actor, f.ID)
	if err != nil {
		if k := model.AsError(err).Kind; k == model.KindForbidden || k == model.KindInvalid {
			show(c.message(r, err))
			return
		}
		c.fail(w, r, s, err)
		return
	}
	fields := map[string]string{"id": f.ID, "room": f.Room, "rid": f.RID, "user": f.Username, "size": strconv.FormatInt(f.Size, 10), "type": f.Type}
	if d.MessageID != "" {
		fields["message"] = d.MessageID
	}
	c.record(r, s, "upload.delete", f.Name, fields)
	redirect(w, r, "/admin/uploads?done=filedeleted")
}
