// Package imaging identifies, orients, scales and cleans the images users upload, in pure
// Go: JPEG, PNG, GIF (first frame) and WebP (decode only). It is what app/uploads uses to
// fill a file attachment's image_dimensions and image_preview, to make thumbnails and
// avatars, and to remove location metadata before an image is stored.
//
// Every entry point treats its input as hostile: it never panics, it refuses an image whose
// header announces more pixels than [Decoder.MaxPixels] before any pixel buffer is
// allocated (so a decompression bomb costs a few kilobytes), and the bytes it keeps aside
// while reading a header are capped at [MaxHeaderBytes].
//
// Errors are one of [ErrFormat], [ErrTruncated], [ErrCorrupt] or [ErrTooLarge] (test with
// errors.Is); the caller maps them to Rocket.Chat's error-invalid-file-type and friends.
// Sniffing the content type of files that are not images is the caller's job
// (http.DetectContentType); this package only answers for the four formats above.
package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"

	"golang.org/x/image/webp"
)

// The image formats this package reads, as [Info.Format] names them.
const (
	FormatJPEG = "jpeg"
	FormatPNG  = "png"
	FormatGIF  = "gif"
	FormatWebP = "webp"
)

// DefaultMaxPixels is the largest image (width × height, 40 megapixels) the zero
// [Decoder] accepts. Decoding one costs about 4 bytes per pixel for the image, plus for a
// progressive JPEG about 6 more for its coefficients.
const DefaultMaxPixels = 40_000_000

// MaxHeaderBytes caps how much of a file is read and kept aside before its pixel data
// starts (JPEG segments before the scan, PNG chunks before IDAT). Real files stay far
// below it; a file that does not is refused with [ErrTooLarge].
const MaxHeaderBytes = 16 << 20

var (
	// ErrFormat means the data is not a JPEG, PNG, GIF or WebP image.
	ErrFormat = errors.New("imaging: not a supported image (jpeg, png, gif, webp)")
	// ErrTruncated means the image ends before its data is complete.
	ErrTruncated = errors.New("imaging: image is truncated")
	// ErrCorrupt means the image data is malformed.
	ErrCorrupt = errors.New("imaging: image is corrupt")
	// ErrTooLarge means the image has more pixels than allowed, or an oversized header.
	ErrTooLarge = errors.New("imaging: image is too large")
)

// Info describes an image as its header tells it, without decoding the pixels.
type Info struct {
	// Format is FormatJPEG, FormatPNG, FormatGIF or FormatWebP.
	Format string
	// Width and Height are the stored size, before the EXIF orientation is applied; see
	// [Info.Dimensions] for the size as displayed.
	Width, Height int
	// Orientation is the EXIF orientation, 1 to 8, always 1 when absent or invalid and
	// for formats other than JPEG.
	Orientation int
	// HasEXIF is true when the file carries an EXIF block (JPEG APP1, PNG eXIf, WebP
	// EXIF chunk).
	HasEXIF bool
	// HasGPS is true when that EXIF block has a GPS IFD or an XMP packet mentions GPS
	// coordinates. For WebP the EXIF chunk is not parsed and HasGPS equals HasEXIF.
	HasGPS bool
	// HasXMP is true when the file carries an XMP packet.
	HasXMP bool
}

// Dimensions is the size of the image as displayed, once its orientation is applied:
// orientations 5 to 8 swap width and height. It is the attachment's image_dimensions.
func (i Info) Dimensions() (width, height int) {
	if i.Orientation >= 5 && i.Orientation <= 8 {
		return i.Height, i.Width
	}
	return i.Width, i.Height
}

// ContentType is the media type of the format, e.g. "image/jpeg".
func (i Info) ContentType() string {
	if i.Format == "" {
		return ""
	}
	return "image/" + i.Format
}

// Decoder reads images under a pixel budget. The zero value is ready to use and accepts
// up to DefaultMaxPixels.
type Decoder struct {
	// MaxPixels is the largest width × height accepted; 0 means DefaultMaxPixels.
	MaxPixels int
}

