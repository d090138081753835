package imaging

import (
	"image"
	"image/draw"
)

// Orient returns img turned upright according to an EXIF orientation (1–8):
//
//	1 as stored            5 transposed (mirrored across the main diagonal)
//	2 mirrored left–right  6 turned 90° clockwise
//	3 turned 180°          7 transversed (mirrored across the other diagonal)
//	4 mirrored top–bottom  8 turned 90° counter-clockwise
//
// For 1 and out-of-range values img itself is returned; otherwise a new *image.RGBA
// (or *image.NRGBA when img is one) whose bounds start at (0, 0).
func Orient(img image.Image, orientation int) image.Image {
	if orientation < 2 || orientation > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	var src, dst []byte
	var sstride, dstride int
	var out image.Image
	switch s := img.(type) {
	case *image.NRGBA:
		d := image.NewNRGBA(image.Rect(0, 0, dw, dh))
		src, sstride, dst, dstride, out = s.Pix[s.PixOffset(b.Min.X, b.Min.Y):], s.Stride, d.Pix, d.Stride, d
	default:
		r := toRGBA(img)
		d := image.NewRGBA(image.Rect(0, 0, dw, dh))
		src, sstride, dst, dstride, out = r.Pix, r.Stride, d.Pix, d.Stride, d
	}
	for y := range dh {
		row := dst[y*dstride : y*dstride+dw*4]
		for x := range dw {
			sx, sy := sourcePixel(orientation, x, y, w, h)
			o := sy*sstride + sx*4
			copy(row[x*4:x*4+4], src[o:o+4])
		}
	}
	return out
}

// sourcePixel maps a pixel (x, y) of the upright image to the stored image of size w × h.
func sourcePixel(orientation, x, y, w, h int) (sx, sy int) {
	switch orientation {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return y, h - 1 - x
	case 7:
		return w - 1 - y, h - 1 - x
	case 8:
		return w - 1 - y, x
	}
	return x, y
}

// toRGBA returns img as an *image.RGBA with bounds at (0, 0), copying only when needed.
func toRGBA(img image.Image) *image.RGBA {
	if r, ok := img.(*image.RGBA); ok && r.Rect.Min == (image.Point{}) {
		return r
	}
	b := img.Bounds()
	r := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(r, r.Rect, img, b.Min, draw.Src)
	return r
}
