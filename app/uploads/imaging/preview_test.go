package imaging

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/jpeg"
	"strings"
	"testing"
)

func TestPreview(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		img          image.Image
		wantW, wantH int
	}{
		{"landscape", quadrants(400, 300), 32, 24},
		{"portrait", quadrants(100, 400), 8, 32},
		{"small is enlarged like sharp", quadrants(10, 10), 32, 32},
		{"one pixel", quadrants(1, 1), 32, 32},
		{"very wide", quadrants(5000, 10), 32, 1},
		{"transparent", image.NewNRGBA(image.Rect(0, 0, 64, 64)), 32, 32},
		{"offset bounds", quadrants(200, 200).SubImage(image.Rect(100, 100, 200, 150)), 32, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := Preview(tc.img)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(s, "data:") {
				t.Fatal("image_preview is bare base64, without a data: prefix")
			}
			raw, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				t.Fatal(err)
			}
			img, err := jpeg.Decode(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tc.wantW || b.Dy() != tc.wantH {
				t.Fatalf("preview %dx%d, want %dx%d", b.Dx(), b.Dy(), tc.wantW, tc.wantH)
			}
			if len(raw) > 2048 {
				t.Fatalf("preview is %d bytes", len(raw))
			}
		})
	}
	if _, err := Preview(image.NewRGBA(image.Rectangle{})); err == nil {
		t.Fatal("empty image: no error")
	}
}

func TestPreviewIsBlurred(t *testing.T) {
	t.Parallel()
	// A hard edge becomes a ramp: the column next to the edge mixes both sides.
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	for y := range 32 {
		for x := 16; x < 32; x++ {
			img.SetRGBA(x, y, white)
		}
	}
	blurred := boxBlur3(img)
	if g := blurred.RGBAAt(15, 10).G; g < 70 || g > 100 {
		t.Fatalf("edge pixel = %d, want about 255/3", g)
	}
	if g := blurred.RGBAAt(5, 10).G; g != 0 {
		t.Fatalf("far pixel = %d, want 0", g)
	}
}
