package logbuf_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/logbuf"
)

// logger returns a logger writing text to out at debug level and into a buffer of size.
func logger(size int) (*slog.Logger, *logbuf.Buffer, *bytes.Buffer) {
	var out bytes.Buffer
	b := logbuf.New(size)
	return slog.New(b.Wrap(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))), b, &out
}

func all(b *logbuf.Buffer) []logbuf.Line {
	return b.Lines(logbuf.Query{Level: slog.LevelDebug, Limit: b.Size()}).Lines
}

func TestWrapRendersAndPassesOn(t *testing.T) {
	t.Parallel()
	log, b, out := logger(10)
	log = log.With("svc", "rooms", "node", 1)
	log.Info("room created", "rid", "GENERAL", "user", slog.GroupValue(slog.String("id", "u1"), slog.String("name", "Ann Lee")),
		"password", "hunter2", "X-Auth-Token", "abc", "err", errors.New("disk full"), "empty", "")
	log.WithGroup("req").Warn("slow", "authToken", "tok", "ms", 1500)
	log.Debug("details", slog.Group("g"))
	log.Info("svc in the record", "svc", "web")

	if !strings.Contains(out.String(), "password=hunter2") {
		t.Fatalf("the wrapped handler did not get the record as it was:\n%s", out)
	}
	lines := all(b)
	if len(lines) != 4 {
		t.Fatalf("%d lines", len(lines))
	}
	l := lines[0]
	if l.Seq != 1 || l.Svc != "rooms" || l.Msg != "room created" || l.Level != slog.LevelInfo || l.Time.IsZero() {
		t.Fatalf("line %+v", l)
	}
	wantAttrs := `node=1 rid=GENERAL user.id=u1 user.name="Ann Lee" password=•••••• X-Auth-Token=•••••• err="disk full" empty=""`
	if l.Attrs != wantAttrs {
		t.Fatalf("attrs\n %s\nwant\n %s", l.Attrs, wantAttrs)
	}
	if lines[1].Attrs != "node=1 req.authToken=•••••• req.ms=1500" || lines[1].Level != slog.LevelWarn {
		t.Fatalf("grouped %+v", lines[1])
	}
	if lines[2].Attrs != "node=1" {
		t.Fatalf("empty group: %q", lines[2].Attrs)
	}
	if lines[3].Svc != "web" {
		t.Fatalf("svc of the record: %q", lines[3].Svc)
	}
	for _, l := range lines {
		if strings.Contains(l.Attrs, "hunter2") || strings.Contains(l.Attrs, "tok ") {
			t.Fatalf("a secret shows: %s", l.Attrs)
		}
	}
}

