package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

func TestMultipartFrame(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"source.bin", `odd "name".bin`, "ünï.bin"} {
		head, tail, ct, err := multipartFrame(name)
		if err != nil {
			t.Fatal(err)
		}
		file := bytes.Repeat([]byte("0123456789\r\n--"), 1000)
		body := slicesConcat(head, file, tail)
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil || mt != "multipart/form-data" {
			t.Fatalf("content type %q: %v", ct, err)
		}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		part, err := mr.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		if part.FormName() != "file" || part.FileName() != name {
			t.Errorf("part %q %q, want file %q", part.FormName(), part.FileName(), name)
		}
		got, err := io.ReadAll(part)
		if err != nil || !bytes.Equal(got, file) {
			t.Errorf("file part: %d bytes, %v; want the %d bytes", len(got), err, len(file))
		}
		if _, err := mr.NextPart(); err != io.EOF {
			t.Errorf("after the file: %v, want io.EOF", err)
		}
	}
}

func slicesConcat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

func TestMakeFileAndCopies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	const size = 3*uploadBufSize + 12345
	sum, err := makeFile(src, size, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(src)
	if err != nil || len(b) != size {
		t.Fatalf("made %d bytes, %v", len(b), err)
	}
	if h := sha256.Sum256(b); hex.EncodeToString(h[:]) != sum {
		t.Error("makeFile's sum is not the file's")
	}
	if bytes.Equal(b[:uploadBufSize], b[uploadBufSize:2*uploadBufSize]) {
		t.Error("the file repeats itself")
	}
	if other, _ := makeFile(filepath.Join(dir, "other"), size, 8); other == sum {
		t.Error("two seeds gave the same file")
	}
	dst := filepath.Join(dir, "dst")
	if _, err := copyFile(src, dst); err != nil {
		t.Fatal(err)
	}
	if got, err := fileSHA256(dst); err != nil || got != sum {
		t.Errorf("copyFile: sum %s, %v", got, err)
	}
	if _, err := execCP(t.Context(), src, filepath.Join(dir, "cp")); err == nil {
		if got, _ := fileSHA256(filepath.Join(dir, "cp")); got != sum {
			t.Error("execCP: the copy differs")
		}
	}
	if _, err := copyFile(filepath.Join(dir, "missing"), dst); err == nil {
		t.Error("copyFile of a missing file: no error")
	}
}

func TestCopyFull(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("abcdefgh"), uploadBufSize/4+3)
	var w countingWriter
	n, err := copyFull(&w, iotest.OneByteReader(bytes.NewReader(data)))
	if err != nil || n != int64(len(data)) || !bytes.Equal(w.buf.Bytes(), data) {
		t.Fatalf("copyFull: %d, %v", n, err)
	}
	if w.writes != 3 { // two full buffers and the rest
		t.Errorf("%d writes, want 3", w.writes)
	}
	if _, err := copyFull(&w, iotest.ErrReader(io.ErrClosedPipe)); err != io.ErrClosedPipe {
		t.Errorf("a failing reader: %v", err)
	}
}

type countingWriter struct {
	buf    bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.buf.Write(p)
}

