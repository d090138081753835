package web_test

import (
	"bytes"
	"image"
	_ "image/jpeg" // decoding served avatars
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/uploads/avatars"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/web"
)

// near reports whether two colours differ by at most tol in every channel (JPEG
// rounding).
func near(a, b [3]uint8, tol int) bool {
	for i := range a {
		if d := int(a[i]) - int(b[i]); d > tol || d < -tol {
			return false
		}
	}
	return true
}

func rgbAt(img image.Image, x, y int) [3]uint8 {
	r, g, b, _ := img.At(x, y).RGBA()
	return [3]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8)}
}

// checkInitials decodes a raster placeholder of name and checks its format, size,
// background (the SVG's colour) and that a white letter is drawn in the middle.
func checkInitials(t *testing.T, what string, b []byte, name, format string, size int) {
	t.Helper()
	img, got, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v (%.40q)", what, err, b)
	}
	if got != format || img.Bounds().Size() != image.Pt(size, size) {
		t.Errorf("%s: %s %v, want %s %dx%d", what, got, img.Bounds().Size(), format, size, size)
	}
	_, bg := avatars.Letters(name)
	want := [3]uint8{bg.R, bg.G, bg.B}
	if c := rgbAt(img, 1, 1); !near(c, want, 8) {
		t.Errorf("%s: corner %v, want the SVG's %v", what, c, want)
	}
	white := 0
	for y := size / 4; y < size*3/4; y++ {
		for x := size / 4; x < size*3/4; x++ {
			if near(rgbAt(img, x, y), [3]uint8{255, 255, 255}, 30) {
				white++
			}
		}
	}
	if white < size*size/100 {
		t.Errorf("%s: %d white pixels in the middle: no letter drawn", what, white)
	}
}

func TestAvatarPlaceholderFormats(t *testing.T) {
	t.Parallel()
	e := newAvEnv(t)
	for _, c := range []struct {
		path, name, format string
		ctype              string
		size               int
	}{
		{"/avatar/@alice?format=png", "alice", "png", "image/png", 200},
		{"/avatar/nobody?format=png&size=64", "nobody", "png", "image/png", 64},
		{"/avatar/@alice?format=jpeg&size=100", "alice", "jpeg", "image/jpeg", 100},
		{"/avatar/@alice?format=jpg&size=5000", "alice", "jpeg", "image/jpeg", 1024},
		{"/avatar/%C3%A9mile?format=png&size=1", "émile", "png", "image/png", 16},
	} {
		for range 2 { // the second from the cache
			status, hd, b := e.do(t, "GET", c.path, nil, "", nil)
			if status != 200 || hd.Get("Content-Type") != c.ctype || hd.Get("X-Content-Type-Options") != "nosniff" ||
				hd.Get("Cache-Control") != "public, max-age=3600" || hd.Get("Last-Modified") != "Thu, 01 Jan 2015 00:00:00 GMT" {
				t.Errorf("%s: %d %v", c.path, status, hd)
				continue
			}
			checkInitials(t, c.path, b, c.name, c.format, c.size)
		}
	}
	// Other formats, in any other case, are the SVG, as in Rocket.Chat.
	for _, p := range []string{"/avatar/@alice?format=PNG", "/avatar/@alice?format=gif", "/avatar/@alice?format="} {
		if _, hd, _ := e.do(t, "GET", p, nil, "", nil); hd.Get("Content-Type") != "image/svg+xml" {
			t.Errorf("%s: %v", p, hd)
		}
	}
	// A letter the font lacks leaves the square plain; a room placeholder as PNG.
	if status, hd, b := e.do(t, "GET", "/avatar/%E6%BC%A2%E5%AD%97?format=png", nil, "", nil); status != 200 || hd.Get("Content-Type") != "image/png" {
		t.Errorf("CJK: %d %v", status, hd)
	} else if _, format := decodeServed(t, b); format != image.Pt(200, 200) {
		t.Errorf("CJK: %v", format)
	}
	// If-Modified-Since of the placeholder's fixed date: 304, as Rocket.Chat.
	ims := http.Header{"If-Modified-Since": {"Thu, 01 Jan 2015 00:00:00 GMT"}}
	for _, p := range []string{"/avatar/@alice", "/avatar/@alice?format=png"} {
		if status, _, _ := e.do(t, "GET", p, ims, "", nil); status != 304 {
			t.Errorf("%s If-Modified-Since: %d", p, status)
		}
	}
	// Blocked access: the placeholder in the asked format, uncached.
	wiretest.Set(t, e.a, "Accounts_AvatarBlockUnauthenticatedAccess", true)
	status, hd, b := e.do(t, "GET", "/avatar/alice?format=png&size=32", nil, "", nil)
	if status != 200 || hd.Get("Cache-Control") != "no-store" {
		t.Errorf("blocked: %d %v", status, hd)
	}
	checkInitials(t, "blocked", b, "alice", "png", 32)
}

func TestAvatarPictureFormats(t *testing.T) {
	t.Parallel()
	e := newAvEnv(t)
	// alice's picture is opaque: stored as JPEG. bob's has transparency: stored as PNG.
	if status, body := e.setMultipart(t, e.alice, testPNG(t, 300, 300, false), nil); status != 200 {
		t.Fatal(status, body)
	}
	if status, body := e.setMultipart(t, e.bob, testPNG(t, 300, 300, true), nil); status != 200 {
		t.Fatal(status, body)
	}
	_, _, stored := e.do(t, "GET", "/avatar/alice", nil, "", nil)
	for _, c := range []struct {
		path, format, ctype string
		size                int
		same                bool // the stored bytes as they are
	}{
		{"/avatar/alice?format=png", "png", "image/png", 200, false},
		{"/avatar/alice?format=png&size=50", "png", "image/png", 50, false},
		{"/avatar/alice?format=jpeg", "jpeg", "image/jpeg", 200, true},
		{"/avatar/alice?format=jpg&size=400", "jpeg", "image/jpeg", 200, true},
		{"/avatar/alice?format=jpg&size=40", "jpeg", "image/jpeg", 40, false},
		{"/avatar/bob?format=jpeg", "jpeg", "image/jpeg", 200, false},
		{"/avatar/bob?format=png", "png", "image/png", 200, false},
		{"/avatar/uid/" + e.bobID + "?format=jpg&size=20", "jpeg", "image/jpeg", 20, false},
	} {
		for range 2 { // the second from the cache
			status, hd, b := e.do(t, "GET", c.path, nil, "", nil)
			if status != 200 || hd.Get("Content-Type") != c.ctype || hd.Get("ETag") == "" {
				t.Errorf("%s: %d %v", c.path, status, hd)
				continue
			}
			if format, size := decodeServed(t, b); format != c.format || size != image.Pt(c.size, c.size) {
				t.Errorf("%s: %s %v", c.path, format, size)
			}
			if c.same != bytes.Equal(b, stored) && strings.HasPrefix(c.path, "/avatar/alice") {
				t.Errorf("%s: stored bytes served %v, want %v", c.path, !c.same, c.same)
			}
		}
	}
}

// TestAvatarFormatsWithoutService: the HTTP face without an avatar service still
// draws raster placeholders.
func TestAvatarFormatsWithoutService(t *testing.T) {
	t.Parallel()
	h := web.New(web.Config{}).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/avatar/bob?format=png&size=48", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	checkInitials(t, "no service", rec.Body.Bytes(), "bob", "png", 48)
}
