package docdb

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

type structInner struct {
	A json.RawMessage `json:"a"`
	N int64           `json:"_id"`
	S string          `json:"k-q"`
	P *structInner    `json:"ü"`
	T *time.Time      `json:"ts"`
	L []structInner   `json:"u"`
	B bool            `json:"b_c"`
	X []string        `json:"x y"`
	I int32           `json:"rid"`
}

type structOuter struct {
	A   json.RawMessage `json:"a"`
	B   *structInner    `json:"b_c"`
	U   structInner     `json:"u"`
	TS  time.Time       `json:"ts"`
	Any any             `json:"rid"`
	X   string          `json:"x y"`
}

// The struct decoder must give what the general path (tree, then assign) gives, for
// every document: the same value, or an error from both.
func TestFastStructDecoderMatches(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	agree := 0
	for range 100000 {
		d := randDoc(r, 0)
		data, err := marshalDoc(d)
		if err != nil {
			t.Fatal(err)
		}
		var want structOuter
		werr := fromDoc(mustSlow(t, data), &want)
		var got structOuter
		gerr := decodeInto(data, &got)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%s: error fast %v, general %v", data, gerr, werr)
		}
		if werr == nil {
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s:\nfast    %#v\ngeneral %#v", data, got, want)
			}
			agree++
		}
	}
	t.Logf("%d of 100000 documents fitted the struct", agree)
	if agree < 1000 {
		t.Errorf("only %d documents fitted the struct", agree)
	}
}

func mustSlow(t *testing.T, data []byte) Doc {
	t.Helper()
	d, err := unmarshalDocSlow(data)
	if err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return d
}

// A JSON-only subtree is kept as stored; anything else (dates, bad UTF-8) goes through
// the tree and comes out as the same JSON the general path gives.
func TestRawMessageField(t *testing.T) {
	cases := []struct{ doc, want string }{
		{`{"$s":{"p":{"a":{"t":"array","i":[{"t":"object","$s":{"p":{"type":{"t":"string"},"n":{"t":"int"},"f":{"t":"double"}},"$k":["type","n","f"]}}]}},"$k":["a"]},"a":[{"type":"P","n":3,"f":1.5}]}`,
			`[{"type":"P","n":3,"f":1.5}]`},
		{`{"$s":{"p":{"a":{"t":"object","$s":{"p":{"d":{"t":"date"}},"$k":["d"]}}},"$k":["a"]},"a":{"d":0}}`,
			`{"d":"1970-01-01T00:00:00Z"}`},
		{`{"$s":{"p":{"a":{"t":"array","i":[{"t":"string"}]}},"$k":["a"]},"a":["\ud83d\ude00 \u003c"]}`,
			`["\ud83d\ude00 \u003c"]`},
		{"{\"$s\":{\"p\":{\"a\":{\"t\":\"array\",\"i\":[{\"t\":\"string\"}]}},\"$k\":[\"a\"]},\"a\":[\"bad \xff\"]}",
			"[\"bad \ufffd\"]"},
		{`{"$s":{"p":{"a":{"t":"null"}},"$k":["a"]},"a":null}`, ``},
	}
	for _, c := range cases {
		var got structOuter
		if err := decodeInto([]byte(c.doc), &got); err != nil {
			t.Fatalf("%s: %v", c.doc, err)
		}
		if string(got.A) != c.want {
			t.Errorf("%s: a = %s, want %s", c.doc, got.A, c.want)
		}
	}
}

// Storing a json.RawMessage keeps its key order and gives integers Node's BSON types.
func TestRawMessageStored(t *testing.T) {
	v, err := toValue(reflect.ValueOf(json.RawMessage(`{"z":1,"a":[3000000000,1.5,"s",true,null,{}]}`)))
	if err != nil {
		t.Fatal(err)
	}
	want := Doc{{"z", int32(1)}, {"a", []any{int64(3000000000), 1.5, "s", true, nil, Doc{}}}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("tree = %#v, want %#v", v, want)
	}
	for _, bad := range []string{`{"a":`, `[1] 2`, `{"a":1}}`} {
		if _, err := toValue(reflect.ValueOf(json.RawMessage(bad))); err == nil {
			t.Errorf("%s: stored without error", bad)
		}
	}
}

func FuzzStructDecoder(f *testing.F) {
	for _, tc := range codecCases {
		if data, err := marshalDoc(tc.doc); err == nil {
			f.Add(data)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 50 {
		if data, err := marshalDoc(randDoc(r, 0)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got structOuter
		if !fastDecodeStruct(data, reflect.ValueOf(&got).Elem()) {
			return
		}
		d, err := unmarshalDocSlow(data)
		if err != nil {
			t.Fatalf("fast path accepted what the general decoder rejects (%v): %q", err, data)
		}
		var want structOuter
		if err := fromDoc(d, &want); err != nil {
			t.Fatalf("fast path filled what assign rejects (%v): %q", err, data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nfast    %#v\ngeneral %#v", data, got, want)
		}
	})
}
