package avatars

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"html"
	"image"
	"image/color"
	"image/draw"
	"io"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomedium"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads/imaging"
)

// Formats of the initials placeholder, as the /avatar routes' ?format asks for them.
// Rocket.Chat converts its SVG with sharp for "png", "jpg" and "jpeg"
// (server/routes/avatar/utils.ts serveSvgAvatarInRequestedFormat); anything else is SVG.
const (
	FormatSVG  = ""
	FormatPNG  = "png"
	FormatJPEG = "jpeg"
)

// ParseFormat reads ?format: "png" is FormatPNG, "jpg" and "jpeg" FormatJPEG, anything
// else (as in Rocket.Chat, compared with case) FormatSVG.
func ParseFormat(s string) string {
	switch s {
	case "png":
		return FormatPNG
	case "jpg", "jpeg":
		return FormatJPEG
	}
	return FormatSVG
}

// ContentType is the media type of a format.
func ContentType(format string) string {
	switch format {
	case FormatPNG:
		return "image/png"
	case FormatJPEG:
		return "image/jpeg"
	}
	return "image/svg+xml"
}

// Placeholder sizes, as Rocket.Chat bounds ?size (MIN/MAX_SVG_AVATAR_SIZE) and draws
// its letters when none is asked.
const (
	MinPlaceholderSize     = 16
	MaxPlaceholderSize     = maxSize
	DefaultPlaceholderSize = 200
)

// placeholderColors is the palette the placeholder picks from, by a hash of the name.
var placeholderColors = []color.RGBA{
	{0xF4, 0x43, 0x36, 0xFF}, {0xE9, 0x1E, 0x63, 0xFF}, {0x9C, 0x27, 0xB0, 0xFF}, {0x67, 0x3A, 0xB7, 0xFF},
	{0x3F, 0x51, 0xB5, 0xFF}, {0x21, 0x96, 0xF3, 0xFF}, {0x03, 0xA9, 0xF4, 0xFF}, {0x00, 0xBC, 0xD4, 0xFF},
	{0x00, 0x96, 0x88, 0xFF}, {0x4C, 0xAF, 0x50, 0xFF}, {0x8B, 0xC3, 0x4A, 0xFF}, {0xCD, 0xDC, 0x39, 0xFF},
	{0xFF, 0xC1, 0x07, 0xFF}, {0xFF, 0x98, 0x00, 0xFF}, {0xFF, 0x57, 0x22, 0xFF}, {0x79, 0x55, 0x48, 0xFF},
	{0x9E, 0x9E, 0x9E, 0xFF}, {0x60, 0x7D, 0x8B, 0xFF},
}

// Letters is what the placeholder of name shows: its first character upper-cased, on a
// colour of the name's own (the same name always gets the same colour).
func Letters(name string) (initial rune, background color.RGBA) {
	initial, _ = utf8.DecodeRuneInString(name)
	h := fnv.New32a()
	h.Write([]byte(name))
	return unicode.ToUpper(initial), placeholderColors[h.Sum32()%uint32(len(placeholderColors))]
}

// PlaceholderModTime is the Last-Modified of every placeholder: Rocket.Chat's
// FALLBACK_LAST_MODIFIED (Thu, 01 Jan 2015 00:00:00 GMT), which lets a client's
// If-Modified-Since of it be answered 304.
var PlaceholderModTime = time.Date(2015, time.January, 1, 0, 0, 0, 0, time.UTC)

func hexColor(c color.RGBA) string { return fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B) }

// placeholderSize is size clamped to the placeholder bounds, DefaultPlaceholderSize for 0.
func placeholderSize(size int) int {
	if size <= 0 {
		return DefaultPlaceholderSize
	}
	return min(max(size, MinPlaceholderSize), MaxPlaceholderSize)
}

// WriteSVG writes the SVG placeholder of name, size pixels square (200 when 0): the
// initial in white on the name's colour.
func WriteSVG(w io.Writer, name string, size int) error {
	size = placeholderSize(size)
	initial, bg := Letters(name)
	_, err := fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d">`+
		`<rect width="100%%" height="100%%" fill="%s"/>`+
		`<text x="50%%" y="50%%" dy="0.35em" text-anchor="middle" fill="#ffffff" font-family="Helvetica, Arial, sans-serif" font-size="%d">%s</text></svg>`,
		size, size, size, size, hexColor(bg), size/2, html.EscapeString(string(initial)))
	return err
}

// RenderInitials encodes the raster placeholder of name in format (FormatPNG or
// FormatJPEG), size pixels square (200 when 0): the same letter, colour and layout as
// WriteSVG, drawn with the Go Medium font (a letter the font lacks leaves the square
// plain). Rocket.Chat rasterises its SVG at the same size.
func RenderInitials(name string, size int, format string) ([]byte, error) {
	size = placeholderSize(size)
	initial, bg := Letters(name)
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Rect, image.NewUniform(bg), image.Point{}, draw.Src)
	if err := drawLetter(img, initial, size); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	var err error
	if format == FormatJPEG {
		err = imaging.EncodeJPEG(&buf, img, imaging.DefaultQuality)
	} else {
		err = imaging.EncodePNG(&buf, img)
	}
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var (
	fontOnce sync.Once
	fontFace *opentype.Font
	fontErr  error
)

func placeholderFont() (*opentype.Font, error) {
	fontOnce.Do(func() { fontFace, fontErr = opentype.Parse(gomedium.TTF) })
	return fontFace, fontErr
}

// drawLetter draws r in white, centred as the SVG's text: font size half the square,
// text-anchor middle, the baseline 0.35em below the centre.
func drawLetter(img *image.RGBA, r rune, size int) error {
	if r == utf8.RuneError || !unicode.IsPrint(r) || unicode.IsSpace(r) {
		return nil
	}
	f, err := placeholderFont()
	if err != nil {
		return err
	}
	var buf sfnt.Buffer
	if idx, err := f.GlyphIndex(&buf, r); err != nil || idx == 0 {
		return nil // not in the font: the plain square
	}
	px := float64(size) / 2
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingNone})
	if err != nil {
		return err
	}
	defer face.Close()
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.White), Face: face}
	advance := d.MeasureString(string(r))
	x := fixed.I(size)/2 - advance/2
	y := fixed.Int26_6((float64(size)/2 + 0.35*px) * 64)
	d.Dot = fixed.Point26_6{X: x, Y: y}
	d.DrawString(string(r))
	return nil
}

// Initials returns the raster placeholder of name (RenderInitials), from a bounded
// memory cache: it depends only on the letter, the colour, the size and the format.
func (s *Service) Initials(name string, size int, format string) (Picture, error) {
	size = placeholderSize(size)
	initial, bg := Letters(name)
	key := variantKey{blob: "initials\x00" + hexColor(bg) + string(initial), size: size, format: format}
	if v, ok := s.cache.get(key); ok {
		return Picture{Body: bytes.NewReader(v.data), Type: v.typ, ModTime: PlaceholderModTime}, nil
	}
	b, err := RenderInitials(name, size, format)
	if err != nil {
		return Picture{}, model.Internal(err)
	}
	v := variant{data: b, typ: ContentType(format), mod: PlaceholderModTime}
	s.cache.put(key, v)
	return Picture{Body: bytes.NewReader(b), Type: v.typ, ModTime: v.mod}, nil
}
