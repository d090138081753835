package docdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// Decoding a canonical document straight into a struct. The top-level values go through
// the tree and assign as everywhere else, with two savings: keys the struct does not
// name are skipped without being decoded, and a json.RawMessage field whose schema holds
// only JSON's own types (strings, booleans, numbers, null, objects and arrays of them)
// gets its stored text as it is. Such a subtree's sjson is already its JSON, so a
// message's md — most of a message's bytes, and most of the cost of reading and
// answering history — is neither decoded into maps nor encoded again.

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// markJSON sets elem.json throughout s before s is shared.
func markJSON(s *schema) bool {
	ok := true
	for _, e := range s.P {
		ok = markElem(e) && ok
	}
	return ok
}

func markElem(e *elem) bool {
	if e == nil {
		return false
	}
	switch e.T {
	case "object":
		e.json = e.S == nil || markJSON(e.S)
	case "array":
		e.json = true
		for _, x := range e.I {
			e.json = markElem(x) && e.json
		}
	case "string", "bool", "int", "long", "double", "null":
		e.json = true
	}
	return e.json
}

// treeJSON is the JSON of a tree value, for a json.RawMessage field the fast path did
// not fill: documents keep their key order; values JSON has no type for take the form
// encoding/json gives them.
func treeJSON(v any) (json.RawMessage, error) {
	if jsonTree(v) {
		var b bytes.Buffer
		if err := encodeValue(&b, v); err == nil {
			return b.Bytes(), nil
		}
	}
	return json.Marshal(plain(v))
}

// jsonTree reports whether v holds only JSON's own types.
func jsonTree(v any) bool {
	switch x := v.(type) {
	case Doc:
		for _, f := range x {
			if !jsonTree(f.Value) {
				return false
			}
		}
		return true
	case []any:
		for _, y := range x {
			if !jsonTree(y) {
				return false
			}
		}
		return true
	case string, bool, int32, int64, float64, nil:
		return true
	}
	return false
}

// jsonToTree decodes JSON into a tree value, keeping object key order and giving
// integers the type Node's BSON serializer gives them (int32 when they fit).
func jsonToTree(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := jsonTreeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("docdb: trailing data after JSON value")
	}
	return v, nil
}

func jsonTreeValue(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '{':
			d := Doc{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := jsonTreeValue(dec)
				if err != nil {
					return nil, err
				}
				d = append(d, Field{k.(string), v})
			}
			_, err := dec.Token()
			return d, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := jsonTreeValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
		return nil, fmt.Errorf("docdb: unexpected %v in JSON", x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return intValue(i), nil
		}
		return x.Float64()
	}
	return t, nil // string, bool or nil
}

// fastDecodeStruct fills dst (a struct) from data, or reports false when data is not in
// canonical form or a value does not fit its field; the caller then decodes data the
// general way, which sets every field again and gives the error.
func fastDecodeStruct(data []byte, dst reflect.Value) bool {
	d, s, ok := openDoc(data)
	return ok && d.intoStruct(s, dst, true) && d.i == len(d.b)
}

// intoStruct decodes the members of an object, as fields does, into the struct dst.
// Struct fields (and pointers to structs) are filled the same way, recursively.
func (d *fastDec) intoStruct(s *schema, dst reflect.Value, afterSchema bool) bool {
	info := structInfoOf(dst.Type())
	for n, k := range s.K {
		if (n > 0 || afterSchema) && !d.eat(',') {
			return false
		}
		if key, ok := d.str(); !ok || key != k || !d.eat(':') {
			return false
		}
		e := s.P[k]
		fi := info.byName[k]
		if fi == nil {
			if !d.skipTyped(e) {
				return false
			}
			continue
		}
		if !d.intoField(e, dst.FieldByIndex(fi.index)) {
			return false
		}
	}
	return d.eat('}')
}

