package uploads

import (
	"context"
	"errors"
	"image"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads/imaging"
)

// Stored images, as Rocket.Chat 8 keeps them:
//
//   - FileUpload.uploadsOnValidate (sharp) turns a JPEG, PNG, GIF, WebP or BMP whose
//     EXIF orientation is not 1 upright when FileUpload_RotateImages is on (default
//     true): s.rotate() re-encodes the pixels in the same format, and sharp writes no
//     metadata unless asked, so the stored file has none. It then stores the new size
//     and identify {format, size} (the size as displayed).
//   - rooms.media and rooms.upload run Media.stripExifFromBuffer on every upload when
//     Message_Attachments_Strip_Exif is on (default true in 8.x, false before).
//   - sendFileMessage builds the image attachment: image_preview from
//     FileUpload.resizeImagePreview, and, when Message_Attachments_Thumbnails_Enabled
//     (default true) and the image is not smaller than Message_Attachments_Thumbnails_
//     Width × _Height (480 × 360) in both directions, FileUpload.createImageThumbnail
//     (sharp resize fit inside the box, rotated, same format; SVG becomes PNG) stored by
//     uploadImageThumbnail as its own rocketchat_uploads document (name
//     "thumb-<name>", typeGroup "thumb", originalFileId, same rid and userId). The
//     attachment's image_url then is /file-upload/<thumb id>/<original name>, its
//     image_type and image_dimensions the thumbnail's (image_size stays the
//     original's), and message.files lists the original and the thumbnail.
//
// Outpost does all of this when the upload is confirmed (Confirm, which rooms.upload
// also runs), not while it is received: the bytes are then on disk, never in memory,
// and are read again from the blob; an upload never confirmed is swept within a day
// and only its uploader could fetch it meanwhile. A rewritten blob replaces the old
// one atomically (Blobs.Put), so a failure at any point leaves the upload as it was.
// Turning needs the decoded pixels (bounded by imaging.DefaultMaxPixels: a larger
// image is stripped instead, keeping its orientation in a minimal EXIF block);
// stripping is a lossless streamed copy. Package imaging reads the EXIF orientation of
// JPEG files only, so only JPEGs are turned.

// imageSettings are the image settings of Rocket.Chat's Message group,
// Message_Attachments section, with its ids and defaults.
func imageSettings() []model.Setting {
	s := func(id, typ string, v any, desc string) model.Setting {
		return model.Setting{ID: id, Type: typ, PackageValue: v, Public: true, Group: "Message", Section: "Message_Attachments",
			I18nLabel: id, I18nDescription: desc}
	}
	return []model.Setting{
		s("Message_Attachments_Thumbnails_Enabled", model.SettingBoolean, true, "Message_Attachments_Thumbnails_EnabledDesc"),
		s("Message_Attachments_Thumbnails_Width", model.SettingInt, 480, ""),
		s("Message_Attachments_Thumbnails_Height", model.SettingInt, 360, ""),
		s("Message_Attachments_Strip_Exif", model.SettingBoolean, true, "Message_Attachments_Strip_ExifDescription"),
	}
}

// maxThumbSide bounds the thumbnail box: settings beyond it make no thumbnails.
const maxThumbSide = 4096

// readable are the image types package imaging reads: an upload of one of them whose
// header cannot be read is posted as a plain file.
var readable = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

// picture is what confirming learned and made of an image upload.
type picture struct {
	unreadable bool      // a JPEG, PNG, GIF or WebP whose header is broken: post it as a file
	identify   *Identify // format and size as displayed; nil when unknown
	preview    string    // image_preview
	thumb      *Upload   // the thumbnail's document, its blob written; nil without one
}

