package docdb

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// sjson is FerretDB v1's storage format for SQLite: a document is a JSON object whose
// first key "$s" holds the schema (for every key its BSON type, nested schemas for
// objects and arrays, and "$k", the key order), followed by the values as plain JSON:
// dates as milliseconds since the epoch, binary as base64, ObjectIds as hex, int32 and
// int64 and doubles as JSON numbers. This file is an independent implementation of
// that format; the round-trip tests check it against FerretDB both ways.

// marshalDoc encodes a document as a top-level sjson object.
func marshalDoc(d Doc) ([]byte, error) {
	var val, sch bytes.Buffer
	val.Grow(256)
	sch.Grow(256)
	if err := encodeDocSchema(&sch, d); err != nil {
		return nil, err
	}
	val.WriteString(`{"$s":`)
	val.Write(sch.Bytes())
	for _, f := range d {
		val.WriteByte(',')
		writeString(&val, f.Key)
		val.WriteByte(':')
		if err := encodeValue(&val, f.Value); err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Key, err)
		}
	}
	val.WriteByte('}')
	return val.Bytes(), nil
}

// encodeDocSchema writes the schema object of d: {"p":{key:elem...},"$k":[keys]}, or {}
// for an empty document.
func encodeDocSchema(b *bytes.Buffer, d Doc) error {
	if len(d) == 0 {
		b.WriteString("{}")
		return nil
	}
	b.WriteString(`{"p":{`)
	for i, f := range d {
		if err := checkKey(f.Key); err != nil {
			return err
		}
		for _, g := range d[:i] {
			if g.Key == f.Key {
				return fmt.Errorf("duplicate key %q", f.Key)
			}
		}
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, f.Key)
		b.WriteByte(':')
		if err := encodeElem(b, f.Value); err != nil {
			return fmt.Errorf("field %q: %w", f.Key, err)
		}
	}
	b.WriteString(`},"$k":[`)
	for i, f := range d {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, f.Key)
	}
	b.WriteString("]}")
	return nil
}

// checkKey refuses the keys FerretDB cannot store: it refuses '$' prefixes and '.', BSON
// cannot carry a NUL, and FerretDB writes top-level keys into its JSON unescaped.
func checkKey(k string) error {
	if strings.HasPrefix(k, "$") {
		return fmt.Errorf("key %q starts with '$'", k)
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c < 0x20 || c == '.' || c == '"' || c == '\\' {
			return fmt.Errorf("key %q contains %q", k, c)
		}
	}
	if !utf8.ValidString(k) {
		return fmt.Errorf("key %q is not valid UTF-8", k)
	}
	return nil
}

// encodeElem writes the schema element that describes v.
func encodeElem(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case Doc:
		b.WriteString(`{"t":"object","$s":`)
		if err := encodeDocSchema(b, v); err != nil {
			return err
		}
		b.WriteByte('}')
	case []any:
		b.WriteString(`{"t":"array","i":[`)
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if _, ok := x.([]any); ok {
				return errors.New("array directly inside an array (FerretDB refuses them)")
			}
			if err := encodeElem(b, x); err != nil {
				return err
			}
		}
		b.WriteString("]}")
	case string:
		b.WriteString(`{"t":"string"}`)
	case bool:
		b.WriteString(`{"t":"bool"}`)
	case int32:
		b.WriteString(`{"t":"int"}`)
	case int64:
		b.WriteString(`{"t":"long"}`)
	case float64:
		b.WriteString(`{"t":"double"}`)
	case nil:
		b.WriteString(`{"t":"null"}`)
	case Binary:
		fmt.Fprintf(b, `{"t":"binData","s":%d}`, v.Subtype)
	case ObjectID:
		b.WriteString(`{"t":"objectId"}`)
	case Regex:
		if !utf8.ValidString(v.Pattern+v.Options) || strings.ContainsRune(v.Pattern+v.Options, 0) {
			return errors.New("regex is not valid UTF-8 or contains NUL")
		}
		b.WriteString(`{"t":"regex","o":`)
		writeString(b, v.Options)
		b.WriteByte('}')
	case Timestamp:
		b.WriteString(`{"t":"timestamp"}`)
	case time.Time:
		b.WriteString(`{"t":"date"}`)
	default:
		return fmt.Errorf("unsupported type %T", v)
	}
	return nil
}

// encodeValue writes v as plain JSON.
func encodeValue(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case Doc:
		b.WriteByte('{')
		for i, f := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, f.Key)
			b.WriteByte(':')
			if err := encodeValue(b, f.Value); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := encodeValue(b, x); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case string:
		if !utf8.ValidString(v) {
			return errors.New("string is not valid UTF-8")
		}
		writeString(b, v)
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int32:
		b.WriteString(strconv.FormatInt(int64(v), 10))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("unsupported double %v", v)
		}
		// The same text encoding/json gives, which FerretDB writes too.
		out, _ := json.Marshal(v)
		b.Write(out)
	case nil:
		b.WriteString("null")
	case Binary:
		b.WriteByte('"')
		b.WriteString(base64.StdEncoding.EncodeToString(v.Data))
		b.WriteByte('"')
	case ObjectID:
		b.WriteByte('"')
		b.WriteString(hex.EncodeToString(v[:]))
		b.WriteByte('"')
	case Regex:
		writeString(b, v.Pattern)
	case Timestamp:
		b.WriteString(strconv.FormatUint(uint64(v), 10))
	case time.Time:
		b.WriteString(strconv.FormatInt(v.UnixMilli(), 10))
	default:
		return fmt.Errorf("unsupported type %T", v)
	}
	return nil
}

