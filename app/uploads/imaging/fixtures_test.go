package imaging

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"testing"
)

// Test images are generated here; only WebP files come from testdata (Go cannot encode
// WebP).

var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	white = color.RGBA{255, 255, 255, 255}
)

// quadrants is a w × h image whose quarters are red (top left), green (top right), blue
// (bottom left) and white (bottom right): any turn or mirror moves them somewhere else.
func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := red
			switch {
			case x >= w/2 && y < h/2:
				c = green
			case x < w/2 && y >= h/2:
				c = blue
			case x >= w/2 && y >= h/2:
				c = white
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// noisy is quadrants with pseudo-random noise, so it compresses poorly and has a long
// scan or IDAT.
func noisy(w, h int) *image.RGBA {
	img := quadrants(w, h)
	seed := uint32(1)
	for i := range img.Pix {
		if i%4 == 3 {
			continue
		}
		seed = seed*1664525 + 1013904223
		img.Pix[i] ^= uint8(seed>>24) & 0x3F
	}
	return img
}

// quadrantColors samples the centres of img's four quarters.
func quadrantColors(img image.Image) [4]color.RGBA {
	b := img.Bounds()
	at := func(fx, fy int) color.RGBA {
		r, g, bl, a := img.At(b.Min.X+b.Dx()*fx/4, b.Min.Y+b.Dy()*fy/4).RGBA()
		return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}
	}
	return [4]color.RGBA{at(1, 1), at(3, 1), at(1, 3), at(3, 3)}
}

// near compares colours with the tolerance JPEG needs.
func near(a, b color.RGBA) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) < 40 && int(y)-int(x) < 40 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B) && d(a.A, b.A)
}

// storedFor builds the image a camera would store for an upright picture and an EXIF
// orientation, straight from the EXIF definition of where the stored row 0 and column 0
// lie in the upright picture (independent of the package's own mapping).
func storedFor(upright image.Image, orientation int) *image.RGBA {
	sides := map[int][2]string{ // row 0 side, column 0 side
		1: {"top", "left"}, 2: {"top", "right"}, 3: {"bottom", "right"}, 4: {"bottom", "left"},
		5: {"left", "top"}, 6: {"right", "top"}, 7: {"right", "bottom"}, 8: {"left", "bottom"},
	}[orientation]
	W, H := upright.Bounds().Dx(), upright.Bounds().Dy()
	sw, sh := W, H
	if sides[0] == "left" || sides[0] == "right" {
		sw, sh = H, W
	}
	out := image.NewRGBA(image.Rect(0, 0, sw, sh))
	for r := range sh {
		for c := range sw {
			var x, y int
			switch sides[0] {
			case "top":
				y = r
			case "bottom":
				y = H - 1 - r
			case "left":
				x = r
			case "right":
				x = W - 1 - r
			}
			switch sides[1] {
			case "left":
				x = c
			case "right":
				x = W - 1 - c
			case "top":
				y = c
			case "bottom":
				y = H - 1 - c
			}
			out.Set(c, r, upright.At(x, y))
		}
	}
	return out
}

// exifTIFF builds little-endian TIFF data with an orientation tag (when orientation > 0)
// and, when gps is set, a GPS IFD holding GPSLatitudeRef "N".
func exifTIFF(orientation int, gps bool) []byte {
	le := binary.LittleEndian
	var entries [][]byte
	entry := func(tag, typ uint16, count, value uint32) []byte {
		e := make([]byte, 12)
		le.PutUint16(e, tag)
		le.PutUint16(e[2:], typ)
		le.PutUint32(e[4:], count)
		le.PutUint32(e[8:], value)
		return e
	}
	// A make tag, as cameras write, pointing at nothing interesting.
	entries = append(entries, entry(0x010F, 2, 4, le.Uint32([]byte("Cam\x00"))))
	if orientation > 0 {
		entries = append(entries, entry(tagOrientation, 3, 1, uint32(orientation)))
	}
	n := len(entries)
	if gps {
		n++
	}
	ifd0End := 8 + 2 + 12*n + 4
	if gps {
		entries = append(entries, entry(tagGPSIFD, 4, 1, uint32(ifd0End)))
	}
	b := []byte("II*\x00")
	b = le.AppendUint32(b, 8)
	b = le.AppendUint16(b, uint16(n))
	for _, e := range entries {
		b = append(b, e...)
	}
	b = le.AppendUint32(b, 0)
	if gps {
		b = le.AppendUint16(b, 1)
		b = append(b, entry(1, 2, 2, le.Uint32([]byte("N\x00\x00\x00")))...)
		b = le.AppendUint32(b, 0)
	}
	return b
}

// app1EXIF is a JPEG APP1 EXIF payload.
func app1EXIF(orientation int, gps bool) []byte {
	return append([]byte(exifHeader), exifTIFF(orientation, gps)...)
}

// app1XMP is a JPEG APP1 XMP payload with GPS coordinates.
func app1XMP() []byte {
	return []byte(xmpHeader + `<x:xmpmeta><rdf:Description exif:GPSLatitude="48,51.5N" exif:GPSLongitude="2,17.4E"/></x:xmpmeta>`)
}

// segment is a JPEG marker segment to insert after SOI.
type segment struct {
	marker  byte
	payload []byte
}

// encodeJPEG encodes img at quality 95 and inserts segs right after SOI.
func encodeJPEG(t testing.TB, img image.Image, segs ...segment) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	out := append([]byte{}, raw[:2]...)
	for _, s := range segs {
		n := len(s.payload) + 2
		out = append(out, 0xFF, s.marker, byte(n>>8), byte(n))
		out = append(out, s.payload...)
	}
	return append(out, raw[2:]...)
}

// pngChunk encodes one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// encodePNG encodes img and inserts chunks right after IHDR.
func encodePNG(t testing.TB, img image.Image, chunks ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	raw := buf.Bytes()
	ihdrEnd := 8 + 8 + 13 + 4
	out := append([]byte{}, raw[:ihdrEnd]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, raw[ihdrEnd:]...)
}

// encodeGIF encodes img as a GIF with the palette given.
func encodeGIF(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gif.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bombPNG is a tiny PNG whose IHDR announces w × h pixels.
func bombPNG(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8-bit RGBA
	b := []byte(pngSignature)
	b = append(b, pngChunk("IHDR", ihdr)...)
	b = append(b, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(b, pngChunk("IEND", nil)...)
}

// bombGIF is a tiny GIF whose logical screen is w × h.
func bombGIF(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	b = append(b, 0x80, 0, 0, 0, 0, 0, 255, 255, 255) // 2-colour global table
	b = append(b, 0x2C, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	b = append(b, 0, 2, 2, 0x4C, 0x01, 0, 0x3B)
	return b
}

// bombJPEG is a small real JPEG whose SOF0 is patched to announce w × h pixels.
func bombJPEG(t testing.TB, w, h uint16) []byte {
	b := encodeJPEG(t, quadrants(16, 16))
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	binary.BigEndian.PutUint16(b[i+5:], h)
	binary.BigEndian.PutUint16(b[i+7:], w)
	return b
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
