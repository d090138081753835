package imaging

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

const pngSignature = "\x89PNG\r\n\x1a\n"

// maxPNGChunk is the largest chunk length the PNG specification allows.
const maxPNGChunk = 1<<31 - 1

// peekLimit is how much of a metadata chunk the scanners look at.
const peekLimit = 1 << 20

// pngMetadataChunks are the chunks StripMetadata removes: EXIF and the text chunks, which
// carry XMP (iTXt "XML:com.adobe.xmp"), comments and sometimes locations.
var pngMetadataChunks = map[string]bool{"eXIf": true, "tEXt": true, "iTXt": true, "zTXt": true}

// readPNGChunkHeader reads a chunk's length and type.
func readPNGChunkHeader(r io.Reader) (length int64, typ string, err error) {
	var h [8]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, "", err
	}
	n := binary.BigEndian.Uint32(h[:4])
	if n > maxPNGChunk {
		return 0, "", fmt.Errorf("%w: chunk length %d", ErrCorrupt, n)
	}
	return int64(n), string(h[4:8]), nil
}

// scanPNG reads the chunks up to the first IDAT and collects the metadata.
func scanPNG(r io.Reader) (metadata, error) {
	br := bufio.NewReader(r)
	var m metadata
	if _, err := br.Discard(len(pngSignature)); err != nil {
		return m, err
	}
	for {
		n, typ, err := readPNGChunkHeader(br)
		if err != nil {
			return m, err
		}
		if typ == "IDAT" || typ == "IEND" {
			return m, nil
		}
		if typ != "eXIf" && typ != "iTXt" {
			if _, err := io.CopyN(io.Discard, br, n+4); err != nil {
				return m, err
			}
			continue
		}
		data := make([]byte, min(n, peekLimit))
		if _, err := io.ReadFull(br, data); err != nil {
			return m, err
		}
		if _, err := io.CopyN(io.Discard, br, n-int64(len(data))+4); err != nil {
			return m, err
		}
		switch typ {
		case "eXIf":
			m.exif = true
			// Some writers keep JPEG's "Exif\0\0" prefix in front of the TIFF data.
			_, gps := parseTIFF(bytes.TrimPrefix(data, []byte(exifHeader)))
			m.gps = m.gps || gps
		case "iTXt":
			if bytes.HasPrefix(data, []byte("XML:com.adobe.xmp\x00")) {
				m.xmp = true
				m.gps = m.gps || xmpMentionsGPS(data)
			}
		}
	}
}

// stripPNG copies a PNG from r to w without its eXIf and text chunks, and without any
// bytes after IEND. Kept chunks are copied with their CRC unchanged.
func stripPNG(r *bufio.Reader, w io.Writer) (changed bool, err error) {
	var sig [8]byte
	if _, err := io.ReadFull(r, sig[:]); err != nil {
		return false, err
	}
	if _, err := w.Write(sig[:]); err != nil {
		return false, err
	}
	for {
		n, typ, err := readPNGChunkHeader(r)
		if err != nil {
			return changed, err
		}
		if pngMetadataChunks[typ] {
			changed = true
			if _, err := io.CopyN(io.Discard, r, n+4); err != nil {
				return changed, err
			}
			continue
		}
		var h [8]byte
		binary.BigEndian.PutUint32(h[:4], uint32(n))
		copy(h[4:], typ)
		if _, err := w.Write(h[:]); err != nil {
			return changed, err
		}
		if _, err := io.CopyN(w, r, n+4); err != nil {
			return changed, err
		}
		if typ == "IEND" {
			if _, err := r.Peek(1); err == nil {
				changed = true // trailing bytes after IEND are dropped
			}
			return changed, nil
		}
	}
}

// scanWebP reads the VP8X flags of an extended WebP file. The EXIF chunk normally follows
// the image data, so it is not parsed: HasGPS is reported whenever EXIF is present.
func scanWebP(r io.Reader) (metadata, error) {
	var h [30]byte
	var m metadata
	n, err := io.ReadFull(r, h[:])
	if n < 16 || string(h[12:16]) != "VP8X" {
		if n < 16 && err != nil {
			return m, err
		}
		return m, nil
	}
	if n < 21 {
		return m, err
	}
	flags := h[20]
	m.exif = flags&0x08 != 0
	m.xmp = flags&0x04 != 0
	m.gps = m.exif
	return m, nil
}
