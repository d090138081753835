package imaging

import (
	"bytes"
	"errors"
	"testing"
)

// fuzzSeeds are valid and broken images of every format.
func fuzzSeeds(f *testing.F) {
	pic := quadrants(16, 8)
	f.Add(encodeJPEG(f, pic, segment{markerAPP1, app1EXIF(6, true)}, segment{markerAPP1, app1XMP()}))
	f.Add(encodeJPEG(f, pic, segment{markerAPPD, []byte("Photoshop 3.0\x00")}))
	f.Add(encodePNG(f, pic, pngChunk("eXIf", exifTIFF(3, true)), pngChunk("tEXt", []byte("a\x00b"))))
	f.Add(encodeGIF(f, pic))
	f.Add(readTestdata(f, "gopher-doc.1bpp.lossless.webp"))
	f.Add(readTestdata(f, "gopher-doc.with-alpha.lossless.webp"))
	f.Add(bombPNG(100000, 100000))
	f.Add(bombGIF(65535, 65535))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, '*', 0xFF, 0xFF, 0xFF, 0xF0})
	f.Add([]byte("not an image"))
}

// fuzzDecoder keeps fuzzed images small so each run stays fast.
var fuzzDecoder = Decoder{MaxPixels: 1 << 16}

func FuzzIdentify(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := fuzzDecoder.Identify(bytes.NewReader(data))
		if err != nil {
			if !knownError(err) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if info.Width <= 0 || info.Height <= 0 || info.Width*info.Height > 1<<16 || info.Orientation < 1 || info.Orientation > 8 {
			t.Fatalf("bad info %+v", info)
		}
		img, _, err := fuzzDecoder.Thumbnail(bytes.NewReader(data), 20, 20)
		if err != nil {
			if !knownError(err) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if b := img.Bounds(); b.Dx() > 20 || b.Dy() > 20 || b.Empty() {
			t.Fatalf("thumbnail bounds %v", b)
		}
		if _, err := Preview(img); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzStripMetadata(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		changed, err := StripMetadata(bytes.NewReader(data), &out)
		if err != nil {
			if !knownError(err) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if !changed && !bytes.Equal(out.Bytes(), data) {
			t.Fatal("unchanged but different")
		}
		var again bytes.Buffer
		changed2, err := StripMetadata(bytes.NewReader(out.Bytes()), &again)
		if err != nil || changed2 || !bytes.Equal(again.Bytes(), out.Bytes()) {
			t.Fatalf("not idempotent: changed=%v err=%v", changed2, err)
		}
		if info, err := fuzzDecoder.Identify(bytes.NewReader(out.Bytes())); err == nil && info.Format != FormatWebP && (info.HasGPS || info.HasXMP) {
			t.Fatalf("metadata left: %+v", info)
		}
	})
}

func knownError(err error) bool {
	for _, e := range []error{ErrFormat, ErrTruncated, ErrCorrupt, ErrTooLarge} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
