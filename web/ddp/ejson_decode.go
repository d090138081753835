package ddp

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	dollarKey           = []byte(`"$`)
)

// Unmarshal decodes EJSON data into v, a non-nil pointer, like json.Unmarshal but
// understanding EJSON's wrappers (PROTOCOL.md §1.6):
//
//   - {"$date":<ms>} and RFC 3339 strings decode into time.Time;
//   - {"$binary":"<base64>"} (and plain base64 strings) decode into []byte;
//   - {"$InfNaN":n} decodes into floats;
//   - {"$escape":{...}} decodes as the object inside it, keys taken literally;
//   - into an empty interface, the wrappers become time.Time (UTC), []byte and float64;
//     other values as encoding/json gives them.
//
// A json.Unmarshaler (json.RawMessage among them) receives its part of the input as
// JSON, EJSON wrappers left in place; below the top level it is re-encoded, so object
// keys come sorted. Data without any "$-prefixed string is handed to json.Unmarshal
// as is (if that fails, the error comes from the EJSON decoder, so it reads the same
// either way). Unlike json.Unmarshal, decoding stops at the first type mismatch.
func Unmarshal(data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil { // a reflect panic: a destination we cannot fill
			err = fmt.Errorf("ejson: cannot decode into %T: %v", v, r)
		}
	}()
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &json.InvalidUnmarshalError{Type: reflect.TypeOf(v)}
	}
	et := rv.Type().Elem()
	if et != timeType && reflect.PointerTo(et).Implements(unmarshalerType) {
		return json.Unmarshal(data, v)
	}
	if !bytes.Contains(data, dollarKey) && json.Unmarshal(data, v) == nil {
		return nil // the fast path; on failure the slow one below words the error
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return json.Unmarshal(data, new(any)) // reports the syntax error just as json.Unmarshal would
	}
	if err := decodeValue(tree, rv.Elem()); err != nil {
		var de *decodeError
		if errors.As(err, &de) {
			return de.typeError()
		}
		return err
	}
	return nil
}

// decodeError is a type mismatch found while decoding; path collects the field names
// on the way back up.
type decodeError struct {
	value string // JSON kind found
	typ   reflect.Type
	path  []string // innermost first
}

func (e *decodeError) Error() string { return e.typeError().Error() }

func (e *decodeError) typeError() *json.UnmarshalTypeError {
	p := slices.Clone(e.path)
	slices.Reverse(p)
	return &json.UnmarshalTypeError{Value: e.value, Type: e.typ, Field: strings.Join(p, ".")}
}

// inField adds a path segment to a decodeError passing through.
func inField(err error, name string) error {
	if de, ok := err.(*decodeError); ok {
		de.path = append(de.path, name)
	}
	return err
}

func mismatch(tree any, t reflect.Type) error {
	return &decodeError{value: jsonKindOf(tree), typ: t}
}

