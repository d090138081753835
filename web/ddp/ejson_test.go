package ddp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/web/ddp"
)

var ts1 = time.UnixMilli(1700000000000).UTC()

type user struct {
	ID       string `json:"_id"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
}

type base struct {
	ID        string    `json:"_id"`
	UpdatedAt time.Time `json:"_updatedAt"`
}

type message struct {
	base
	RID      string               `json:"rid"`
	Msg      string               `json:"msg"`
	TS       time.Time            `json:"ts"`
	U        user                 `json:"u"`
	Mentions []user               `json:"mentions,omitempty"`
	EditedAt *time.Time           `json:"editedAt,omitempty"`
	Reads    map[string]time.Time `json:"reads,omitempty"`
	Blob     []byte               `json:"blob,omitempty"`
	Score    float64              `json:"score,omitzero"`
	Extra    any                  `json:"extra,omitempty"`
	Skip     string               `json:"-"`
	private  string
}

// upper is a json.Marshaler with a pointer receiver.
type upper string

func (u *upper) MarshalJSON() ([]byte, error) { return json.Marshal(strings.ToUpper(string(*u))) }

func TestMarshal(t *testing.T) {
	t.Parallel()
	edited := ts1.Add(time.Second)
	up := upper("shout")
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, `null`},
		{"time", ts1, `{"$date":1700000000000}`},
		{"time before 1970", time.UnixMilli(-1500), `{"$date":-1500}`},
		{"bytes", []byte("hi\x00"), `{"$binary":"aGkA"}`},
		{"nil bytes", []byte(nil), `null`},
		{"NaN", math.NaN(), `{"$InfNaN":0}`},
		{"+Inf", math.Inf(1), `{"$InfNaN":1}`},
		{"-Inf", float32(math.Inf(-1)), `{"$InfNaN":-1}`},
		{"floats as JavaScript prints them", []float64{1, 1.5, 1e21, 1e-7, 0.000001, -0}, `[1,1.5,1e+21,1e-7,0.000001,0]`},
		{"no HTML escaping", "<a href=\"x\">&</a>", `"<a href=\"x\">&</a>"`},
		{"control and invalid UTF-8", "a\nb\t\x01\xff\u2028", `"a\nb\t\u0001\ufffd\u2028"`},
		{"sorted map keys", map[string]int{"b": 2, "a": 1, "c": 3}, `{"a":1,"b":2,"c":3}`},
		{"int map keys", map[int]bool{10: true, 9: false}, `{"10":true,"9":false}`},
		{"text marshaler keys and values", map[netip.Addr]netip.Addr{netip.MustParseAddr("10.0.0.1"): netip.MustParseAddr("::1")}, `{"10.0.0.1":"::1"}`},
		{"escaped wrapper-like map", map[string]any{"$date": 5}, `{"$escape":{"$date":5}}`},
		{"escaped $type/$value", map[string]any{"$type": "x", "$value": 1}, `{"$escape":{"$type":"x","$value":1}}`},
		{"operators are not escaped", map[string]any{"$gt": ts1}, `{"$gt":{"$date":1700000000000}}`},
		{"raw message kept", json.RawMessage(`{ "b" : 1, "a" : [ 2 ] }`), `{"b":1,"a":[2]}`},
		{"pointer marshaler", &up, `"SHOUT"`},
		{"addressable pointer marshaler", &struct{ U upper }{"x"}, `{"U":"X"}`},
		{"json.Number", json.Number("12.50"), `12.50`},
		{"message", message{
			base:     base{ID: "M1", UpdatedAt: ts1},
			RID:      "GENERAL",
			Msg:      "hello",
			TS:       ts1,
			U:        user{ID: "U1", Username: "alice"},
			Mentions: []user{{ID: "U2", Username: "bob", Name: "Bob"}},
			EditedAt: &edited,
			Reads:    map[string]time.Time{"U2": ts1},
			Blob:     []byte{1, 2},
			Score:    0,
			Extra:    map[string]any{"at": []any{ts1, math.Inf(1)}},
			Skip:     "no",
			private:  "no",
		}, `{"_id":"M1","_updatedAt":{"$date":1700000000000},"rid":"GENERAL","msg":"hello","ts":{"$date":1700000000000},` +
			`"u":{"_id":"U1","username":"alice"},"mentions":[{"_id":"U2","username":"bob","name":"Bob"}],` +
			`"editedAt":{"$date":1700000001000},"reads":{"U2":{"$date":1700000000000}},"blob":{"$binary":"AQI="},` +
			`"extra":{"at":[{"$date":1700000000000},{"$InfNaN":1}]}}`},
		{"omitzero time", struct {
			T time.Time `json:"t,omitzero"`
			N int       `json:"n,omitzero"`
		}{}, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ddp.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestMarshalMatchesEncodingJSON checks that for values without EJSON types the output
// is encoding/json's (HTML escaping off).
func TestMarshalMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	type embedded struct {
		A int `json:"a"`
		B string
	}
	type conflict struct{ A int }
	values := []any{
		true, 0, -7, uint8(200), 3.14, float32(0.1), "x", []string{}, []int(nil), map[string]any{},
		[2]int{1, 2}, struct{}{}, &struct{ P *int }{},
		struct {
			embedded
			C []map[string]any `json:"c,omitempty"`
			D *embedded        `json:"d"`
			E any              `json:"e,omitempty"`
		}{embedded: embedded{A: 1, B: "b"}, D: &embedded{A: 2}},
		struct {
			embedded
			conflict
		}{}, // A is ambiguous: dropped
		struct {
			*embedded
			Z int
		}{Z: 1}, // nil embedded pointer: its fields are absent
		map[string]any{"nested": []any{1.0, "two", nil, map[string]any{"x": false}}},
	}
	for _, v := range values {
		want := stdJSON(t, v)
		got, err := ddp.Marshal(v)
		if err != nil {
			t.Fatalf("%#v: %v", v, err)
		}
		if string(got) != want {
			t.Errorf("%#v:\n got  %s\n want %s", v, got, want)
		}
	}
}

func stdJSON(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func TestMarshalErrors(t *testing.T) {
	t.Parallel()
	type node struct{ Next *node }
	loop := &node{}
	loop.Next = loop
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	for name, v := range map[string]any{
		"channel":        make(chan int),
		"func":           func() {},
		"pointer cycle":  loop,
		"map cycle":      cyclic,
		"bad raw":        json.RawMessage(`{`),
		"complex number": complex(1, 2),
	} {
		if _, err := ddp.Marshal(v); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestUnmarshal(t *testing.T) {
	t.Parallel()
	var m message
	in := `{"_id":"M1","_updatedAt":{"$date":1700000000000},"rid":"GENERAL","ts":"2023-11-14T22:13:20Z",` +
		`"u":{"_id":"U1","username":"alice"},"editedAt":{"$date":1700000001000},"reads":{"U2":{"$date":1700000000000}},` +
		`"blob":{"$binary":"AQI="},"score":{"$InfNaN":-1},"extra":{"at":[{"$date":1700000000000},{"$InfNaN":0},{"$binary":"AQI="},` +
		`{"$escape":{"$date":"literal"}},{"$gt":{"$date":1}}]},"MSG":"case-insensitive"}`
	if err := ddp.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	if m.ID != "M1" || !m.UpdatedAt.Equal(ts1) || !m.TS.Equal(ts1) || m.Msg != "case-insensitive" || m.U.Username != "alice" {
		t.Errorf("decoded %+v", m)
	}
	if m.EditedAt == nil || !m.EditedAt.Equal(ts1.Add(time.Second)) || !m.Reads["U2"].Equal(ts1) {
		t.Errorf("pointers and maps of dates: %v %v", m.EditedAt, m.Reads)
	}
	if !bytes.Equal(m.Blob, []byte{1, 2}) || !math.IsInf(m.Score, -1) {
		t.Errorf("blob %v score %v", m.Blob, m.Score)
	}
	extra, _ := m.Extra.(map[string]any)
	at, _ := extra["at"].([]any)
	if len(at) != 5 {
		t.Fatalf("extra = %#v", m.Extra)
	}
	if d, ok := at[0].(time.Time); !ok || !d.Equal(ts1) {
		t.Errorf("date into any: %#v", at[0])
	}
	if f, ok := at[1].(float64); !ok || !math.IsNaN(f) {
		t.Errorf("NaN into any: %#v", at[1])
	}
	if b, ok := at[2].([]byte); !ok || !bytes.Equal(b, []byte{1, 2}) {
		t.Errorf("binary into any: %#v", at[2])
	}
	if e, ok := at[3].(map[string]any); !ok || e["$date"] != "literal" {
		t.Errorf("$escape into any: %#v", at[3])
	}
	if op, ok := at[4].(map[string]any); !ok || !op["$gt"].(time.Time).Equal(time.UnixMilli(1)) {
		t.Errorf("operator object into any: %#v", at[4])
	}

	// A json.RawMessage gets its part as JSON, wrappers left in place.
	var raw struct {
		P json.RawMessage `json:"p"`
	}
	if err := ddp.Unmarshal([]byte(`{"p":{"ts":{"$date":1}}}`), &raw); err != nil || string(raw.P) != `{"ts":{"$date":1}}` {
		t.Errorf("raw = %s, %v", raw.P, err)
	}
	var top json.RawMessage
	if err := ddp.Unmarshal([]byte(` {"$date": 1} `), &top); err != nil || string(top) != `{"$date": 1}` {
		t.Errorf("top-level raw = %q, %v", top, err)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		dst      any
		value    string // UnmarshalTypeError.Value, "" for another error
		field    string
	}{
		{"number into string", `5`, new(string), "number", ""},
		{"string into date", `{"ts":"yesterday"}`, new(message), `string "yesterday"`, "ts"},
		{"number into date", `{"ts":5}`, new(message), "number", "ts"},
		{"date into string", `{"rid":{"$date":1}}`, new(message), "date", "rid"},
		{"date into struct", `{"u":{"$date":1}}`, new(message), "date", "u"},
		{"nested", `{"mentions":[{"_id":"a"},{"_id":7}]}`, new(message), "number", "mentions.1._id"},
		{"bad base64", `{"blob":{"$binary":"!!"}}`, new(message), "binary", "blob"},
		{"overflow", `300`, new(uint8), "number 300", ""},
		{"syntax", `{"a":`, new(any), "", ""},
		{"trailing data", `{"$date":1} x`, new(any), "", ""},
		{"not a pointer", `1`, 5, "", ""},
	}
	for _, tt := range tests {
		err := ddp.Unmarshal([]byte(tt.in), tt.dst)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		var te *json.UnmarshalTypeError
		if tt.value == "" {
			if errors.As(err, &te) {
				t.Errorf("%s: got a type error %v", tt.name, err)
			}
			continue
		}
		if !errors.As(err, &te) || te.Value != tt.value || te.Field != tt.field {
			t.Errorf("%s: got %v (%#v), want value %q field %q", tt.name, err, te, tt.value, tt.field)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	edited := ts1.Add(1500 * time.Millisecond)
	values := []any{
		&message{base: base{ID: "M", UpdatedAt: ts1}, TS: ts1, EditedAt: &edited, Reads: map[string]time.Time{"a": ts1},
			Blob: []byte("bin"), Score: math.Inf(1), Mentions: []user{{ID: "u"}}},
		&map[string][]time.Time{"days": {ts1, ts1.Add(24 * time.Hour)}},
		&[]any{ts1, []byte{0}, map[string]any{"$date": "not a date"}, -1.5, "s", nil, true},
	}
	for _, v := range values {
		b, err := ddp.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		back := reflect.New(reflect.TypeOf(v).Elem())
		if err := ddp.Unmarshal(b, back.Interface()); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		again, err := ddp.Marshal(back.Interface())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, again) {
			t.Errorf("round trip changed\n  %s\nto\n  %s", b, again)
		}
	}
}
