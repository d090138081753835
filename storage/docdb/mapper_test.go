package docdb

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

type mapInner struct {
	ID   string `json:"_id"`
	Name string `json:"name,omitempty"`
}

type mapBase struct {
	CreatedAt time.Time `json:"createdAt"`
	Origin    string    `json:"origin"`
}

type mapAll struct {
	Str       string            `json:"str"`
	Skipped   string            `json:"-"`
	hidden    string            //nolint:unused // must not be stored
	Untagged  int               // stored under its Go name
	Int       int               `json:"int"`
	Big       int64             `json:"big"`
	Small     int8              `json:"small"`
	Uint      uint32            `json:"uint"`
	Float     float64           `json:"float"`
	Whole     float64           `json:"whole"`
	Bool      bool              `json:"bool"`
	When      time.Time         `json:"when"`
	Bytes     []byte            `json:"bytes"`
	Inner     mapInner          `json:"inner"`
	InnerPtr  *mapInner         `json:"innerPtr"`
	NilPtr    *mapInner         `json:"nilPtr"`
	StrPtr    *string           `json:"strPtr"`
	Tags      []string          `json:"tags"`
	NilTags   []string          `json:"nilTags"`
	Items     []mapInner        `json:"items"`
	Map       map[string]int    `json:"map"`
	StrMap    map[string]string `json:"strMap"`
	Any       any               `json:"any"`
	AnyNil    any               `json:"anyNil"`
	Raw       Doc               `json:"raw"`
	OmitStr   string            `json:"omitStr,omitempty"`
	OmitInt   int               `json:"omitInt,omitempty"`
	OmitBool  bool              `json:"omitBool,omitempty"`
	OmitTime  time.Time         `json:"omitTime,omitempty"`
	OmitSlice []string          `json:"omitSlice,omitempty"`
	OmitMap   map[string]any    `json:"omitMap,omitempty"`
	OmitPtr   *mapInner         `json:"omitPtr,omitempty"`
	mapBase
}

func TestToDocStruct(t *testing.T) {
	t.Parallel()
	s := "p"
	when := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CEST", 2*3600))
	in := mapAll{
		Str: "s", Skipped: "no", hidden: "no", Untagged: 7, Int: 1, Big: math.MaxInt32 + 1, Small: -3, Uint: math.MaxUint32,
		Float: 2.5, Whole: 3, Bool: true, When: when, Bytes: []byte{1, 2},
		Inner: mapInner{ID: "i"}, InnerPtr: &mapInner{ID: "p", Name: "n"}, StrPtr: &s,
		Tags: []string{"a", "b"}, Items: []mapInner{{ID: "x"}},
		Map: map[string]int{"z": 1, "a": 2}, StrMap: map[string]string{},
		Any: map[string]any{"k": []any{1, "two", 3.5}}, Raw: Doc{{"r", int64(1)}},
		mapBase: mapBase{CreatedAt: time.UnixMilli(1000).UTC(), Origin: "web"},
	}
	got, err := toDoc(in)
	if err != nil {
		t.Fatal(err)
	}
	want := Doc{
		{"str", "s"},
		{"Untagged", int32(7)},
		{"int", int32(1)},
		{"big", int64(math.MaxInt32 + 1)},
		{"small", int32(-3)},
		{"uint", int64(math.MaxUint32)},
		{"float", 2.5},
		{"whole", int32(3)},
		{"bool", true},
		{"when", ms(when.UnixMilli())},
		{"bytes", Binary{Data: []byte{1, 2}}},
		{"inner", Doc{{"_id", "i"}}},
		{"innerPtr", Doc{{"_id", "p"}, {"name", "n"}}},
		{"nilPtr", nil},
		{"strPtr", "p"},
		{"tags", []any{"a", "b"}},
		{"nilTags", []any{}},
		{"items", []any{Doc{{"_id", "x"}}}},
		{"map", Doc{{"a", int32(2)}, {"z", int32(1)}}},
		{"strMap", Doc{}},
		{"any", Doc{{"k", []any{int32(1), "two", 3.5}}}},
		{"anyNil", nil},
		{"raw", Doc{{"r", int64(1)}}},
		{"createdAt", ms(1000)},
		{"origin", "web"},
	}
	if !sameTree(got, want) {
		t.Errorf("toDoc:\n got %#v\nwant %#v", got, want)
	}
	if _, err := marshalDoc(got); err != nil {
		t.Errorf("marshalDoc(toDoc(v)): %v", err)
	}
}

