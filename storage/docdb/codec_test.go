package docdb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sameTree reports whether two document trees are equal value for value and type for
// type; unlike reflect.DeepEqual it tells -0 from 0 and compares times by instant and
// location.
func sameTree(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location() == y.Location()
	case Doc:
		y, ok := b.(Doc)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i].Key != y[i].Key || !sameTree(x[i].Value, y[i].Value) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for i := range x {
			if !sameTree(x[i], y[i]) {
				return false
			}
		}
		return true
	case Binary:
		y, ok := b.(Binary)
		return ok && x.Subtype == y.Subtype && bytes.Equal(x.Data, y.Data) && (x.Data == nil) == (y.Data == nil)
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b) && reflect.DeepEqual(a, b)
}

func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

var testOID = ObjectID{0x65, 0x0f, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70, 0x81, 0x92, 0xa3}

// codecCases are documents that must survive marshalDoc → unmarshalDoc unchanged. When
// json is set it is the exact text FerretDB v1.24.2 writes for the document (its sjson
// package: json.Marshal for every scalar, schema before values, keys in order).
var codecCases = []struct {
	name string
	doc  Doc
	json string
}{
	{"empty document", Doc{}, `{"$s":{}}`},
	{"string", Doc{{"s", "bar"}}, `{"$s":{"p":{"s":{"t":"string"}},"$k":["s"]},"s":"bar"}`},
	{"empty string", Doc{{"s", ""}}, `{"$s":{"p":{"s":{"t":"string"}},"$k":["s"]},"s":""}`},
	{"unicode string", Doc{{"s", "héllo wörld 世界 🎉 \u00a0"}}, ""},
	{"quotes and backslashes", Doc{{"s", `say "hi" \o/ '`}}, `{"$s":{"p":{"s":{"t":"string"}},"$k":["s"]},"s":"say \"hi\" \\o/ '"}`},
	{"control characters", Doc{{"s", "\x00\x01\x1f\n\r\t\x7f"}}, ""},
	{"unicode keys", Doc{{"ключ", int32(1)}, {"キー", int32(2)}, {"<&>", int32(3)}}, ""},
	{"int32", Doc{{"zero", int32(0)}, {"one", int32(1)}, {"neg", int32(-1)}, {"max", int32(math.MaxInt32)}, {"min", int32(math.MinInt32)}},
		`{"$s":{"p":{"zero":{"t":"int"},"one":{"t":"int"},"neg":{"t":"int"},"max":{"t":"int"},"min":{"t":"int"}},"$k":["zero","one","neg","max","min"]},"zero":0,"one":1,"neg":-1,"max":2147483647,"min":-2147483648}`},
	{"int64", Doc{{"small", int64(5)}, {"big", int64(math.MaxInt32) + 1}, {"neg", int64(math.MinInt32) - 1}, {"max", int64(math.MaxInt64)}, {"min", int64(math.MinInt64)}},
		`{"$s":{"p":{"small":{"t":"long"},"big":{"t":"long"},"neg":{"t":"long"},"max":{"t":"long"},"min":{"t":"long"}},"$k":["small","big","neg","max","min"]},"small":5,"big":2147483648,"neg":-2147483649,"max":9223372036854775807,"min":-9223372036854775808}`},
	{"doubles", Doc{{"frac", 1.5}, {"integral", 1.0}, {"neg", -2.25}, {"negzero", math.Copysign(0, -1)}, {"zero", 0.0}},
		`{"$s":{"p":{"frac":{"t":"double"},"integral":{"t":"double"},"neg":{"t":"double"},"negzero":{"t":"double"},"zero":{"t":"double"}},"$k":["frac","integral","neg","negzero","zero"]},"frac":1.5,"integral":1,"neg":-2.25,"negzero":-0,"zero":0}`},
	{"large and tiny doubles", Doc{{"big", 1e21}, {"huge", math.MaxFloat64}, {"tiny", 5e-324}, {"third", 1.0 / 3}, {"beyondint64", 1e19}},
		`{"$s":{"p":{"big":{"t":"double"},"huge":{"t":"double"},"tiny":{"t":"double"},"third":{"t":"double"},"beyondint64":{"t":"double"}},"$k":["big","huge","tiny","third","beyondint64"]},"big":1e+21,"huge":1.7976931348623157e+308,"tiny":5e-324,"third":0.3333333333333333,"beyondint64":10000000000000000000}`},
	{"bools", Doc{{"t", true}, {"f", false}}, `{"$s":{"p":{"t":{"t":"bool"},"f":{"t":"bool"}},"$k":["t","f"]},"t":true,"f":false}`},
	{"dates", Doc{{"now", ms(1700000000123)}, {"epoch", ms(0)}, {"before1970", ms(-1)}, {"y1900", ms(-2208988800000 + 7)}},
		`{"$s":{"p":{"now":{"t":"date"},"epoch":{"t":"date"},"before1970":{"t":"date"},"y1900":{"t":"date"}},"$k":["now","epoch","before1970","y1900"]},"now":1700000000123,"epoch":0,"before1970":-1,"y1900":-2208988799993}`},
	{"extreme dates", Doc{{"min", ms(math.MinInt64)}, {"max", ms(math.MaxInt64)}, {"year0", ms(-62135596800001)}, {"year10000", ms(253402300800000)}},
		`{"$s":{"p":{"min":{"t":"date"},"max":{"t":"date"},"year0":{"t":"date"},"year10000":{"t":"date"}},"$k":["min","max","year0","year10000"]},"min":-9223372036854775808,"max":9223372036854775807,"year0":-62135596800001,"year10000":253402300800000}`},
	{"null", Doc{{"n", nil}}, `{"$s":{"p":{"n":{"t":"null"}},"$k":["n"]},"n":null}`},
	{"nested documents", Doc{{"_id", "x"}, {"u", Doc{{"_id", "U1"}, {"name", "Ann"}, {"deep", Doc{{"deeper", Doc{{"v", int32(1)}}}}}}}},
		`{"$s":{"p":{"_id":{"t":"string"},"u":{"t":"object","$s":{"p":{"_id":{"t":"string"},"name":{"t":"string"},"deep":{"t":"object","$s":{"p":{"deeper":{"t":"object","$s":{"p":{"v":{"t":"int"}},"$k":["v"]}}},"$k":["deeper"]}}},"$k":["_id","name","deep"]}}},"$k":["_id","u"]},"_id":"x","u":{"_id":"U1","name":"Ann","deep":{"deeper":{"v":1}}}}`},
	{"empty nested document", Doc{{"e", Doc{}}}, `{"$s":{"p":{"e":{"t":"object","$s":{}}},"$k":["e"]},"e":{}}`},
	{"empty array", Doc{{"a", []any{}}}, `{"$s":{"p":{"a":{"t":"array","i":[]}},"$k":["a"]},"a":[]}`},
	{"mixed array", Doc{{"a", []any{"s", int32(1), int64(2), 3.5, true, nil, ms(5), testOID}}},
		`{"$s":{"p":{"a":{"t":"array","i":[{"t":"string"},{"t":"int"},{"t":"long"},{"t":"double"},{"t":"bool"},{"t":"null"},{"t":"date"},{"t":"objectId"}]}},"$k":["a"]},"a":["s",1,2,3.5,true,null,5,"650f1a2b3c4d5e6f708192a3"]}`},
	{"array of documents", Doc{{"emails", []any{Doc{{"address", "a@x.org"}, {"verified", true}}, Doc{}, Doc{{"address", "b@x.org"}, {"verified", false}}}}},
		`{"$s":{"p":{"emails":{"t":"array","i":[{"t":"object","$s":{"p":{"address":{"t":"string"},"verified":{"t":"bool"}},"$k":["address","verified"]}},{"t":"object","$s":{}},{"t":"object","$s":{"p":{"address":{"t":"string"},"verified":{"t":"bool"}},"$k":["address","verified"]}}]}},"$k":["emails"]},"emails":[{"address":"a@x.org","verified":true},{},{"address":"b@x.org","verified":false}]}`},
	{"binary", Doc{{"generic", Binary{0, []byte("hello")}}, {"uuid", Binary{4, []byte{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0}}}, {"user", Binary{0x80, []byte{0, 255}}}, {"empty", Binary{2, []byte{}}}},
		`{"$s":{"p":{"generic":{"t":"binData","s":0},"uuid":{"t":"binData","s":4},"user":{"t":"binData","s":128},"empty":{"t":"binData","s":2}},"$k":["generic","uuid","user","empty"]},"generic":"aGVsbG8=","uuid":"EjRWeJq83vASNFZ4mrze8A==","user":"AP8=","empty":""}`},
	{"objectId", Doc{{"_id", testOID}}, `{"$s":{"p":{"_id":{"t":"objectId"}},"$k":["_id"]},"_id":"650f1a2b3c4d5e6f708192a3"}`},
	{"regex", Doc{{"r", Regex{Pattern: `^a.*"b\d$`, Options: "im"}}, {"plain", Regex{Pattern: "x"}}},
		`{"$s":{"p":{"r":{"t":"regex","o":"im"},"plain":{"t":"regex","o":""}},"$k":["r","plain"]},"r":"^a.*\"b\\d$","plain":"x"}`},
	{"timestamp", Doc{{"ts", Timestamp(1700000000<<32 | 7)}, {"max", Timestamp(math.MaxUint64)}},
		`{"$s":{"p":{"ts":{"t":"timestamp"},"max":{"t":"timestamp"}},"$k":["ts","max"]},"ts":7301444403200000007,"max":18446744073709551615}`},
}

func TestCodecRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range codecCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, err := marshalDoc(tc.doc)
			if err != nil {
				t.Fatalf("marshalDoc: %v", err)
			}
			if !json.Valid(data) {
				t.Fatalf("marshalDoc wrote invalid JSON: %s", data)
			}
			if tc.json != "" && string(data) != tc.json {
				t.Errorf("marshalDoc:\n got %s\nwant %s", data, tc.json)
			}
			got, err := unmarshalDoc(data)
			if err != nil {
				t.Fatalf("unmarshalDoc(%s): %v", data, err)
			}
			if !sameTree(got, tc.doc) {
				t.Errorf("round trip changed the document:\n got %#v\nwant %#v", got, tc.doc)
			}
			// What FerretDB wrote decodes to the same document, whatever its layout.
			if tc.json != "" {
				got, err := unmarshalDoc([]byte(tc.json))
				if err != nil || !sameTree(got, tc.doc) {
					t.Errorf("unmarshalDoc(FerretDB's text) = %#v, %v", got, err)
				}
			}
		})
	}
}

// TestCodecReadsFerretDBLayout decodes text laid out the way FerretDB may write it
// (whitespace, schema keys in another order, values before the schema).
func TestCodecReadsFerretDBLayout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   string
		want Doc
	}{
		{"indented", "{\n \"$s\": {\n  \"p\": {\"foo\": {\"t\": \"string\"}},\n  \"$k\": [\"foo\"]\n },\n \"foo\": \"bar\"\n}", Doc{{"foo", "bar"}}},
		{"key order from $k, not from the text", `{"b":2,"$s":{"$k":["a","b"],"p":{"b":{"t":"int"},"a":{"t":"long"}}},"a":1}`, Doc{{"a", int64(1)}, {"b", int32(2)}}},
		{"double written as integer", `{"$s":{"p":{"d":{"t":"double"}},"$k":["d"]},"d":3}`, Doc{{"d", 3.0}}},
		{"double in exponent form", `{"$s":{"p":{"d":{"t":"double"}},"$k":["d"]},"d":1e+21}`, Doc{{"d", 1e21}}},
		{"html-escaped string", `{"$s":{"p":{"s":{"t":"string"}},"$k":["s"]},"s":"\u003ca\u0026b\u003e\u2028"}`, Doc{{"s", "<a&b>\u2028"}}},
		// FerretDB refuses to write arrays in arrays, and so does docdb, but both read them.
		{"arrays in arrays", `{"$s":{"p":{"a":{"t":"array","i":[{"t":"array","i":[]},{"t":"array","i":[{"t":"int"},{"t":"array","i":[{"t":"string"}]}]}]}},"$k":["a"]},"a":[[],[1,["x"]]]}`,
			Doc{{"a", []any{[]any{}, []any{int32(1), []any{"x"}}}}}},
		{"null with any schema", `{"$s":{"p":{"n":{"t":"string"}},"$k":["n"]},"n":null}`, Doc{{"n", nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := unmarshalDoc([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !sameTree(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

// TestCodecStringsMatchEncodingJSON checks that strings are written byte for byte as
// FerretDB writes them (encoding/json, HTML escaping on). SQLite's -> operator returns a
// value's JSON text without normalising escapes, and FerretDB's _id index, its unique
// indexes (rid_1_u._id_1) and its `WHERE _ferretdb_sjson->'$._id' = ?` lookups all compare
// that text: a string written with different escapes is a different key to them.
func TestCodecStringsMatchEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"plain", "", `"\`, "a<b>&c", "<script>", "line\u2028sep\u2029para", "\b\f", "\x00\x1f\x7f", "tab\tnl\ncr\r", "é世🎉",
	} {
		t.Run(fmt.Sprintf("%q", s), func(t *testing.T) {
			t.Parallel()
			data, err := marshalDoc(Doc{{"s", s}})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(s)
			wantDoc := `{"$s":{"p":{"s":{"t":"string"}},"$k":["s"]},"s":` + string(want) + `}`
			if string(data) != wantDoc {
				t.Errorf("value of %q written as\n %s\nFerretDB writes\n %s", s, data, wantDoc)
			}
		})
	}
}

func TestMarshalDocRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		doc  Doc
		want string // part of the error
	}{
		{"$ key", Doc{{"$set", int32(1)}}, "starts with '$'"},
		{"$ key nested", Doc{{"a", Doc{{"$inc", int32(1)}}}}, "starts with '$'"},
		{"$ key in array of documents", Doc{{"a", []any{Doc{{"ok", true}}, Doc{{"$where", "x"}}}}}, "starts with '$'"},
		{"$s key", Doc{{"$s", "schema"}}, "starts with '$'"},
		{"invalid UTF-8 key", Doc{{"a\xffb", int32(1)}}, "UTF-8"},
		{"invalid UTF-8 nested key", Doc{{"a", Doc{{"\xc3", int32(1)}}}}, "UTF-8"},
		{"invalid UTF-8 string", Doc{{"s", "bad \xff byte"}}, "UTF-8"},
		{"invalid UTF-8 string in array", Doc{{"a", []any{"ok", "\xed\xa0\x80"}}}, "UTF-8"},
		{"NaN", Doc{{"d", math.NaN()}}, "unsupported double"},
		{"+Inf", Doc{{"d", math.Inf(1)}}, "unsupported double"},
		{"-Inf nested", Doc{{"a", Doc{{"d", math.Inf(-1)}}}}, "unsupported double"},
		{"NaN in array", Doc{{"a", []any{1.0, math.NaN()}}}, "unsupported double"},
		{"duplicate keys", Doc{{"a", int32(1)}, {"b", int32(2)}, {"a", int32(3)}}, "duplicate key"},
		{"duplicate keys nested", Doc{{"u", Doc{{"_id", "x"}, {"_id", "y"}}}}, "duplicate key"},
		{"Go int", Doc{{"n", 1}}, "unsupported type"},
		{"float32", Doc{{"n", float32(1)}}, "unsupported type"},
		{"map", Doc{{"m", map[string]any{"a": 1}}}, "unsupported type"},
		{"string slice", Doc{{"a", []string{"x"}}}, "unsupported type"},
		{"pointer", Doc{{"p", new(string)}}, "unsupported type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, err := marshalDoc(tc.doc)
			if err == nil {
				t.Fatalf("marshalDoc accepted it: %s", data)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// TestMarshalDocRejectsWhatFerretDBRejects: BSON keys and regex parts are C strings, so
// a NUL in them cannot be sent to a Mongo client (FerretDB fails every query returning
// such a document); FerretDB's validation refuses keys with '.' and arrays directly in
// arrays, and it writes top-level keys into its JSON unescaped (a '"', '\' or control
// character makes malformed JSON, which SQLite refuses), so it could neither update such
// a document nor restore it from a dump.
func TestMarshalDocRejectsWhatFerretDBRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		doc  Doc
	}{
		{"NUL in key", Doc{{"a\x00b", int32(1)}}},
		{"NUL in nested key", Doc{{"a", Doc{{"\x00", int32(1)}}}}},
		{"NUL in regex pattern", Doc{{"r", Regex{Pattern: "a\x00b"}}}},
		{"NUL in regex options", Doc{{"r", Regex{Pattern: "a", Options: "i\x00"}}}},
		{"quote in key", Doc{{`a"b`, int32(1)}}},
		{"backslash in key", Doc{{`a\b`, int32(1)}}},
		{"control character in key", Doc{{"a\nb", int32(1)}}},
		{"dot in key", Doc{{"a.b", int32(1)}}},
		{"dot in nested key", Doc{{"u", Doc{{"x.y", int32(1)}}}}},
		{"array in array", Doc{{"a", []any{[]any{int32(1)}}}}},
		{"array in array in document in array", Doc{{"a", []any{Doc{{"b", []any{int32(1), []any{}}}}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if data, err := marshalDoc(tc.doc); err == nil {
				t.Errorf("marshalDoc accepted it: %s", data)
			}
		})
	}
}

var badSJSON = []struct{ name, in string }{
	{"empty input", ``},
	{"garbage", `garbage`},
	{"json null", `null`},
	{"json array", `[1,2]`},
	{"json string", `"foo"`},
	{"no schema", `{"foo":"bar"}`},
	{"empty object", `{}`},
	{"trailing data", `{"$s":{"p":{"foo":{"t":"string"}},"$k":["foo"]},"foo":"bar"}foo`},
	{"schema is a string", `{"$s":"x"}`},
	{"keys not a list", `{"$s":{"p":{},"$k":"a"},"a":1}`},
	{"value without schema key", `{"$s":{"p":{},"$k":[]},"foo":"bar"}`},
	{"schema key without value", `{"$s":{"p":{"foo":{"t":"string"}},"$k":["foo"]}}`},
	{"mixed up keys", `{"$s":{"p":{"foo":{"t":"string"}},"$k":["foo"]},"fizz":"buzz"}`},
	{"duplicate keys in $k", `{"$s":{"p":{"a":{"t":"int"},"b":{"t":"int"}},"$k":["a","a"]},"a":1,"b":2}`},
	{"no element for key", `{"$s":{"p":{},"$k":["a"]},"a":1}`},
	{"element is null", `{"$s":{"p":{"a":null},"$k":["a"]},"a":1}`},
	{"unknown type", `{"$s":{"p":{"a":{"t":"decimal"}},"$k":["a"]},"a":1}`},
	{"no type", `{"$s":{"p":{"a":{}},"$k":["a"]},"a":1}`},
	{"string as number", `{"$s":{"p":{"a":{"t":"string"}},"$k":["a"]},"a":1}`},
	{"bool as number", `{"$s":{"p":{"a":{"t":"bool"}},"$k":["a"]},"a":1}`},
	{"int as string", `{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":"1"}`},
	{"int fractional", `{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":1.5}`},
	{"int exponent", `{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":1e3}`},
	{"int overflow", `{"$s":{"p":{"a":{"t":"int"}},"$k":["a"]},"a":2147483648}`},
	{"long fractional", `{"$s":{"p":{"a":{"t":"long"}},"$k":["a"]},"a":0.5}`},
	{"long overflow", `{"$s":{"p":{"a":{"t":"long"}},"$k":["a"]},"a":9223372036854775808}`},
	{"double as string", `{"$s":{"p":{"a":{"t":"double"}},"$k":["a"]},"a":"1.5"}`},
	{"double overflow", `{"$s":{"p":{"a":{"t":"double"}},"$k":["a"]},"a":1e400}`},
	{"date as string", `{"$s":{"p":{"a":{"t":"date"}},"$k":["a"]},"a":"2024-01-01T00:00:00Z"}`},
	{"date fractional", `{"$s":{"p":{"a":{"t":"date"}},"$k":["a"]},"a":1.5}`},
	{"timestamp negative", `{"$s":{"p":{"a":{"t":"timestamp"}},"$k":["a"]},"a":-1}`},
	{"binary without subtype", `{"$s":{"p":{"a":{"t":"binData"}},"$k":["a"]},"a":"AA=="}`},
	{"binary bad base64", `{"$s":{"p":{"a":{"t":"binData","s":0}},"$k":["a"]},"a":"!!"}`},
	{"binary subtype overflow", `{"$s":{"p":{"a":{"t":"binData","s":256}},"$k":["a"]},"a":"AA=="}`},
	{"binary as number", `{"$s":{"p":{"a":{"t":"binData","s":0}},"$k":["a"]},"a":5}`},
	{"objectId short", `{"$s":{"p":{"a":{"t":"objectId"}},"$k":["a"]},"a":"650f1a2b"}`},
	{"objectId long", `{"$s":{"p":{"a":{"t":"objectId"}},"$k":["a"]},"a":"650f1a2b3c4d5e6f708192a3ff"}`},
	{"objectId not hex", `{"$s":{"p":{"a":{"t":"objectId"}},"$k":["a"]},"a":"zz0f1a2b3c4d5e6f708192a3"}`},
	{"regex as number", `{"$s":{"p":{"a":{"t":"regex","o":""}},"$k":["a"]},"a":1}`},
	{"object as array", `{"$s":{"p":{"a":{"t":"object","$s":{}}},"$k":["a"]},"a":[]}`},
	{"object without schema", `{"$s":{"p":{"a":{"t":"object"}},"$k":["a"]},"a":{"x":1}}`},
	{"object missing key", `{"$s":{"p":{"a":{"t":"object","$s":{"p":{"x":{"t":"int"}},"$k":["x"]}}},"$k":["a"]},"a":{"y":1}}`},
	{"object extra key", `{"$s":{"p":{"a":{"t":"object","$s":{"p":{"x":{"t":"int"}},"$k":["x"]}}},"$k":["a"]},"a":{"x":1,"y":2}}`},
	{"array as object", `{"$s":{"p":{"a":{"t":"array","i":[]}},"$k":["a"]},"a":{}}`},
	{"array longer than schema", `{"$s":{"p":{"a":{"t":"array","i":[{"t":"int"}]}},"$k":["a"]},"a":[1,2]}`},
	{"array shorter than schema", `{"$s":{"p":{"a":{"t":"array","i":[{"t":"int"},{"t":"int"}]}},"$k":["a"]},"a":[1]}`},
	{"array without items", `{"$s":{"p":{"a":{"t":"array"}},"$k":["a"]},"a":[1]}`},
	{"array item type mismatch", `{"$s":{"p":{"a":{"t":"array","i":[{"t":"int"}]}},"$k":["a"]},"a":["x"]}`},
	{"array item without schema", `{"$s":{"p":{"a":{"t":"array","i":[null]}},"$k":["a"]},"a":[1]}`},
	{"deep mismatch", `{"$s":{"p":{"a":{"t":"array","i":[{"t":"object","$s":{"p":{"b":{"t":"date"}},"$k":["b"]}}]}},"$k":["a"]},"a":[{"b":"x"}]}`},
}

func TestUnmarshalDocRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range badSJSON {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := unmarshalDoc([]byte(tc.in))
			if err == nil {
				t.Errorf("unmarshalDoc(%s) = %#v, want an error", tc.in, d)
			}
		})
	}
}

// TestUnmarshalDocTruncated cuts every test document at every byte: each prefix must be
// an error, never a panic or a shorter document.
func TestUnmarshalDocTruncated(t *testing.T) {
	t.Parallel()
	for _, tc := range codecCases {
		data, err := marshalDoc(tc.doc)
		if err != nil {
			t.Fatal(err)
		}
		for i := range len(data) {
			if d, err := unmarshalDoc(data[:i]); err == nil {
				t.Errorf("%s: prefix %q decoded to %#v", tc.name, data[:i], d)
			}
		}
	}
}

// FuzzUnmarshalDoc: unmarshalDoc never panics, and whatever it accepts and marshalDoc can
// write comes back unchanged and is written identically the second time.
func FuzzUnmarshalDoc(f *testing.F) {
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
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := unmarshalDoc(data)
		if err != nil {
			return
		}
		out, err := marshalDoc(d)
		if err != nil {
			return // e.g. a key starting with '$': readable, never written
		}
		d2, err := unmarshalDoc(out)
		if err != nil {
			t.Fatalf("unmarshalDoc(marshalDoc(d)): %v\ninput %q\nwritten %s", err, data, out)
		}
		if !sameTree(d, d2) {
			t.Fatalf("document changed on rewrite:\n%#v\n%#v", d, d2)
		}
		out2, err := marshalDoc(d2)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("second write differs (%v):\n%s\n%s", err, out, out2)
		}
	})
}
