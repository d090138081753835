package docdb

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"
)

// A single-pass decoder for the canonical sjson both FerretDB and marshalDoc write:
// no whitespace, "$s" first, then the values in the schema's key order. Parsed schemas
// are cached by their text, since the documents of a collection share a few shapes.
// Anything else (whitespace, other key order, duplicate keys, odd input) makes
// fastUnmarshalDoc report !ok and unmarshalDoc falls back to the general decoder, which
// also gives the errors: both decoders return the same tree for the same input.

// The cache holds at most maxCachedSchemas schemas of at most maxCachedSchemaBytes
// each: a schema that keeps growing (a user's list of login tokens) must not fill
// memory with its old shapes. Larger ones are parsed each time.
const (
	maxCachedSchemas     = 4096
	maxCachedSchemaBytes = 4096
)

var schemaCache struct {
	sync.RWMutex
	m map[string]*schema
}

// cachedSchema parses a top-level "$s"; a schema the fast path cannot take (such as
// one listing a key twice) is cached as nil.
func cachedSchema(raw []byte) (*schema, bool) {
	schemaCache.RLock()
	s, ok := schemaCache.m[string(raw)] // no allocation for the lookup
	schemaCache.RUnlock()
	if ok {
		return s, s != nil
	}
	s = new(schema)
	if err := json.Unmarshal(raw, s); err != nil || !fastSchema(s) {
		s = nil
	} else {
		markJSON(s)
	}
	if len(raw) > maxCachedSchemaBytes {
		return s, s != nil
	}
	schemaCache.Lock()
	if schemaCache.m == nil || len(schemaCache.m) >= maxCachedSchemas {
		schemaCache.m = make(map[string]*schema, 64)
	}
	schemaCache.m[string(raw)] = s
	schemaCache.Unlock()
	return s, s != nil
}

// fastSchema reports whether no document schema within s lists a key twice.
func fastSchema(s *schema) bool {
	for i, k := range s.K {
		for _, k2 := range s.K[:i] {
			if k == k2 {
				return false
			}
		}
	}
	for _, e := range s.P {
		if !fastElem(e) {
			return false
		}
	}
	return true
}

func fastElem(e *elem) bool {
	if e == nil {
		return true
	}
	if e.S != nil && !fastSchema(e.S) {
		return false
	}
	for _, x := range e.I {
		if !fastElem(x) {
			return false
		}
	}
	return true
}

type fastDec struct {
	b []byte
	i int
}

func fastUnmarshalDoc(data []byte) (Doc, bool) {
	d, s, ok := openDoc(data)
	if !ok {
		return nil, false
	}
	doc, ok := d.fields(s, true)
	if !ok || d.i != len(d.b) {
		return nil, false
	}
	return doc, true
}

// openDoc reads a canonical document's "$s" and returns a decoder standing after it,
// with the parsed (cached) schema; ok is false when data is not in canonical form.
func openDoc(data []byte) (fastDec, *schema, bool) {
	const prefix = `{"$s":`
	if len(data) < len(prefix) || string(data[:len(prefix)]) != prefix {
		return fastDec{}, nil, false
	}
	d := fastDec{b: data, i: len(prefix)}
	start := d.i
	if !d.skipValue() {
		return fastDec{}, nil, false
	}
	s, ok := cachedSchema(data[start:d.i])
	return d, s, ok
}

// fields decodes the members of an object whose '{' is consumed (or, at top level, whose
// "$s" member is), through its closing '}', in the schema's key order.
func (d *fastDec) fields(s *schema, afterSchema bool) (Doc, bool) {
	doc := make(Doc, 0, len(s.K))
	for n, k := range s.K {
		if n > 0 || afterSchema {
			if !d.eat(',') {
				return nil, false
			}
		}
		key, ok := d.str()
		if !ok || key != k || !d.eat(':') {
			return nil, false
		}
		v, ok := d.value(s.P[k])
		if !ok {
			return nil, false
		}
		doc = append(doc, Field{k, v})
	}
	if !d.eat('}') {
		return nil, false
	}
	return doc, true
}

