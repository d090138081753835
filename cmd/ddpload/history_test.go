package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/storage"
	"github.com/outpostchat/outpost/storage/docdb"
)

// TestSeedHistory seeds a real store in a temporary directory with 2,001 messages in
// two rooms and reads them back.
func TestSeedHistory(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir, err := os.MkdirTemp("", "ddpl") // short: the store's Unix socket lives inside
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	st, err := storage.Open(ctx, storage.Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	user := model.UserRef{ID: "U1", Username: "load-admin"}
	var calls []int
	info, err := seedHistory(ctx, st, user, seedSpec{messages: 2001, rooms: 2}, func(done int) { calls = append(calls, done) })
	if err != nil {
		t.Fatal(err)
	}
	if !info.Complete || info.Messages != 2001 || len(info.Rooms) != 2 || info.Rooms[0].Messages != 1001 || info.Rooms[1].Messages != 1000 {
		t.Fatalf("info %+v", info)
	}
	if len(calls) != 11 || calls[len(calls)-1] != 2001 {
		t.Errorf("progress calls %v", calls)
	}

	msgs := st.Docs.Collection(docdb.Messages)
	if n, err := msgs.Count(ctx, docdb.Query{}); err != nil || n != 2001 {
		t.Errorf("%d messages stored, %v", n, err)
	}
	for _, r := range info.Rooms {
		var all []model.Message
		if err := msgs.Find(ctx, docdb.Query{Where: docdb.F("rid") + " = ?", Args: []any{r.ID}}, &all); err != nil {
			t.Fatal(err)
		}
		if len(all) != r.Messages {
			t.Errorf("room %s: %d messages, want %d", r.Name, len(all), r.Messages)
		}
		var newest, before int
		for _, m := range all {
			if m.U != user || m.RID != r.ID || len(m.Msg) < 100 || !strings.HasPrefix(string(m.MD), `[{"type":"PARAGRAPH"`) || m.UpdatedAt != m.Ts {
				t.Fatalf("message %+v", m)
			}
			if m.Ts.After(r.Newest) {
				t.Fatalf("message at %v after the room's newest %v", m.Ts, r.Newest)
			}
			if m.Ts.Equal(r.Newest) {
				newest++
			}
			if m.Ts.Before(r.Middle) {
				before++
			}
		}
		if newest != 1 || before != r.Messages/2 {
			t.Errorf("room %s: %d at newest, %d before the middle; want 1 and %d", r.Name, newest, before, r.Messages/2)
		}
		var room model.Room
		if err := st.Docs.Collection(docdb.Rooms).FindOne(ctx, docdb.ByID(r.ID), &room); err != nil {
			t.Fatal(err)
		}
		if room.T != model.RoomPublic || room.Name != r.Name || room.Msgs != int64(r.Messages) || room.LastMessage == nil || !room.LastMessage.Ts.Equal(r.Newest) {
			t.Errorf("room %+v", room)
		}
		var sub model.Subscription
		q := docdb.Query{Where: docdb.F("rid") + " = ? AND " + docdb.F("u._id") + " = ?", Args: []any{r.ID, user.ID}}
		if err := st.Docs.Collection(docdb.Subscriptions).FindOne(ctx, q, &sub); err != nil || sub.Name != r.Name || !sub.Open {
			t.Errorf("subscription %+v, %v", sub, err)
		}
	}
	if _, err := seedHistory(ctx, st, user, seedSpec{messages: 1, rooms: 2}, nil); err == nil {
		t.Error("seeding fewer messages than rooms was accepted")
	}
}

// historyServer answers channels.history for two rooms of 1,000 messages one second
// apart, as the real route would, and gives room "bad" out-of-order pages.
func historyServer(t *testing.T, newest time.Time) *httptest.Server {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/channels.history" || r.Header.Get("X-Auth-Token") != "tok" {
			http.Error(w, `{"success":false}`, http.StatusUnauthorized)
			return
		}
		q := r.URL.Query()
		rid, end := q.Get("roomId"), newest
		if l := q.Get("latest"); l != "" {
			ts, err := time.Parse(time.RFC3339Nano, l)
			if err != nil {
				http.Error(w, `{"success":false,"error":"bad latest"}`, http.StatusBadRequest)
				return
			}
			end = ts.Add(-time.Second)
		}
		var msgs []map[string]string
		for i := range 50 {
			ts := end.Add(-time.Duration(i) * time.Second)
			if rid == "bad" && i == 10 {
				ts = end.Add(time.Hour)
			}
			msgs = append(msgs, map[string]string{"_id": fmt.Sprint(i), "rid": rid, "ts": ts.UTC().Format("2006-01-02T15:04:05.000Z")})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"messages": msgs, "success": true})
	})
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs
}