// writeString writes s as a JSON string exactly as encoding/json does (and so FerretDB):
// HTML characters and U+2028/U+2029 escaped. SQLite's -> returns a value's JSON text
// as stored, and FerretDB's _id lookups and unique indexes compare that text, so the
// same string must always be written with the same escapes. s is valid UTF-8.
func writeString(b *bytes.Buffer, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == '\u2028' || r == '\u2029' {
				b.WriteString(s[start:i])
				b.WriteString(`\u202`)
				b.WriteByte(hexDigits[r&0xf])
				start = i + size
			}
			i += size
			continue
		}
		if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
			i++
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		}
		i++
		start = i
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// schema mirrors the "$s" object.
type schema struct {
	P map[string]*elem `json:"p"`
	K []string         `json:"$k"`
}

type elem struct {
	T string  `json:"t"`
	S *schema `json:"$s"`
	O *string `json:"o"`
	I []*elem `json:"i"`
	B *byte   `json:"s"`

	// json reports that the subtree holds only JSON's own types, so its stored text is
	// its JSON (sjson_struct.go); set for the schemas the fast decoder caches.
	json bool
}

// unmarshalDoc decodes a top-level sjson object: canonical documents (all that FerretDB
// and marshalDoc write) in one pass (sjson_fast.go), anything else with unmarshalDocSlow.
func unmarshalDoc(data []byte) (Doc, error) {
	if d, ok := fastUnmarshalDoc(data); ok {
		return d, nil
	}
	return unmarshalDocSlow(data)
}

// unmarshalDocSlow is the general decoder; it also gives the errors for bad input.
func unmarshalDocSlow(data []byte) (Doc, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("sjson: %w", err)
	}
	rs, ok := raw["$s"]
	if !ok {
		return nil, errors.New("sjson: no schema")
	}
	var s schema
	if err := json.Unmarshal(rs, &s); err != nil {
		return nil, fmt.Errorf("sjson: schema: %w", err)
	}
	delete(raw, "$s")
	return decodeDoc(raw, &s)
}

func decodeDoc(raw map[string]json.RawMessage, s *schema) (Doc, error) {
	if len(raw) != len(s.K) {
		return nil, fmt.Errorf("sjson: %d keys in schema, %d in document", len(s.K), len(raw))
	}
	d := make(Doc, 0, len(s.K))
	for _, k := range s.K {
		r, ok := raw[k]
		delete(raw, k) // a key listed twice in $k is then missing the second time
		if !ok {
			return nil, fmt.Errorf("sjson: key %q missing", k)
		}
		v, err := decodeValue(r, s.P[k])
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		d = append(d, Field{k, v})
	}
	return d, nil
}

func decodeValue(r json.RawMessage, e *elem) (any, error) {
	if string(r) == "null" {
		return nil, nil
	}
	if e == nil {
		return nil, errors.New("sjson: no schema element")
	}
	switch e.T {
	case "object":
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(r, &raw); err != nil {
			return nil, err
		}
		if len(raw) == 0 {
			return Doc{}, nil
		}
		if e.S == nil {
			return nil, errors.New("sjson: object without schema")
		}
		return decodeDoc(raw, e.S)
	case "array":
		var raw []json.RawMessage
		if err := json.Unmarshal(r, &raw); err != nil {
			return nil, err
		}
		if len(raw) != len(e.I) {
			return nil, fmt.Errorf("sjson: %d array items, %d in schema", len(raw), len(e.I))
		}
		a := make([]any, len(raw))
		for i := range raw {
			v, err := decodeValue(raw[i], e.I[i])
			if err != nil {
				return nil, err
			}
			a[i] = v
		}
		return a, nil
	case "string":
		var s string
		err := json.Unmarshal(r, &s)
		return s, err
	case "bool":
		var v bool
		err := json.Unmarshal(r, &v)
		return v, err
	case "int":
		v, err := strconv.ParseInt(string(r), 10, 32)
		return int32(v), err
	case "long":
		return strconv.ParseInt(string(r), 10, 64)
	case "double":
		return strconv.ParseFloat(string(r), 64)
	case "date":
		ms, err := strconv.ParseInt(string(r), 10, 64)
		return dateOf(ms), err
	case "binData":
		var b []byte
		if err := json.Unmarshal(r, &b); err != nil {
			return nil, err
		}
		if e.B == nil {
			return nil, errors.New("sjson: binary without subtype")
		}
		return Binary{Subtype: *e.B, Data: b}, nil
	case "objectId":
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, err
		}
		var id ObjectID
		if len(s) != hex.EncodedLen(len(id)) {
			return nil, fmt.Errorf("sjson: bad ObjectId %q", s)
		}
		if n, err := hex.Decode(id[:], []byte(s)); err != nil || n != len(id) {
			return nil, fmt.Errorf("sjson: bad ObjectId %q", s)
		}
		return id, nil
	case "regex":
		var p string
		if err := json.Unmarshal(r, &p); err != nil {
			return nil, err
		}
		re := Regex{Pattern: p}
		if e.O != nil {
			re.Options = *e.O
		}
		return re, nil
	case "timestamp":
		v, err := strconv.ParseUint(string(r), 10, 64)
		return Timestamp(v), err
	}
	return nil, fmt.Errorf("sjson: unknown type %q", e.T)
}