// intoField decodes one value into f: strings, booleans, integers and dates without
// boxing them in a tree value, structs, pointers and slices element by element, and
// json.RawMessage as stored; anything else through the tree and assign.
func (d *fastDec) intoField(e *elem, f reflect.Value) bool {
	if e == nil {
		return false
	}
	at := d.i
	if d.lit("null") {
		f.SetZero()
		return true
	}
	t := f.Type()
	switch {
	case t == rawMessageType:
		if e.json && d.skipTyped(e) {
			f.SetBytes(append([]byte(nil), d.b[at:d.i]...))
			return true
		}
		d.i = at
	case t == timeType:
		if e.T == "date" {
			r, ok := d.number()
			ms, err := strconv.ParseInt(string(r), 10, 64)
			if !ok || err != nil {
				return false
			}
			f.Set(reflect.ValueOf(dateOf(ms)))
			return true
		}
	case t.Kind() == reflect.String:
		if e.T == "string" {
			v, ok := d.str()
			f.SetString(v)
			return ok
		}
	case t.Kind() == reflect.Bool:
		if e.T == "bool" {
			v := d.lit("true")
			f.SetBool(v)
			return v || d.lit("false")
		}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		if e.T == "int" || e.T == "long" {
			r, ok := d.number()
			bits := 64
			if e.T == "int" {
				bits = 32
			}
			v, err := strconv.ParseInt(string(r), 10, bits)
			f.SetInt(v)
			return ok && err == nil
		}
	case t.Kind() == reflect.Pointer && t.Elem().Kind() != reflect.Interface:
		p := reflect.New(t.Elem())
		if !d.intoField(e, p.Elem()) {
			return false
		}
		f.Set(p)
		return true
	case plainStruct(t):
		if e.T == "object" && e.S != nil {
			return d.eat('{') && d.intoStruct(e.S, f, false)
		}
	case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
		if e.T == "array" {
			if !d.eat('[') {
				return false
			}
			sl := reflect.MakeSlice(t, len(e.I), len(e.I))
			for i, x := range e.I {
				if i > 0 && !d.eat(',') || !d.intoField(x, sl.Index(i)) {
					return false
				}
			}
			f.Set(sl)
			return d.eat(']')
		}
	}
	v, ok := d.value(e)
	return ok && assign(f, v) == nil
}

// plainStruct reports whether assign fills t field by field (not time.Time, Regex or
// another type it stores whole).
func plainStruct(t reflect.Type) bool {
	switch t {
	case timeType, regexType, binaryType:
		return false
	}
	return t.Kind() == reflect.Struct
}

// skipTyped moves past one value, checking it as value(e) would decode it but building
// nothing. Strings must be valid UTF-8: the general decoder would replace bad bytes.
func (d *fastDec) skipTyped(e *elem) bool {
	if d.lit("null") {
		return true
	}
	if e == nil {
		return false
	}
	switch e.T {
	case "object":
		if !d.eat('{') {
			return false
		}
		if d.eat('}') {
			return true
		}
		if e.S == nil {
			return false
		}
		for n, k := range e.S.K {
			if n > 0 && !d.eat(',') {
				return false
			}
			if key, ok := d.str(); !ok || key != k || !d.eat(':') || !d.skipTyped(e.S.P[k]) {
				return false
			}
		}
		return d.eat('}')
	case "array":
		if !d.eat('[') {
			return false
		}
		for i, x := range e.I {
			if i > 0 && !d.eat(',') || !d.skipTyped(x) {
				return false
			}
		}
		return d.eat(']')
	case "string":
		return d.skipStringChecked()
	case "bool":
		return d.lit("true") || d.lit("false")
	case "int", "long":
		r, ok := d.number()
		bits := 64
		if e.T == "int" {
			bits = 32
		}
		_, err := strconv.ParseInt(string(r), 10, bits)
		return ok && err == nil
	case "double":
		r, ok := d.number()
		_, err := strconv.ParseFloat(string(r), 64)
		return ok && err == nil
	}
	// Dates, binary, ids and the rest: decode and drop (never in a JSON-only subtree).
	_, ok := d.value(e)
	return ok
}

// skipStringChecked moves past a JSON string that str would accept unchanged: no
// control characters, valid escapes, valid UTF-8.
func (d *fastDec) skipStringChecked() bool {
	if !d.eat('"') {
		return false
	}
	start := d.i - 1
	escaped := false
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			d.i++
			raw := d.b[start:d.i]
			if escaped {
				return json.Valid(raw) && utf8.Valid(raw)
			}
			return utf8.Valid(raw)
		case c == '\\':
			escaped = true
			d.i += 2
		case c < 0x20:
			return false
		default:
			d.i++
		}
	}
	return false
}