// decodeValue stores the decoded JSON tree into v, which is settable.
func decodeValue(tree any, v reflect.Value) error {
	if tree == nil {
		switch v.Kind() {
		case reflect.Interface, reflect.Pointer, reflect.Map, reflect.Slice:
			v.SetZero()
		}
		return nil
	}
	for {
		t := v.Type()
		if t == timeType {
			return decodeTime(tree, v)
		}
		if v.CanAddr() && reflect.PointerTo(t).Implements(unmarshalerType) {
			return v.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(appendTree(nil, tree))
		}
		if s, ok := tree.(string); ok && v.CanAddr() && reflect.PointerTo(t).Implements(textUnmarshalerType) {
			return v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
		}
		if t.Kind() != reflect.Pointer {
			break
		}
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.NumMethod() != 0 {
			return mismatch(tree, v.Type())
		}
		if g := toGo(tree); g != nil {
			v.Set(reflect.ValueOf(g))
		} else {
			v.SetZero()
		}
		return nil
	case reflect.Struct:
		return decodeStruct(tree, v)
	case reflect.Map:
		return decodeMap(tree, v)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if b, ok := binaryOf(tree); ok {
				v.SetBytes(b)
				return nil
			}
		}
		return decodeSlice(tree, v)
	case reflect.Array:
		return decodeSlice(tree, v)
	case reflect.String:
		s, ok := tree.(string)
		if !ok {
			return mismatch(tree, v.Type())
		}
		v.SetString(s)
	case reflect.Bool:
		b, ok := tree.(bool)
		if !ok {
			return mismatch(tree, v.Type())
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := tree.(json.Number)
		if !ok {
			return mismatch(tree, v.Type())
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || v.OverflowInt(i) {
			return &decodeError{value: "number " + string(n), typ: v.Type()}
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := tree.(json.Number)
		if !ok {
			return mismatch(tree, v.Type())
		}
		u, err := strconv.ParseUint(string(n), 10, 64)
		if err != nil || v.OverflowUint(u) {
			return &decodeError{value: "number " + string(n), typ: v.Type()}
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, ok := floatOf(tree)
		if !ok {
			return mismatch(tree, v.Type())
		}
		if v.OverflowFloat(f) && !math.IsInf(f, 0) {
			return &decodeError{value: "number", typ: v.Type()}
		}
		v.SetFloat(f)
	default:
		return mismatch(tree, v.Type())
	}
	return nil
}

func decodeStruct(tree any, v reflect.Value) error {
	m, ok := objectOf(tree)
	if !ok || wrapperKind(m) != "" {
		return mismatch(tree, v.Type())
	}
	info := cachedFields(v.Type())
	for k, val := range m {
		f, ok := info.lookup(k)
		if !ok {
			continue
		}
		fv, ok := fieldByIndexAlloc(v, f.index)
		if !ok {
			continue
		}
		if err := decodeValue(val, fv); err != nil {
			return inField(err, f.name)
		}
	}
	return nil
}

func decodeMap(tree any, v reflect.Value) error {
	m, ok := objectOf(tree)
	if !ok {
		return mismatch(tree, v.Type())
	}
	t := v.Type()
	kt := t.Key()
	switch kt.Kind() {
	case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
	default:
		if !reflect.PointerTo(kt).Implements(textUnmarshalerType) {
			return mismatch(tree, t)
		}
	}
	if v.IsNil() {
		v.Set(reflect.MakeMapWithSize(t, len(m)))
	}
	for k, val := range m {
		key, err := mapKey(k, kt)
		if err != nil {
			return err
		}
		elem := reflect.New(t.Elem()).Elem()
		if err := decodeValue(val, elem); err != nil {
			return inField(err, k)
		}
		v.SetMapIndex(key, elem)
	}
	return nil
}

// mapKey converts an object key to a map key of type kt.
func mapKey(k string, kt reflect.Type) (reflect.Value, error) {
	if reflect.PointerTo(kt).Implements(textUnmarshalerType) && kt.Kind() != reflect.String {
		kv := reflect.New(kt)
		if err := kv.Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(k)); err != nil {
			return reflect.Value{}, err
		}
		return kv.Elem(), nil
	}
	kv := reflect.New(kt).Elem()
	switch kt.Kind() {
	case reflect.String:
		kv.SetString(k)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := strconv.ParseInt(k, 10, 64)
		if err != nil || kv.OverflowInt(i) {
			return reflect.Value{}, &decodeError{value: "number " + k, typ: kt}
		}
		kv.SetInt(i)
	default:
		u, err := strconv.ParseUint(k, 10, 64)
		if err != nil || kv.OverflowUint(u) {
			return reflect.Value{}, &decodeError{value: "number " + k, typ: kt}
		}
		kv.SetUint(u)
	}
	return kv, nil
}

func decodeSlice(tree any, v reflect.Value) error {
	arr, ok := tree.([]any)
	if !ok {
		return mismatch(tree, v.Type())
	}
	if v.Kind() == reflect.Slice {
		v.Set(reflect.MakeSlice(v.Type(), len(arr), len(arr)))
	}
	n := v.Len()
	for i, x := range arr {
		if i >= n {
			break
		}
		if err := decodeValue(x, v.Index(i)); err != nil {
			return inField(err, strconv.Itoa(i))
		}
	}
	for i := len(arr); i < n; i++ { // arrays: zero the rest
		v.Index(i).SetZero()
	}
	return nil
}
