package avatars_test

import (
	"bytes"
	"image"
	_ "image/jpeg" // decoding rendered placeholders
	_ "image/png"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/uploads/avatars"
)

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"png": avatars.FormatPNG, "jpg": avatars.FormatJPEG, "jpeg": avatars.FormatJPEG,
		"": avatars.FormatSVG, "svg": avatars.FormatSVG, "PNG": avatars.FormatSVG, "webp": avatars.FormatSVG,
	} {
		if got := avatars.ParseFormat(in); got != want {
			t.Errorf("ParseFormat(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRenderInitials(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, format, decoded string
		size, want            int
	}{
		{"alice", avatars.FormatPNG, "png", 0, 200},
		{"Émile", avatars.FormatJPEG, "jpeg", 64, 64},
		{"x", avatars.FormatPNG, "png", 1, 16},
		{"y", avatars.FormatPNG, "png", 99999, 1024},
		{"漢字", avatars.FormatPNG, "png", 32, 32}, // not in the font: a plain square
		{"\xff\xfe", avatars.FormatPNG, "png", 32, 32},
		{"", avatars.FormatJPEG, "jpeg", 20, 20},
		{" space", avatars.FormatPNG, "png", 20, 20},
	} {
		b, err := avatars.RenderInitials(c.name, c.size, c.format)
		if err != nil {
			t.Fatalf("%q: %v", c.name, err)
		}
		img, format, err := image.Decode(bytes.NewReader(b))
		if err != nil || format != c.decoded || img.Bounds().Dx() != c.want || img.Bounds().Dy() != c.want {
			t.Errorf("%q %s size %d: %v %s %v", c.name, c.format, c.size, err, format, img.Bounds())
		}
	}
	// The same name, the same picture.
	a, _ := avatars.RenderInitials("alice", 50, avatars.FormatPNG)
	b, _ := avatars.RenderInitials("alice", 50, avatars.FormatPNG)
	if !bytes.Equal(a, b) {
		t.Error("placeholder is not stable")
	}
}

func TestWriteSVG(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := avatars.WriteSVG(&buf, "<b>", 0); err != nil {
		t.Fatal(err)
	}
	_, bg := avatars.Letters("<b>")
	s := buf.String()
	if !strings.Contains(s, `width="200"`) || !strings.Contains(s, ">&lt;</text>") || !strings.Contains(strings.ToUpper(s), strings.ToUpper(
		"#"+hex2(bg.R)+hex2(bg.G)+hex2(bg.B))) {
		t.Errorf("svg %s", s)
	}
}

func hex2(b uint8) string { return string("0123456789ABCDEF"[b>>4]) + string("0123456789ABCDEF"[b&15]) }

func BenchmarkRenderInitials(b *testing.B) {
	for b.Loop() {
		if _, err := avatars.RenderInitials("alice", 200, avatars.FormatPNG); err != nil {
			b.Fatal(err)
		}
	}
}