// TestToValueNumbers checks the Node rule: integral and within int32 → int, larger
// integers → long, fractional → double.
func TestToValueNumbers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   any
		want any
	}{
		{0, int32(0)},
		{1, int32(1)},
		{-1, int32(-1)},
		{math.MaxInt32, int32(math.MaxInt32)},
		{math.MinInt32, int32(math.MinInt32)},
		{math.MaxInt32 + 1, int64(math.MaxInt32 + 1)},
		{math.MinInt32 - 1, int64(math.MinInt32 - 1)},
		{int64(5), int32(5)},
		{int64(math.MaxInt64), int64(math.MaxInt64)},
		{int8(-8), int32(-8)},
		{int16(300), int32(300)},
		{uint8(255), int32(255)},
		{uint16(65535), int32(65535)},
		{uint32(math.MaxUint32), int64(math.MaxUint32)},
		{uint64(math.MaxInt64), int64(math.MaxInt64)},
		{2.0, int32(2)},
		{-7.0, int32(-7)},
		{0.0, int32(0)},
		{2.5, 2.5},
		{-0.1, -0.1},
		{float32(1.5), 1.5},
		{float32(4), int32(4)},
		{math.Copysign(0, -1), math.Copysign(0, -1)},
		{float64(math.MaxInt32) + 1, float64(math.MaxInt32) + 1},
		{1e15, 1e15},
	} {
		got, err := toValue(reflect.ValueOf(tc.in))
		if err != nil {
			t.Errorf("toValue(%T %v): %v", tc.in, tc.in, err)
			continue
		}
		if !sameTree(got, tc.want) {
			t.Errorf("toValue(%T %v) = %T %v, want %T %v", tc.in, tc.in, got, got, tc.want, tc.want)
		}
	}
	if _, err := toValue(reflect.ValueOf(uint64(math.MaxUint64))); err == nil {
		t.Error("toValue(MaxUint64) did not fail")
	}
}

func TestToDocErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   any
	}{
		{"not a document", "string"},
		{"slice", []int{1}},
		{"nil", nil},
		{"int map keys", map[int]string{1: "a"}},
		{"channel field", struct {
			C chan int `json:"c"`
		}{make(chan int)}},
		{"func in map", map[string]any{"f": func() {}}},
		{"uint64 overflow", map[string]any{"n": uint64(math.MaxUint64)}},
	} {
		if d, err := toDoc(tc.in); err == nil {
			t.Errorf("%s: toDoc = %#v, want an error", tc.name, d)
		}
	}
}

func TestToDocPutsIDFirst(t *testing.T) {
	t.Parallel()
	type late struct {
		A  string `json:"a"`
		B  string `json:"b"`
		ID string `json:"_id"`
		C  string `json:"c"`
	}
	d, err := toDoc(late{A: "a", B: "b", ID: "id", C: "c"})
	if err != nil {
		t.Fatal(err)
	}
	want := Doc{{"_id", "id"}, {"a", "a"}, {"b", "b"}, {"c", "c"}}
	if !sameTree(d, want) {
		t.Errorf("got %#v, want %#v", d, want)
	}
	m, err := toDoc(map[string]any{"z": 1, "_id": "x", "a": 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Doc{{"_id", "x"}, {"a", int32(2)}, {"z", int32(1)}}); !sameTree(m, want) {
		t.Errorf("got %#v, want %#v", m, want)
	}
}

// TestMapperRoundTrip: struct → tree → sjson → tree → struct gives the struct back.
func TestMapperRoundTrip(t *testing.T) {
	t.Parallel()
	s := "p"
	last := time.UnixMilli(1700000000999).UTC()
	for _, tc := range []struct {
		name string
		in   any
		out  func() any // a new pointer of the same type
	}{
		{"mapAll", mapAll{
			Str: "s", Untagged: 7, Int: -1, Big: math.MaxInt64, Small: 3, Uint: 9, Float: -2.5, Whole: 4, Bool: true,
			When: time.UnixMilli(-86400001).UTC(), Bytes: []byte("xyz"), Inner: mapInner{ID: "i", Name: "n"},
			InnerPtr: &mapInner{ID: "p"}, StrPtr: &s, Tags: []string{"a"}, NilTags: []string{}, Items: []mapInner{{ID: "1"}, {ID: "2", Name: "two"}},
			Map: map[string]int{"a": 1}, StrMap: map[string]string{"k": "v"}, Any: "str", Raw: Doc{{"x", Regex{"a", "i"}}},
			OmitStr: "o", OmitInt: 1, OmitBool: true, OmitTime: last, OmitSlice: []string{"s"}, OmitMap: map[string]any{"b": true}, OmitPtr: &mapInner{ID: "o"},
			mapBase: mapBase{CreatedAt: last, Origin: "o"},
		}, func() any { return new(mapAll) }},
		{"user", model.User{
			ID: "u1", CreatedAt: last, Username: "ann", Emails: []model.Email{{Address: "ann@x.org", Verified: true}},
			Services: model.UserServices{Password: &model.PasswordService{Bcrypt: "$2a$10$abc"}, Resume: &model.ResumeService{LoginTokens: []model.LoginToken{{When: last, HashedToken: "h"}}}},
			Type:     "user", Status: "online", Active: true, Name: "Ann", Roles: []string{"user", "admin"}, UTCOffset: 5.5, LastLogin: &last,
			CustomFields: map[string]any{"team": "red", "n": int64(3), "nested": map[string]any{"ok": true}}, UpdatedAt: last,
		}, func() any { return new(model.User) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := toDoc(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			data, err := marshalDoc(d)
			if err != nil {
				t.Fatal(err)
			}
			back, err := unmarshalDoc(data)
			if err != nil {
				t.Fatal(err)
			}
			out := tc.out()
			if err := fromDoc(back, out); err != nil {
				t.Fatal(err)
			}
			if got := reflect.ValueOf(out).Elem().Interface(); !reflect.DeepEqual(got, tc.in) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, tc.in)
			}
		})
	}
}

