package imaging

import (
	"bytes"
	"image"
	"testing"
)

// photo is a 4000×3000 JPEG with smooth gradients and noise, about what a phone takes.
func photo(b *testing.B) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
	seed := uint32(7)
	for y := range 3000 {
		for x := range 4000 {
			seed = seed*1664525 + 1013904223
			img.Y[y*img.YStride+x] = uint8((x/16+y/12)&0xFF) ^ uint8(seed>>28)
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(i/2000), uint8(255-i/3000)
	}
	return encodeJPEG(b, img, segment{markerAPP1, app1EXIF(1, true)})
}

// BenchmarkThumbnail4000x3000 is the thumbnail of a 12-megapixel JPEG to 480×360
// (Rocket.Chat's default Message_Attachments_Thumbnails_Width/Height).
func BenchmarkThumbnail4000x3000(b *testing.B) {
	data := photo(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		img, _, err := Thumbnail(bytes.NewReader(data), 480, 360)
		if err != nil {
			b.Fatal(err)
		}
		if img.Bounds().Dx() != 480 {
			b.Fatal(img.Bounds())
		}
	}
}

// BenchmarkIdentify4000x3000 reads only the header of the same file.
func BenchmarkIdentify4000x3000(b *testing.B) {
	data := photo(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Identify(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStripMetadata4000x3000 copies the same file without its metadata.
func BenchmarkStripMetadata4000x3000(b *testing.B) {
	data := photo(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var out bytes.Buffer
	for b.Loop() {
		out.Reset()
		if _, err := StripMetadata(bytes.NewReader(data), &out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPreview is image_preview from a 480×360 thumbnail.
func BenchmarkPreview(b *testing.B) {
	img := noisy(480, 360)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Preview(img); err != nil {
			b.Fatal(err)
		}
	}
}
