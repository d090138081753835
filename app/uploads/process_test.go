package uploads_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/uploads"
	"github.com/outpostchat/outpost/app/uploads/imaging"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// TestSettingsRegistered: the image settings exist with Rocket.Chat's defaults.
func TestSettingsRegistered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := e.a.Settings
	if !s.Bool("Message_Attachments_Strip_Exif") || !s.Bool("FileUpload_RotateImages") || !s.Bool("Message_Attachments_Thumbnails_Enabled") ||
		s.Int("Message_Attachments_Thumbnails_Width") != 480 || s.Int("Message_Attachments_Thumbnails_Height") != 360 {
		t.Error("image settings missing or not Rocket.Chat's defaults")
	}
}

// TestStripMetadata: a stored JPEG, PNG or WebP loses its EXIF, GPS, XMP and text metadata
// under Message_Attachments_Strip_Exif, losslessly, and the upload's size and etag
// follow; with the setting off the bytes are kept.
func TestStripMetadata(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pic := quadrants(64, 48)
	jpg := withEXIF(jpegOf(t, pic), 1, true)
	pngData := withText(pngOf(t, pic), "secret place")
	for _, c := range []struct {
		name string
		data []byte
	}{{"photo.jpg", jpg}, {"shot.png", pngData}, {"pic.webp", webpWithMetadata(t)}} {
		u, m := e.post(t, c.name, c.data)
		got, doc := e.blob(t, u.ID)
		info, err := imaging.Identify(bytes.NewReader(got))
		if err != nil {
			t.Fatalf("%s: stored image unreadable: %v", c.name, err)
		}
		if info.HasEXIF || info.HasGPS || info.HasXMP || bytes.Contains(got, []byte("secret place")) || bytes.Contains(got, []byte("GPSLatitude")) {
			t.Errorf("%s: metadata left: %+v", c.name, info)
		}
		if doc.Size != int64(len(got)) || doc.Size >= int64(len(c.data)) || doc.Etag == u.Etag {
			t.Errorf("%s: document size %d etag %q; stored %d bytes, uploaded %d, old etag %q", c.name, doc.Size, doc.Etag, len(got), len(c.data), u.Etag)
		}
		if m.File.Size != doc.Size || m.Attachments[0]["image_size"] != doc.Size {
			t.Errorf("%s: message sizes %d %v, want %d", c.name, m.File.Size, m.Attachments[0]["image_size"], doc.Size)
		}
		// Lossless: the pixels are those uploaded.
		before, _, _ := image.Decode(bytes.NewReader(c.data))
		after, _, err := image.Decode(bytes.NewReader(got))
		if err != nil || !samePixels(before, after) {
			t.Errorf("%s: pixels changed (%v)", c.name, err)
		}
	}

	wiretest.Set(t, e.a, "Message_Attachments_Strip_Exif", false)
	u, _ := e.post(t, "kept.jpg", jpg)
	if got, _ := e.blob(t, u.ID); !bytes.Equal(got, jpg) {
		t.Error("with Message_Attachments_Strip_Exif off the stored bytes changed")
	}
}

