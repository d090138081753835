package rest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads/avatars"
)

// Avatars is the avatar service the REST API needs; avatars.Service satisfies it.
type Avatars interface {
	MaxImageBytes() int64
	SetUserAvatar(ctx context.Context, actor model.Actor, t avatars.Target, image io.Reader, origin string) error
	SetUserAvatarURL(ctx context.Context, actor model.Actor, t avatars.Target, url string) error
	ResetUserAvatar(ctx context.Context, actor model.Actor, t avatars.Target) error
}

// avatarRoutes registers users.setAvatar and users.resetAvatar. users.setAvatar takes
// a multipart body as large as the avatar limit allows (checked per request).
func (a *api) avatarRoutes() {
	a.handleLimit("POST /api/v1/users.setAvatar", 1<<62, a.authed(longLived(a.usersSetAvatar)))
	a.handle("POST /api/v1/users.resetAvatar", a.authed(a.usersResetAvatar))
}

// usersSetAvatar serves POST users.setAvatar: a multipart "image" (with optional
// userId or username fields) or JSON {avatarUrl, userId?, username?} → {}. As in
// Rocket.Chat, a missing image is "The 'image' param is required"; an avatarUrl must
// here be a data:image/...;base64 URI (nothing is downloaded).
func (a *api) usersSetAvatar(w http.ResponseWriter, r *http.Request) error {
	ctx, actor := r.Context(), actorOf(r)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, avatarBodyLimit(a.Avatars))
		var body struct {
			AvatarURL string `json:"avatarUrl"`
			UserID    string `json:"userId"`
			Username  string `json:"username"`
		}
		if err := DecodeJSON(r, &body); err != nil {
			return avatarTooLarge(a.Avatars, err)
		}
		if body.AvatarURL == "" {
			return model.Invalid("", "The 'image' param is required")
		}
		t := avatars.Target{UserID: body.UserID, Username: body.Username}
		if err := a.Avatars.SetUserAvatarURL(ctx, actor, t, body.AvatarURL); err != nil {
			return err
		}
		return WriteSuccess(w, nil)
	}
	limit := a.Avatars.MaxImageBytes()
	if r.ContentLength > limit+multipartOverhead {
		return avatars.TooLarge(limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+multipartOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		return model.Invalid("invalid-field", "The request must be multipart/form-data with an image field")
	}
	// The fields may follow the image, so the image (bounded) is read first and used
	// once the whole form is known, as Rocket.Chat's getUploadFormData does.
	var (
		image []byte
		t     avatars.Target
	)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return avatarTooLarge(a.Avatars, truncated(err))
		}
		switch part.FormName() {
		case "image":
			if image != nil {
				_, err = io.Copy(io.Discard, part)
				break
			}
			image, err = io.ReadAll(io.LimitReader(part, limit+1))
			if err == nil && int64(len(image)) > limit {
				return avatars.TooLarge(limit)
			}
		case "userId", "username":
			var b []byte
			b, err = io.ReadAll(io.LimitReader(part, 1024))
			if part.FormName() == "userId" {
				t.UserID = strings.TrimSpace(string(b))
			} else {
				t.Username = strings.TrimSpace(string(b))
			}
		default:
			_, err = io.Copy(io.Discard, part)
		}
		if err != nil {
			return avatarTooLarge(a.Avatars, truncated(err))
		}
	}
	if image == nil {
		return model.Invalid("", "The 'image' param is required")
	}
	if err := a.Avatars.SetUserAvatar(ctx, actor, t, bytes.NewReader(image), avatars.OriginREST); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

// usersResetAvatar serves POST users.resetAvatar {userId} or {username} → {}. As in
// Rocket.Chat, one of them is required (the mobile app sends its own userId).
func (a *api) usersResetAvatar(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		UserID   string `json:"userId"`
		Username string `json:"username"`
	}
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	if body.UserID == "" && body.Username == "" {
		return model.Invalid("error-user-param-not-provided", `The required "userId" or "username" param was not provided`)
	}
	t := avatars.Target{UserID: body.UserID, Username: body.Username}
	if err := a.Avatars.ResetUserAvatar(r.Context(), actorOf(r), t); err != nil {
		return err
	}
	return WriteSuccess(w, nil)
}

// avatarBodyLimit is the largest JSON body that may carry an avatar as a data: URI:
// the avatar limit in base64 and the rest of an ordinary body.
func avatarBodyLimit(av Avatars) int64 {
	return (av.MaxImageBytes()+2)/3*4 + DefaultBodyLimit
}

// avatarTooLarge answers a body cut at its limit as Rocket.Chat answers an avatar
// over FileUpload_MaxFileSize (error-file-too-large); other errors pass through.
func avatarTooLarge(av Avatars, err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return avatars.TooLarge(av.MaxImageBytes())
	}
	return err
}