func TestUploadVerdicts(t *testing.T) {
	t.Parallel()
	tr := func(ds ...time.Duration) transfer { return transfer{runs: ds} }
	const size = 100 << 20
	r := &uploadResult{size: size, rssSize: 1 << 30, rssOK: true,
		copyRun:  tr(2*time.Second, time.Second, 3*time.Second),
		upload:   tr(1400*time.Millisecond, 1200*time.Millisecond),
		download: tr(1100 * time.Millisecond),
		rss:      rssRun{idle: 30 << 20, peak: 60 << 20},
	}
	if r.copyRun.best() != time.Second {
		t.Errorf("best %v", r.copyRun.best())
	}
	if got := r.uploadRatio(); got < 0.83 || got > 0.84 {
		t.Errorf("upload ratio %.3f, want 1/1.2", got)
	}
	if !r.pass() {
		t.Error("every target met, yet not pass")
	}
	slow := *r
	slow.upload = tr(2 * time.Second)
	if slow.pass() {
		t.Error("an upload at half the copy's rate passes")
	}
	fat := *r
	fat.rss.peak = fat.rss.idle + targetUploadRSS
	if fat.pass() {
		t.Error("64 MB above idle passes")
	}
	blind := *r
	blind.rssOK = false
	if blind.pass() {
		t.Error("an RSS run without samples passes")
	}
	noRSS := *r
	noRSS.rssSize, noRSS.rssOK = 0, false
	if !noRSS.pass() {
		t.Error("without an RSS run, only the ratios count")
	}
	if (&uploadResult{size: size}).pass() {
		t.Error("nothing measured passes")
	}
	if ratio(1, 0) != 0 || (transfer{}).rate(size) != 0 {
		t.Error("no baseline must give 0, not Inf")
	}
	var out bytes.Buffer
	printUploadTable(&out, r)
	for _, want := range []string{"copy + fsync (baseline)", "PASS: ≥ 0.70", "during the upload", "PASS: < 64 MB"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	printUploadTable(&out, &slow)
	if !strings.Contains(out.String(), "FAIL: ≥ 0.70") {
		t.Errorf("slow table:\n%s", out.String())
	}
	if notes := uploadNotes(r); len(notes) < 3 {
		t.Errorf("notes: %q", notes)
	}
}

func TestUploadFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		ok   bool
		size int64
		rss  int64
	}{
		{nil, true, 100 << 20, 1 << 30},
		{[]string{"-upload-mib", "5", "-upload-rss-mib", "0"}, true, 5 << 20, 0},
		{[]string{"-upload-mib", "0"}, false, 0, 0},
		{[]string{"-upload-rss-mib", "-1"}, false, 0, 0},
		{[]string{"-upload-runs", "0"}, false, 0, 0},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var opt uploadOptions
		check := uploadFlags(fs, &opt)
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		err := check()
		if (err == nil) != c.ok {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		if c.ok && (opt.size != c.size || opt.rssSize != c.rss) {
			t.Errorf("%q: size %d rss %d", c.args, opt.size, opt.rssSize)
		}
	}
	cfg, err := parseFlags([]string{"-mode", "upload", "-upload-mib", "1"}, io.Discard)
	if err != nil || len(cfg.modes) != 1 || cfg.modes[0] != "upload" || cfg.upload.size != 1<<20 {
		t.Fatalf("parseFlags: %+v, %v", cfg, err)
	}
	if cfg.budget() < uploadBudget(cfg.upload) {
		t.Error("the budget does not count the upload mode")
	}
}

// fakeUploads is the part of the REST API the upload mode calls, over a temp dir.
type fakeUploads struct {
	dir     string
	mu      sync.Mutex
	setting json.RawMessage
	files   map[string]string // id → path
	deleted int
}

