package avatars

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/draw"
	"io"
	"strconv"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads/imaging"
)

// maxImageBytes caps an avatar's bytes whatever FileUpload_MaxFileSize allows
// (Rocket.Chat uses that setting alone): an avatar is held in memory while it is
// decoded, and 20 MiB is more than any camera picture needs.
const maxImageBytes = 20 << 20

// maxSize bounds Accounts_AvatarSize, as Rocket.Chat bounds the ?size of a placeholder.
const maxSize = 1024

// MaxImageBytes is the largest avatar accepted now: FileUpload_MaxFileSize, at most
// maxImageBytes.
func (s *Service) MaxImageBytes() int64 {
	n := s.config.Int("FileUpload_MaxFileSize")
	if n < 0 || n > maxImageBytes {
		return maxImageBytes
	}
	return n
}

// TooLarge is Rocket.Chat's refusal of an avatar over limit bytes (its
// validateAvatarUpload): error-file-too-large, "File exceeds allowed size of …". The
// REST and DDP faces answer it for a request body too large to hold the avatar.
func TooLarge(limit int64) error { return errTooLarge(limit) }

func errTooLarge(limit int64) error {
	return model.Invalid("error-file-too-large", "File exceeds allowed size of "+strconv.FormatInt(limit, 10)+" bytes")
}

func errNotImage() error {
	return model.Invalid("error-invalid-file-type", "File type is not accepted")
}

// readImage reads at most limit bytes of r, failing with error-file-too-large beyond.
func readImage(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge(limit)
	}
	if len(b) == 0 {
		return nil, errNotImage()
	}
	return b, nil
}

// process decodes data (any format imaging reads), orients it and, with
// Accounts_AvatarResize, cuts it to the avatar square; it returns the encoded picture.
func (s *Service) process(data []byte) ([]byte, error) {
	img, _, err := imaging.Decoder{}.Decode(bytes.NewReader(data))
	switch {
	case errors.Is(err, imaging.ErrTooLarge):
		return nil, model.Invalid("error-file-too-large", "The image is too large")
	case err != nil:
		return nil, errNotImage()
	}
	if s.config.Bool("Accounts_AvatarResize") {
		size := int(min(max(s.config.Int("Accounts_AvatarSize"), 16), maxSize))
		img = square(img, size)
	}
	var buf bytes.Buffer
	if _, err := imaging.Encode(&buf, img, imaging.DefaultQuality); err != nil {
		return nil, model.Internal(err)
	}
	return buf.Bytes(), nil
}

// square makes the size × size avatar of img, as Rocket.Chat's sharp resize does: an
// opaque image covers the square (scaled, then its centre cropped), one with
// transparency is contained in it (scaled to fit, centred on a transparent canvas).
// Small images are enlarged.
func square(img image.Image, size int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return img
	}
	if imaging.Opaque(img) {
		side := min(w, h)
		x0, y0 := b.Min.X+(w-side)/2, b.Min.Y+(h-side)/2
		crop := image.Rect(x0, y0, x0+side, y0+side)
		if si, ok := img.(interface {
			SubImage(image.Rectangle) image.Image
		}); ok {
			img = si.SubImage(crop)
		} else {
			dst := image.NewRGBA(image.Rect(0, 0, side, side))
			draw.Draw(dst, dst.Rect, img, crop.Min, draw.Src)
			img = dst
		}
		return imaging.Scale(img, size, size)
	}
	// contain: scale so the longer side is size (up or down), keep the aspect ratio.
	tw, th := size, size
	if w > h {
		th = max(1, (h*size+w/2)/w)
	} else if h > w {
		tw = max(1, (w*size+h/2)/h)
	}
	small := imaging.Scale(img, tw, th)
	canvas := image.NewRGBA(image.Rect(0, 0, size, size))
	at := image.Pt((size-tw)/2, (size-th)/2)
	draw.Draw(canvas, image.Rectangle{Min: at, Max: at.Add(image.Pt(tw, th))}, small, image.Point{}, draw.Src)
	return canvas
}

// parseDataURI decodes a data:image/<type>[;params];base64,<data> URI, as Rocket.Chat's
// RocketChatFile.dataURIParse reads it; anything else is not an image.
func parseDataURI(uri string, limit int64) ([]byte, error) {
	rest, ok := strings.CutPrefix(uri, "data:")
	if !ok {
		return nil, errNotImage()
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok || !strings.HasPrefix(strings.ToLower(meta), "image/") || !strings.HasSuffix(strings.ToLower(meta), ";base64") {
		return nil, errNotImage()
	}
	if int64(base64.StdEncoding.DecodedLen(len(payload))) > limit+3 {
		return nil, errTooLarge(limit)
	}
	payload = strings.TrimRight(payload, "=")
	b, err := base64.RawStdEncoding.DecodeString(payload)
	if err != nil {
		return nil, model.Invalid("error-invalid-data", "Invalid dataURI")
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge(limit)
	}
	return b, nil
}
