package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The upload mode (issue 5): the throughput of an upload (rooms.media, then
// rooms.mediaConfirm) and of a download (/file-upload) of a -upload-size file against a
// copy of the same file on the same disk, and the server's RSS during an upload of
// -upload-rss-size.
//
// The file is made in a temporary directory beside the data directory (-upload-dir
// without -serve), so the baseline, the server's blob store and the download all write
// to the same disk. Every write is made durable before its clock stops: the baseline
// copy and the download fsync their file, and the server answers rooms.media only after
// its blob store has fsynced the blob. The source file is read from the page cache in
// all three (it was just written). Each transfer runs -upload-runs times and the
// fastest run counts, so a stray flush of someone else's dirty pages does not decide the
// ratio.

// Targets of the issue.
const (
	targetUploadRatio = 0.7        // upload and download throughput over the copy's
	targetUploadRSS   = 64_000_000 // bytes above idle during the large upload: 64 MB
)

// uploadOptions are the upload mode's settings.
type uploadOptions struct {
	size    int64  // the throughput file's size
	rssSize int64  // the RSS upload's size; 0 skips it
	runs    int    // runs of each transfer; the fastest counts
	dir     string // where to make the files; "" beside the data directory, else the temp dir
}

// uploadBufSize is the buffer of every copy the tool makes (baseline, download).
const uploadBufSize = 1 << 20

// transfer is one measured kind of transfer: its fastest run and every run.
type transfer struct {
	name string
	runs []time.Duration
}

func (t transfer) best() time.Duration {
	var b time.Duration
	for _, d := range t.runs {
		if b == 0 || d < b {
			b = d
		}
	}
	return b
}

// rate is size bytes over the fastest run, in bytes per second.
func (t transfer) rate(size int64) float64 {
	b := t.best()
	if b <= 0 {
		return 0
	}
	return float64(size) / b.Seconds()
}

// uploadResult is what the upload mode measured.
type uploadResult struct {
	size       int64
	sameDisk   string // "yes", "no" or why unknown
	dir        string
	copyRun    transfer // the baseline: a user-space copy and fsync
	cpRun      transfer // exec cp, then fsync (information: cp may copy inside the kernel)
	upload     transfer // rooms.media, to the server's answer (blob fsynced)
	confirm    transfer // rooms.mediaConfirm (information)
	download   transfer // GET /file-upload, written and fsynced
	rssSize    int64
	rss        rssRun // during the large upload
	rssDown    rssRun // during its download (information)
	rssOK      bool
	errors     []string
	settingWas string // FileUpload_MaxFileSize before the run, as JSON
}

// rssRun is the server's RSS before and during one transfer.
type rssRun struct {
	idle, peak int64
	samples    int
	took       time.Duration
}

func (r rssRun) delta() int64 { return r.peak - r.idle }

// ratio is a's rate over b's (0 when b has none).
func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

func (r *uploadResult) uploadRatio() float64 {
	return ratio(r.upload.rate(r.size), r.copyRun.rate(r.size))
}

func (r *uploadResult) downloadRatio() float64 {
	return ratio(r.download.rate(r.size), r.copyRun.rate(r.size))
}

// pass reports whether every measured target was met.
func (r *uploadResult) pass() bool {
	ok := len(r.upload.runs) > 0 && len(r.download.runs) > 0 &&
		r.uploadRatio() >= targetUploadRatio && r.downloadRatio() >= targetUploadRatio
	if r.rssSize > 0 {
		ok = ok && r.rssOK && r.rss.delta() < targetUploadRSS
	}
	return ok
}

// runUpload measures as the admin cfg.user on the server at cfg.addr.
func runUpload(ctx context.Context, cfg *config, opt uploadOptions) (*uploadResult, error) {
	uid, token, err := restLogin(ctx, cfg.addr, cfg.user, cfg.password)
	if err != nil {
		return nil, err
	}
	c := newRESTClient(cfg.addr, uid, token)
	// The transfers are bounded by ctx, not by a fixed timeout; large buffers keep the
	// client's own syscalls (4 KiB each by default) out of the measurement.
	c.hc = &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: 4, DisableCompression: true, WriteBufferSize: uploadBufSize, ReadBufferSize: uploadBufSize,
	}}
	dir, err := uploadWorkDir(opt.dir, cfg.data)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	r := &uploadResult{size: opt.size, rssSize: opt.rssSize, dir: dir}
	r.sameDisk = sameDisk(dir, cfg.data)

	// FileUpload_MaxFileSize: -1 is "no limit" in Rocket.Chat; put back what was there.
	var was struct {
		Value json.RawMessage `json:"value"`
	}
	if err := c.do(ctx, http.MethodGet, "/api/v1/settings/FileUpload_MaxFileSize", nil, &was); err != nil {
		return nil, err
	}
	r.settingWas = string(was.Value)
	if err := c.do(ctx, http.MethodPost, "/api/v1/settings/FileUpload_MaxFileSize", map[string]any{"value": -1}, nil); err != nil {
		return nil, err
	}
	defer func() {
		if err := c.do(context.WithoutCancel(ctx), http.MethodPost, "/api/v1/settings/FileUpload_MaxFileSize", map[string]any{"value": was.Value}, nil); err != nil {
			fmt.Fprintln(cfg.stderr, "upload: restoring FileUpload_MaxFileSize:", err)
		}
	}()
	var room struct {
		Channel struct {
			ID string `json:"_id"`
		} `json:"channel"`
	}
	name := "load-upload-" + strings.ToLower(randomHex(4))
	if err := c.do(ctx, http.MethodPost, "/api/v1/channels.create", map[string]any{"name": name}, &room); err != nil {
		return nil, err
	}
	rid := room.Channel.ID

	src := filepath.Join(dir, "source.bin")
	fmt.Fprintf(cfg.stderr, "upload: writing a %s file in %s (same disk as the data: %s)\n", mib(opt.size), dir, r.sameDisk)
	sum, err := makeFile(src, opt.size, 1)
	if err != nil {
		return nil, err
	}
	for i := range opt.runs {
		fmt.Fprintf(cfg.stderr, "upload: run %d/%d of %s: copy, cp, upload, download\n", i+1, opt.runs, mib(opt.size))
		dst := filepath.Join(dir, "copy.bin")
		d, err := copyFile(src, dst)
		if err != nil {
			return nil, fmt.Errorf("copying %s: %w", src, err)
		}
		r.copyRun.runs = append(r.copyRun.runs, d)
		os.Remove(dst)
		if d, err := execCP(ctx, src, dst); err == nil {
			r.cpRun.runs = append(r.cpRun.runs, d)
		} else if i == 0 {
			r.errors = append(r.errors, "cp: "+err.Error())
		}
		os.Remove(dst)
		if err := r.roundTrip(ctx, c, rid, src, sum, opt.size, dir, nil); err != nil {
			return nil, err
		}
	}
	r.copyRun.name, r.cpRun.name = "copy", "cp"
	os.Remove(src)

	if opt.rssSize > 0 && cfg.serverPID > 0 {
		big := filepath.Join(dir, "large.bin")
		fmt.Fprintf(cfg.stderr, "upload: writing a %s file for the RSS run\n", mib(opt.rssSize))
		sum, err := makeFile(big, opt.rssSize, 2)
		if err != nil {
			return nil, err
		}
		sampler := &transferSampler{pid: cfg.serverPID}
		fmt.Fprintf(cfg.stderr, "upload: uploading and downloading %s while sampling the server's RSS\n", mib(opt.rssSize))
		if err := r.roundTrip(ctx, c, rid, big, sum, opt.rssSize, dir, sampler); err != nil {
			return nil, err
		}
		r.rssOK = sampler.ok
		r.rss, r.rssDown = sampler.up, sampler.down
		os.Remove(big)
	} else if opt.rssSize > 0 {
		r.errors = append(r.errors, "no server pid: the RSS run was skipped")
	}
	return r, nil
}

