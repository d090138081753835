package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads"
)

// Uploads is the upload service the REST API needs; uploads.Service satisfies it.
type Uploads interface {
	MaxFileSize() int64
	CheckRoom(ctx context.Context, actor model.Actor, rid string) (model.Room, error)
	CheckUpload(ctx context.Context, actor model.Actor, rid string, minSize int64) (model.Room, error)
	Receive(ctx context.Context, actor model.Actor, in uploads.ReceiveInput) (uploads.Upload, error)
	Confirm(ctx context.Context, actor model.Actor, in uploads.ConfirmInput) (model.Message, error)
	Discard(ctx context.Context, actor model.Actor, id string) error
}

// multipartOverhead is what a multipart body may hold besides the file: boundaries,
// part headers and the small text fields.
const multipartOverhead int64 = 1 << 20

// maxFieldLen bounds a text field of an upload form (msg, description, tmid, content).
const maxFieldLen = 256 << 10

// sniffLen is how many leading bytes net/http.DetectContentType reads.
const sniffLen = 512

// uploadRoutes registers rooms.media, rooms.mediaConfirm, rooms.upload and, when
// Deps.Uploads lists images, rooms.images (uploads_images.go). The two multipart
// routes take a body as large as FileUpload_MaxFileSize allows (checked per request,
// as the setting changes at run time) and run without the server's read and write
// deadlines, which would cut a long upload.
func (a *api) uploadRoutes() {
	a.handleLimit("POST /api/v1/rooms.media/{rid}", math.MaxInt64, a.authed(longLived(a.roomsMedia)))
	a.handle("POST /api/v1/rooms.mediaConfirm/{rid}/{fileId}", a.authed(a.roomsMediaConfirm))
	a.handleLimit("POST /api/v1/rooms.upload/{rid}", math.MaxInt64, a.authed(longLived(a.roomsUpload)))
	if h, ok := a.Uploads.(RoomImages); ok {
		a.handle("GET /api/v1/rooms.images", a.authed(a.roomsImages(h)))
	}
}

// longLived lifts the server's read and write deadlines for h's request (as
// web.LongLived does for whole routes); the upload is bounded by its size limit.
func longLived(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Time{}) // not supported by test recorders
		_ = rc.SetWriteDeadline(time.Time{})
		return h(w, r)
	}
}

// uploadForm is a parsed upload request: the stored file and the text fields.
type uploadForm struct {
	file   *uploads.Upload
	fields map[string]string
}

// readUpload checks the room, then reads the multipart body of r: the part "file" is
// streamed into the upload service (never held whole in memory), the text fields
// msg, description, tmid and content are kept, other parts are skipped. On an error
// after the file was stored, the stored file is discarded.
func (a *api) readUpload(w http.ResponseWriter, r *http.Request) (form uploadForm, err error) {
	ctx, actor, rid := r.Context(), actorOf(r), r.PathValue("rid")
	if _, err := a.Uploads.CheckUpload(ctx, actor, rid, r.ContentLength-multipartOverhead); err != nil {
		return form, err
	}
	if max := a.Uploads.MaxFileSize(); max >= 0 {
		limit := max + multipartOverhead
		if r.ContentLength > limit {
			return form, model.Invalid("error-file-too-large", "File exceeds allowed size of "+strconv.FormatInt(max, 10)+" bytes")
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	bufferBody(r)
	mr, err := r.MultipartReader()
	if err != nil {
		return form, model.Invalid("invalid-field", "The request must be multipart/form-data with a file field")
	}
	defer func() {
		if err != nil && form.file != nil {
			if derr := a.Uploads.Discard(context.WithoutCancel(ctx), actor, form.file.ID); derr != nil {
				a.Logger.Error("discarding a failed upload", "id", form.file.ID, "err", derr)
			}
			form.file = nil
		}
	}()
	form.fields = map[string]string{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return form, truncated(err)
		}
		name := part.FormName()
		switch {
		case name == "file" && form.file == nil && part.FileName() != "":
			u, err := a.receivePart(ctx, actor, rid, part)
			if err != nil {
				return form, err
			}
			form.file = &u
		case name == "msg" || name == "description" || name == "tmid" || name == "content":
			b, err := io.ReadAll(io.LimitReader(part, maxFieldLen+1))
			if err != nil {
				return form, truncated(err)
			}
			if len(b) > maxFieldLen {
				return form, model.Invalid("error-message-size-exceeded", "Message size exceeds Message_MaxAllowedSize")
			}
			form.fields[name] = string(b)
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				return form, truncated(err)
			}
		}
	}
	if form.file == nil {
		return form, uploads.ErrNoFile()
	}
	return form, nil
}

