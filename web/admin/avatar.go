package admin

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads/avatars"
)

// Avatars sets and resets users' pictures; avatars.Service satisfies it. The service
// checks the permissions as Rocket.Chat's users.setAvatar and users.resetAvatar do:
// another user's picture needs edit-other-user-avatar, one's own
// Accounts_AllowUserAvatarChange (or that permission). Rooms' pictures change through
// Rooms.SaveSettings (roomAvatar), which stores them with this service.
type Avatars interface {
	// MaxImageBytes is the largest picture taken (FileUpload_MaxFileSize, at most 20 MiB).
	MaxImageBytes() int64
	SetUserAvatar(ctx context.Context, actor model.Actor, t avatars.Target, image io.Reader, origin string) error
	ResetUserAvatar(ctx context.Context, actor model.Actor, t avatars.Target) error
	// BlockUnauthenticated is Accounts_AvatarBlockUnauthenticatedAccess: /avatar then
	// shows the console (whose cookie is not a REST login) only placeholders.
	BlockUnauthenticated() bool
}

// avatarTypes are the image types the avatar forms offer (the file input's accept);
// the avatar service decides by decoding, not by this list.
const avatarTypes = "image/png,image/jpeg,image/gif,image/webp"

// uploadOverhead is what a multipart form may hold besides its file: boundaries, part
// headers and the CSRF field (web/rest allows users.setAvatar the same).
const uploadOverhead int64 = 1 << 20

// uploadKey marks in a request's context a route that takes a multipart form; the
// value is the largest file it takes, in bytes.
type uploadKey struct{}

// upload wraps an action whose form is multipart/form-data with one file of at most
// limit() bytes: as page, and the body, bounded by the file limit and uploadOverhead
// before anything is parsed, is read into r.MultipartForm (in memory), whose csrf field
// is checked like any form's. Only signed-in users with perms get their body read.
func (c *Console) upload(perms []string, limit func() int64, fn func(w http.ResponseWriter, r *http.Request, s *session)) http.HandlerFunc {
	h := c.page(perms, fn)
	return func(w http.ResponseWriter, r *http.Request) {
		h(w, r.WithContext(context.WithValue(r.Context(), uploadKey{}, limit())))
	}
}

// readForm reads a POST's form for page: an urlencoded body of at most maxForm bytes,
// or, on a route wrapped by upload, a multipart body of at most its file limit and
// uploadOverhead. A body over its limit is refused from its Content-Length when it
// has one, else when the reading passes the limit (a *http.MaxBytesError).
func (c *Console) readForm(w http.ResponseWriter, r *http.Request) error {
	limit, _ := r.Context().Value(uploadKey{}).(int64)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if limit <= 0 || mt != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		return r.ParseForm()
	}
	most := limit + uploadOverhead
	if r.ContentLength > most {
		return &http.MaxBytesError{Limit: most}
	}
	r.Body = http.MaxBytesReader(w, r.Body, most)
	// maxMemory covers the whole body, so the file stays in memory (a part spilled to a
	// temporary file anyway is removed by net/http when the request ends).
	return r.ParseMultipartForm(most)
}

// badForm answers a form readForm could not read: 400, saying so when it was too large.
func (c *Console) badForm(w http.ResponseWriter, r *http.Request, s *session, err error) {
	var tooLarge *http.MaxBytesError
	if limit, _ := r.Context().Value(uploadKey{}).(int64); limit > 0 && errors.As(err, &tooLarge) {
		c.problem(w, r, s, http.StatusBadRequest, "File too large",
			"The file is larger than the "+bytesText(limit)+" this form takes. Go back and choose a smaller one.")
		return
	}
	c.problem(w, r, s, http.StatusBadRequest, "Bad form", "The form could not be read. Go back and try again.")
}

// maxAvatarBytes is the avatar file limit, for upload.
func (c *Console) maxAvatarBytes() int64 { return c.Avatars.MaxImageBytes() }

// formFile is the single file of a multipart form's field, or nil when none was chosen
// (browsers send an empty part with no file name then).
func formFile(r *http.Request, field string) *multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Filename != "" || fh.Size > 0 {
			return fh
		}
	}
	return nil
}

// fileFields are the audit fields of an uploaded file: its name, size and declared type.
func fileFields(fh *multipart.FileHeader) map[string]string {
	name := fh.Filename
	if len(name) > 200 {
		name = strings.ToValidUTF8(name[:200], "")
	}
	return map[string]string{"file": name, "size": strconv.FormatInt(fh.Size, 10), "type": fh.Header.Get("Content-Type")}
}

// avatarFlashes are the messages after an avatar change (?done=KEY), on the user and
// room pages.
var avatarFlashes = map[string]string{
	"avatar":      "Avatar changed.",
	"avatarreset": "Avatar reset to initials.",
}

// avatarView is the avatar section of a user's or a room's page.
type avatarView struct {
	Src     string // the /avatar URL of the picture, with its etag so a change shows at once
	Alt     string
	Picture bool   // a picture is set (else the initials placeholder shows)
	Forms   bool   // the console has the avatar service and the admin may change this avatar
	Max     string // the file limit, for the form's hint
	Blocked bool   // Accounts_AvatarBlockUnauthenticatedAccess: /avatar shows the console placeholders
	Error   string
	Action  string // the upload form's action; its reset form's is Action + "/reset"
}

// newAvatarView is the avatar section showing src (an /avatar path and ?size) with etag.
func (c *Console) newAvatarView(src, etag, alt, action string, picture, forms bool) avatarView {
	v := avatarView{Src: src, Alt: alt, Action: action, Picture: picture}
	if etag != "" {
		v.Src += "&etag=" + url.QueryEscape(etag)
	}
	if c.Avatars != nil {
		v.Forms = forms
		v.Max = bytesText(c.Avatars.MaxImageBytes())
		v.Blocked = c.Avatars.BlockUnauthenticated()
	}
	return v
}

// avatarDataURI reads the form's "image" file as a data:image/...;base64 URI, the form
// saveRoomSettings' roomAvatar takes, with the file's audit fields. The type is sniffed
// from the bytes (the avatar service decodes by content and refuses what is not an
// image); a file over MaxImageBytes is Rocket.Chat's error-file-too-large.
func (c *Console) avatarDataURI(r *http.Request) (string, map[string]string, error) {
	fh := formFile(r, "image")
	if fh == nil {
		return "", nil, model.Invalid("", "Choose an image file.")
	}
	fields, limit := fileFields(fh), c.Avatars.MaxImageBytes()
	if fh.Size > limit {
		return "", fields, avatars.TooLarge(limit)
	}
	f, err := fh.Open()
	if err != nil {
		return "", fields, model.Internal(err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return "", fields, model.Internal(err)
	}
	if int64(len(data)) > limit {
		return "", fields, avatars.TooLarge(limit)
	}
	ctype := http.DetectContentType(data)
	if !strings.HasPrefix(ctype, "image/") {
		ctype = "image/unknown"
	}
	return "data:" + ctype + ";base64," + base64.StdEncoding.EncodeToString(data), fields, nil
}
