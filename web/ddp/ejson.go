package ddp

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxDepth bounds how deep Marshal follows pointers, maps, slices and interfaces, so a
// cyclic value is an error instead of a stack overflow.
const maxDepth = 1000

var (
	timeType          = reflect.TypeFor[time.Time]()
	numberType        = reflect.TypeFor[json.Number]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
)

// Marshal returns the EJSON encoding of v (PROTOCOL.md §1.6): the JSON encoding/json
// would produce, honouring json tags, omitempty and omitzero, except that
//
//   - time.Time is {"$date":<milliseconds since the epoch>};
//   - []byte is {"$binary":"<standard base64>"};
//   - NaN, +Inf and -Inf are {"$InfNaN":0}, {"$InfNaN":1} and {"$InfNaN":-1};
//   - a map whose keys would read as one of these wrappers is escaped as {"$escape":{...}};
//   - map keys are sorted, and <, > and & are not HTML-escaped (as JSON.stringify does).
//
// Types implementing json.Marshaler (json.RawMessage among them) keep their own
// encoding, which is compacted but not rewritten; encoding.TextMarshaler gives a string.
// The ",string" tag option is not supported. A cyclic value is an error.
func Marshal(v any) ([]byte, error) {
	e := getEncoder()
	defer putEncoder(e)
	if err := e.encodeTop(v); err != nil {
		return nil, err
	}
	return bytes.Clone(e.buf), nil
}

// encodeTop encodes v, turning a reflect panic (a bug, or a value reflect cannot
// handle) into an error: server code never panics.
func (e *encoder) encodeTop(v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("ejson: cannot encode %T: %v", v, r)
		}
	}()
	return e.encode(reflect.ValueOf(v))
}

type encoder struct {
	buf   []byte
	depth int
}

var encoderPool = sync.Pool{New: func() any { return &encoder{buf: make([]byte, 0, 1024)} }}

func getEncoder() *encoder {
	e := encoderPool.Get().(*encoder)
	e.buf = e.buf[:0]
	e.depth = 0
	return e
}

func putEncoder(e *encoder) {
	if cap(e.buf) <= 64<<10 { // do not pin huge buffers
		encoderPool.Put(e)
	}
}

func (e *encoder) encode(v reflect.Value) error {
	if !v.IsValid() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return typeEncoder(v.Type())(e, v)
}

// descend counts one level of nesting and fails beyond maxDepth.
func (e *encoder) descend(t reflect.Type) error {
	e.depth++
	if e.depth > maxDepth {
		return &json.UnsupportedValueError{Str: "encountered a cycle or nesting over 1000 levels via " + t.String()}
	}
	return nil
}

type encoderFunc func(e *encoder, v reflect.Value) error

var encoderCache sync.Map // reflect.Type → encoderFunc

// typeEncoder returns the cached encoder of t, building it once. A recursive type gets
// an indirect placeholder while its encoder is being built, as in encoding/json.
func typeEncoder(t reflect.Type) encoderFunc {
	if f, ok := encoderCache.Load(t); ok {
		return f.(encoderFunc)
	}
	var (
		wg sync.WaitGroup
		f  encoderFunc
	)
	wg.Add(1)
	fi, loaded := encoderCache.LoadOrStore(t, encoderFunc(func(e *encoder, v reflect.Value) error {
		wg.Wait()
		return f(e, v)
	}))
	if loaded {
		return fi.(encoderFunc)
	}
	f = newTypeEncoder(t, true)
	wg.Done()
	encoderCache.Store(t, f)
	return f
}

