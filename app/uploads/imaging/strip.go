package imaging

import (
	"bufio"
	"io"
)

// StripMetadata copies the image in r to w without the metadata that can locate or
// identify its author, without re-encoding the pixels, and reports whether anything was
// removed. On success w has received a complete image; on error w may hold part of one
// and must be discarded.
//
//   - JPEG: the APP1 EXIF and XMP segments and the APP13 Photoshop (IPTC) segment are
//     dropped; the entropy-coded data is copied byte for byte. When the EXIF orientation
//     is not 1, a minimal EXIF segment holding only the orientation replaces the original,
//     so the file stays lossless and still displays upright. A caller that wants the
//     pixels physically turned (Rocket.Chat's FileUpload_RotateImages) uses Decode, which
//     applies the orientation, and re-encodes: the re-encoded file has no metadata at all.
//   - PNG: the eXIf, tEXt, iTXt and zTXt chunks and any bytes after IEND are dropped;
//     other chunks, ICC profile included, are kept with their CRCs.
//   - WebP: the EXIF and XMP chunks are dropped and their VP8X flags cleared; the RIFF
//     size follows. The chunk list is read before anything is written, seeking past the
//     image data when r can seek; a WebP from a reader that cannot seek is held in memory,
//     up to 64 MiB (ErrTooLarge past that).
//   - GIF is copied unchanged (changed is false): it has no EXIF.
//
// Data that is not one of the four formats is ErrFormat and nothing is written.
func StripMetadata(r io.Reader, w io.Writer) (changed bool, err error) {
	// A WebP is read twice (webp_strip.go): from where r stands now, when r can seek.
	var seeker io.ReadSeeker
	if rs, ok := r.(io.ReadSeeker); ok {
		if at, err := rs.Seek(0, io.SeekCurrent); err == nil {
			seeker = shifted{rs, at}
		}
	}
	br := bufio.NewReader(r)
	ew := &errWriter{w: w}
	magic, err := br.Peek(12)
	format := sniff(magic)
	if format == "" {
		if err != nil && len(magic) > 0 && partialMagic(magic) {
			return false, ErrTruncated
		}
		return false, ErrFormat
	}
	switch format {
	case FormatJPEG:
		changed, err = stripJPEG(br, ew)
	case FormatPNG:
		changed, err = stripPNG(br, ew)
	case FormatWebP:
		if seeker != nil {
			if _, err = seeker.Seek(0, io.SeekStart); err == nil {
				changed, err = stripWebP(seeker, ew)
			}
		} else {
			changed, err = stripWebP(br, ew)
		}
	default:
		_, err = io.Copy(ew, br)
	}
	if ew.err != nil {
		return changed, ew.err // the destination failed (disk full…): not the image's fault
	}
	return changed, classify(err)
}

// errWriter remembers the first error of the writer it wraps.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
	}
	return n, err
}
