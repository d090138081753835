package admin

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
)

// The console's stylesheet, script and icon live in web/admin/static, next to the
// templates that use them: go:embed reaches only files at or below the package's
// directory, and nothing else in Outpost serves them.
//
//go:embed static
var staticFS embed.FS

// asset is one embedded file, ready to serve.
type asset struct {
	body, gz    []byte
	etag        string // quoted
	version     string // the ?v= of its URL
	contentType string
}

type staticFiles struct{ files map[string]*asset }

// assets are the embedded files, loaded once.
var assets = loadStatic()

func loadStatic() *staticFiles {
	s := &staticFiles{files: map[string]*asset{}}
	entries, _ := fs.ReadDir(staticFS, "static")
	for _, e := range entries {
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			continue
		}
		sum := sha256.Sum256(body)
		v := hex.EncodeToString(sum[:8])
		a := &asset{body: body, etag: `"` + v + `"`, version: v, contentType: mime.TypeByExtension(path.Ext(e.Name()))}
		if a.contentType == "" {
			a.contentType = "application/octet-stream"
		}
		var gz bytes.Buffer
		w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		_, _ = w.Write(body)
		_ = w.Close()
		if gz.Len() < len(body) {
			a.gz = gz.Bytes()
		}
		s.files[e.Name()] = a
	}
	return s
}

// assetURL is the URL of an embedded file, versioned by its content so that it can be
// cached for good.
func assetURL(name string) string {
	a, ok := assets.files[name]
	if !ok {
		return "/admin/static/" + name
	}
	return "/admin/static/" + name + "?v=" + a.version
}

// serveStatic serves an embedded file with its ETag; a versioned URL is cached for a
// year, an unversioned one revalidated.
func (c *Console) serveStatic(w http.ResponseWriter, r *http.Request) {
	a, ok := c.static.files[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag)
	h.Add("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=0, must-revalidate")
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == a.etag || inm == "W/"+a.etag || inm == "*") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if a.gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		_, _ = w.Write(a.gz)
		return
	}
	_, _ = w.Write(a.body)
}
