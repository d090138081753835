package uploads

import (
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameLen bounds a file name in bytes, as most file systems do.
const maxNameLen = 255

// octetStream is the type of bytes nobody could name.
const octetStream = "application/octet-stream"

// CleanName makes a client's file name safe to store and show: only its last path
// element (either slash), without control or format characters, at most 255 bytes,
// and never empty, "." or "..". The name never reaches the file system (blobs are
// named by upload id); this keeps it from misleading readers and downloaders.
func CleanName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > maxNameLen {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || strings.Trim(name, ".") == "" {
		return "file"
	}
	return name
}

// extension is the part of name after its last dot, lowercased, "" if none
// (Rocket.Chat's getFileExtension).
func extension(name string) string {
	ext := path.Ext(name)
	if ext == "" || ext == name {
		return ""
	}
	return strings.ToLower(ext[1:])
}

// baseType is a media type without parameters, lowercased; "" if it does not parse.
func baseType(t string) string {
	mt, _, err := mime.ParseMediaType(t)
	if err != nil || !strings.Contains(mt, "/") {
		return ""
	}
	return mt
}

// typeGroup is the top-level part of a media type ("image" of "image/png").
func typeGroup(t string) string {
	g, _, _ := strings.Cut(t, "/")
	return g
}

// sniffable are the types net/http.DetectContentType recognizes from bytes: a
// client may not claim one of them for bytes the sniffer did not recognize as such.
var sniffable = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "image/bmp": true,
	"image/x-icon": true, "image/vnd.microsoft.icon": true, "text/html": true, "application/pdf": true,
	"application/zip": true, "application/x-gzip": true, "application/gzip": true, "application/x-rar-compressed": true,
	"application/postscript": true, "application/wasm": true, "video/webm": true, "video/avi": true,
	"audio/wave": true, "audio/wav": true, "audio/mpeg": true, "audio/aiff": true, "audio/midi": true,
	"application/ogg": true, "font/woff": true, "font/woff2": true, "font/ttf": true, "font/otf": true,
}

// mp4Audio are the audio types clients give to MP4 files holding sound only (voice
// messages), which the sniffer calls video/mp4.
var mp4Audio = map[string]bool{"audio/mp4": true, "audio/m4a": true, "audio/x-m4a": true, "audio/aac": true}

// textual are types a client may give to bytes the sniffer calls plain text.
var textual = map[string]bool{
	"application/json": true, "application/xml": true, "image/svg+xml": true, "application/javascript": true,
	"application/x-yaml": true, "application/yaml": true, "application/x-sh": true, "application/sql": true,
}

// ResolveType decides an upload's content type from what the bytes show (sniffed, the
// result of net/http.DetectContentType on the first 512 bytes) and what the client
// said (claimed), trusting the client only where the bytes cannot tell:
//
//   - a specific sniffed type wins (HTML is HTML whatever the client says), except
//     that an MP4 container the client calls audio (a voice message) stays audio, and
//     an Ogg file keeps the client's audio/ogg or video/ogg;
//   - bytes sniffed as plain text keep a claimed text/* or other textual type (JSON,
//     SVG, …), else they are text/plain;
//   - unknown bytes keep the claimed type unless the sniffer would have recognized it
//     (a "PNG" that is not one is application/octet-stream).
func ResolveType(sniffed, claimed string) string {
	s, c := baseType(sniffed), baseType(claimed)
	switch {
	case s == "" || s == octetStream:
		if c == "" || sniffable[c] {
			return octetStream
		}
		return c
	case s == "text/plain":
		if c != "" && (strings.HasPrefix(c, "text/") && c != "text/html" || textual[c]) {
			return c
		}
		return "text/plain"
	case s == "video/mp4" && mp4Audio[c]:
		return c
	case s == "application/ogg" && (c == "audio/ogg" || c == "video/ogg" || c == "audio/opus"):
		return c
	}
	return s
}

// typeAllowed is Rocket.Chat's fileUploadIsValidContentType: a type on
// FileUpload_MediaTypeBlackList (comma-separated, "image/*" wildcards allowed) is
// refused; with a non-empty FileUpload_MediaTypeWhiteList only the listed types pass.
func typeAllowed(t, whiteList, blackList string) bool {
	if listHas(blackList, t) {
		return false
	}
	if strings.TrimSpace(whiteList) == "" {
		return true
	}
	return listHas(whiteList, t)
}

// listHas reports whether the comma-separated list names t or its "group/*".
func listHas(list, t string) bool {
	wild := typeGroup(t) + "/*"
	for _, item := range strings.Split(list, ",") {
		item = strings.ToLower(strings.TrimSpace(item))
		if item != "" && (item == t || item == wild) {
			return true
		}
	}
	return false
}

// Inline reports whether a file of type t may be shown inline in a browser: images
// (but not SVG, which runs scripts), audio, video, plain text and PDF. Everything
// else, HTML, SVG, XML and scripts above all, is always served as an attachment.
func Inline(t string) bool {
	t = baseType(t)
	switch {
	case t == "image/svg+xml":
		return false
	case strings.HasPrefix(t, "image/"), strings.HasPrefix(t, "audio/"), strings.HasPrefix(t, "video/"):
		return true
	}
	return t == "text/plain" || t == "application/pdf"
}
