package docdb

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

func randTree(r *rand.Rand, depth int) any {
	switch r.IntN(14) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return int32(r.Int32() - 1<<30)
	case 3:
		return r.Int64() - 1<<62
	case 4:
		return r.NormFloat64() * 1e6
	case 5:
		return time.UnixMilli(r.Int64N(1 << 42)).UTC()
	case 6:
		return Binary{Subtype: byte(r.IntN(5)), Data: []byte("bin\x00\xff" + string(rune(r.IntN(1000))))}
	case 7:
		var id ObjectID
		for i := range id {
			id[i] = byte(r.IntN(256))
		}
		return id
	case 8:
		return Regex{Pattern: "^a\"b\\\\c", Options: "i"}
	case 9:
		return Timestamp(r.Uint64() >> 1)
	case 10:
		if depth > 3 {
			return "leaf"
		}
		n := r.IntN(4)
		a := make([]any, n)
		for i := range a {
			a[i] = randTree(r, depth+1)
			if _, nested := a[i].([]any); nested {
				a[i] = "leaf" // FerretDB refuses arrays directly inside arrays
			}
		}
		return a
	case 11:
		if depth > 3 {
			return "leaf"
		}
		return randDoc(r, depth+1)
	}
	strs := []string{"", "plain", "quote\"back\\slash", "<html>&amp;", "tab\tnl\n", "ünïcødé ✓ 🎉", "\u2028x", "ctl\x01"}
	return strs[r.IntN(len(strs))]
}

func randDoc(r *rand.Rand, depth int) Doc {
	n := r.IntN(6)
	d := make(Doc, 0, n)
	keys := []string{"_id", "a", "b_c", "x y", "ü", "k-q", "rid", "ts", "u"}
	r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	for i := 0; i < n; i++ {
		d = append(d, Field{keys[i], randTree(r, depth)})
	}
	return d
}

func TestFastDecoderMatches(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for i := 0; i < 200000; i++ {
		d := randDoc(r, 0)
		data, err := marshalDoc(d)
		if err != nil {
			t.Fatal(err)
		}
		want, err := unmarshalDocSlow(data)
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		got, ok := fastUnmarshalDoc(data)
		if !ok {
			t.Fatalf("fast path refused canonical %s", data)
		}
		fast++
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s:\nfast %#v\nslow %#v", data, got, want)
		}
	}
	// Non-canonical inputs must be refused or decode the same.
	odd := []string{
		`{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]}, "a":1}`,
		`{"a":1,"$s":{"p":{"a":{"t":"int"}},"$k":["a"]}}`,
		`{"$s":{"p":{"a":{"t":"int"},"b":{"t":"int"}},"$k":["a","b"]},"b":2,"a":1}`,
		`{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":1,"a":2}`,
		`{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":1.5}`,
		`{"$s":{"p":{"a":{"t":"string"}},"$k":["a"]},"a":"x\ud83d\ude00y"}`,
		`{"$s":{"p":{"a":{"t":"string"}},"$k":["a"]},"a":"\xff"}`,
		`{"$s":{"p":{"a":{"t":"object","$s":{"p":{"b":{"t":"int"}},"$k":["b"]}}},"$k":["a"]},"a":{"b":1,"c":2}}`,
		`{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":null}`,
		`{"$s":{},}`,
		`{"$s":{}}`,
		`{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":1}x`,
		`{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":+1}`,
		`{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":01}`,
		`{"$s":{"p":{"a":{"t":"double"}},"$k":["a"]},"a":1.}`,
		`{"$s":{"p":{"a":{"t":"double"}},"$k":["a"]},"a":-1.5e+3}`,
		`{"$s":{"p":{"a":{"t":"double"}},"$k":["a"]},"a":.5}`,
		`{"$s":{"p":{"a":{"t":"date"}},"$k":["a"]},"a":-5}`,
		`{"$s":{"p":{"a":{"t":"int"}},"$k":["a","a"]},"a":1,"a":2}`,
		`{"$s":{"p":{"o":{"t":"object","$s":{"p":{"a":{"t":"int"}},"$k":["a","a"]}}},"$k":["o"]},"o":{"a":1,"a":2}}`,
		`{"$s":{"p":{"a":{"t":"int"}},"$k":["a","b"]},"a":1,"b":null}`,
	}
	for _, s := range odd {
		want, werr := unmarshalDocSlow([]byte(s))
		got, ok := fastUnmarshalDoc([]byte(s))
		if ok && (werr != nil || !reflect.DeepEqual(got, want)) {
			t.Errorf("%s: fast %#v, slow %#v %v", s, got, want, werr)
		}
	}
}

func BenchmarkDecodeMessage(b *testing.B) {
	data := []byte(`{"$s":{"p":{"_id":{"t":"string"},"rid":{"t":"string"},"msg":{"t":"string"},"ts":{"t":"date"},"u":{"t":"object","$s":{"p":{"_id":{"t":"string"},"username":{"t":"string"},"name":{"t":"string"}},"$k":["_id","username","name"]}},"_updatedAt":{"t":"date"},"md":{"t":"array","i":[{"t":"object","$s":{"p":{"type":{"t":"string"},"value":{"t":"array","i":[{"t":"object","$s":{"p":{"type":{"t":"string"},"value":{"t":"string"}},"$k":["type","value"]}}]}},"$k":["type","value"]}}]},"mentions":{"t":"array","i":[]}},"$k":["_id","rid","msg","ts","u","_updatedAt","md","mentions"]},"_id":"p53qGgLZcLYG8yomM","rid":"btExGy2XFxLbAXMBa","msg":"review did coffee notes on meeting server failing the merged prod rollback ok fine done check check customer","ts":1672531211941,"u":{"_id":"99LuSDRMv9YXk5peR","username":"user124","name":"User Number 124"},"_updatedAt":1672531211941,"md":[{"type":"PARAGRAPH","value":[{"type":"PLAIN_TEXT","value":"review did coffee notes on meeting server failing the merged prod rollback ok fine done check check customer"}]}],"mentions":[]}`)
	b.Run("slow", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, err := unmarshalDocSlow(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, ok := fastUnmarshalDoc(data); !ok {
				b.Fatal("refused")
			}
		}
	})
}

// FuzzFastDecoder checks that the fast path never accepts what the general decoder
// rejects and decodes everything it accepts the same way.
func FuzzFastDecoder(f *testing.F) {
	for _, tc := range codecCases {
		data, err := marshalDoc(tc.doc)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, tc := range badSJSON {
		f.Add([]byte(tc.in))
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		data, err := marshalDoc(randDoc(r, 0))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := fastUnmarshalDoc(data)
		if !ok {
			return
		}
		want, err := unmarshalDocSlow(data)
		if err != nil {
			t.Fatalf("fast path accepted what the general decoder rejects (%v): %q", err, data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nfast %#v\nslow %#v", data, got, want)
		}
	})
}
