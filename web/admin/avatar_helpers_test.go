package admin_test

import (
	"bytes"
	"image"
	"image/color"
	_ "image/jpeg" // /avatar serves opaque pictures as JPEG
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
)

// pngOf is a w×h PNG filled with c.
func pngOf(t testing.TB, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// avatarForm is a multipart avatar form: csrf first, as browsers send the fields in
// document order, then the file in "image" (no file part when name is "").
type avatarForm struct {
	csrf    string // "" sends the browser's remembered token
	name    string
	ctype   string
	data    []byte
	chunked bool // send without Content-Length
}

// upload submits f to path as multipart/form-data.
func (b *browser) upload(path string, f avatarForm) page {
	b.t.Helper()
	if f.csrf == "" {
		f.csrf = b.csrf
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", f.csrf)
	if f.name != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="image"; filename="`+f.name+`"`)
		h.Set("Content-Type", f.ctype)
		part, err := mw.CreatePart(h)
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = part.Write(f.data)
	} else {
		// A file input left empty: a part with an empty file name and no bytes.
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="image"; filename=""`)
		h.Set("Content-Type", "application/octet-stream")
		if _, err := mw.CreatePart(h); err != nil {
			b.t.Fatal(err)
		}
	}
	_ = mw.Close()
	var rd io.Reader = bytes.NewReader(body.Bytes())
	if f.chunked {
		rd = io.MultiReader(rd) // hides the length: the client sends it chunked
	}
	req, err := http.NewRequest("POST", b.base+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// fetchAvatar GETs an /avatar URL with the browser (no REST credentials) and returns
// its Content-Type and body.
func (b *browser) fetchAvatar(path string) (string, []byte) {
	b.t.Helper()
	res, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		b.t.Fatalf("%s: %d %s", path, res.StatusCode, data)
	}
	return res.Header.Get("Content-Type"), data
}

// wantPicture checks that path serves a size×size picture whose centre is red, the
// colour of the uploaded test PNG.
func wantPicture(t testing.TB, b *browser, path string, size int) {
	t.Helper()
	ctype, data := b.fetchAvatar(path)
	if !strings.HasPrefix(ctype, "image/") || strings.Contains(ctype, "svg") {
		t.Fatalf("%s: %s, want the picture", path, ctype)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if bd := img.Bounds(); bd.Dx() != size || bd.Dy() != size {
		t.Fatalf("%s: %v, want %d×%d", path, bd, size, size)
	}
	r, g, bl, _ := img.At(size/2, size/2).RGBA()
	if r>>8 < 200 || g>>8 > 60 || bl>>8 > 60 {
		t.Fatalf("%s: centre %d,%d,%d, want red", path, r>>8, g>>8, bl>>8)
	}
}

// wantPlaceholder checks that path serves the SVG initials placeholder.
func wantPlaceholder(t testing.TB, b *browser, path string) {
	t.Helper()
	if ctype, data := b.fetchAvatar(path); !strings.Contains(ctype, "svg") {
		t.Fatalf("%s: %s (%d bytes), want the placeholder", path, ctype, len(data))
	}
}
