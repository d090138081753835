package imaging

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	stddraw "image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/draw"
)

// DefaultQuality is the JPEG quality for thumbnails and re-encoded images: sharp's
// default, which Rocket.Chat uses for both.
const DefaultQuality = 80

// Rocket.Chat's image_preview: FileUpload.resizeImagePreview pipes the upload through
// sharp().resize({width: 32, height: 32, fit: 'inside'}).jpeg().blur() and stores the
// buffer as plain base64 (no "data:" prefix). sharp's jpeg() defaults to quality 80 and a
// parameterless blur() is a 3×3 box blur; fit 'inside' without withoutEnlargement also
// enlarges images smaller than 32 px.
const (
	previewSize    = 32
	previewQuality = 80
)

// Fit returns the size of a w × h image scaled to fit within maxW × maxH keeping its
// aspect ratio, never larger than w × h and never smaller than 1 × 1.
func Fit(w, h, maxW, maxH int) (int, int) {
	if w <= 0 || h <= 0 || maxW <= 0 || maxH <= 0 {
		return max(w, 1), max(h, 1)
	}
	if w <= maxW && h <= maxH {
		return w, h
	}
	return fitInside(w, h, maxW, maxH)
}

// fitInside scales w × h to fit maxW × maxH, up or down, rounding like sharp.
func fitInside(w, h, maxW, maxH int) (int, int) {
	scale := math.Min(float64(maxW)/float64(w), float64(maxH)/float64(h))
	tw := max(1, min(maxW, int(math.Round(float64(w)*scale))))
	th := max(1, min(maxH, int(math.Round(float64(h)*scale))))
	return tw, th
}

// Scale resamples img to w × h with a Catmull-Rom filter. Large reductions first average
// boxes of pixels (which is exact for the reduction factor) so the filter only handles
// the last factor of two or less: it is several times faster and looks the same.
func Scale(img image.Image, w, h int) *image.RGBA {
	b := img.Bounds()
	if k := min(b.Dx()/(2*w), b.Dy()/(2*h)); k >= 2 {
		if y, ok := img.(*image.YCbCr); ok {
			img = boxShrinkYCbCr(y, k) // a JPEG: no full-size RGBA copy
		} else {
			img = boxShrink(toRGBA(img), k)
		}
		b = img.Bounds()
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Rect, img, b, draw.Src, nil)
	return dst
}

// boxShrink averages k × k blocks of src (premultiplied, so alpha is averaged right).
// Pixels beyond the last whole block are dropped: at most k-1 columns and rows.
func boxShrink(src *image.RGBA, k int) *image.RGBA {
	w, h := src.Rect.Dx()/k, src.Rect.Dy()/k
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	sums := make([]uint32, w*4)
	n := uint32(k * k)
	for y := range h {
		clear(sums)
		for yy := y * k; yy < (y+1)*k; yy++ {
			row := src.Pix[yy*src.Stride : yy*src.Stride+w*k*4]
			for x := range w {
				s := sums[x*4 : x*4+4]
				p := row[x*k*4 : (x+1)*k*4]
				for i := 0; i < len(p); i += 4 {
					s[0] += uint32(p[i])
					s[1] += uint32(p[i+1])
					s[2] += uint32(p[i+2])
					s[3] += uint32(p[i+3])
				}
			}
		}
		out := dst.Pix[y*dst.Stride:]
		for i, s := range sums {
			out[i] = uint8((s + n/2) / n)
		}
	}
	return dst
}