func samePixels(a, b image.Image) bool {
	if a == nil || b == nil || a.Bounds() != b.Bounds() {
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

// TestRotate: a JPEG stored turned (EXIF orientation 6) is stored upright, with no
// metadata, under FileUpload_RotateImages; without it the file keeps only its
// orientation. Either way the message shows the displayed size.
func TestRotate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	upright := quadrants(64, 32)
	stored := withEXIF(jpegOf(t, imaging.Orient(upright, 8)), 6, true) // 32 × 64, to be turned clockwise
	u, m := e.post(t, "turned.jpg", stored)
	got, doc := e.blob(t, u.ID)
	info, err := imaging.Identify(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	if info.Orientation != 1 || info.HasEXIF || info.HasGPS || info.HasXMP || info.Width != 64 || info.Height != 32 {
		t.Errorf("stored %+v, want upright 64×32 without metadata", info)
	}
	img, err := jpeg.Decode(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	if c, want := corners(img), [4]color.RGBA{red, green, blue, white}; !nearAll(c, want) {
		t.Errorf("stored picture corners %v, want %v", c, want)
	}
	if doc.Size != int64(len(got)) || doc.Identify == nil || *doc.Identify.Size != (uploads.Dimension{Width: 64, Height: 32}) {
		t.Errorf("document %+v", doc)
	}
	if dims := m.Attachments[0]["image_dimensions"]; dims == nil || dims.(map[string]any)["width"] != 64 {
		t.Errorf("image_dimensions %v", dims)
	}

	wiretest.Set(t, e.a, "FileUpload_RotateImages", false)
	u, m = e.post(t, "kept.jpg", stored)
	got, _ = e.blob(t, u.ID)
	info, err = imaging.Identify(bytes.NewReader(got))
	if err != nil || info.Orientation != 6 || info.HasGPS || info.HasXMP {
		t.Errorf("without rotation: %+v %v, want orientation 6 kept, GPS gone", info, err)
	}
	if dims := m.Attachments[0]["image_dimensions"].(map[string]any); dims["width"] != 64 || dims["height"] != 32 {
		t.Errorf("without rotation image_dimensions %v, want the displayed 64×32", dims)
	}
}

func nearAll(got, want [4]color.RGBA) bool {
	for i := range got {
		if !near(got[i], want[i]) {
			return false
		}
	}
	return true
}

// TestThumbnail: an image not smaller than 480 × 360 in both directions gets a
// thumbnail upload (typeGroup thumb, thumb-<name>, originalFileId) that the
// attachment shows, and files lists both; members may fetch it; deleting the message
// removes both documents and blobs.
func TestThumbnail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	data := jpegOf(t, quadrants(1000, 800))
	u, m := e.post(t, "big.jpg", data)
	if len(m.Files) != 2 || m.Files[0].ID != u.ID || m.File.ID != u.ID {
		t.Fatalf("files %+v", m.Files)
	}
	th := m.Files[1]
	if th.Name != "thumb-big.jpg" || th.Type != "image/jpeg" || th.TypeGroup != "thumb" || th.Format != "jpeg" || th.Size == 0 {
		t.Errorf("thumbnail file %+v", th)
	}
	a := m.Attachments[0]
	want := map[string]any{"image_url": "/file-upload/" + th.ID + "/big.jpg", "image_type": "image/jpeg", "image_size": int64(len(data)),
		"title_link": u.Path, "image_dimensions": map[string]any{"width": 450, "height": 360}}
	for k, v := range want {
		if !equalJSON(a[k], v) {
			t.Errorf("attachment %s = %v, want %v", k, a[k], v)
		}
	}
	if p, _ := a["image_preview"].(string); p == "" {
		t.Error("no image_preview")
	}
	// bob, a member, fetches the thumbnail; carl may not.
	d, err := e.a.Uploads.Open(e.ctx, e.bob, th.ID)
	if err != nil {
		t.Fatalf("bob opens the thumbnail: %v", err)
	}
	img, err := jpeg.Decode(d.Blob)
	d.Blob.Close()
	if err != nil || img.Bounds().Dx() != 450 || img.Bounds().Dy() != 360 {
		t.Errorf("thumbnail blob: %v %v", img.Bounds(), err)
	}
	if c := corners(img); !nearAll(c, [4]color.RGBA{red, green, blue, white}) {
		t.Errorf("thumbnail corners %v", c)
	}
	if d.Upload.TypeGroup != "thumb" || d.Upload.OriginalFileID != u.ID || d.Upload.RID != e.team || d.Upload.UserID != e.alice.UserID ||
		d.Upload.ExpiresAt != nil || d.Upload.Identify == nil || d.Upload.Identify.Size.Width != 450 {
		t.Errorf("thumbnail document %+v", d.Upload)
	}
	if _, err := e.a.Uploads.Open(e.ctx, e.carl, th.ID); err == nil {
		t.Error("carl, not a member, opened the thumbnail")
	}
	if n := e.blobCount(t); n != 2 {
		t.Errorf("%d blobs, want the image and its thumbnail", n)
	}
	if _, err := e.a.Messaging.Delete(e.ctx, e.alice, messaging.DeleteInput{ID: m.ID, RID: e.team}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{u.ID, th.ID} {
		if _, err := e.a.Uploads.Open(e.ctx, e.alice, id); err == nil {
			t.Errorf("%s still served after its message was deleted", id)
		}
	}
	if n := e.blobCount(t); n != 0 {
		t.Errorf("%d blobs left after the message was deleted", n)
	}
}

// TestThumbnailCases: which images get a thumbnail, of what size and type.
func TestThumbnailCases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	transparent := image.NewNRGBA(image.Rect(0, 0, 600, 600))
	for _, c := range []struct {
		name      string
		data      []byte
		thumbType string
		w, h      int
	}{
		{"small.jpg", jpegOf(t, quadrants(479, 359)), "", 0, 0},
		{"wide.jpg", jpegOf(t, quadrants(480, 100)), "image/jpeg", 480, 100}, // as wide as the box: Rocket.Chat thumbnails it
		{"tall.png", pngOf(t, quadrants(100, 720)), "image/png", 50, 360},
		{"clear.png", pngOf(t, transparent), "image/png", 360, 360},
	} {
		_, m := e.post(t, c.name, c.data)
		if c.thumbType == "" {
			if len(m.Files) != 1 || m.Attachments[0]["image_url"] != m.Attachments[0]["title_link"] {
				t.Errorf("%s: thumbnail made: %+v", c.name, m.Files)
			}
			continue
		}
		if len(m.Files) != 2 || m.Files[1].Type != c.thumbType {
			t.Errorf("%s: files %+v, want a %s thumbnail", c.name, m.Files, c.thumbType)
			continue
		}
		if d := m.Attachments[0]["image_dimensions"]; !equalJSON(d, map[string]any{"width": c.w, "height": c.h}) {
			t.Errorf("%s: image_dimensions %v, want %d×%d", c.name, d, c.w, c.h)
		}
	}
	wiretest.Set(t, e.a, "Message_Attachments_Thumbnails_Enabled", false)
	if _, m := e.post(t, "off.jpg", jpegOf(t, quadrants(1000, 800))); len(m.Files) != 1 || m.Attachments[0]["image_preview"] == nil {
		t.Errorf("thumbnails off: files %+v, preview %v", m.Files, m.Attachments[0]["image_preview"] != nil)
	}
	wiretest.Set(t, e.a, "Message_Attachments_Thumbnails_Enabled", true)
	wiretest.Set(t, e.a, "Message_Attachments_Thumbnails_Width", 0)
	if _, m := e.post(t, "zero.jpg", jpegOf(t, quadrants(1000, 800))); len(m.Files) != 1 {
		t.Errorf("a zero-wide box made a thumbnail: %+v", m.Files)
	}
}

// TestUnreadableImages: a corrupt image is posted as a plain file; an image whose
// header announces more pixels than may be decoded keeps its size from the header and
// gets neither thumbnail nor preview; neither fails the upload.
func TestUnreadableImages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	corrupt := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("not a png "), 100)...)
	u, m := e.post(t, "broken.png", corrupt)
	a := m.Attachments[0]
	if u.Type != "image/png" || a["image_url"] != nil || a["format"] != "png" || a["size"] != int64(len(corrupt)) || len(m.Files) != 1 {
		t.Errorf("corrupt image: type %s, attachment %v, files %+v", u.Type, a, m.Files)
	}
	if got, _ := e.blob(t, u.ID); !bytes.Equal(got, corrupt) {
		t.Error("corrupt image changed")
	}

	huge := hugePNG(50000, 50000)
	u, m = e.post(t, "bomb.png", huge)
	a = m.Attachments[0]
	if a["image_url"] != u.Path || a["image_preview"] != nil || len(m.Files) != 1 ||
		!equalJSON(a["image_dimensions"], map[string]any{"width": 50000, "height": 50000}) {
		t.Errorf("huge image: attachment %v, files %+v", a, m.Files)
	}
	// A photo too large to decode is not turned: its metadata goes, its orientation
	// stays, and the message shows its size as displayed.
	bigPhoto := withEXIF(withSize(t, jpegOf(t, quadrants(16, 16)), 9000, 6000), 6, true)
	u, m = e.post(t, "panorama.jpg", bigPhoto)
	got, _ := e.blob(t, u.ID)
	info, err := imaging.Decoder{MaxPixels: math.MaxInt}.Identify(bytes.NewReader(got))
	if err != nil || info.Orientation != 6 || info.HasGPS || info.HasXMP || info.Width != 9000 {
		t.Errorf("huge photo stored as %+v (%v), want orientation 6 kept and GPS gone", info, err)
	}
	a = m.Attachments[0]
	if len(m.Files) != 1 || a["image_preview"] != nil || !equalJSON(a["image_dimensions"], map[string]any{"width": 6000, "height": 9000}) {
		t.Errorf("huge photo: attachment %v, files %+v", a, m.Files)
	}
	if n := e.blobCount(t); n != 3 {
		t.Errorf("%d blobs, want the three uploads only", n)
	}
}

