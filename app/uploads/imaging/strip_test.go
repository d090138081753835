package imaging

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

func TestStripMetadata(t *testing.T) {
	t.Parallel()
	pic := noisy(64, 48)
	plainJPEG := encodeJPEG(t, pic)
	plainPNG := encodePNG(t, pic)
	gifData := encodeGIF(t, pic)
	webpData := readTestdata(t, "gopher-doc.with-alpha.lossless.webp")
	icc := segment{0xE2, []byte("ICC_PROFILE\x00\x01\x01fake")}
	for _, tc := range []struct {
		name        string
		in          []byte
		changed     bool
		orientation int
		exif        bool // EXIF left in the output (the minimal orientation block)
	}{
		{"jpeg exif gps xmp iptc", encodeJPEG(t, pic, icc, segment{markerAPP1, app1EXIF(1, true)},
			segment{markerAPP1, app1XMP()}, segment{markerAPPD, []byte("Photoshop 3.0\x008BIM")}), true, 1, false},
		{"jpeg orientation 6 gps", encodeJPEG(t, pic, segment{markerAPP1, app1EXIF(6, true)}), true, 6, true},
		{"jpeg two exif blocks", encodeJPEG(t, pic, segment{markerAPP1, app1EXIF(3, false)}, segment{markerAPP1, app1EXIF(1, true)}), true, 3, true},
		{"jpeg minimal exif kept", encodeJPEG(t, pic, segment{markerAPP1, minimalEXIF(8)}), false, 8, true},
		{"jpeg clean", plainJPEG, false, 1, false},
		{"jpeg fill bytes", append([]byte{0xFF, 0xD8, 0xFF, 0xFF}, plainJPEG[3:]...), true, 1, false},
		{"png exif text xmp", encodePNG(t, pic, pngChunk("eXIf", exifTIFF(6, true)), pngChunk("tEXt", []byte("Comment\x00hi")),
			pngChunk("zTXt", []byte("k\x00\x00x")), pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x/>"))), true, 1, false},
		{"png trailing bytes", append(bytes.Clone(plainPNG), "appended secret"...), true, 1, false},
		{"png clean", plainPNG, false, 1, false},
		{"gif unchanged", gifData, false, 1, false},
		{"webp unchanged", webpData, false, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			changed, err := StripMetadata(bytes.NewReader(tc.in), &out)
			if err != nil {
				t.Fatal(err)
			}
			if changed != tc.changed {
				t.Errorf("changed = %v, want %v", changed, tc.changed)
			}
			if !changed && !bytes.Equal(out.Bytes(), tc.in) {
				t.Error("unchanged output differs from the input")
			}
			info, err := Identify(bytes.NewReader(out.Bytes()))
			if err != nil {
				t.Fatalf("Identify(output): %v", err)
			}
			if info.Format == FormatWebP {
				return
			}
			if info.HasGPS || info.HasXMP || info.HasEXIF != tc.exif || info.Orientation != tc.orientation {
				t.Errorf("output info = %+v", info)
			}
			// Lossless: the pixels decode exactly as before.
			before, _, err1 := Decoder{}.decode(bytes.NewReader(tc.in))
			after, _, err2 := Decoder{}.decode(bytes.NewReader(out.Bytes()))
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if !samePixels(before, after) {
				t.Error("pixels changed")
			}
			// Idempotent.
			var again bytes.Buffer
			if changed, err := StripMetadata(bytes.NewReader(out.Bytes()), &again); err != nil || changed || !bytes.Equal(again.Bytes(), out.Bytes()) {
				t.Errorf("second strip: changed=%v err=%v", changed, err)
			}
			// The ICC profile survives.
			if bytes.Contains(tc.in, []byte("ICC_PROFILE")) && !bytes.Contains(out.Bytes(), []byte("ICC_PROFILE")) {
				t.Error("ICC profile dropped")
			}
			if bytes.Contains(out.Bytes(), []byte("GPSLatitude")) || bytes.Contains(out.Bytes(), []byte("8BIM")) {
				t.Error("metadata left in the output")
			}
		})
	}
}

func TestStripMetadataErrors(t *testing.T) {
	t.Parallel()
	jpg := encodeJPEG(t, noisy(64, 48), segment{markerAPP1, app1EXIF(1, true)})
	pngData := encodePNG(t, noisy(64, 48), pngChunk("tEXt", []byte("a\x00b")))
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ErrFormat},
		{"text", []byte("just some text, not an image"), ErrFormat},
		{"jpeg magic only", jpg[:3], ErrTruncated},
		{"jpeg cut in exif", jpg[:40], ErrTruncated},
		{"jpeg garbage between segments", append(bytes.Clone(jpg[:2]), 0xFF, 0x00, 0x56, 0x78, 0, 0, 0, 0, 0, 0, 0, 0), ErrCorrupt},
		{"jpeg zero length segment", append(bytes.Clone(jpg[:2]), 0xFF, 0xE1, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0), ErrCorrupt},
		{"jpeg without scan", append(bytes.Clone(jpg[:2]), 0xFF, 0xD9, 0, 0, 0, 0, 0, 0, 0, 0), ErrCorrupt},
		{"png cut in chunk header", pngData[:36], ErrTruncated},
		{"png cut in dropped chunk", pngData[:40], ErrTruncated},
		{"png without iend", pngData[:len(pngData)-12], ErrTruncated},
		{"png chunk too long", append(bytes.Clone(pngData[:33]), 0x80, 0, 0, 0, 'a', 'b', 'c', 'd'), ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			_, err := StripMetadata(bytes.NewReader(tc.in), &out)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if tc.want == ErrFormat && out.Len() != 0 {
				t.Fatal("wrote bytes for a non-image")
			}
		})
	}

	// A failing destination is reported as itself, not as a bad image.
	diskFull := errors.New("disk full")
	for _, in := range [][]byte{jpg, pngData, encodeGIF(t, noisy(8, 8))} {
		if _, err := StripMetadata(bytes.NewReader(in), &failWriter{after: 100, err: diskFull}); err != diskFull {
			t.Errorf("error = %v, want the writer's", err)
		}
	}
}

