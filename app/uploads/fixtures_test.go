package uploads_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/app/rooms"
	"github.com/outpostchat/outpost/app/uploads"
	"github.com/outpostchat/outpost/cmd/outpost/wire"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// env is a wired App with alice and bob in alice's private group "team" and carl
// outside it.
type env struct {
	a                *wire.App
	alice, bob, carl model.Actor
	team             string
	ctx              context.Context
}

func newEnv(t *testing.T) *env {
	t.Helper()
	a := wiretest.Open(t)
	e := &env{a: a, ctx: context.Background(), alice: wiretest.Actor(t, a, "alice"), bob: wiretest.Actor(t, a, "bob"),
		carl: wiretest.Actor(t, a, "carl")}
	room, err := a.Rooms.Create(e.ctx, e.alice, rooms.NewRoom{Type: model.RoomPrivate, Name: "team", Members: []string{"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	e.team = room.ID
	return e
}

// receive stores data as alice's upload to the team, as rooms.media does.
func (e *env) receive(t *testing.T, name string, data []byte) uploads.Upload {
	t.Helper()
	u, err := e.a.Uploads.Receive(e.ctx, e.alice, uploads.ReceiveInput{RID: e.team, Name: name,
		Sniffed: http.DetectContentType(data), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("receive %s: %v", name, err)
	}
	return u
}

// post receives data and confirms it, returning the message.
func (e *env) post(t *testing.T, name string, data []byte) (uploads.Upload, model.Message) {
	t.Helper()
	u := e.receive(t, name, data)
	m, err := e.a.Uploads.Confirm(e.ctx, e.alice, uploads.ConfirmInput{RID: e.team, FileID: u.ID})
	if err != nil {
		t.Fatalf("confirm %s: %v", name, err)
	}
	return u, m
}

// blob reads the stored bytes and document of an upload, as alice may.
func (e *env) blob(t *testing.T, id string) ([]byte, uploads.Upload) {
	t.Helper()
	d, err := e.a.Uploads.Open(e.ctx, e.alice, id)
	if err != nil {
		t.Fatalf("open %s: %v", id, err)
	}
	defer d.Blob.Close()
	b, err := io.ReadAll(d.Blob)
	if err != nil {
		t.Fatal(err)
	}
	return b, d.Upload
}

// blobCount counts the files under the data dir's blob store.
func (e *env) blobCount(t *testing.T) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(e.a.Store.Dir, "files"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
	blue  = color.RGBA{0, 0, 255, 255}
	white = color.RGBA{255, 255, 255, 255}
)

// quadrants is a w × h picture: red top left, green top right, blue bottom left,
// white bottom right, so any turn moves the colours.
func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := red
			switch {
			case x >= w/2 && y < h/2:
				c = green
			case x < w/2 && y >= h/2:
				c = blue
			case x >= w/2 && y >= h/2:
				c = white
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// corners samples the centres of img's quarters: top left, top right, bottom left,
// bottom right.
func corners(img image.Image) [4]color.RGBA {
	b := img.Bounds()
	at := func(fx, fy int) color.RGBA {
		r, g, bl, a := img.At(b.Min.X+b.Dx()*fx/4, b.Min.Y+b.Dy()*fy/4).RGBA()
		return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), uint8(a >> 8)}
	}
	return [4]color.RGBA{at(1, 1), at(3, 1), at(1, 3), at(3, 3)}
}

// near compares colours with JPEG's tolerance.
func near(a, b color.RGBA) bool {
	d := func(x, y uint8) bool { return int(x)-int(y) < 40 && int(y)-int(x) < 40 }
	return d(a.R, b.R) && d(a.G, b.G) && d(a.B, b.B)
}

func jpegOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pngOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// exifTIFF is big-endian TIFF data with a camera make, an orientation (when above 0)
// and, with gps, a GPS IFD holding GPSLatitudeRef "N".
func exifTIFF(orientation int, gps bool) []byte {
	be := binary.BigEndian
	type entry struct {
		tag, typ     uint16
		count, value uint32
	}
	entries := []entry{{0x010F, 2, 4, be.Uint32([]byte("Cam\x00"))}}
	if orientation > 0 {
		entries = append(entries, entry{0x0112, 3, 1, uint32(orientation) << 16})
	}
	if gps {
		entries = append(entries, entry{0x8825, 4, 1, uint32(8 + 2 + 12*(len(entries)+1) + 4)})
	}
	b := []byte("MM\x00*")
	b = be.AppendUint32(b, 8)
	b = be.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = be.AppendUint16(b, e.tag)
		b = be.AppendUint16(b, e.typ)
		b = be.AppendUint32(b, e.count)
		b = be.AppendUint32(b, e.value)
	}
	b = be.AppendUint32(b, 0)
	if gps {
		b = be.AppendUint16(b, 1)
		b = be.AppendUint16(b, 0x0001) // GPSLatitudeRef
		b = be.AppendUint16(b, 2)
		b = be.AppendUint32(b, 2)
		b = append(b, 'N', 0, 0, 0)
		b = be.AppendUint32(b, 0)
	}
	return b
}

// withEXIF puts an APP1 EXIF segment (and an XMP one naming GPS coordinates) right
// after a JPEG's SOI, as cameras write them.
func withEXIF(jpg []byte, orientation int, gps bool) []byte {
	seg := func(payload []byte) []byte {
		n := len(payload) + 2
		return append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, payload...)
	}
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg(append([]byte("Exif\x00\x00"), exifTIFF(orientation, gps)...))...)
	if gps {
		out = append(out, seg([]byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta exif:GPSLatitude=\"48,51.5N\"/>"))...)
	}
	return append(out, jpg[2:]...)
}

// pngChunk encodes one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

// withText puts a tEXt comment and an eXIf block with GPS after a PNG's IHDR.
func withText(p []byte, comment string) []byte {
	const ihdrEnd = 8 + 8 + 13 + 4
	out := append([]byte{}, p[:ihdrEnd]...)
	out = append(out, pngChunk("tEXt", []byte("Comment\x00"+comment))...)
	out = append(out, pngChunk("eXIf", exifTIFF(0, true))...)
	return append(out, p[ihdrEnd:]...)
}

// hugePNG is a valid PNG header announcing w × h pixels, followed by a few bytes of
// pixel data: a decompression bomb's shape.
func hugePNG(w, h int) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 2, 0, 0, 0)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", []byte{0x78, 0x9c, 0x63, 0x60, 0x00, 0x00})...)
	return append(out, pngChunk("IEND", nil)...)
}