// withSize rewrites the size in a baseline JPEG's frame header (SOF0), so the header
// announces w × h pixels whatever the data holds.
func withSize(t *testing.T, jpg []byte, w, h int) []byte {
	t.Helper()
	i := bytes.Index(jpg, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0")
	}
	out := append([]byte{}, jpg...)
	out[i+5], out[i+6], out[i+7], out[i+8] = byte(h>>8), byte(h), byte(w>>8), byte(w)
	return out
}

// TestConfirmRace: of two confirmations of one upload, one posts the message and
// keeps its thumbnail; the other is invalid-file and leaves no thumbnail behind.
func TestConfirmRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.receive(t, "race.jpg", jpegOf(t, quadrants(800, 600)))
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = e.a.Uploads.Confirm(e.ctx, e.alice, uploads.ConfirmInput{RID: e.team, FileID: u.ID})
		}()
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			if e := model.AsError(err); e == nil || e.Code != "invalid-file" {
				t.Errorf("losing confirmation: %v", err)
			}
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("%d confirmations failed, want 1: %v", failed, errs)
	}
	if n := e.blobCount(t); n != 2 {
		t.Errorf("%d blobs, want the image and one thumbnail", n)
	}
	// A confirmed upload is confirmed once.
	if _, err := e.a.Uploads.Confirm(e.ctx, e.alice, uploads.ConfirmInput{RID: e.team, FileID: u.ID}); err == nil {
		t.Error("confirmed twice")
	}
}