// boxShrinkYCbCr is boxShrink for a decoded JPEG, converting each pixel to RGB as it is
// read so the full-size image is never converted as a whole.
func boxShrinkYCbCr(src *image.YCbCr, k int) *image.RGBA {
	r := src.Rect
	w, h := r.Dx()/k, r.Dy()/k
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	sums := make([]uint32, w*3)
	n := uint32(k * k)
	for y := range h {
		clear(sums)
		for yy := r.Min.Y + y*k; yy < r.Min.Y+(y+1)*k; yy++ {
			for x := range w {
				s := sums[x*3 : x*3+3]
				for xx := r.Min.X + x*k; xx < r.Min.X+(x+1)*k; xx++ {
					yi, ci := src.YOffset(xx, yy), src.COffset(xx, yy)
					cr, cg, cb := color.YCbCrToRGB(src.Y[yi], src.Cb[ci], src.Cr[ci])
					s[0] += uint32(cr)
					s[1] += uint32(cg)
					s[2] += uint32(cb)
				}
			}
		}
		out := dst.Pix[y*dst.Stride:]
		for x := range w {
			out[x*4] = uint8((sums[x*3] + n/2) / n)
			out[x*4+1] = uint8((sums[x*3+1] + n/2) / n)
			out[x*4+2] = uint8((sums[x*3+2] + n/2) / n)
			out[x*4+3] = 0xFF
		}
	}
	return dst
}

// Opaque reports whether every pixel of img is fully opaque.
func Opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xFFFF {
				return false
			}
		}
	}
	return true
}

// Encode writes img as PNG when it has any transparent pixel (a GIF or PNG with
// transparency keeps it) and as JPEG at the given quality otherwise, and returns the
// content type it chose.
func Encode(w io.Writer, img image.Image, quality int) (contentType string, err error) {
	if !Opaque(img) {
		return "image/png", EncodePNG(w, img)
	}
	return "image/jpeg", EncodeJPEG(w, img, quality)
}

// EncodeJPEG writes img as a baseline JPEG with no metadata. Quality is clamped to
// 1–100 (0 means DefaultQuality); transparent pixels are composed over white.
func EncodeJPEG(w io.Writer, img image.Image, quality int) error {
	if quality == 0 {
		quality = DefaultQuality
	}
	quality = max(1, min(100, quality))
	if !Opaque(img) {
		img = flatten(img)
	}
	return jpeg.Encode(w, img, &jpeg.Options{Quality: quality})
}

// EncodePNG writes img as a PNG with no metadata.
func EncodePNG(w io.Writer, img image.Image) error {
	return (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(w, img)
}

// Preview returns Rocket.Chat's image_preview for an (already oriented) image: a JPEG
// fitting 32 × 32, blurred, base64-encoded without a data: prefix. Transparent pixels are
// composed over white.
func Preview(img image.Image) (string, error) {
	b := img.Bounds()
	if b.Empty() {
		return "", ErrCorrupt
	}
	w, h := fitInside(b.Dx(), b.Dy(), previewSize, previewSize)
	small := Scale(img, w, h)
	if !small.Opaque() {
		small = flatten(small)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, boxBlur3(small), &jpeg.Options{Quality: previewQuality}); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// flatten composes img over an opaque white background.
func flatten(img image.Image) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	stddraw.Draw(dst, dst.Rect, image.NewUniform(color.White), image.Point{}, stddraw.Src)
	stddraw.Draw(dst, dst.Rect, img, b.Min, stddraw.Over)
	return dst
}

// boxBlur3 averages every pixel with its 8 neighbours, repeating the edge pixels.
func boxBlur3(src *image.RGBA) *image.RGBA {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dst := image.NewRGBA(src.Rect)
	for y := range h {
		for x := range w {
			var s [4]int
			for dy := -1; dy <= 1; dy++ {
				yy := min(max(y+dy, 0), h-1)
				for dx := -1; dx <= 1; dx++ {
					xx := min(max(x+dx, 0), w-1)
					o := yy*src.Stride + xx*4
					for c := range 4 {
						s[c] += int(src.Pix[o+c])
					}
				}
			}
			o := y*dst.Stride + x*4
			for c := range 4 {
				dst.Pix[o+c] = uint8((s[c] + 4) / 9)
			}
		}
	}
	return dst
}