func TestEnabledFollowsTheWrappedHandler(t *testing.T) {
	t.Parallel()
	b := logbuf.New(10)
	log := slog.New(b.Wrap(slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	log.Info("hidden")
	log.Error("shown")
	if lines := all(b); len(lines) != 1 || lines[0].Msg != "shown" {
		t.Fatalf("%+v", lines)
	}
}

func TestBoundedRingAndLines(t *testing.T) {
	t.Parallel()
	log, b, _ := logger(50)
	for i := range 120 {
		lv := []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError}[i%4]
		log.Log(bg, lv, fmt.Sprintf("line %03d", i), "n", i)
	}
	lines := all(b)
	if len(lines) != 50 || lines[0].Msg != "line 070" || lines[49].Msg != "line 119" || lines[49].Seq != 120 {
		t.Fatalf("%d lines, %s … %s", len(lines), lines[0].Msg, lines[len(lines)-1].Msg)
	}
	for _, c := range []struct {
		q           logbuf.Query
		first, last string
		n           int
		more        bool
	}{
		{logbuf.Query{Level: slog.LevelDebug, Limit: 10}, "line 110", "line 119", 10, true},
		{logbuf.Query{Level: slog.LevelError, Limit: 5}, "line 103", "line 119", 5, true},
		{logbuf.Query{Level: slog.LevelWarn, Limit: 100}, "line 070", "line 119", 26, false},
		{logbuf.Query{Level: slog.LevelDebug, Before: 81, Limit: 5}, "line 075", "line 079", 5, true},
		{logbuf.Query{Level: slog.LevelDebug, Before: 75, Limit: 10}, "line 070", "line 073", 4, false},
		{logbuf.Query{Level: slog.LevelDebug, After: 117}, "line 117", "line 119", 3, false},
		{logbuf.Query{Level: slog.LevelDebug, Text: "LINE 09"}, "line 090", "line 099", 10, false},
		{logbuf.Query{Level: slog.LevelDebug, Text: "n=111"}, "line 111", "line 111", 1, false},
		{logbuf.Query{Level: slog.LevelDebug, Text: "nothing"}, "", "", 0, false},
		{logbuf.Query{Level: slog.LevelDebug, MaxBytes: 300}, "line 117", "line 119", 3, true},
	} {
		p := b.Lines(c.q)
		if len(p.Lines) != c.n || p.More != c.more || p.Last != 120 {
			t.Errorf("%+v: %d lines more=%v last=%d", c.q, len(p.Lines), p.More, p.Last)
			continue
		}
		if c.n > 0 && (p.Lines[0].Msg != c.first || p.Lines[c.n-1].Msg != c.last) {
			t.Errorf("%+v: %s … %s", c.q, p.Lines[0].Msg, p.Lines[c.n-1].Msg)
		}
	}
}

func TestLongLinesAreCut(t *testing.T) {
	t.Parallel()
	log, b, _ := logger(10)
	log.Info(strings.Repeat("é", 3000))
	log.Info("short", "blob", strings.Repeat("x", 5000), "next", 1)
	log.With("svc", strings.Repeat("s", 500)).Info("m")
	for _, l := range all(b) {
		if n := len(l.Msg) + len(l.Attrs) + len(l.Svc); n > logbuf.MaxLine {
			t.Fatalf("a line of %d bytes", n)
		}
		if !strings.HasSuffix(l.Msg+l.Attrs+l.Svc, "…") && l.Msg != "m" {
			t.Fatalf("a cut line is not marked: %q", (l.Msg + l.Attrs)[len(l.Msg+l.Attrs)-10:])
		}
		if !strings.Contains(l.Msg+l.Attrs, "") || !utf8Valid(l.Msg) {
			t.Fatal("cut inside a character")
		}
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "?") == s }

// TestConcurrentWriters runs writers and readers together (run with -race).
func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	log, b, _ := logger(100)
	sub := b.Subscribe(10_000)
	defer sub.Close()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			l := log.With("svc", fmt.Sprint("w", w))
			for i := range 500 {
				l.Info("tick", "i", i)
			}
		})
	}
	wg.Go(func() {
		for range 200 {
			b.Lines(logbuf.Query{Level: slog.LevelDebug, Text: "w3"})
		}
	})
	wg.Wait()
	lines := all(b)
	if len(lines) != 100 || lines[99].Seq != 4000 {
		t.Fatalf("%d lines, last %d", len(lines), lines[len(lines)-1].Seq)
	}
	for i := 1; i < len(lines); i++ {
		if lines[i].Seq != lines[i-1].Seq+1 {
			t.Fatalf("not in order at %d: %d then %d", i, lines[i-1].Seq, lines[i].Seq)
		}
	}
	if got := len(sub.C); got != 4000 || sub.Dropped() != 0 {
		t.Fatalf("the subscriber got %d", got)
	}
}

// TestSlowSubscriber: a subscriber that reads nothing loses lines; logging goes on.
func TestSlowSubscriber(t *testing.T) {
	t.Parallel()
	log, b, _ := logger(100)
	slow := b.Subscribe(5)
	fast := b.Subscribe(5)
	var got []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for l := range fast.C {
			got = append(got, l.Msg)
		}
	}()
	finished := make(chan struct{})
	go func() {
		for i := range 50 {
			log.Info(fmt.Sprint("m", i))
			time.Sleep(time.Millisecond) // let the fast reader keep up
		}
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("logging blocked on a slow subscriber")
	}
	if n := len(slow.C); n != 5 {
		t.Fatalf("the slow subscriber holds %d", n)
	}
	if d := slow.Dropped(); d != 45 {
		t.Fatalf("dropped %d", d)
	}
	if d := slow.Dropped(); d != 0 {
		t.Fatalf("Dropped did not reset: %d", d)
	}
	first := <-slow.C
	if first.Msg != "m0" {
		t.Fatalf("the slow subscriber's first line is %s", first.Msg)
	}
	if b.Subscribers() != 2 {
		t.Fatal(b.Subscribers())
	}
	fast.Close()
	fast.Close()
	slow.Close()
	<-done
	if b.Subscribers() != 0 || len(got) < 40 {
		t.Fatalf("%d subscribers, the fast one got %d", b.Subscribers(), len(got))
	}
	log.Info("after close") // no send on a closed channel
}

func TestSecret(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]bool{"password": true, "newPassword": true, "X-Auth-Token": true, "client_secret": true,
		"Authorization": true, "apiKey": true, "rid": false, "footprint": false, "user": false, "msg": false} {
		if logbuf.Secret(key) != want {
			t.Errorf("Secret(%q) = %v", key, !want)
		}
	}
}