func (d *fastDec) eat(c byte) bool {
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

func (d *fastDec) lit(s string) bool {
	if len(d.b)-d.i >= len(s) && string(d.b[d.i:d.i+len(s)]) == s {
		d.i += len(s)
		return true
	}
	return false
}

// str decodes a JSON string; strings with escapes or invalid UTF-8 go through
// encoding/json so they decode exactly as the general decoder decodes them.
func (d *fastDec) str() (string, bool) {
	if !d.eat('"') {
		return "", false
	}
	start := d.i
	escaped := false
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			raw := d.b[start:d.i]
			d.i++
			if !escaped && utf8.Valid(raw) {
				return string(raw), true
			}
			var s string
			if err := json.Unmarshal(d.b[start-1:d.i], &s); err != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			escaped = true
			d.i += 2
		case c < 0x20:
			return "", false
		default:
			d.i++
		}
	}
	return "", false
}

// number returns the text of a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *fastDec) number() ([]byte, bool) {
	start := d.i
	d.eat('-')
	if d.eat('0') {
		// no leading zeros
	} else if d.digits() == 0 {
		return nil, false
	}
	if d.eat('.') && d.digits() == 0 {
		return nil, false
	}
	if d.eat('e') || d.eat('E') {
		if !d.eat('+') {
			d.eat('-')
		}
		if d.digits() == 0 {
			return nil, false
		}
	}
	return d.b[start:d.i], true
}

func (d *fastDec) digits() int {
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i - start
}

func (d *fastDec) value(e *elem) (any, bool) {
	if d.lit("null") {
		return nil, true
	}
	if e == nil {
		return nil, false
	}
	switch e.T {
	case "object":
		if !d.eat('{') {
			return nil, false
		}
		if d.eat('}') {
			return Doc{}, true
		}
		if e.S == nil {
			return nil, false
		}
		return d.fields(e.S, false)
	case "array":
		if !d.eat('[') {
			return nil, false
		}
		a := make([]any, len(e.I))
		for i := range e.I {
			if i > 0 && !d.eat(',') {
				return nil, false
			}
			v, ok := d.value(e.I[i])
			if !ok {
				return nil, false
			}
			a[i] = v
		}
		return a, d.eat(']')
	case "string":
		return d.str()
	case "bool":
		if d.lit("true") {
			return true, true
		}
		if d.lit("false") {
			return false, true
		}
	case "int":
		if r, ok := d.number(); ok {
			v, err := strconv.ParseInt(string(r), 10, 32)
			return int32(v), err == nil
		}
	case "long":
		if r, ok := d.number(); ok {
			v, err := strconv.ParseInt(string(r), 10, 64)
			return v, err == nil
		}
	case "double":
		if r, ok := d.number(); ok {
			v, err := strconv.ParseFloat(string(r), 64)
			return v, err == nil
		}
	case "date":
		if r, ok := d.number(); ok {
			ms, err := strconv.ParseInt(string(r), 10, 64)
			return dateOf(ms), err == nil
		}
	case "timestamp":
		if r, ok := d.number(); ok {
			v, err := strconv.ParseUint(string(r), 10, 64)
			return Timestamp(v), err == nil
		}
	case "binData":
		s, ok := d.str()
		if !ok || e.B == nil {
			return nil, false
		}
		b, err := base64.StdEncoding.DecodeString(s)
		return Binary{Subtype: *e.B, Data: b}, err == nil
	case "objectId":
		s, ok := d.str()
		var id ObjectID
		if !ok || len(s) != 2*len(id) {
			return nil, false
		}
		_, err := hex.Decode(id[:], []byte(s))
		return id, err == nil
	case "regex":
		p, ok := d.str()
		re := Regex{Pattern: p}
		if e.O != nil {
			re.Options = *e.O
		}
		return re, ok
	}
	return nil, false
}

// skipValue moves past one JSON value without decoding it.
func (d *fastDec) skipValue() bool {
	if d.i >= len(d.b) {
		return false
	}
	switch c := d.b[d.i]; {
	case c == '{' || c == '[':
		depth := 0
		for d.i < len(d.b) {
			switch d.b[d.i] {
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					d.i++
					return true
				}
			case '"':
				if _, ok := d.skipString(); !ok {
					return false
				}
				continue
			}
			d.i++
		}
		return false
	case c == '"':
		_, ok := d.skipString()
		return ok
	default:
		return false
	}
}

func (d *fastDec) skipString() (int, bool) {
	start := d.i
	d.i++
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case '"':
			d.i++
			return start, true
		case '\\':
			d.i += 2
		default:
			d.i++
		}
	}
	return start, false
}