func (f *fakeUploads) handler() http.Handler {
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, v map[string]any) {
		v["success"] = true
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("POST /api/v1/login", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": map[string]any{"userId": "u1", "authToken": "tok"}})
	})
	mux.HandleFunc("GET /api/v1/settings/FileUpload_MaxFileSize", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		ok(w, map[string]any{"_id": "FileUpload_MaxFileSize", "value": f.setting})
	})
	mux.HandleFunc("POST /api/v1/settings/FileUpload_MaxFileSize", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Value json.RawMessage `json:"value"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.setting = body.Value
		f.mu.Unlock()
		ok(w, map[string]any{})
	})
	mux.HandleFunc("POST /api/v1/channels.create", func(w http.ResponseWriter, r *http.Request) {
		ok(w, map[string]any{"channel": map[string]any{"_id": "room1"}})
	})
	mux.HandleFunc("POST /api/v1/rooms.media/{rid}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		unlimited := string(f.setting) == "-1"
		f.mu.Unlock()
		if r.Header.Get("X-Auth-Token") != "tok" || r.ContentLength <= 0 || !unlimited {
			http.Error(w, `{"success":false}`, http.StatusBadRequest)
			return
		}
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		part, err := mr.NextPart()
		if err != nil || part.FormName() != "file" {
			http.Error(w, "no file", http.StatusBadRequest)
			return
		}
		out, _ := os.CreateTemp(f.dir, "blob-")
		defer out.Close()
		if _, err := io.Copy(out, part); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id := strings.TrimPrefix(filepath.Base(out.Name()), "blob-")
		f.mu.Lock()
		f.files[id] = out.Name()
		f.mu.Unlock()
		ok(w, map[string]any{"file": map[string]any{"_id": id, "url": "/file-upload/" + id + "/x"}})
	})
	mux.HandleFunc("POST /api/v1/rooms.mediaConfirm/{rid}/{id}", func(w http.ResponseWriter, r *http.Request) {
		ok(w, map[string]any{"message": map[string]any{"_id": "m-" + r.PathValue("id")}})
	})
	mux.HandleFunc("GET /file-upload/{id}/{name}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		p, found := f.files[r.PathValue("id")]
		f.mu.Unlock()
		if !found || r.Header.Get("X-User-Id") != "u1" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, p)
	})
	mux.HandleFunc("POST /api/v1/chat.delete", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.deleted++
		f.mu.Unlock()
		ok(w, map[string]any{})
	})
	return mux
}

func TestRunUploadAgainstFake(t *testing.T) {
	t.Parallel()
	f := &fakeUploads{dir: t.TempDir(), setting: json.RawMessage("104857600"), files: map[string]string{}}
	hs := httptest.NewServer(f.handler())
	defer hs.Close()
	data := t.TempDir()
	var stderr bytes.Buffer
	cfg := &config{addr: strings.TrimPrefix(hs.URL, "http://"), user: "admin", password: "pw", data: data,
		serverPID: os.Getpid(), stdout: io.Discard, stderr: &stderr}
	r, err := runUpload(t.Context(), cfg, uploadOptions{size: 3<<20 + 7, rssSize: 2 << 20, runs: 2})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if len(r.copyRun.runs) != 2 || len(r.upload.runs) != 2 || len(r.download.runs) != 2 || len(r.confirm.runs) != 2 {
		t.Errorf("runs: copy %d upload %d download %d confirm %d", len(r.copyRun.runs), len(r.upload.runs), len(r.download.runs), len(r.confirm.runs))
	}
	if !r.rssOK || r.rss.samples < 2 || r.rss.idle <= 0 || r.rss.peak < r.rss.idle {
		t.Errorf("rss: %+v ok %v", r.rss, r.rssOK)
	}
	if r.sameDisk != "yes" || r.settingWas != "104857600" {
		t.Errorf("same disk %q, setting was %q", r.sameDisk, r.settingWas)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if string(f.setting) != "104857600" {
		t.Errorf("FileUpload_MaxFileSize not put back: %s", f.setting)
	}
	if f.deleted != 3 {
		t.Errorf("%d messages deleted, want 3", f.deleted)
	}
	if _, err := os.Stat(r.dir); !os.IsNotExist(err) {
		t.Errorf("the work dir %s is left: %v", r.dir, err)
	}

	// A server that serves other bytes than it was given is an error, not a measurement.
	bad := &fakeUploads{dir: t.TempDir(), setting: json.RawMessage("1"), files: map[string]string{}}
	h := bad.handler()
	hs2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/file-upload/") {
			_, _ = w.Write([]byte("not the file"))
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer hs2.Close()
	cfg.addr = strings.TrimPrefix(hs2.URL, "http://")
	if _, err := runUpload(t.Context(), cfg, uploadOptions{size: 1 << 20, runs: 1}); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Errorf("a corrupt download: %v", err)
	}
	if string(bad.setting) != "1" {
		t.Errorf("FileUpload_MaxFileSize not put back after a failure: %s", bad.setting)
	}
}
