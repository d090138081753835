package web

import (
	"fmt"
	"hash/fnv"
	"html"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// avatarColors is the palette the initials placeholder picks from, by a hash of the name.
var avatarColors = []string{
	"#F44336", "#E91E63", "#9C27B0", "#673AB7", "#3F51B5", "#2196F3", "#03A9F4", "#00BCD4",
	"#009688", "#4CAF50", "#8BC34A", "#CDDC39", "#FFC107", "#FF9800", "#FF5722", "#795548",
	"#9E9E9E", "#607D8B",
}

// avatar serves GET /avatar/{name} (also /avatar/@name): until users can upload
// pictures, an SVG with the name's initial on a colour of its own, as Rocket.Chat shows
// for users without one (PROTOCOL.md §4.3). It needs no sign-in.
func avatar(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.PathValue("name"), "@")
	name = strings.TrimSuffix(name, ".svg")
	if name == "" || len(name) > 256 || !utf8.ValidString(name) {
		http.Error(w, "bad avatar name", http.StatusBadRequest)
		return
	}
	initial, _ := utf8.DecodeRuneInString(name)
	h := fnv.New32a()
	h.Write([]byte(name))
	color := avatarColors[h.Sum32()%uint32(len(avatarColors))]
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200">`+
		`<rect width="100%%" height="100%%" fill="%s"/>`+
		`<text x="50%%" y="50%%" dy="0.35em" text-anchor="middle" fill="#ffffff" font-family="Helvetica, Arial, sans-serif" font-size="100">%s</text></svg>`,
		color, html.EscapeString(string(unicode.ToUpper(initial))))
}