func TestFromDoc(t *testing.T) {
	t.Parallel()
	type target struct {
		S     string         `json:"s"`
		I     int            `json:"i"`
		L     int64          `json:"l"`
		U     uint16         `json:"u"`
		F     float64        `json:"f"`
		FromI float64        `json:"fromI"`
		T     time.Time      `json:"t"`
		P     *string        `json:"p"`
		B     []byte         `json:"b"`
		A     any            `json:"a"`
		M     map[string]int `json:"m"`
		D     Doc            `json:"d"`
		Null  string         `json:"null"`
		Arr   [][]int        `json:"arr"`
	}
	d := Doc{
		{"s", "x"}, {"i", int32(-4)}, {"l", int64(1) << 40}, {"u", int32(7)}, {"f", 1.25}, {"fromI", int64(9)},
		{"t", ms(5)}, {"p", "ptr"}, {"b", Binary{Subtype: 0, Data: []byte{9}}},
		{"a", Doc{{"n", int32(1)}, {"arr", []any{Doc{{"x", "y"}}, int64(2)}}, {"bin", Binary{Data: []byte{1}}}}},
		{"m", Doc{{"a", int32(1)}, {"b", int64(2)}}}, {"d", Doc{{"k", "v"}}}, {"null", nil},
		{"arr", []any{[]any{int32(1)}, []any{}}},
		{"unknown", "ignored"},
	}
	var got target
	got.Null = "stale"
	if err := fromDoc(d, &got); err != nil {
		t.Fatal(err)
	}
	p := "ptr"
	want := target{
		S: "x", I: -4, L: 1 << 40, U: 7, F: 1.25, FromI: 9, T: ms(5), P: &p, B: []byte{9},
		// `any` gets plain Go values: maps, []any, int64 for every integer, []byte for binary.
		A: map[string]any{"n": int64(1), "arr": []any{map[string]any{"x": "y"}, int64(2)}, "bin": []byte{1}},
		M: map[string]int{"a": 1, "b": 2}, D: Doc{{"k", "v"}}, Null: "", Arr: [][]int{{1}, {}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fromDoc:\n got %#v\nwant %#v", got, want)
	}
}

func TestFromDocErrors(t *testing.T) {
	t.Parallel()
	type target struct {
		I int       `json:"i"`
		T time.Time `json:"t"`
		A []string  `json:"a"`
		N struct {
			X bool `json:"x"`
		} `json:"n"`
	}
	for _, tc := range []struct {
		name string
		d    Doc
		want string
	}{
		{"string into int", Doc{{"i", "1"}}, "i:"},
		{"number into time", Doc{{"t", int64(1)}}, "t:"},
		{"string into slice", Doc{{"a", "x"}}, "a:"},
		{"number in string slice", Doc{{"a", []any{"ok", int32(1)}}}, "[1]"},
		{"nested mismatch", Doc{{"n", Doc{{"x", "yes"}}}}, "n: x:"},
		{"array into struct", Doc{{"n", []any{}}}, "n:"},
	} {
		var out target
		err := fromDoc(tc.d, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: fromDoc error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
	var out target
	if err := fromDoc(Doc{}, out); err == nil {
		t.Error("fromDoc into a non-pointer did not fail")
	}
	if err := fromDoc(Doc{}, (*target)(nil)); err == nil {
		t.Error("fromDoc into a nil pointer did not fail")
	}
}

// TestFromDocBSONTypes: fields typed with the tree's own BSON types (ObjectID, Binary,
// Regex, Timestamp) read back what toDoc wrote.
func TestFromDocBSONTypes(t *testing.T) {
	t.Parallel()
	type withBSON struct {
		OID ObjectID  `json:"oid"`
		Bin Binary    `json:"bin"`
		Re  Regex     `json:"re"`
		TS  Timestamp `json:"ts"`
	}
	in := withBSON{OID: testOID, Bin: Binary{Subtype: 4, Data: []byte{1, 2}}, Re: Regex{"^a", "i"}, TS: Timestamp(1 << 40)}
	d, err := toDoc(in)
	if err != nil {
		t.Fatal(err)
	}
	want := Doc{{"oid", testOID}, {"bin", Binary{4, []byte{1, 2}}}, {"re", Regex{"^a", "i"}}, {"ts", Timestamp(1 << 40)}}
	if !sameTree(d, want) {
		t.Fatalf("toDoc = %#v, want %#v", d, want)
	}
	for _, f := range d {
		var out withBSON
		if err := fromDoc(Doc{f}, &out); err != nil {
			t.Errorf("fromDoc(%s): %v", f.Key, err)
		}
	}
	var out withBSON
	if err := fromDoc(d, &out); err == nil && !reflect.DeepEqual(out, in) {
		t.Errorf("fromDoc = %#v, want %#v", out, in)
	}
}