func newTypeEncoder(t reflect.Type, allowAddr bool) encoderFunc {
	switch t {
	case timeType:
		return encodeTime
	case numberType:
		return encodeNumber
	case rawMessageType:
		return encodeRaw
	}
	if t.Kind() == reflect.Pointer && t.Elem() == timeType { // not time's own MarshalJSON
		return newPointerEncoder(t)
	}
	if t.Kind() != reflect.Pointer && allowAddr {
		p := reflect.PointerTo(t)
		if p.Implements(marshalerType) || (!t.Implements(marshalerType) && p.Implements(textMarshalerType)) {
			return condAddrEncoder(newTypeEncoder(p, false), newTypeEncoder(t, false))
		}
	}
	if t.Implements(marshalerType) {
		return encodeMarshaler
	}
	if t.Implements(textMarshalerType) {
		return encodeTextMarshaler
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(e *encoder, v reflect.Value) error { e.buf = strconv.AppendBool(e.buf, v.Bool()); return nil }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(e *encoder, v reflect.Value) error { e.buf = strconv.AppendInt(e.buf, v.Int(), 10); return nil }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(e *encoder, v reflect.Value) error { e.buf = strconv.AppendUint(e.buf, v.Uint(), 10); return nil }
	case reflect.Float32, reflect.Float64:
		bits := t.Bits()
		return func(e *encoder, v reflect.Value) error { e.buf = appendFloat(e.buf, v.Float(), bits); return nil }
	case reflect.String:
		return func(e *encoder, v reflect.Value) error { e.buf = appendString(e.buf, v.String()); return nil }
	case reflect.Interface:
		return encodeInterface
	case reflect.Struct:
		return newStructEncoder(t)
	case reflect.Map:
		return newMapEncoder(t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			p := reflect.PointerTo(t.Elem())
			if !p.Implements(marshalerType) && !p.Implements(textMarshalerType) {
				return encodeBytes
			}
		}
		return newArrayEncoder(t)
	case reflect.Array:
		return newArrayEncoder(t)
	case reflect.Pointer:
		return newPointerEncoder(t)
	}
	return func(_ *encoder, _ reflect.Value) error { return &json.UnsupportedTypeError{Type: t} }
}

func condAddrEncoder(addr, plain encoderFunc) encoderFunc {
	return func(e *encoder, v reflect.Value) error {
		if v.CanAddr() {
			return addr(e, v.Addr())
		}
		return plain(e, v)
	}
}

func encodeTime(e *encoder, v reflect.Value) error {
	t := v.Interface().(time.Time)
	e.buf = append(e.buf, `{"$date":`...)
	e.buf = strconv.AppendInt(e.buf, t.UnixMilli(), 10)
	e.buf = append(e.buf, '}')
	return nil
}

func encodeNumber(e *encoder, v reflect.Value) error {
	s := v.String()
	if s == "" {
		s = "0" // as encoding/json does
	}
	if !json.Valid([]byte(s)) || strings.ContainsAny(s, "{[\"tfn") {
		return fmt.Errorf("ejson: invalid number literal %q", s)
	}
	e.buf = append(e.buf, s...)
	return nil
}

func encodeRaw(e *encoder, v reflect.Value) error {
	raw := v.Bytes()
	if len(raw) == 0 {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	return e.appendCompact(raw, v.Type())
}

// appendCompact appends JSON produced by a Marshaler, validated and compacted.
func (e *encoder) appendCompact(raw []byte, t reflect.Type) error {
	b := bytes.NewBuffer(e.buf)
	if err := json.Compact(b, raw); err != nil {
		return &json.MarshalerError{Type: t, Err: err}
	}
	e.buf = b.Bytes()
	return nil
}

func encodeMarshaler(e *encoder, v reflect.Value) error {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	raw, err := v.Interface().(json.Marshaler).MarshalJSON()
	if err != nil {
		return &json.MarshalerError{Type: v.Type(), Err: err}
	}
	return e.appendCompact(raw, v.Type())
}

func encodeTextMarshaler(e *encoder, v reflect.Value) error {
	if v.Kind() == reflect.Pointer && v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
	if err != nil {
		return &json.MarshalerError{Type: v.Type(), Err: err}
	}
	e.buf = appendString(e.buf, string(text))
	return nil
}

func encodeBytes(e *encoder, v reflect.Value) error {
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	b := v.Bytes()
	e.buf = append(e.buf, `{"$binary":"`...)
	e.buf = base64.StdEncoding.AppendEncode(e.buf, b)
	e.buf = append(e.buf, `"}`...)
	return nil
}

func encodeInterface(e *encoder, v reflect.Value) error {
	if v.IsNil() {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	if err := e.descend(v.Type()); err != nil {
		return err
	}
	err := e.encode(v.Elem())
	e.depth--
	return err
}