func (d Decoder) maxPixels() int {
	if d.MaxPixels > 0 {
		return d.MaxPixels
	}
	return DefaultMaxPixels
}

// Identify reads the image header: format, size, orientation and metadata. It reads only
// up to the start of the pixel data, so a file cut inside its pixel data identifies fine
// and fails later in Decode or Thumbnail; a file cut inside its header is ErrTruncated.
func Identify(r io.Reader) (Info, error) { return Decoder{}.Identify(r) }

// Decode decodes the image (a GIF's first frame) and applies its EXIF orientation.
func Decode(r io.Reader) (image.Image, Info, error) { return Decoder{}.Decode(r) }

// Thumbnail decodes the image, applies its orientation and scales it down to fit within
// maxW × maxH, keeping its aspect ratio; it never scales up.
func Thumbnail(r io.Reader, maxW, maxH int) (image.Image, Info, error) {
	return Decoder{}.Thumbnail(r, maxW, maxH)
}

// Identify is the package-level Identify under d's limits.
func (d Decoder) Identify(r io.Reader) (Info, error) {
	info, _, err := d.open(r)
	return info, err
}

// Decode is the package-level Decode under d's limits.
func (d Decoder) Decode(r io.Reader) (image.Image, Info, error) {
	img, info, err := d.decode(r)
	if err != nil {
		return nil, info, err
	}
	return Orient(img, info.Orientation), info, nil
}

// Thumbnail is the package-level Thumbnail under d's limits.
func (d Decoder) Thumbnail(r io.Reader, maxW, maxH int) (image.Image, Info, error) {
	if maxW <= 0 || maxH <= 0 {
		return nil, Info{}, fmt.Errorf("imaging: thumbnail bounds %dx%d must be positive", maxW, maxH)
	}
	img, info, err := d.decode(r)
	if err != nil {
		return nil, info, err
	}
	// Scale in the stored orientation (to the swapped box for 5–8), then orient the small
	// result: rotating a thumbnail is much cheaper than rotating the original.
	b := img.Bounds()
	boxW, boxH := maxW, maxH
	if info.Orientation >= 5 {
		boxW, boxH = maxH, maxW
	}
	w, h := Fit(b.Dx(), b.Dy(), boxW, boxH)
	if w < b.Dx() || h < b.Dy() {
		img = Scale(img, w, h)
	}
	return Orient(img, info.Orientation), info, nil
}

// decode identifies r and then decodes its pixels, replaying the header bytes it read.
func (d Decoder) decode(r io.Reader) (image.Image, Info, error) {
	info, rest, err := d.open(r)
	if err != nil {
		return nil, info, err
	}
	var img image.Image
	switch info.Format {
	case FormatJPEG:
		img, err = jpeg.Decode(rest)
	case FormatPNG:
		img, err = png.Decode(rest)
	case FormatGIF:
		img, err = gif.Decode(rest)
	case FormatWebP:
		img, err = webp.Decode(rest)
	}
	if err != nil {
		return nil, info, classify(err)
	}
	if b := img.Bounds(); b.Dx() != info.Width || b.Dy() != info.Height {
		return nil, info, fmt.Errorf("%w: decoded size %dx%d differs from header %dx%d",
			ErrCorrupt, b.Dx(), b.Dy(), info.Width, info.Height)
	}
	return img, info, nil
}