// prepareImage readies an image upload for its message: it turns or strips the stored
// bytes (normalize; u gets the new size and etag), describes the picture and makes
// its thumbnail. Nothing here fails the confirmation; what goes wrong is logged.
func (s *Service) prepareImage(ctx context.Context, u *Upload) picture {
	if u.TypeGroup != "image" || u.Content != nil { // E2E: the bytes are not a picture
		return picture{}
	}
	var pic picture
	if readable[u.Type] {
		info, err := s.identifyBlob(u.ID)
		switch {
		case errors.Is(err, imaging.ErrFormat), errors.Is(err, imaging.ErrCorrupt), errors.Is(err, imaging.ErrTruncated),
			errors.Is(err, imaging.ErrTooLarge):
			s.log.Warn("an uploaded image cannot be read; it is posted as a file", "id", u.ID, "err", err)
			return picture{unreadable: true}
		case err != nil:
			s.log.Error("reading an uploaded image", "id", u.ID, "err", err)
			return picture{}
		}
		if info, err = s.normalize(ctx, u, info); err != nil {
			s.log.Error("cleaning an uploaded image", "id", u.ID, "err", err)
		}
		pic.identify = identifyOf(info)
		thumb, preview, err := s.thumbnail(ctx, *u, info)
		switch {
		case errors.Is(err, imaging.ErrTooLarge):
			return pic // too many pixels to decode: no preview either
		case err != nil:
			s.log.Warn("making an image's thumbnail", "id", u.ID, "err", err)
		case thumb != nil:
			pic.thumb, pic.preview = thumb, preview
			return pic
		}
	}
	if s.imager == nil {
		return pic
	}
	desc, err := s.imager(ctx, *u, func() (io.ReadCloser, error) {
		b, _, err := s.blobs.Open(u.ID)
		return b, err
	})
	if err != nil {
		s.log.Warn("describing an uploaded image", "id", u.ID, "err", err)
		return pic
	}
	if desc.Identify != nil {
		pic.identify = desc.Identify
	}
	pic.preview = desc.Preview
	return pic
}

// identifyBlob reads the header of an upload's blob; only the header is read, so it
// needs no pixel limit.
func (s *Service) identifyBlob(id string) (info imaging.Info, err error) {
	err = s.withBlob(id, func(r io.Reader) error {
		info, err = imaging.Decoder{MaxPixels: math.MaxInt}.Identify(r)
		return err
	})
	return info, err
}

// normalize rewrites the blob of an image upload as Rocket.Chat stores images: turned
// upright under FileUpload_RotateImages when its EXIF orientation is not 1 (decoded
// and re-encoded, which leaves no metadata), else without its EXIF, XMP and IPTC
// metadata under Message_Attachments_Strip_Exif (a lossless copy, done only when
// there is something to remove). It returns what is now true of the image and stores
// the upload's new size and etag. On an error the blob is unchanged.
func (s *Service) normalize(ctx context.Context, u *Upload, info imaging.Info) (imaging.Info, error) {
	var size int64
	var err error
	done := false
	if s.config.Bool("FileUpload_RotateImages") && info.Orientation != 1 {
		size, err = s.rotate(ctx, u.ID)
		switch {
		case err == nil:
			w, h := info.Dimensions()
			info, done = imaging.Info{Format: imaging.FormatJPEG, Width: w, Height: h, Orientation: 1}, true
		case errors.Is(err, imaging.ErrTooLarge):
			// Too many pixels to turn: stripped below, the orientation kept.
		default:
			s.log.Warn("turning an uploaded image upright", "id", u.ID, "err", err)
		}
	}
	if !done && s.config.Bool("Message_Attachments_Strip_Exif") && slices.Contains([]string{imaging.FormatJPEG, imaging.FormatPNG, imaging.FormatWebP}, info.Format) {
		if size, done, err = s.strip(ctx, u.ID); err != nil {
			return info, err
		}
		if done {
			info.HasEXIF, info.HasGPS, info.HasXMP = info.Orientation != 1, false, false
		}
	}
	if !done {
		return info, nil
	}
	u.Size, u.Etag, u.UpdatedAt = size, model.NewID(), s.stamp()
	return info, s.store.UpdateUpload(ctx, u.ID, map[string]any{"size": u.Size, "etag": u.Etag, "_updatedAt": u.UpdatedAt}, nil)
}

// rotate decodes the JPEG blob id upright and stores it again, re-encoded at sharp's
// default quality, without metadata.
func (s *Service) rotate(ctx context.Context, id string) (int64, error) {
	var img image.Image
	err := s.withBlob(id, func(r io.Reader) (err error) {
		img, _, err = imaging.Decode(r)
		return err
	})
	if err != nil {
		return 0, err
	}
	return s.putBlob(ctx, id, func(w io.Writer) error { return imaging.EncodeJPEG(w, img, imaging.DefaultQuality) })
}