type failWriter struct {
	after int
	err   error
}

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.after {
		n := w.after
		w.after = 0
		return n, w.err
	}
	w.after -= len(p)
	return len(p), nil
}

// samePixels compares two decoded images exactly.
func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

func TestEncode(t *testing.T) {
	t.Parallel()
	opaque := quadrants(20, 10)
	clear := image.NewNRGBA(image.Rect(0, 0, 20, 10))
	for _, tc := range []struct {
		name string
		img  image.Image
		want string
	}{
		{"opaque", opaque, "image/jpeg"},
		{"transparent", clear, "image/png"},
		{"gif with transparency", mustDecodeGIF(t), "image/png"},
	} {
		var buf bytes.Buffer
		ct, err := Encode(&buf, tc.img, 0)
		if err != nil || ct != tc.want {
			t.Fatalf("%s: Encode = %q, %v; want %q", tc.name, ct, err, tc.want)
		}
		info, err := Identify(&buf)
		if err != nil || info.ContentType() != tc.want || info.HasEXIF {
			t.Fatalf("%s: output %+v, %v", tc.name, info, err)
		}
	}
	// JPEG of a transparent image: composed over white, decodes fine.
	var buf bytes.Buffer
	if err := EncodeJPEG(&buf, clear, 500); err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, _ := img.At(5, 5).RGBA(); r>>8 < 250 || g>>8 < 250 || b>>8 < 250 {
		t.Fatalf("transparent pixel became %v, want white", img.At(5, 5))
	}
	buf.Reset()
	if err := EncodePNG(&buf, clear); err != nil {
		t.Fatal(err)
	}
	if p, err := png.Decode(&buf); err != nil || Opaque(p) {
		t.Fatalf("PNG lost its transparency: %v", err)
	}
}

func mustDecodeGIF(t *testing.T) image.Image {
	t.Helper()
	pal := image.NewPaletted(image.Rect(0, 0, 4, 4), []color.Color{color.Transparent, red})
	img, _, err := Decode(bytes.NewReader(encodeGIF(t, pal)))
	if err != nil {
		t.Fatal(err)
	}
	return img
}
