package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"testing"
)

func riffChunk(fourCC string, data []byte) []byte {
	c := append([]byte(fourCC), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

func riff(chunks ...[]byte) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// extendedWebP is the lossy testdata picture as an extended WebP (VP8X) with the given
// flags and extra chunks after the image data.
func extendedWebP(t *testing.T, flags byte, extra ...[]byte) []byte {
	t.Helper()
	plain, err := os.ReadFile("testdata/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	info, err := Identify(bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	vp8x := []byte{flags, 0, 0, 0}
	vp8x = append(vp8x, byte(info.Width-1), byte((info.Width-1)>>8), byte((info.Width-1)>>16))
	vp8x = append(vp8x, byte(info.Height-1), byte((info.Height-1)>>8), byte((info.Height-1)>>16))
	chunks := [][]byte{riffChunk("VP8X", vp8x), plain[12:]} // plain's only chunk: VP8
	return riff(append(chunks, extra...)...)
}

// oneByte hides that a reader can seek.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) { return o.r.Read(p[:min(len(p), 1)]) }

// TestStripWebP: EXIF and XMP chunks go, with their VP8X flags and the RIFF size, from
// a reader that seeks and from one that does not; the picture is untouched.
func TestStripWebP(t *testing.T) {
	exif := riffChunk("EXIF", append([]byte("Exif\x00\x00"), exifTIFF(1, true)...))
	xmp := riffChunk("XMP ", []byte(`<x:xmpmeta>GPSLatitude odd</x:xmpmeta>`)) // odd length: padded
	in := extendedWebP(t, webpFlagEXIF|webpFlagXMP, exif, xmp)
	want := extendedWebP(t, 0)
	before, _, err := Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]io.Reader{"seeker": bytes.NewReader(in), "stream": oneByte{bytes.NewReader(in)}} {
		var out bytes.Buffer
		changed, err := StripMetadata(r, &out)
		if err != nil || !changed {
			t.Fatalf("%s: changed=%v err=%v", name, changed, err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("%s: output is not the picture without its metadata (%d bytes, want %d)", name, out.Len(), len(want))
		}
		after, _, err := Decode(bytes.NewReader(out.Bytes()))
		if err != nil || !samePixels(before, after) {
			t.Errorf("%s: the picture changed (%v)", name, err)
		}
	}

	// A seekable source positioned past a prefix is read from where it stands.
	src := bytes.NewReader(append([]byte("prefix"), in...))
	_, _ = src.Seek(6, io.SeekStart)
	var out bytes.Buffer
	if changed, err := StripMetadata(src, &out); err != nil || !changed || !bytes.Equal(out.Bytes(), want) {
		t.Errorf("offset source: changed=%v err=%v", changed, err)
	}

	// Nothing to remove: the bytes as they were, changed false.
	for _, clean := range [][]byte{want, mustRead(t, "testdata/gopher-doc.with-alpha.lossless.webp")} {
		out.Reset()
		if changed, err := StripMetadata(bytes.NewReader(clean), &out); err != nil || changed || !bytes.Equal(out.Bytes(), clean) {
			t.Errorf("clean WebP: changed=%v err=%v", changed, err)
		}
	}

	// A chunk that claims more than the file holds, a file cut short.
	bad := append([]byte(nil), in...)
	binary.LittleEndian.PutUint32(bad[len(want)+4:], 1<<30) // the EXIF chunk's size
	for name, data := range map[string][]byte{"oversized chunk": bad, "truncated": in[:len(in)-20]} {
		if _, err := StripMetadata(bytes.NewReader(data), io.Discard); !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTruncated) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
