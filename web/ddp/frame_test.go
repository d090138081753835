package ddp

import (
	"encoding/json"
	"testing"
)

func TestParseFrame(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		data   string
		sockjs bool
		msgs   []string // the msg field of each message; nil with ok=false for errFrame
		ok     bool
	}{
		{"raw message", `{"msg":"ping","id":"1"}`, false, []string{"ping"}, true},
		{"raw with spaces", " \n{\"msg\":\"pong\"}\n", false, []string{"pong"}, true},
		{"raw without msg", `{"id":"1"}`, false, []string{""}, true},
		{"raw array", `[{"msg":"ping"}]`, false, nil, false},
		{"raw string", `"x"`, false, nil, false},
		{"raw null", `null`, false, nil, false},
		{"raw garbage", `{"msg":`, false, nil, false},
		{"raw empty", ``, false, nil, false},
		{"sockjs one", `["{\"msg\":\"ping\"}"]`, true, []string{"ping"}, true},
		{"sockjs batch", `["{\"msg\":\"ping\"}","{\"msg\":\"sub\",\"id\":\"1\",\"name\":\"x\"}"]`, true, []string{"ping", "sub"}, true},
		{"sockjs bare string", `"{\"msg\":\"ping\"}"`, true, []string{"ping"}, true},
		{"sockjs empty frame", ``, true, nil, true},
		{"sockjs empty array", `[]`, true, nil, true},
		{"sockjs array of objects", `[{"msg":"ping"}]`, true, nil, false},
		{"sockjs inner garbage", `["{"]`, true, nil, false},
		{"sockjs inner array", `["[1]"]`, true, nil, false},
		{"sockjs not JSON", `hello`, true, nil, false},
	}
	for _, tt := range tests {
		msgs, err := parseFrame([]byte(tt.data), tt.sockjs)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
			continue
		}
		if len(msgs) != len(tt.msgs) {
			t.Errorf("%s: %d messages, want %d", tt.name, len(msgs), len(tt.msgs))
			continue
		}
		for i, m := range msgs {
			if kind, _ := rawString(m.Msg); kind != tt.msgs[i] {
				t.Errorf("%s: message %d msg %q, want %q", tt.name, i, kind, tt.msgs[i])
			}
		}
	}
}

func TestRawHelpers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		raw  string
		want string
		ok   bool
	}{
		{`"abc"`, "abc", true},
		{`"a\"b\u00e9\ud83d\ude00"`, "a\"bé😀", true},
		{`5`, "", false},
		{``, "", false},
		{`null`, "", false},
	} {
		got, ok := rawString(json.RawMessage(tt.raw))
		if got != tt.want || ok != tt.ok {
			t.Errorf("rawString(%s) = %q, %v", tt.raw, got, ok)
		}
	}
	for _, tt := range []struct {
		raw string
		n   int
		ok  bool
	}{{``, 0, true}, {`null`, 0, true}, {`[]`, 0, true}, {`[1,"a",{}]`, 3, true}, {`{}`, 0, false}, {`"a"`, 0, false}} {
		ps, ok := rawParams(json.RawMessage(tt.raw))
		if len(ps) != tt.n || ok != tt.ok {
			t.Errorf("rawParams(%s) = %d, %v", tt.raw, len(ps), ok)
		}
	}
}

func TestStripFiller(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{`["alice",["user-typing"],{},""]`, `["alice",["user-typing"],{}]`},
		{`["bob",[],{"twoFactorCode":"1","twoFactorMethod":"totp"}]`, `["bob",[]]`},
		{`["bob",{"twoFactorMethod":"password"}]`, `["bob"]`},
		{`["alice",["user-typing"],{}]`, `["alice",["user-typing"],{}]`},
		{`["alice",{"tmid":"T"}]`, `["alice",{"tmid":"T"}]`},
		{`["a",{"twoFactorCode":"1","x":2}]`, `["a",{"twoFactorCode":"1","x":2}]`},
		{`["a","",""]`, `["a",""]`},
		{`[]`, `[]`},
	} {
		var in []json.RawMessage
		if err := json.Unmarshal([]byte(tt.in), &in); err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(stripFiller(in))
		if string(out) != tt.want {
			t.Errorf("stripFiller(%s) = %s, want %s", tt.in, out, tt.want)
		}
	}
}

// FuzzFrame feeds arbitrary frames to the parser: it must never panic, and whatever it
// accepts must be JSON objects whose fields the handlers can read.
func FuzzFrame(f *testing.F) {
	for _, seed := range []struct {
		data   string
		sockjs bool
	}{
		{`{"msg":"connect","version":"1","support":["1","pre2","pre1"]}`, false},
		{`{"msg":"method","id":"1","method":"login","params":[{"resume":"tok"}],"randomSeed":"s"}`, false},
		{`{"msg":"sub","id":"ddp-6","name":"stream-notify-user","params":["U1/message",{"useCollection":false,"args":[false]}]}`, false},
		{`{"msg":"ping","id":42}`, false},
		{`["{\"msg\":\"ping\"}","{\"msg\":\"unsub\",\"id\":\"1\"}"]`, true},
		{`"{\"msg\":\"pong\"}"`, true},
		{`[]`, true},
		{``, true},
		{`{"msg":`, false},
		{"\xff\xfe", true},
		{`[{"a":1}]`, true},
		{`{"msg":"method","params":{"$date":1}}`, false},
	} {
		f.Add([]byte(seed.data), seed.sockjs)
	}
	f.Fuzz(func(t *testing.T, data []byte, sockjs bool) {
		msgs, err := parseFrame(data, sockjs)
		if err != nil {
			if msgs != nil {
				t.Fatalf("error %v with messages", err)
			}
			return
		}
		if !sockjs && len(msgs) != 1 {
			t.Fatalf("raw frame gave %d messages", len(msgs))
		}
		for _, m := range msgs {
			if !json.Valid(m.raw) || m.raw[0] != '{' {
				t.Fatalf("accepted a message that is not a JSON object: %q", m.raw)
			}
			_, _ = rawString(m.Msg)
			_, _ = rawString(m.ID)
			_, _ = rawParams(m.Params)
			mc, err := ParseMethodCall(m.raw)
			if err == nil && mc.Method == "" && string(m.Method) != `""` {
				t.Fatalf("ParseMethodCall accepted %q without a method", m.raw)
			}
		}
	})
}

// FuzzUnmarshal checks that EJSON decoding never panics and that whatever decodes into
// an empty interface encodes again.
func FuzzUnmarshal(f *testing.F) {
	for _, seed := range []string{
		`{"$date":1700000000000}`, `{"$binary":"AQI="}`, `{"$InfNaN":-1}`, `{"$escape":{"$date":1}}`,
		`[{"ts":{"$date":1}},{"$date":1.5e3}]`, `{"a":{"$gt":{"$date":-5}}}`, `"2023-11-14T22:13:20Z"`, `{"$date":"x"}`,
		`{"$date":1e300}`, `1`, `null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if err := Unmarshal(data, &v); err == nil {
			if _, err := Marshal(v); err != nil {
				t.Fatalf("decoded %q into %#v, which does not encode: %v", data, v, err)
			}
		}
		var s struct {
			TS   []any            `json:"ts"`
			M    map[string]int64 `json:"m"`
			B    []byte           `json:"b"`
			F    float32          `json:"f"`
			P    *struct{ X uint8 }
			Raw  json.RawMessage
			Arr  [2]bool
			Text []string
		}
		_ = Unmarshal(data, &s)
	})
}
