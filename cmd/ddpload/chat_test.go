package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestChatPlanPresets(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		preset           string
		messages, perMsg int // messages in the run; sends per user
	}{
		{"room500", 1500, 3},
		{"rooms100", 30000, 30},
	} {
		p, err := newChatPlan(chatPresets[tt.preset])
		if err != nil {
			t.Fatal(err)
		}
		if p.messages != tt.messages || p.window() != 30*time.Second {
			t.Errorf("%s: %d messages over %v", tt.preset, p.messages, p.window())
		}
		sends := make([]int, p.spec.users)
		for k := range p.messages {
			u := p.sender(k)
			if !containsInt(p.roomsOf[u], p.room(k)) {
				t.Fatalf("%s: message %d sent by user %d, not a member of room %d", tt.preset, k, u, p.room(k))
			}
			sends[u]++
		}
		for u, n := range sends {
			if n != tt.perMsg {
				t.Fatalf("%s: user %d sends %d messages, want %d (evenly spread)", tt.preset, u, n, tt.perMsg)
			}
		}
		if most, _ := p.maxUserRate(); most != 1 {
			t.Errorf("%s: a user sends %d messages within a second, want 1", tt.preset, most)
		}
		for r, ms := range p.members {
			if len(ms) != p.spec.size {
				t.Errorf("%s: room %d has %d members", tt.preset, r, len(ms))
			}
		}
		if p.idlers() != 0 {
			t.Errorf("%s: %d users in no room", tt.preset, p.idlers())
		}
	}
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestChatPlanShapes(t *testing.T) {
	t.Parallel()
	// Wrapping: 3 rooms of 4 over 5 users puts users in two or three rooms.
	p, err := newChatPlan(chatSpec{users: 5, rooms: 3, size: 4, rate: 10, duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(p.members) != "[[0 1 2 3] [4 0 1 2] [3 4 0 1]]" {
		t.Errorf("members %v", p.members)
	}
	if fmt.Sprint(p.roomsOf) != "[[0 1 2] [0 1 2] [0 1] [0 2] [1 2]]" {
		t.Errorf("roomsOf %v", p.roomsOf)
	}
	// Idlers: 2 rooms of 2 among 6 users.
	p, _ = newChatPlan(chatSpec{users: 6, rooms: 2, size: 2, rate: 1, duration: time.Second})
	if p.idlers() != 2 {
		t.Errorf("idlers = %d, want 2", p.idlers())
	}
	// 100 msg/s into one room of 10: each member sends 10/s.
	p, _ = newChatPlan(chatSpec{users: 10, rooms: 1, size: 10, rate: 100, duration: 3 * time.Second})
	if most, _ := p.maxUserRate(); most != 10 {
		t.Errorf("maxUserRate = %d, want 10", most)
	}
	if p.at(50) != 500*time.Millisecond || p.at(0) != 0 {
		t.Errorf("at(50) = %v", p.at(50))
	}
	for _, bad := range []chatSpec{
		{users: 0, rooms: 1, size: 1, rate: 1, duration: time.Second},
		{users: 5, rooms: 1, size: 6, rate: 1, duration: time.Second},
		{users: 5, rooms: 1, size: 5, rate: 0, duration: time.Second},
		{users: 5, rooms: 1, size: 5, rate: 1, duration: 0},
		{users: 5, rooms: 1, size: 5, rate: 0.1, duration: time.Second}, // no message at all
	} {
		if _, err := newChatPlan(bad); err == nil {
			t.Errorf("newChatPlan(%+v) accepted", bad)
		}
	}
}

func TestMessageIDs(t *testing.T) {
	t.Parallel()
	const tag = "Ab3xYz"
	prev := ""
	for _, k := range []int{0, 1, 54, 55, 1499, 29999, 1_000_000, maxChatMsgs} {
		id := messageID(tag, k)
		if len(id) != 17 || strings.Trim(id, idAlphabet) != "" {
			t.Fatalf("messageID(%d) = %q: want 17 characters of Meteor's alphabet", k, id)
		}
		if got, ok := messageSeq(tag, id); !ok || got != k {
			t.Errorf("messageSeq(%q) = %d, %v; want %d", id, got, ok, k)
		}
		if id <= prev {
			t.Errorf("ids do not increase: %q after %q", id, prev)
		}
		prev = id
	}
	for _, id := range []string{"", "Ab3xYz", "Zb3xYz22222222222", "Ab3xYz2222222222!", "Ab3xYz222222222220"} {
		if _, ok := messageSeq(tag, id); ok {
			t.Errorf("messageSeq accepted %q", id)
		}
	}
}

func TestScheduleSends(t *testing.T) {
	t.Parallel()
	p, _ := newChatPlan(chatSpec{users: 4, rooms: 2, size: 2, rate: 2000, duration: 50 * time.Millisecond})
	var got []int
	lags := scheduleSends(t.Context(), p, time.Now(), func(k int) bool {
		got = append(got, k)
		return k%10 != 3 // these the "connection" refuses
	})
	if len(got) != p.messages {
		t.Fatalf("handed %d messages, want %d", len(got), p.messages)
	}
	for i, k := range got {
		if k != i {
			t.Fatalf("message %d handed in position %d: out of order", k, i)
		}
	}
	if len(lags) != p.messages-p.messages/10 {
		t.Errorf("%d lags for %d accepted hand-overs", len(lags), p.messages-p.messages/10)
	}
	// A cancelled run stops handing over.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	slow, _ := newChatPlan(chatSpec{users: 1, rooms: 1, size: 1, rate: 1, duration: 10 * time.Second})
	n := 0
	scheduleSends(ctx, slow, time.Now(), func(int) bool { n++; return true })
	if n != 1 {
		t.Errorf("after cancel, %d handed over; want only the first, due at once", n)
	}
}

func TestLedger(t *testing.T) {
	t.Parallel()
	l := newLedger("Ab3xYz", 3, 1)
	l.start = time.Now()
	if _, ok := l.since(0, time.Now()); ok {
		t.Error("since of an unsent message")
	}
	if _, ok := l.since(7, time.Now()); ok {
		t.Error("since of a message out of range")
	}
	at := l.start.Add(10 * time.Millisecond)
	l.markSent(1, at)
	if d, ok := l.since(1, at.Add(3*time.Millisecond)); !ok || d != 3*time.Millisecond {
		t.Errorf("since = %v, %v; want 3ms", d, ok)
	}
	l.markSent(2, l.start) // sent at the very start is still sent
	if _, ok := l.since(2, l.start); !ok {
		t.Error("a message sent at start counts as unsent")
	}
}

func TestAppendSendMessage(t *testing.T) {
	t.Parallel()
	b := appendSendMessage(nil, "Ab3xYz", 56, `r"1`, 4)
	var m struct {
		Msg, ID, Method string
		Params          []struct {
			ID  string `json:"_id"`
			RID string `json:"rid"`
			Msg string `json:"msg"`
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if m.Msg != "method" || m.ID != "m56" || m.Method != "sendMessage" || len(m.Params) != 1 || m.Params[0].RID != `r"1` ||
		m.Params[0].ID != messageID("Ab3xYz", 56) || !strings.Contains(m.Params[0].Msg, "from user 5") {
		t.Errorf("frame %s", b)
	}
}

func TestChatSpecsAndFlags(t *testing.T) {
	t.Parallel()
	cfg, err := parseFlags([]string{"-preset", "room500,rooms100", "-duration", "5s", "-user", "u", "-password", "p"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.modes) != 1 || cfg.modes[0] != "chat" || len(cfg.chat) != 2 {
		t.Fatalf("modes %v, %d chat runs", cfg.modes, len(cfg.chat))
	}
	if c := cfg.chat[1]; c.name != "rooms100" || c.users != 1000 || c.rooms != 100 || c.size != 10 || c.rate != 1000 || c.duration != 5*time.Second {
		t.Errorf("rooms100 with -duration 5s: %+v", c)
	}
	cfg, err = parseFlags([]string{"-mode", "chat", "-users", "20", "-rooms", "4", "-room-size", "5", "-rate", "8"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.chat[0]; c.name != "chat" || c.users != 20 || c.rooms != 4 || c.size != 5 || c.rate != 8 || c.duration != 30*time.Second {
		t.Errorf("custom chat: %+v", c)
	}
	if cfg.budget() < 30*time.Second+cfg.chatOpt.drain {
		t.Errorf("budget %v is below the run's own length", cfg.budget())
	}
	for _, args := range [][]string{
		{"-preset", "bogus"},
		{"-mode", "chat", "-users", "3", "-room-size", "4"},
		{"-mode", "history,idle"},
		{"-mode", "history", "-history-messages", "500", "-history-rooms", "10"},
	} {
		if _, err := parseFlags(args, io.Discard); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
}

func TestChatReport(t *testing.T) {
	t.Parallel()
	p, _ := newChatPlan(chatPresets["room500"])
	r := &chatResult{plan: p, sent: 1500, results: 1500, accepted: 1500, window: p.window(), expected: 750_000, received: 750_000,
		errorsByCode: map[string]int{}, serverOK: true, connected: 500, subsReady: 500,
		serverStart: procStatus{RSS: 50 << 20}, serverPeak: procStatus{RSS: 80 << 20}, cpu: cpuUse{server: 0.42}}
	for i := range 100 {
		r.lat = append(r.lat, time.Duration(i+1)*time.Millisecond/2) // p99 49.5 ms
	}
	if pass, applies, text := chatVerdict(r); !pass || !applies || !strings.HasPrefix(text, "PASS") {
		t.Errorf("room500 at p99 49.5 ms: %v %v %q", pass, applies, text)
	}
	r.lat = append(r.lat, 60*time.Millisecond, 70*time.Millisecond)
	if pass, _, text := chatVerdict(r); pass || !strings.HasPrefix(text, "FAIL") {
		t.Errorf("room500 at p99 over 50 ms: %v %q", pass, text)
	}
	r.lat = r.lat[:10]
	r.received = 749_000
	if pass, _, text := chatVerdict(r); pass || !strings.Contains(text, "749000 of 750000") {
		t.Errorf("room500 with missing deliveries: %v %q", pass, text)
	}

	p2, _ := newChatPlan(chatPresets["rooms100"])
	r2 := &chatResult{plan: p2, sent: 30000, accepted: 30000, window: p2.window(), errorsByCode: map[string]int{"error-too-many-requests": 3, "500": 1}}
	if pass, _, _ := chatVerdict(r2); !pass {
		t.Error("rooms100 at 1000/s did not pass")
	}
	r2.backlog = 3 * time.Second
	if pass, _, text := chatVerdict(r2); pass || !strings.Contains(text, "not sustained") {
		t.Errorf("rooms100 with a 3 s backlog: %v %q", pass, text)
	}
	r2.backlog, r2.accepted = 0, 29999
	if pass, _, _ := chatVerdict(r2); pass {
		t.Error("rooms100 at 999.97/s passed")
	}
	custom, _ := newChatPlan(chatSpec{name: "chat", users: 2, rooms: 1, size: 2, rate: 1, duration: time.Second})
	if pass, applies, _ := chatVerdict(&chatResult{plan: custom}); !pass || applies {
		t.Error("a custom run has a target")
	}

	var out bytes.Buffer
	printChatTable(&out, []*chatResult{r, r2})
	text := out.String()
	for _, want := range []string{"room500", "rooms100", "500 / 1 × 500", "1000 / 100 × 10", "50 msg/s × 30s = 1500",
		"error-too-many-requests ×3, 500 ×1", "50.0 MiB → 80.0 MiB", "42% of a core", "FAIL: p99 delivery", "FAIL: 999.97 accepted/s"} {
		if !strings.Contains(text, want) {
			t.Errorf("table lacks %q:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "\n"); n != 19 {
		t.Errorf("table has %d lines, want a header and 18 rows:\n%s", n, text)
	}
	if errorCounts(nil) != "none" || msTriple(nil) != "-" {
		t.Error("empty formatting")
	}
}

// fakeChat is a small stand-in for the server's chat surface: REST login, users.*,
// channels.* and a DDP endpoint with login {resume}, stream-room-messages and
// sendMessage, which broadcasts each message to the room's subscribers. It rejects
// every message whose text names user reject+1, with error-too-many-requests.
type fakeChat struct {
	reject int

	mu       sync.Mutex
	users    map[string]string   // username → id
	rooms    map[string]string   // name → id
	members  map[string][]string // rid → usernames
	subs     map[string][]*fakeConn
	logins   int
	creates  int
	lastUser int
}

type fakeConn struct {
	ws *websocket.Conn
	mu sync.Mutex
}

func (c *fakeConn) send(ctx context.Context, v any) {
	b, _ := json.Marshal(v)
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.ws.Write(ctx, websocket.MessageText, b)
}

func newFakeChat(reject int) *fakeChat {
	return &fakeChat{reject: reject, users: map[string]string{"admin": "A1"}, rooms: map[string]string{},
		members: map[string][]string{}, subs: map[string][]*fakeConn{}}
}

func (f *fakeChat) handler() http.Handler {
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(w http.ResponseWriter, code string) {
		writeJSON(w, 400, map[string]any{"success": false, "error": code, "errorType": code})
	}
	mux.HandleFunc("POST /api/v1/login", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ User, Password string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		defer f.mu.Unlock()
		id, ok := f.users[body.User]
		if !ok || (body.Password != "pw" && body.User != "admin") {
			writeJSON(w, 401, map[string]any{"status": "error", "error": "Unauthorized"})
			return
		}
		f.logins++
		writeJSON(w, 200, map[string]any{"status": "success", "data": map[string]string{"userId": id, "authToken": "tok-" + body.User}})
	})
	mux.HandleFunc("GET /api/v1/users.info", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if id, ok := f.users[r.URL.Query().Get("username")]; ok {
			writeJSON(w, 200, map[string]any{"success": true, "user": map[string]string{"_id": id}})
			return
		}
		fail(w, "error-invalid-user")
	})
	mux.HandleFunc("POST /api/v1/users.create", func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Username, Password string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.lastUser++
		id := fmt.Sprintf("U%d", f.lastUser)
		f.users[body.Username] = id
		f.creates++
		writeJSON(w, 200, map[string]any{"success": true, "user": map[string]string{"_id": id}})
	})
	mux.HandleFunc("GET /api/v1/channels.info", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if id, ok := f.rooms[r.URL.Query().Get("roomName")]; ok {
			writeJSON(w, 200, map[string]any{"success": true, "channel": map[string]string{"_id": id}})
			return
		}
		fail(w, "error-room-not-found")
	})
	mux.HandleFunc("POST /api/v1/channels.create", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Name    string
			Members []string
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		defer f.mu.Unlock()
		id := "R-" + body.Name
		f.rooms[body.Name] = id
		f.members[id] = body.Members
		writeJSON(w, 200, map[string]any{"success": true, "channel": map[string]string{"_id": id}})
	})
	mux.HandleFunc("GET /api/v1/channels.members", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		var ms []map[string]string
		for _, name := range f.members[r.URL.Query().Get("roomId")] {
			ms = append(ms, map[string]string{"_id": f.users[name], "username": name})
		}
		writeJSON(w, 200, map[string]any{"success": true, "members": ms, "total": len(ms)})
	})
	mux.HandleFunc("POST /api/v1/channels.invite", func(w http.ResponseWriter, r *http.Request) {
		fail(w, "unexpected-invite") // every member is there already
	})
	mux.HandleFunc("GET /websocket", f.ddp)
	return mux
}

func (f *fakeChat) ddp(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ctx := r.Context()
	c := &fakeConn{ws: ws}
	for {
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		var m struct {
			Msg, ID, Method, Name string
			Params                []json.RawMessage
		}
		if json.Unmarshal(data, &m) != nil {
			return
		}
		switch {
		case m.Msg == "connect":
			c.send(ctx, map[string]string{"msg": "connected", "session": "s"})
		case m.Msg == "method" && m.Method == "login":
			// A password login (the tool's set-up) counts like a REST one and names its user.
			var p struct {
				User struct{ Username string } `json:"user"`
			}
			uid := "u"
			if len(m.Params) > 0 && json.Unmarshal(m.Params[0], &p) == nil && p.User.Username != "" {
				f.mu.Lock()
				uid = f.users[p.User.Username]
				f.logins++
				f.mu.Unlock()
			}
			c.send(ctx, map[string]any{"msg": "result", "id": m.ID, "result": map[string]any{"id": uid, "token": "t", "tokenExpires": map[string]int64{"$date": 1}}})
		case m.Msg == "sub":
			var rid string
			_ = json.Unmarshal(m.Params[0], &rid)
			if rid == "forbidden" {
				c.send(ctx, map[string]any{"msg": "nosub", "id": m.ID, "error": map[string]any{"error": "not-allowed"}})
				continue
			}
			f.mu.Lock()
			f.subs[rid] = append(f.subs[rid], c)
			f.mu.Unlock()
			c.send(ctx, map[string]any{"msg": "ready", "subs": []string{m.ID}})
		case m.Msg == "method" && m.Method == "sendMessage":
			var msg struct {
				ID  string `json:"_id"`
				RID string `json:"rid"`
				Msg string `json:"msg"`
			}
			_ = json.Unmarshal(m.Params[0], &msg)
			if strings.HasSuffix(msg.Msg, fmt.Sprintf("from user %d: the quick brown fox jumps over the lazy dog", f.reject+1)) {
				c.send(ctx, map[string]any{"msg": "result", "id": m.ID, "error": map[string]any{"error": "error-too-many-requests", "reason": "slow down"}})
				continue
			}
			doc := map[string]any{"_id": msg.ID, "rid": msg.RID, "msg": msg.Msg, "u": map[string]string{"_id": "U9", "username": "x"}}
			f.mu.Lock()
			subs := append([]*fakeConn(nil), f.subs[msg.RID]...)
			f.mu.Unlock()
			ev := map[string]any{"msg": "changed", "collection": "stream-room-messages", "id": "id", "fields": map[string]any{"eventName": msg.RID, "args": []any{doc}}}
			for _, s := range subs {
				s.send(ctx, ev)
				s.send(ctx, ev) // an update of the same message: counted once
			}
			c.send(ctx, map[string]any{"msg": "result", "id": m.ID, "result": doc})
		}
	}
}

// TestRunChatAgainstFake runs a small chat load end to end, twice (the second reuses
// the users and rooms), and checks the bookkeeping: every message sent, the rejected
// user's counted by code, every other one delivered to each room member once.
func TestRunChatAgainstFake(t *testing.T) {
	t.Parallel()
	f := newFakeChat(2) // user 3 (load-0003) is always refused
	hs := httptest.NewServer(f.handler())
	t.Cleanup(hs.Close)
	addr := strings.TrimPrefix(hs.URL, "http://")
	cfg := &config{addr: addr, user: "admin", password: "admin-pw", dialConc: 4, serverPID: os.Getpid(), stdout: io.Discard, stderr: io.Discard}
	opt := chatOptions{prefix: "load-", password: "pw", drain: 5 * time.Second, maxRate: 5}
	spec := chatSpec{name: "chat", users: 6, rooms: 2, size: 3, rate: 60, duration: 500 * time.Millisecond}

	for run := range 2 {
		r, err := runChat(t.Context(), cfg, spec, opt)
		if err != nil {
			t.Fatal(err)
		}
		// 30 messages; rooms alternate, members take turns: user 3 (index 2) is the
		// third member of room 0 and sends messages 4, 10, 16, 22, 28.
		if r.plan.messages != 30 || r.sent != 30 || r.notSent != 0 {
			t.Fatalf("run %d: %d planned, %d sent, %d not sent", run, r.plan.messages, r.sent, r.notSent)
		}
		if r.accepted != 25 || r.errorsByCode["error-too-many-requests"] != 5 || r.unanswered != 0 {
			t.Errorf("run %d: accepted %d, errors %v, unanswered %d; want 25, 5 too-many, 0", run, r.accepted, r.errorsByCode, r.unanswered)
		}
		if r.expected != 75 || r.received != 75 || len(r.lat) != 75 || len(r.rtt) != 30 {
			t.Errorf("run %d: deliveries %d/%d, %d latencies, %d RTTs; want 75/75, 75, 30", run, r.received, r.expected, len(r.lat), len(r.rtt))
		}
		if r.connected != 6 || r.subsReady != 6 || r.subsFailed != 0 || r.dropped != 0 {
			t.Errorf("run %d: %d connected, %d subs ready, %d failed, %d dropped", run, r.connected, r.subsReady, r.subsFailed, r.dropped)
		}
		if !r.serverOK || r.serverPeak.RSS < r.serverStart.RSS || r.serverStart.RSS <= 0 {
			t.Errorf("run %d: server RSS %+v → %+v", run, r.serverStart, r.serverPeak)
		}
		if len(r.errors) != 1 || !strings.Contains(r.errors[0], `"slow down"`) {
			t.Errorf("run %d: errors %q", run, r.errors)
		}
		wantCreated := 6
		if run == 1 {
			wantCreated = 0
		}
		if r.usersCreated != wantCreated || r.roomsCreated != wantCreated/3 {
			t.Errorf("run %d: created %d users and %d rooms", run, r.usersCreated, r.roomsCreated)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.creates != 6 || f.logins != 2*(1+6) || len(f.rooms) != 2 || fmt.Sprint(f.members["R-load-room-m3-002"]) != "[load-0004 load-0005 load-0006]" {
		t.Errorf("server saw %d creates, %d logins, rooms %v, members %v", f.creates, f.logins, f.rooms, f.members)
	}
}

func TestSubscribe(t *testing.T) {
	t.Parallel()
	hs := httptest.NewServer(newFakeChat(-1).handler())
	t.Cleanup(hs.Close)
	addr := strings.TrimPrefix(hs.URL, "http://")
	cc, subErrs, err := setUpChatConn(t.Context(), addr, 0, "tok", []string{"R1", "forbidden", "R2"}, []int{0, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	defer cc.c.closeNow()
	if fmt.Sprint(cc.rooms) != "[0 2]" || len(subErrs) != 1 || !strings.Contains(subErrs[0].Error(), "not-allowed") {
		t.Errorf("rooms %v, errors %v: want [0 2] and one refusal", cc.rooms, subErrs)
	}
}