func TestRunHistory(t *testing.T) {
	t.Parallel()
	newest := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	hs := historyServer(t, newest)
	addr := strings.TrimPrefix(hs.URL, "http://")
	c := newRESTClient(addr, "U1", "tok")
	cfg := &config{addr: addr, serverPID: os.Getpid(), stderr: io.Discard}
	seed := &seedInfo{Messages: 2000, Rooms: []seedRoom{
		{ID: "R1", Messages: 1000, Newest: newest, Middle: newest.Add(-500 * time.Second)},
		{ID: "R2", Messages: 1000, Newest: newest, Middle: newest.Add(-500 * time.Second)},
	}}
	for _, middle := range []bool{false, true} {
		r := runHistory(t.Context(), cfg, c, "v", historyQueries(seed, middle), 40, 3, 2)
		if r.requests != 40 || r.failed != 0 || len(r.lat) != 40 || len(r.errors) != 0 || !r.serverOK || r.rate() <= 0 {
			t.Errorf("middle=%v: %+v", middle, r)
		}
	}
	bad := []historyQuery{{path: "/api/v1/channels.history?roomId=bad&count=50", rid: "bad"}}
	r := runHistory(t.Context(), cfg, c, "bad", bad, 10, 2, 0)
	if r.failed != 10 || len(r.lat) != 0 || r.pass() || len(r.errors) != 1 || !strings.Contains(r.errors[0], "not newest first") {
		t.Errorf("out-of-order pages: failed %d, errors %q", r.failed, r.errors)
	}
	if r := runHistory(t.Context(), cfg, c, "bad", bad, 10, 2, 1); r.failed != 10 || !strings.Contains(r.errors[0], "warm-up") {
		t.Errorf("a failing warm-up: %+v", r)
	}
	unauth := newRESTClient(addr, "U1", "nope")
	if r := runHistory(t.Context(), cfg, unauth, "unauth", historyQueries(seed, false), 5, 1, 0); r.failed != 5 || !strings.Contains(r.errors[0], "HTTP 401") {
		t.Errorf("unauthorized: %+v", r)
	}
}

func TestCheckPage(t *testing.T) {
	t.Parallel()
	latest := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	page := func(n int, rid string, start time.Time, step time.Duration) historyPage {
		var p historyPage
		for i := range n {
			p.Messages = append(p.Messages, struct {
				ID  string `json:"_id"`
				RID string `json:"rid"`
				Ts  string `json:"ts"`
			}{fmt.Sprint(i), rid, start.Add(time.Duration(i) * step).Format("2006-01-02T15:04:05.000Z")})
		}
		return p
	}
	for _, tt := range []struct {
		p      historyPage
		latest time.Time
		ok     bool
	}{
		{page(50, "R", latest.Add(-time.Second), -time.Second), latest, true},
		{page(50, "R", latest, -time.Second), latest, false}, // the first is not before latest
		{page(50, "R", latest, -time.Second), time.Time{}, true},
		{page(49, "R", latest, -time.Second), time.Time{}, false},
		{page(50, "X", latest, -time.Second), time.Time{}, false},
		{page(50, "R", latest, time.Second), time.Time{}, false}, // oldest first
	} {
		if err := checkPage(tt.p, "R", 50, tt.latest); (err == nil) != tt.ok {
			t.Errorf("checkPage(%d messages, first %s, latest %v) = %v, want ok=%v", len(tt.p.Messages), tt.p.Messages[0].Ts, tt.latest, err, tt.ok)
		}
	}
}

func TestServerHelpers(t *testing.T) {
	t.Parallel()
	for line, want := range map[string]string{
		`time=2025-01-01T00:00:00Z level=INFO msg="outpost is serving" version=dev addr=127.0.0.1:41234 data=/tmp/x`: "127.0.0.1:41234",
		`{"time":"2025","level":"INFO","msg":"outpost is serving","addr":"127.0.0.1:3000","data":"x"}`:               "127.0.0.1:3000",
	} {
		if m := servingAddr.FindStringSubmatch(line); m == nil || m[1] != want {
			t.Errorf("servingAddr in %s = %v, want %s", line, m, want)
		}
	}
	dir := t.TempDir()
	if _, err := readState(dir); !os.IsNotExist(err) {
		t.Errorf("readState of an empty directory: %v", err)
	}
	st := newAdminState()
	st.Seed = &seedInfo{Messages: 5, Complete: true, Spec: seedSpecDoc{5, 1}}
	if err := writeState(dir, st); err != nil {
		t.Fatal(err)
	}
	got, err := readState(dir)
	if err != nil || got.AdminUser != "load-admin" || got.AdminPassword != st.AdminPassword || got.Seed.Spec != st.Seed.Spec {
		t.Errorf("readState = %+v, %v", got, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, stateFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, %v", fi.Mode(), err)
	}
	if empty, err := isEmptyDir(filepath.Join(dir, "none")); !empty || err != nil {
		t.Errorf("isEmptyDir(missing) = %v, %v", empty, err)
	}
	if empty, _ := isEmptyDir(dir); empty {
		t.Error("isEmptyDir of a directory holding the state file")
	}
	if env := st.adminEnv(); len(env) != 3 || env[0] != "ADMIN_USERNAME=load-admin" {
		t.Errorf("adminEnv = %q", env)
	}
	if _, err := startServer(context.Background(), "/bin/false", dir, filepath.Join(dir, "log"), nil); err == nil || !strings.Contains(err.Error(), "exited before serving") {
		t.Errorf("starting a binary that exits: %v", err)
	}
}