// roundTrip uploads path (size bytes, SHA-256 sum) to room rid, confirms it, downloads
// it into dir, checks the bytes and deletes the message (and with it the blob),
// recording each timing in r, or with a sampler only the RSS during each transfer.
func (r *uploadResult) roundTrip(ctx context.Context, c *restClient, rid, path, sum string, size int64, dir string, s *transferSampler) error {
	s.start()
	fileID, upTook, err := uploadFile(ctx, c, rid, path, size)
	upRSS := s.stop(upTook)
	if err != nil {
		return err
	}
	t0 := time.Now()
	var confirmed struct {
		Message struct {
			ID string `json:"_id"`
		} `json:"message"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/rooms.mediaConfirm/"+rid+"/"+fileID, map[string]any{"msg": "load"}, &confirmed); err != nil {
		return err
	}
	confirmTook := time.Since(t0)
	dst := filepath.Join(dir, "download.bin")
	s.start()
	got, downTook, err := downloadFile(ctx, c, "/file-upload/"+fileID+"/"+filepath.Base(path), dst)
	downRSS := s.stop(downTook)
	if err != nil {
		return err
	}
	gotSum, err := fileSHA256(dst)
	os.Remove(dst)
	if err != nil {
		return err
	}
	if got != size || gotSum != sum {
		return fmt.Errorf("the download of %s differs: %d bytes, sha256 %s; uploaded %d bytes, sha256 %s", fileID, got, gotSum, size, sum)
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/chat.delete", map[string]any{"roomId": rid, "msgId": confirmed.Message.ID}, nil); err != nil {
		return err
	}
	if s != nil {
		s.up, s.down = upRSS, downRSS
		return nil
	}
	r.upload.runs = append(r.upload.runs, upTook)
	r.confirm.runs = append(r.confirm.runs, confirmTook)
	r.download.runs = append(r.download.runs, downTook)
	return nil
}

// uploadWorkDir makes the temporary directory for the files: in dir when given, else
// beside the data directory (on its disk), else in the system's temp dir.
func uploadWorkDir(dir, data string) (string, error) {
	if dir == "" && data != "" {
		abs, err := filepath.Abs(data)
		if err != nil {
			return "", err
		}
		dir = filepath.Dir(abs)
	}
	return os.MkdirTemp(dir, "ddpload-upload-")
}

// sameDisk tells whether a and b are on the same file system (device), for the notes.
func sameDisk(a, b string) string {
	if b == "" {
		return "unknown (no -data: give -upload-dir on the server's disk)"
	}
	var sa, sb syscall.Stat_t
	if err := syscall.Stat(a, &sa); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	if err := syscall.Stat(b, &sb); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	if sa.Dev == sb.Dev {
		return "yes"
	}
	return "no"
}

// makeFile writes size pseudo-random bytes (seeded, so not compressible and not all
// alike) to path, fsyncs it, and returns their hex SHA-256.
func makeFile(path string, size int64, seed uint64) (string, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	defer f.Close()
	rng := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 'd', 'd', 'p', 'l', 'o', 'a', 'd'})
	buf := make([]byte, uploadBufSize)
	h := sha256.New()
	for left := size; left > 0; {
		n := int(min(int64(len(buf)), left))
		_, _ = rng.Read(buf[:n])
		h.Write(buf[:n])
		if _, err := f.Write(buf[:n]); err != nil {
			return "", err
		}
		left -= int64(n)
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), f.Close()
}

// copyFile is the baseline: src copied to a new dst through a user-space buffer (as the
// server must: its bytes arrive on a socket) and fsynced.
func copyFile(src, dst string) (time.Duration, error) {
	t0 := time.Now()
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	defer out.Close()
	// Plain Reader and Writer: no copy_file_range or sendfile shortcut.
	if _, err := io.CopyBuffer(struct{ io.Writer }{out}, struct{ io.Reader }{in}, make([]byte, uploadBufSize)); err != nil {
		return 0, err
	}
	if err := out.Sync(); err != nil {
		return 0, err
	}
	return time.Since(t0), out.Close()
}

// execCP runs cp src dst and fsyncs dst: the raw cp of the issue, for the notes (GNU cp
// may copy inside the kernel with copy_file_range, which no network transfer can).
func execCP(ctx context.Context, src, dst string) (time.Duration, error) {
	t0 := time.Now()
	if out, err := exec.CommandContext(ctx, "cp", src, dst).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("%w: %s", err, bytes.TrimSpace(out))
	}
	f, err := os.Open(dst)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return 0, err
	}
	return time.Since(t0), nil
}

// multipartFrame returns what a multipart/form-data body holding one file part
// (field "file", fileName, application/octet-stream) carries before and after the
// file's bytes, and its Content-Type: the body is head + file + tail, so its length is
// known and the file streams from disk.
func multipartFrame(fileName string) (head, tail []byte, contentType string, err error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, fileName))
	h.Set("Content-Type", "application/octet-stream")
	if _, err := w.CreatePart(h); err != nil {
		return nil, nil, "", err
	}
	head = bytes.Clone(b.Bytes())
	b.Reset()
	if err := w.Close(); err != nil {
		return nil, nil, "", err
	}
	return head, bytes.Clone(b.Bytes()), w.FormDataContentType(), nil
}

// uploadFile POSTs path (size bytes) to rooms.media/rid as a streamed multipart body
// and returns the upload's id and the time to the server's answer.
func uploadFile(ctx context.Context, c *restClient, rid, path string, size int64) (string, time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	head, tail, ct, err := multipartFrame(filepath.Base(path))
	if err != nil {
		return "", 0, err
	}
	body := io.MultiReader(bytes.NewReader(head), f, bytes.NewReader(tail))
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+c.addr+"/api/v1/rooms.media/"+url.PathEscape(rid), body)
	if err != nil {
		return "", 0, err
	}
	req.ContentLength = int64(len(head)) + size + int64(len(tail))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-User-Id", c.uid)
	req.Header.Set("X-Auth-Token", c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("POST rooms.media: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	took := time.Since(t0)
	if err != nil {
		return "", 0, err
	}
	id, err := mediaFileID(resp.StatusCode, b)
	return id, took, err
}

// mediaFileID reads rooms.media's answer: {success:true, file:{_id, url}}.
func mediaFileID(status int, body []byte) (string, error) {
	var r struct {
		Success bool   `json:"success"`
		Error   string `json:"error"`
		File    struct {
			ID string `json:"_id"`
		} `json:"file"`
	}
	if err := json.Unmarshal(body, &r); err != nil || status != http.StatusOK || !r.Success || r.File.ID == "" {
		return "", fmt.Errorf("POST rooms.media: HTTP %d %.300s", status, body)
	}
	return r.File.ID, nil
}

// downloadFile GETs path into a new file dst, fsynced, and returns how many bytes came
// and the time from the request to the fsync's end.
func downloadFile(ctx context.Context, c *restClient, path, dst string) (int64, time.Duration, error) {
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.addr+path, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("X-User-Id", c.uid)
	req.Header.Set("X-Auth-Token", c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return 0, 0, fmt.Errorf("GET %s: HTTP %d %s", path, resp.StatusCode, b)
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, 0, err
	}
	defer out.Close()
	n, err := copyFull(out, resp.Body)
	if err != nil {
		return n, 0, fmt.Errorf("GET %s: %w", path, err)
	}
	if err := out.Sync(); err != nil {
		return n, 0, err
	}
	return n, time.Since(t0), out.Close()
}

// copyFull copies src to dst in writes of uploadBufSize bytes (the last one shorter):
// a response body yields a few KiB per read, and as many small writes would time the
// client's syscalls rather than the server.
func copyFull(dst io.Writer, src io.Reader) (int64, error) {
	buf := make([]byte, uploadBufSize)
	var total int64
	for {
		n, err := io.ReadFull(src, buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return total, werr
			}
			total += int64(n)
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return total, nil
		case err != nil:
			return total, err
		}
	}
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, f, make([]byte, uploadBufSize)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// rssSampleEvery is how often the RSS sampler reads /proc/PID/status.
const rssSampleEvery = 10 * time.Millisecond

// transferSampler samples the server's RSS while a transfer runs; nil samples nothing.
type transferSampler struct {
	pid      int
	ok       bool
	up, down rssRun

	idle    int64
	peak    int64
	samples int
	done    chan struct{}
	wg      sync.WaitGroup
}

// start reads the idle RSS and samples every rssSampleEvery until stop.
func (s *transferSampler) start() {
	if s == nil {
		return
	}
	st, err := readStatus(s.pid)
	s.ok = err == nil
	s.idle, s.peak, s.samples = st.RSS, st.RSS, 1
	s.done = make(chan struct{})
	s.wg.Go(func() {
		t := time.NewTicker(rssSampleEvery)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
			}
			if st, err := readStatus(s.pid); err == nil {
				s.peak = max(s.peak, st.RSS)
				s.samples++
			}
		}
	})
}

// stop ends sampling (one last sample included) and returns what was seen.
func (s *transferSampler) stop(took time.Duration) rssRun {
	if s == nil {
		return rssRun{}
	}
	close(s.done)
	s.wg.Wait()
	if st, err := readStatus(s.pid); err == nil {
		s.peak = max(s.peak, st.RSS)
		s.samples++
	} else {
		s.ok = false
	}
	return rssRun{idle: s.idle, peak: s.peak, samples: s.samples, took: took}
}

func randomHex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	return hex.EncodeToString(b)
}