// open reads the header of r and returns what it found and a reader that yields the
// whole file again from its first byte.
func (d Decoder) open(r io.Reader) (Info, io.Reader, error) {
	rec := &recorder{r: r}
	var magic [12]byte
	n, err := io.ReadFull(rec, magic[:])
	format := sniff(magic[:n])
	if err != nil {
		if format != "" || (n > 0 && partialMagic(magic[:n])) {
			return Info{}, nil, fmt.Errorf("%w: %d bytes", ErrTruncated, n)
		}
		return Info{}, nil, ErrFormat
	}
	if format == "" {
		return Info{}, nil, ErrFormat
	}
	info := Info{Format: format, Orientation: 1}

	var cfg image.Config
	switch format {
	case FormatJPEG:
		cfg, err = jpeg.DecodeConfig(rec.replay())
	case FormatPNG:
		cfg, err = png.DecodeConfig(rec.replay())
	case FormatGIF:
		cfg, err = gif.DecodeConfig(rec.replay())
	case FormatWebP:
		cfg, err = webp.DecodeConfig(rec.replay())
	}
	if err != nil {
		return info, nil, classify(err)
	}
	info.Width, info.Height = cfg.Width, cfg.Height
	if info.Width <= 0 || info.Height <= 0 {
		return info, nil, fmt.Errorf("%w: empty image %dx%d", ErrCorrupt, info.Width, info.Height)
	}
	if max := d.maxPixels(); info.Width > max/info.Height {
		return info, nil, fmt.Errorf("%w: %dx%d is more than %d pixels", ErrTooLarge, info.Width, info.Height, max)
	}

	var meta metadata
	switch format {
	case FormatJPEG:
		meta, err = scanJPEG(rec.replay())
	case FormatPNG:
		meta, err = scanPNG(rec.replay())
	case FormatWebP:
		meta, err = scanWebP(rec.replay())
	}
	if err != nil {
		return info, nil, classify(err)
	}
	info.HasEXIF, info.HasGPS, info.HasXMP = meta.exif, meta.gps, meta.xmp
	if format == FormatJPEG && meta.orientation >= 1 && meta.orientation <= 8 {
		info.Orientation = meta.orientation
	}
	return info, rec.rest(), nil
}

// sniff names the format from the first 12 bytes of a file, or returns "".
func sniff(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return FormatJPEG
	case len(b) >= 8 && string(b[:8]) == pngSignature:
		return FormatPNG
	case len(b) >= 6 && (string(b[:6]) == "GIF87a" || string(b[:6]) == "GIF89a"):
		return FormatGIF
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return FormatWebP
	}
	return ""
}

// partialMagic reports whether a short file starts like one of the formats.
func partialMagic(b []byte) bool {
	for _, m := range []string{"\xFF\xD8\xFF", pngSignature, "GIF87a", "GIF89a", "RIFF"} {
		k := min(len(b), len(m))
		if k > 0 && string(b[:k]) == m[:k] {
			return true
		}
	}
	return false
}

// classify maps decoder errors onto this package's sentinel errors.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrFormat), errors.Is(err, ErrTruncated), errors.Is(err, ErrCorrupt), errors.Is(err, ErrTooLarge):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		// image/gif formats the cause with %v, which loses it for errors.Is.
		strings.Contains(err.Error(), io.ErrUnexpectedEOF.Error()),
		// How png, gif and jpeg say that the compressed pixel data ended early.
		strings.Contains(err.Error(), "not enough pixel data"), strings.Contains(err.Error(), "not enough image data"),
		strings.Contains(err.Error(), "short Huffman data"):
		return fmt.Errorf("%w: %v", ErrTruncated, err)
	case errors.Is(err, image.ErrFormat):
		return ErrFormat
	}
	return fmt.Errorf("%w: %v", ErrCorrupt, err)
}

// recorder keeps every byte read through it (up to MaxHeaderBytes) so the header can be
// parsed several times and then replayed in front of the rest of the stream.
type recorder struct {
	r   io.Reader
	buf []byte
}

func (c *recorder) Read(p []byte) (int, error) {
	if len(c.buf) >= MaxHeaderBytes {
		return 0, fmt.Errorf("%w: header longer than %d bytes", ErrTooLarge, MaxHeaderBytes)
	}
	if room := MaxHeaderBytes - len(c.buf); len(p) > room {
		p = p[:room]
	}
	n, err := c.r.Read(p)
	c.buf = append(c.buf, p[:n]...)
	return n, err
}

// replay reads the recorded bytes and then continues, still recording, from the source.
func (c *recorder) replay() io.Reader {
	return io.MultiReader(bytes.NewReader(c.buf), c)
}

// rest reads the recorded bytes and then the source, no longer recording.
func (c *recorder) rest() io.Reader {
	return io.MultiReader(bytes.NewReader(c.buf), c.r)
}