// strip removes the metadata of the JPEG, PNG or WebP blob id, reading it first to learn
// whether there is any, so a clean image is not written again.
func (s *Service) strip(ctx context.Context, id string) (size int64, changed bool, err error) {
	err = s.withBlob(id, func(r io.Reader) (err error) {
		changed, err = imaging.StripMetadata(r, io.Discard)
		return err
	})
	if err != nil || !changed {
		return 0, false, err
	}
	size, err = s.putBlob(ctx, id, func(w io.Writer) error {
		return s.withBlob(id, func(r io.Reader) error {
			_, err := imaging.StripMetadata(r, w)
			return err
		})
	})
	return size, err == nil, err
}

// thumbnail makes the thumbnail of an image upload, as createImageThumbnail does,
// and returns its document (not yet stored; its blob is) and the image_preview made
// from it; nil when thumbnails are off or the image is smaller than the box in both
// directions. An image with too many pixels is imaging.ErrTooLarge.
func (s *Service) thumbnail(ctx context.Context, u Upload, info imaging.Info) (*Upload, string, error) {
	bw, bh := s.config.Int("Message_Attachments_Thumbnails_Width"), s.config.Int("Message_Attachments_Thumbnails_Height")
	if !s.config.Bool("Message_Attachments_Thumbnails_Enabled") || bw <= 0 || bh <= 0 || bw > maxThumbSide || bh > maxThumbSide {
		return nil, "", nil
	}
	if w, h := info.Dimensions(); int64(w) < bw && int64(h) < bh {
		return nil, "", nil
	}
	var img image.Image
	err := s.withBlob(u.ID, func(r io.Reader) (err error) {
		img, _, err = imaging.Thumbnail(r, int(bw), int(bh))
		return err
	})
	if err != nil {
		return nil, "", err
	}
	id, typ := model.NewID(), ""
	size, err := s.putBlob(ctx, id, func(w io.Writer) (err error) {
		typ, err = encodeThumb(w, img, info.Format)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	preview, err := imaging.Preview(img)
	if err != nil {
		s.log.Warn("making an image's preview", "id", u.ID, "err", err)
	}
	name, now, b := CleanName("thumb-"+u.Name), s.stamp(), img.Bounds()
	p := FilePath(id, name)
	return &Upload{
		ID: id, Name: name, Size: size, Type: typ, Extension: extension(name), RID: u.RID, UserID: u.UserID,
		Store: StoreName, Complete: true, Progress: 1, Etag: model.NewID(), Path: p,
		URL: strings.TrimRight(s.config.String("Site_Url"), "/") + p, UploadedAt: now, TypeGroup: "thumb",
		Identify:       &Identify{Format: strings.TrimPrefix(typ, "image/"), Size: &Dimension{Width: b.Dx(), Height: b.Dy()}},
		OriginalFileID: u.ID, UpdatedAt: now,
	}, preview, nil
}

// encodeThumb writes a thumbnail in its original's format where Go can write it
// (JPEG, PNG); a GIF's first frame or a WebP becomes a PNG when it has transparent
// pixels, else a JPEG. It returns the content type written.
func encodeThumb(w io.Writer, img image.Image, format string) (string, error) {
	switch format {
	case imaging.FormatJPEG:
		return "image/jpeg", imaging.EncodeJPEG(w, img, imaging.DefaultQuality)
	case imaging.FormatPNG:
		return "image/png", imaging.EncodePNG(w, img)
	}
	return imaging.Encode(w, img, imaging.DefaultQuality)
}

// withBlob runs read on the blob id and closes it.
func (s *Service) withBlob(id string, read func(r io.Reader) error) error {
	b, _, err := s.blobs.Open(id)
	if err != nil {
		return err
	}
	defer b.Close()
	return read(b)
}

// errAbandoned stops a blob writer whose reader (Blobs.Put) gave up.
var errAbandoned = errors.New("uploads: blob write abandoned")

// putBlob stores what write writes as the blob id, replacing any blob of that id
// atomically: when write or the store fails, nothing changes. write runs in its own
// goroutine, streaming into the store, and has returned when putBlob does.
func (s *Service) putBlob(ctx context.Context, id string, write func(w io.Writer) error) (int64, error) {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(write(pw)) // nil: the reader sees io.EOF
	}()
	n, err := s.blobs.Put(ctx, id, pr, -1)
	pr.CloseWithError(errAbandoned) // unblocks write if Put stopped reading early
	<-done
	return n, err
}
