package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"runtime"
	"strings"
	"testing"
)

func TestIdentify(t *testing.T) {
	t.Parallel()
	pic := quadrants(40, 20)
	withAlpha := readTestdata(t, "gopher-doc.with-alpha.lossless.webp")
	exifFlagged := bytes.Clone(withAlpha)
	exifFlagged[20] |= 0x08
	for _, tc := range []struct {
		name string
		data []byte
		want Info
	}{
		{"plain jpeg", encodeJPEG(t, pic), Info{Format: "jpeg", Width: 40, Height: 20, Orientation: 1}},
		{"jpeg exif orientation 6 gps", encodeJPEG(t, pic, segment{markerAPP1, app1EXIF(6, true)}),
			Info{Format: "jpeg", Width: 40, Height: 20, Orientation: 6, HasEXIF: true, HasGPS: true}},
		{"jpeg exif no orientation", encodeJPEG(t, pic, segment{markerAPP1, app1EXIF(0, false)}),
			Info{Format: "jpeg", Width: 40, Height: 20, Orientation: 1, HasEXIF: true}},
		{"jpeg exif bad orientation", encodeJPEG(t, pic, segment{markerAPP1, app1EXIF(9, false)}),
			Info{Format: "jpeg", Width: 40, Height: 20, Orientation: 1, HasEXIF: true}},
		{"jpeg after jfif, xmp gps", encodeJPEG(t, pic, segment{0xE0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")},
			segment{markerAPP1, app1EXIF(3, false)}, segment{markerAPP1, app1XMP()}),
			Info{Format: "jpeg", Width: 40, Height: 20, Orientation: 3, HasEXIF: true, HasGPS: true, HasXMP: true}},
		{"jpeg truncated exif block", encodeJPEG(t, pic, segment{markerAPP1, app1EXIF(8, true)[:20]}),
			Info{Format: "jpeg", Width: 40, Height: 20, Orientation: 1, HasEXIF: true}},
		{"png", encodePNG(t, pic), Info{Format: "png", Width: 40, Height: 20, Orientation: 1}},
		{"png exif gps, orientation ignored", encodePNG(t, pic, pngChunk("eXIf", exifTIFF(6, true))),
			Info{Format: "png", Width: 40, Height: 20, Orientation: 1, HasEXIF: true, HasGPS: true}},
		{"png xmp", encodePNG(t, pic, pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x GPSLongitude=\"1\"/>"))),
			Info{Format: "png", Width: 40, Height: 20, Orientation: 1, HasGPS: true, HasXMP: true}},
		{"gif", encodeGIF(t, pic), Info{Format: "gif", Width: 40, Height: 20, Orientation: 1}},
		{"webp lossy", readTestdata(t, "blue-purple-pink.lossy.webp"), Info{Format: "webp", Width: 150, Height: 100, Orientation: 1}},
		{"webp lossless", readTestdata(t, "gopher-doc.1bpp.lossless.webp"), Info{Format: "webp", Width: 75, Height: 100, Orientation: 1}},
		{"webp extended", withAlpha, Info{Format: "webp", Width: 75, Height: 100, Orientation: 1}},
		{"webp exif flag", exifFlagged, Info{Format: "webp", Width: 75, Height: 100, Orientation: 1, HasEXIF: true, HasGPS: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Identify(bytes.NewReader(tc.data))
			if err != nil {
				t.Fatalf("Identify: %v", err)
			}
			if got != tc.want {
				t.Fatalf("Identify = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestInfoDimensions(t *testing.T) {
	t.Parallel()
	for o := 0; o <= 9; o++ {
		w, h := Info{Width: 4, Height: 3, Orientation: o}.Dimensions()
		want := [2]int{4, 3}
		if o >= 5 && o <= 8 {
			want = [2]int{3, 4}
		}
		if [2]int{w, h} != want {
			t.Errorf("orientation %d: %dx%d, want %v", o, w, h, want)
		}
	}
	if ct := (Info{Format: "webp"}).ContentType(); ct != "image/webp" {
		t.Errorf("ContentType = %q", ct)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	pic := noisy(256, 192)
	jpg := encodeJPEG(t, pic, segment{markerAPP1, app1EXIF(6, true)})
	pngData := encodePNG(t, pic)
	gifData := encodeGIF(t, pic)
	webpData := readTestdata(t, "blue-purple-pink.lossy.webp")
	corrupt := bytes.Clone(jpg)
	for i := len(corrupt) / 2; i < len(corrupt)-2; i++ {
		corrupt[i] = 0xFF
	}
	sof := bytes.Index(jpg, []byte{0xFF, 0xC0})
	for _, tc := range []struct {
		name     string
		data     []byte
		identify error // nil: Identify succeeds
		decode   error
	}{
		{"empty", nil, ErrFormat, ErrFormat},
		{"text", []byte("hello, this is not an image at all"), ErrFormat, ErrFormat},
		{"html", []byte("<!doctype html><svg onload=alert(1)>"), ErrFormat, ErrFormat},
		{"bmp", append([]byte("BM"), make([]byte, 64)...), ErrFormat, ErrFormat},
		{"jpeg magic only", jpg[:3], ErrTruncated, ErrTruncated},
		{"jpeg cut in exif", jpg[:30], ErrTruncated, ErrTruncated},
		{"jpeg cut in sof", jpg[:sof+6], ErrTruncated, ErrTruncated},
		{"jpeg cut in scan", jpg[:len(jpg)*2/3], nil, ErrTruncated},
		{"jpeg corrupt scan", corrupt, nil, ErrCorrupt},
		{"png cut in ihdr", pngData[:20], ErrTruncated, ErrTruncated},
		{"png cut in idat", pngData[:len(pngData)-30], nil, ErrTruncated},
		{"png bad crc", append(bytes.Clone(pngData[:29]), append([]byte{0, 0, 0, 0}, pngData[33:]...)...), ErrCorrupt, ErrCorrupt},
		{"gif cut in header", gifData[:9], ErrTruncated, ErrTruncated},
		{"gif cut in frame", gifData[:len(gifData)-20], nil, ErrTruncated},
		{"webp cut in header", webpData[:20], ErrTruncated, ErrTruncated},
		{"webp cut in frame", webpData[:len(webpData)/2], nil, ErrTruncated},
		{"riff not webp", append([]byte("RIFF\x10\x00\x00\x00WAVE"), make([]byte, 16)...), ErrFormat, ErrFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Identify(bytes.NewReader(tc.data))
			if !errors.Is(err, tc.identify) || (tc.identify == nil && err != nil) {
				t.Errorf("Identify error = %v, want %v", err, tc.identify)
			}
			img, _, err := Thumbnail(bytes.NewReader(tc.data), 32, 32)
			if !errors.Is(err, tc.decode) || img != nil {
				t.Errorf("Thumbnail = %v, %v; want error %v", img != nil, err, tc.decode)
			}
		})
	}
}

func TestDecompressionBomb(t *testing.T) {
	// Not parallel: it measures the bytes allocated.
	for _, tc := range []struct {
		name string
		data []byte
		dec  Decoder
	}{
		{"png 100000x100000", bombPNG(100000, 100000), Decoder{}},
		{"png 1x2147483647", bombPNG(1, 1<<31-1), Decoder{}},
		{"png 7000x6000 over default", bombPNG(7000, 6000), Decoder{}},
		{"gif 65535x65535", bombGIF(65535, 65535), Decoder{}},
		{"jpeg 65500x65500", bombJPEG(t, 65500, 65500), Decoder{}},
		{"png under a custom limit", encodePNG(t, quadrants(20, 20)), Decoder{MaxPixels: 399}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err1 := tc.dec.Identify(bytes.NewReader(tc.data))
			img, _, err2 := tc.dec.Thumbnail(bytes.NewReader(tc.data), 100, 100)
			_, _, err3 := tc.dec.Decode(bytes.NewReader(tc.data))
			runtime.ReadMemStats(&after)
			for _, err := range []error{err1, err2, err3} {
				if !errors.Is(err, ErrTooLarge) {
					t.Errorf("error = %v, want ErrTooLarge", err)
				}
			}
			if img != nil {
				t.Error("Thumbnail returned an image")
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("allocated %d bytes refusing a bomb", n)
			}
		})
	}
	// Exactly at the limit is accepted.
	if _, err := (Decoder{MaxPixels: 400}).Identify(bytes.NewReader(encodePNG(t, quadrants(20, 20)))); err != nil {
		t.Errorf("20x20 under MaxPixels 400: %v", err)
	}
}

func TestHugeHeader(t *testing.T) {
	t.Parallel()
	// A JPEG whose header is an endless run of comment segments: refused once the kept
	// header passes MaxHeaderBytes, without reading the rest.
	seg := append([]byte{0xFF, 0xFE, 0xFF, 0xFF}, make([]byte, 0xFFFD)...)
	r := io.MultiReader(bytes.NewReader([]byte{0xFF, 0xD8}), &repeatReader{b: seg})
	if _, err := Identify(r); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Identify = %v, want ErrTooLarge", err)
	}
	// A PNG chunk announcing 2 GiB of metadata is skipped, not allocated.
	data := encodePNG(t, quadrants(8, 8))
	huge := append(bytes.Clone(data[:33]), 0x7F, 0xFF, 0xFF, 0xFF, 'e', 'X', 'I', 'f')
	if _, err := Identify(bytes.NewReader(huge)); !errors.Is(err, ErrTruncated) {
		t.Fatalf("Identify = %v, want ErrTruncated", err)
	}
}

type repeatReader struct {
	b   []byte
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := copy(p, r.b[r.off:])
	r.off = (r.off + n) % len(r.b)
	return n, nil
}

func TestOrientation(t *testing.T) {
	t.Parallel()
	upright := quadrants(64, 32)
	want := quadrantColors(upright)
	for o := 1; o <= 8; o++ {
		stored := storedFor(upright, o)
		for _, format := range []string{"jpeg", "raw"} {
			t.Run(fmt.Sprintf("%d/%s", o, format), func(t *testing.T) {
				t.Parallel()
				var got image.Image
				if format == "raw" {
					got = Orient(stored, o)
				} else {
					data := encodeJPEG(t, stored, segment{markerAPP1, app1EXIF(o, false)})
					img, info, err := Decode(bytes.NewReader(data))
					if err != nil {
						t.Fatal(err)
					}
					if info.Orientation != o {
						t.Fatalf("orientation %d, want %d", info.Orientation, o)
					}
					if w, h := info.Dimensions(); w != 64 || h != 32 {
						t.Fatalf("Dimensions %dx%d, want 64x32", w, h)
					}
					got = img
				}
				if b := got.Bounds(); b.Dx() != 64 || b.Dy() != 32 {
					t.Fatalf("size %v, want 64x32", b)
				}
				for i, c := range quadrantColors(got) {
					if !near(c, want[i]) {
						t.Fatalf("quadrant %d = %v, want %v", i, c, want[i])
					}
				}
				if format == "raw" {
					// Exact, pixel by pixel.
					for y := range 32 {
						for x := range 64 {
							if got.At(x, y) != upright.At(x, y) {
								t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got.At(x, y), upright.At(x, y))
							}
						}
					}
				}
			})
		}
	}
}

func TestOrientNRGBAWithOffset(t *testing.T) {
	t.Parallel()
	src := image.NewNRGBA(image.Rect(10, 20, 13, 22))
	src.SetNRGBA(10, 20, color.NRGBA{1, 2, 3, 128})
	got := Orient(src, 6).(*image.NRGBA)
	if b := got.Bounds(); b != image.Rect(0, 0, 2, 3) {
		t.Fatalf("bounds %v", b)
	}
	// Stored (0,0) is the top right corner once turned clockwise.
	if c := got.NRGBAAt(1, 0); c != (color.NRGBA{1, 2, 3, 128}) {
		t.Fatalf("corner = %v", c)
	}
	if Orient(src, 1) != image.Image(src) || Orient(src, 0) != image.Image(src) || Orient(src, 9) != image.Image(src) {
		t.Fatal("orientation 1 or invalid must return the image itself")
	}
}

func TestThumbnail(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		data         []byte
		maxW, maxH   int
		wantW, wantH int
	}{
		{"landscape jpeg", encodeJPEG(t, quadrants(800, 600)), 480, 360, 480, 360},
		{"wide jpeg", encodeJPEG(t, quadrants(1000, 200)), 480, 360, 480, 96},
		{"tall png", encodePNG(t, quadrants(200, 1000)), 480, 360, 72, 360},
		{"rotated jpeg", encodeJPEG(t, storedFor(quadrants(600, 800), 6), segment{markerAPP1, app1EXIF(6, false)}), 480, 360, 270, 360},
		{"mirrored-diagonal jpeg", encodeJPEG(t, storedFor(quadrants(600, 800), 5), segment{markerAPP1, app1EXIF(5, false)}), 480, 360, 270, 360},
		{"large jpeg, box pass", encodeJPEG(t, quadrants(2000, 1500)), 480, 360, 480, 360},
		{"large png, box pass", encodePNG(t, quadrants(1500, 2000)), 480, 360, 270, 360},
		{"small never enlarged", encodePNG(t, quadrants(100, 50)), 480, 360, 100, 50},
		{"small rotated", encodeJPEG(t, storedFor(quadrants(100, 50), 8), segment{markerAPP1, app1EXIF(8, false)}), 480, 360, 100, 50},
		{"gif first frame", encodeGIF(t, quadrants(960, 720)), 480, 360, 480, 360},
		{"webp", readTestdata(t, "blue-purple-pink.lossy.webp"), 30, 30, 30, 20},
		{"tiny box", encodePNG(t, quadrants(1000, 10)), 10, 10, 10, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			img, _, err := Thumbnail(bytes.NewReader(tc.data), tc.maxW, tc.maxH)
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tc.wantW || b.Dy() != tc.wantH {
				t.Fatalf("size %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.wantW, tc.wantH)
			}
			if tc.name == "webp" || tc.name == "tiny box" {
				return
			}
			want := quadrantColors(quadrants(4, 4))
			for i, c := range quadrantColors(img) {
				if !near(c, want[i]) {
					t.Fatalf("quadrant %d = %v, want %v", i, c, want[i])
				}
			}
		})
	}
	for _, box := range [][2]int{{0, 10}, {10, 0}, {-1, -1}} {
		if _, _, err := Thumbnail(bytes.NewReader(encodePNG(t, quadrants(4, 4))), box[0], box[1]); err == nil {
			t.Errorf("Thumbnail box %v: no error", box)
		}
	}
}

func TestFit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ w, h, mw, mh, ww, wh int }{
		{4000, 3000, 480, 360, 480, 360},
		{3000, 4000, 480, 360, 270, 360},
		{100, 100, 480, 360, 100, 100},
		{100000, 1, 480, 360, 480, 1},
		{1, 100000, 480, 360, 1, 360},
		{0, 0, 480, 360, 1, 1},
		{10, 10, 0, 0, 10, 10},
	} {
		if w, h := Fit(tc.w, tc.h, tc.mw, tc.mh); w != tc.ww || h != tc.wh {
			t.Errorf("Fit(%d,%d,%d,%d) = %d,%d, want %d,%d", tc.w, tc.h, tc.mw, tc.mh, w, h, tc.ww, tc.wh)
		}
	}
}

func TestErrorsAreSentinels(t *testing.T) {
	t.Parallel()
	for _, err := range []error{ErrFormat, ErrTruncated, ErrCorrupt, ErrTooLarge} {
		if !strings.HasPrefix(err.Error(), "imaging: ") {
			t.Errorf("%v: message should name the package", err)
		}
	}
}