// TestRefusedMessageLeavesNoThumbnail: when the message is refused (its thread does
// not exist), the thumbnail made for it is removed and the upload stays unconfirmed.
func TestRefusedMessageLeavesNoThumbnail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	u := e.receive(t, "lost.jpg", jpegOf(t, quadrants(800, 600)))
	if _, err := e.a.Uploads.Confirm(e.ctx, e.alice, uploads.ConfirmInput{RID: e.team, FileID: u.ID, TMID: "nosuchthread00000"}); err == nil {
		t.Fatal("confirmed into a missing thread")
	}
	if n := e.blobCount(t); n != 1 {
		t.Errorf("%d blobs, want only the upload", n)
	}
	if _, err := e.a.Uploads.Confirm(e.ctx, e.alice, uploads.ConfirmInput{RID: e.team, FileID: u.ID}); err != nil {
		t.Errorf("confirming again without the thread: %v", err)
	}
}

// equalJSON compares values as their JSON.
func equalJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

// webpWithMetadata is imaging's lossy test picture as an extended WebP carrying EXIF
// and XMP chunks that name a place.
func webpWithMetadata(t *testing.T) []byte {
	t.Helper()
	plain, err := os.ReadFile("imaging/testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	info, err := imaging.Identify(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	chunk := func(fourCC string, data []byte) []byte {
		c := binary.LittleEndian.AppendUint32([]byte(fourCC), uint32(len(data)))
		c = append(c, data...)
		if len(data)%2 == 1 {
			c = append(c, 0)
		}
		return c
	}
	w, h := info.Width-1, info.Height-1
	body := []byte("WEBP")
	body = append(body, chunk("VP8X", []byte{0x08 | 0x04, 0, 0, 0, byte(w), byte(w >> 8), byte(w >> 16), byte(h), byte(h >> 8), byte(h >> 16)})...)
	body = append(body, plain[12:]...)
	body = append(body, chunk("EXIF", []byte("Exif\x00\x00secret place"))...)
	body = append(body, chunk("XMP ", []byte("<x:xmpmeta>GPSLatitude</x:xmpmeta>"))...)
	return append(binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(len(body))), body...)
}