// receivePart sniffs the file part's first bytes and streams it to the service.
func (a *api) receivePart(ctx context.Context, actor model.Actor, rid string, part *multipart.Part) (uploads.Upload, error) {
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(part, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return uploads.Upload{}, truncated(err)
	}
	head = head[:n]
	return a.Uploads.Receive(ctx, actor, uploads.ReceiveInput{
		RID: rid, Name: part.FileName(), Claimed: part.Header.Get("Content-Type"),
		Sniffed: sniff(head), Body: io.MultiReader(bytes.NewReader(head), part),
	})
}

// sniff is net/http.DetectContentType, which does not know SVG: text or XML that
// holds an <svg element is image/svg+xml, so the media type lists apply to it
// whatever the client calls it.
func sniff(head []byte) string {
	t := http.DetectContentType(head)
	if (strings.HasPrefix(t, "text/plain") || strings.HasPrefix(t, "text/xml")) && bytes.Contains(bytes.ToLower(head), []byte("<svg")) {
		return "image/svg+xml"
	}
	return t
}

// truncated explains a multipart body that could not be read to its end.
func truncated(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &model.Error{Kind: model.KindInvalid, Code: "error-file-too-large", Message: "File exceeds the allowed size", Cause: err}
	}
	return &model.Error{Kind: model.KindInvalid, Code: "error-file-upload-incomplete", Message: "The upload was interrupted or malformed", Cause: err}
}

// roomsMedia serves POST rooms.media/:rid (multipart file) → {file:{_id, url}}: the
// file waits for rooms.mediaConfirm. A content field (E2E key data) must be JSON, as
// Rocket.Chat checks; encrypted uploads are not kept apart yet.
func (a *api) roomsMedia(w http.ResponseWriter, r *http.Request) error {
	form, err := a.readUpload(w, r)
	if err != nil {
		return err
	}
	if c := form.fields["content"]; c != "" {
		var content map[string]any
		if json.Unmarshal([]byte(c), &content) != nil {
			_ = a.Uploads.Discard(context.WithoutCancel(r.Context()), actorOf(r), form.file.ID)
			return model.Invalid("invalid-field-content", "invalid-field-content")
		}
	}
	return WriteSuccess(w, map[string]any{"file": map[string]any{"_id": form.file.ID, "url": form.file.Path}})
}

// mediaConfirmBody is rooms.mediaConfirm's body. t and content (E2E) are accepted and
// not used yet.
type mediaConfirmBody struct {
	Msg         string          `json:"msg"`
	TMID        string          `json:"tmid"`
	Description string          `json:"description"`
	T           string          `json:"t"`
	Content     json.RawMessage `json:"content"`
}

// roomsMediaConfirm serves POST rooms.mediaConfirm/:rid/:fileId {msg?, tmid?,
// description?} → {message}.
func (a *api) roomsMediaConfirm(w http.ResponseWriter, r *http.Request) error {
	var body mediaConfirmBody
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	m, err := a.Uploads.Confirm(r.Context(), actorOf(r), uploads.ConfirmInput{RID: r.PathValue("rid"), FileID: r.PathValue("fileId"),
		Msg: body.Msg, TMID: body.TMID, Description: body.Description})
	if err != nil {
		return err
	}
	return WriteSuccess(w, map[string]any{"message": m})
}

// roomsUpload serves the older one-step POST rooms.upload/:rid (multipart file, msg,
// description, tmid) → {message}. Rocket.Chat 8.0 removed it; older clients and
// bots still call it.
func (a *api) roomsUpload(w http.ResponseWriter, r *http.Request) error {
	form, err := a.readUpload(w, r)
	if err != nil {
		return err
	}
	m, err := a.Uploads.Confirm(r.Context(), actorOf(r), uploads.ConfirmInput{RID: r.PathValue("rid"), FileID: form.file.ID,
		Msg: form.fields["msg"], TMID: form.fields["tmid"], Description: form.fields["description"]})
	if err != nil {
		if derr := a.Uploads.Discard(context.WithoutCancel(r.Context()), actorOf(r), form.file.ID); derr != nil {
			a.Logger.Error("discarding a refused upload", "id", form.file.ID, "err", derr)
		}
		return err
	}
	return WriteSuccess(w, map[string]any{"message": m})
}
