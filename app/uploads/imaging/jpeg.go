package imaging

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// JPEG markers this package handles.
const (
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerAPP1 = 0xE1
	markerAPPD = 0xED // APP13: Photoshop resources, where IPTC (with place names) lives
)

// jpegSegment is one marker segment before the scan: its marker and payload (without the
// two length bytes). Payload is nil for segments the reader was told to skip.
type jpegSegment struct {
	marker  byte
	length  int // payload length
	payload []byte
}

// jpegReader walks the marker segments of a JPEG file up to its first scan.
type jpegReader struct {
	r      *bufio.Reader
	filled bool // fill bytes (extra 0xFF) were skipped
}

// start checks the SOI marker.
func (j *jpegReader) start() error {
	var soi [2]byte
	if _, err := io.ReadFull(j.r, soi[:]); err != nil {
		return err
	}
	if soi[0] != 0xFF || soi[1] != markerSOI {
		return ErrFormat
	}
	return nil
}

// next reads the next segment's marker and length. Fill bytes (0xFF runs) are skipped;
// markers without a payload (RSTn, TEM) are returned with length 0.
func (j *jpegReader) next() (marker byte, length int, err error) {
	b, err := j.r.ReadByte()
	if err != nil {
		return 0, 0, err
	}
	if b != 0xFF {
		return 0, 0, fmt.Errorf("%w: expected a marker, found %#x", ErrCorrupt, b)
	}
	for i := 0; b == 0xFF; i++ {
		if b, err = j.r.ReadByte(); err != nil {
			return 0, 0, err
		}
		j.filled = j.filled || i > 0
	}
	marker = b
	switch {
	case marker == 0x00:
		return 0, 0, fmt.Errorf("%w: stuffed byte outside a scan", ErrCorrupt)
	case marker == markerSOI || marker == markerEOI:
		return 0, 0, fmt.Errorf("%w: unexpected marker %#x before the scan", ErrCorrupt, marker)
	case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
		return marker, 0, nil
	}
	var lb [2]byte
	if _, err := io.ReadFull(j.r, lb[:]); err != nil {
		return 0, 0, err
	}
	n := int(lb[0])<<8 | int(lb[1])
	if n < 2 {
		return 0, 0, fmt.Errorf("%w: segment %#x has length %d", ErrCorrupt, marker, n)
	}
	return marker, n - 2, nil
}

// wantsPayload reports whether a segment's payload must be read to judge it: APP1 (EXIF,
// XMP) and APP13 (Photoshop/IPTC).
func wantsPayload(marker byte) bool { return marker == markerAPP1 || marker == markerAPPD }

// scanJPEG reads the segments up to the first scan and collects the metadata.
func scanJPEG(r io.Reader) (metadata, error) {
	j := &jpegReader{r: bufio.NewReader(r)}
	if err := j.start(); err != nil {
		return metadata{}, err
	}
	var m metadata
	for {
		marker, n, err := j.next()
		if err != nil {
			return m, err
		}
		if marker == markerSOS {
			return m, nil
		}
		if marker != markerAPP1 {
			if _, err := j.r.Discard(n); err != nil {
				return m, err
			}
			continue
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(j.r, payload); err != nil {
			return m, err
		}
		switch {
		case bytes.HasPrefix(payload, []byte(exifHeader)):
			o, gps := parseTIFF(payload[len(exifHeader):])
			if !m.exif {
				m.orientation = o
			}
			m.exif = true
			m.gps = m.gps || gps
		case bytes.HasPrefix(payload, []byte(xmpHeader)), bytes.HasPrefix(payload, []byte(xmpExtHeader)):
			m.xmp = true
			m.gps = m.gps || xmpMentionsGPS(payload)
		}
	}
}

// stripJPEG copies a JPEG from r to w without its EXIF, XMP and Photoshop (IPTC)
// segments. When the first EXIF block has an orientation other than 1, a minimal EXIF
// block with only that orientation takes its place, so viewers still turn the image
// upright. Everything from the first scan on is copied byte for byte.
func stripJPEG(r *bufio.Reader, w io.Writer) (changed bool, err error) {
	j := &jpegReader{r: r}
	if err := j.start(); err != nil {
		return false, err
	}
	if _, err := w.Write([]byte{0xFF, markerSOI}); err != nil {
		return false, err
	}
	seenEXIF := false
	for {
		marker, n, err := j.next()
		if err != nil {
			return changed, err
		}
		changed = changed || j.filled // fill bytes are not copied
		if marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) {
			if _, err := w.Write([]byte{0xFF, marker}); err != nil {
				return changed, err
			}
			continue
		}
		if !wantsPayload(marker) {
			if err := writeSegmentHeader(w, marker, n); err != nil {
				return changed, err
			}
			if _, err := io.CopyN(w, j.r, int64(n)); err != nil {
				return changed, err
			}
			if marker == markerSOS {
				_, err := io.Copy(w, j.r)
				return changed, err
			}
			continue
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(j.r, payload); err != nil {
			return changed, err
		}
		keep := payload
		switch {
		case marker == markerAPPD:
			keep = nil
		case bytes.HasPrefix(payload, []byte(exifHeader)):
			keep = nil
			if !seenEXIF {
				if o, _ := parseTIFF(payload[len(exifHeader):]); o >= 2 && o <= 8 {
					keep = minimalEXIF(o)
				}
			}
			seenEXIF = true
		case bytes.HasPrefix(payload, []byte(xmpHeader)), bytes.HasPrefix(payload, []byte(xmpExtHeader)):
			keep = nil
		}
		if !bytes.Equal(keep, payload) {
			changed = true
		}
		if keep == nil {
			continue
		}
		if err := writeSegmentHeader(w, marker, len(keep)); err != nil {
			return changed, err
		}
		if _, err := w.Write(keep); err != nil {
			return changed, err
		}
	}
}

func writeSegmentHeader(w io.Writer, marker byte, payloadLen int) error {
	n := payloadLen + 2
	_, err := w.Write([]byte{0xFF, marker, byte(n >> 8), byte(n)})
	return err
}
