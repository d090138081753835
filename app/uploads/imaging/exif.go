package imaging

import (
	"bytes"
	"encoding/binary"
)

// metadata is what the header scanners find.
type metadata struct {
	orientation    int
	exif, gps, xmp bool
}

// EXIF tags this package reads.
const (
	tagOrientation = 0x0112
	tagGPSIFD      = 0x8825
)

// Identifiers at the start of JPEG APP1 payloads.
const (
	exifHeader   = "Exif\x00\x00"
	xmpHeader    = "http://ns.adobe.com/xap/1.0/\x00"
	xmpExtHeader = "http://ns.adobe.com/xmp/extension/\x00"
)

// parseTIFF reads IFD0 of a TIFF-structured EXIF block (from the byte-order mark on) and
// returns the orientation (0 when absent) and whether a GPS IFD pointer is present. Every
// offset is checked against the block; a malformed block yields what could be read.
func parseTIFF(b []byte) (orientation int, gps bool) {
	if len(b) < 8 {
		return 0, false
	}
	var bo binary.ByteOrder
	switch string(b[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0, false
	}
	off := uint64(bo.Uint32(b[4:8]))
	if off+2 > uint64(len(b)) {
		return 0, false
	}
	count := uint64(bo.Uint16(b[off:]))
	for i := range count {
		e := off + 2 + i*12
		if e+12 > uint64(len(b)) {
			break
		}
		entry := b[e : e+12]
		switch bo.Uint16(entry) {
		case tagOrientation:
			// SHORT (type 3), count 1: the value sits in the first two bytes of the field.
			if bo.Uint16(entry[2:]) == 3 && bo.Uint32(entry[4:]) >= 1 {
				orientation = int(bo.Uint16(entry[8:]))
			}
		case tagGPSIFD:
			gps = true
		}
	}
	return orientation, gps
}

// minimalEXIF is a JPEG APP1 payload carrying only the orientation tag: what
// StripMetadata keeps when the orientation is not 1.
func minimalEXIF(orientation int) []byte {
	b := make([]byte, 0, 32)
	b = append(b, exifHeader...)
	b = append(b, "MM\x00*"...)
	b = binary.BigEndian.AppendUint32(b, 8)                   // IFD0 offset
	b = binary.BigEndian.AppendUint16(b, 1)                   // one entry
	b = binary.BigEndian.AppendUint16(b, tagOrientation)      // tag
	b = binary.BigEndian.AppendUint16(b, 3)                   // SHORT
	b = binary.BigEndian.AppendUint32(b, 1)                   // count
	b = binary.BigEndian.AppendUint16(b, uint16(orientation)) // value
	b = append(b, 0, 0)                                       // padding
	b = binary.BigEndian.AppendUint32(b, 0)                   // no next IFD
	return b
}

// xmpMentionsGPS reports whether an XMP packet carries GPS coordinates.
func xmpMentionsGPS(packet []byte) bool {
	return bytes.Contains(packet, []byte("GPSLatitude")) || bytes.Contains(packet, []byte("GPSLongitude"))
}
