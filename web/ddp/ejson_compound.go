package ddp

import (
	"encoding"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Encoders of pointers, arrays, slices, structs and maps.

func newPointerEncoder(t reflect.Type) encoderFunc {
	elem := typeEncoder(t.Elem())
	return func(e *encoder, v reflect.Value) error {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.descend(t); err != nil {
			return err
		}
		err := elem(e, v.Elem())
		e.depth--
		return err
	}
}

func newArrayEncoder(t reflect.Type) encoderFunc {
	elem := typeEncoder(t.Elem())
	isSlice := t.Kind() == reflect.Slice
	return func(e *encoder, v reflect.Value) error {
		if isSlice && v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.descend(t); err != nil {
			return err
		}
		e.buf = append(e.buf, '[')
		for i, n := 0, v.Len(); i < n; i++ {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := elem(e, v.Index(i)); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
		e.depth--
		return nil
	}
}

func newStructEncoder(t reflect.Type) encoderFunc {
	info := cachedFields(t)
	encs := make([]encoderFunc, len(info.fields))
	zeroers := make([]bool, len(info.fields))
	for i, f := range info.fields {
		encs[i] = typeEncoder(f.typ)
		zeroers[i] = f.typ.Implements(isZeroerType)
	}
	return func(e *encoder, v reflect.Value) error {
		e.buf = append(e.buf, '{')
		first := true
		for i := range info.fields {
			f := &info.fields[i]
			fv, ok := fieldByIndex(v, f.index)
			if !ok || (f.omitEmpty && isEmptyValue(fv)) || (f.omitZero && isZeroValue(fv, zeroers[i])) {
				continue
			}
			if !first {
				e.buf = append(e.buf, ',')
			}
			first = false
			e.buf = append(e.buf, f.key...)
			if err := encs[i](e, fv); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
		return nil
	}
}

// isEmptyValue is encoding/json's omitempty test.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// isZeroValue is encoding/json's omitzero test: IsZero() when the type has it.
func isZeroValue(v reflect.Value, zeroer bool) bool {
	if zeroer {
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return true
		}
		return v.Interface().(interface{ IsZero() bool }).IsZero()
	}
	return v.IsZero()
}

type mapEntry struct {
	key string
	val reflect.Value
}

func newMapEncoder(t reflect.Type) encoderFunc {
	keyString := mapKeyEncoder(t.Key())
	if keyString == nil {
		return func(_ *encoder, _ reflect.Value) error { return &json.UnsupportedTypeError{Type: t} }
	}
	elem := typeEncoder(t.Elem())
	return func(e *encoder, v reflect.Value) error {
		if v.IsNil() {
			e.buf = append(e.buf, "null"...)
			return nil
		}
		if err := e.descend(t); err != nil {
			return err
		}
		entries := make([]mapEntry, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			k, err := keyString(it.Key())
			if err != nil {
				return err
			}
			entries = append(entries, mapEntry{key: k, val: it.Value()})
		}
		slices.SortFunc(entries, func(a, b mapEntry) int { return strings.Compare(a.key, b.key) })
		escape := needsEscape(entries)
		if escape {
			e.buf = append(e.buf, `{"$escape":`...)
		}
		e.buf = append(e.buf, '{')
		for i, en := range entries {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = appendString(e.buf, en.key)
			e.buf = append(e.buf, ':')
			if err := elem(e, en.val); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
		if escape {
			e.buf = append(e.buf, '}')
		}
		e.depth--
		return nil
	}
}

// mapKeyEncoder returns how a map key of type t becomes a string, nil if it cannot.
func mapKeyEncoder(t reflect.Type) func(reflect.Value) (string, error) {
	switch {
	case t.Kind() == reflect.String:
		return func(k reflect.Value) (string, error) { return k.String(), nil }
	case t.Implements(textMarshalerType):
		return func(k reflect.Value) (string, error) {
			if k.Kind() == reflect.Pointer && k.IsNil() {
				return "", nil
			}
			b, err := k.Interface().(encoding.TextMarshaler).MarshalText()
			return string(b), err
		}
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(k reflect.Value) (string, error) { return strconv.FormatInt(k.Int(), 10), nil }
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(k reflect.Value) (string, error) { return strconv.FormatUint(k.Uint(), 10), nil }
	}
	return nil
}

// needsEscape reports whether an object with these (sorted) keys would be read back as
// an EJSON wrapper, as Meteor's EJSON decides for its $escape converter.
func needsEscape(entries []mapEntry) bool {
	switch len(entries) {
	case 1:
		switch entries[0].key {
		case "$date", "$binary", "$InfNaN", "$escape", "$regexp":
			return true
		}
	case 2:
		k0, k1 := entries[0].key, entries[1].key
		return (k0 == "$type" && k1 == "$value") || (k0 == "$flags" && k1 == "$regexp")
	}
	return false
}
