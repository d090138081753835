package uploads_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"io"
	"testing"

	"github.com/outpostchat/outpost/app/uploads"
)

// TestDescribeImage: an uploaded image is described by its format, its size and a
// small JPEG preview in base64; what is not an image is an error, never a panic.
func TestDescribeImage(t *testing.T) {
	t.Parallel()
	img := image.NewRGBA(image.Rect(0, 0, 640, 320))
	for x := range 640 {
		for y := range 320 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	open := func(b []byte) func() (io.ReadCloser, error) {
		return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	info, err := uploads.DescribeImage(context.Background(), uploads.Upload{}, open(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if info.Identify == nil || info.Identify.Format != "png" || *info.Identify.Size != (uploads.Dimension{Width: 640, Height: 320}) {
		t.Errorf("identify = %+v", info.Identify)
	}
	jpg, err := base64.StdEncoding.DecodeString(info.Preview)
	if err != nil || !bytes.HasPrefix(jpg, []byte{0xFF, 0xD8}) {
		t.Errorf("preview is not a base64 JPEG: %q (%v)", info.Preview, err)
	}
	if _, err := uploads.DescribeImage(context.Background(), uploads.Upload{}, open([]byte("not an image"))); err == nil {
		t.Error("text described as an image")
	}
}
