package imaging

import (
	"bytes"
	"encoding/binary"
	"io"
)

// WebP metadata. A WebP file is a RIFF container: "RIFF", the size of what follows (32
// bits, little-endian), "WEBP", then chunks of a FourCC, a 32-bit size and the data,
// padded to an even length. An extended file starts with a VP8X chunk whose first byte
// flags the optional chunks; EXIF and XMP come after the image data. Removing them
// changes the RIFF size written at the start, so the chunk list is read first (seeking
// past the data when the source can seek, as a stored blob can) and the file written
// after.
const (
	webpFlagEXIF = 0x08
	webpFlagXMP  = 0x04
	// maxWebPChunks bounds the chunk list (an animation has one chunk per frame).
	maxWebPChunks = 1 << 16
	// maxWebPBuffer bounds what a source that cannot seek may hold in memory.
	maxWebPBuffer = 64 << 20
)

type webpChunk struct {
	fourCC string
	off    int64 // of the chunk header
	size   int64 // of the data, without the padding byte
}

// stripWebP copies the WebP in r to w without its EXIF and XMP chunks, clearing their
// flags in VP8X. A seekable r is at offset 0 and stays usable from there; any other r
// is read into memory, up to maxWebPBuffer.
func stripWebP(r io.Reader, w io.Writer) (bool, error) {
	rs, ok := r.(io.ReadSeeker)
	if !ok {
		data, err := io.ReadAll(io.LimitReader(r, maxWebPBuffer+1))
		if err != nil {
			return false, err
		}
		if len(data) > maxWebPBuffer {
			return false, ErrTooLarge
		}
		rs = bytes.NewReader(data)
	}
	var head [12]byte
	if _, err := io.ReadFull(rs, head[:]); err != nil {
		return false, err
	}
	riffEnd := 8 + int64(binary.LittleEndian.Uint32(head[4:8]))
	if end, err := rs.Seek(0, io.SeekEnd); err != nil {
		return false, err
	} else if end < riffEnd {
		return false, ErrTruncated
	}
	if _, err := rs.Seek(12, io.SeekStart); err != nil {
		return false, err
	}
	var chunks []webpChunk
	drop := int64(0)
	for pos := int64(12); pos < riffEnd; {
		var ch [8]byte
		if _, err := io.ReadFull(rs, ch[:]); err != nil {
			return false, err
		}
		c := webpChunk{fourCC: string(ch[:4]), off: pos, size: int64(binary.LittleEndian.Uint32(ch[4:8]))}
		next := pos + 8 + c.size + c.size&1
		if next > riffEnd || len(chunks) == maxWebPChunks {
			return false, ErrCorrupt
		}
		if c.fourCC == "EXIF" || c.fourCC == "XMP " {
			drop += next - pos
		}
		chunks = append(chunks, c)
		if _, err := rs.Seek(next, io.SeekStart); err != nil {
			return false, err
		}
		pos = next
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	if drop == 0 {
		_, err := io.Copy(w, rs) // as it was, bytes past the RIFF end included
		return false, err
	}
	binary.LittleEndian.PutUint32(head[4:8], uint32(riffEnd-8-drop))
	if _, err := w.Write(head[:]); err != nil {
		return false, err
	}
	for _, c := range chunks {
		if c.fourCC == "EXIF" || c.fourCC == "XMP " {
			continue
		}
		if _, err := rs.Seek(c.off, io.SeekStart); err != nil {
			return false, err
		}
		n := 8 + c.size + c.size&1
		if c.fourCC == "VP8X" && c.size >= 1 {
			buf := make([]byte, n)
			if _, err := io.ReadFull(rs, buf); err != nil {
				return false, err
			}
			buf[8] &^= webpFlagEXIF | webpFlagXMP
			if _, err := w.Write(buf); err != nil {
				return false, err
			}
			continue
		}
		if _, err := io.CopyN(w, rs, n); err != nil {
			return false, err
		}
	}
	return true, nil
}

// shifted is a ReadSeeker whose offset 0 is base in the underlying one.
type shifted struct {
	io.ReadSeeker
	base int64
}

func (s shifted) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart {
		off += s.base
	}
	at, err := s.ReadSeeker.Seek(off, whence)
	return at - s.base, err
}
