package docdb

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"
)

// The mapper turns Go values (the app/model structs, maps, slices) into document trees
// and back, naming fields by their `json` tags, the same names Rocket.Chat uses.
//
// Numbers follow the rule of Node's BSON serializer, which is how Rocket.Chat's own data
// looks: a number that is integral and fits in 32 bits is stored as int, other integers
// as long, everything else as double. Nil slices are stored as empty arrays, never null.

var (
	timeType = reflect.TypeFor[time.Time]()
	docType  = reflect.TypeFor[Doc]()

	objectIDType  = reflect.TypeFor[ObjectID]()
	binaryType    = reflect.TypeFor[Binary]()
	regexType     = reflect.TypeFor[Regex]()
	timestampType = reflect.TypeFor[Timestamp]()
)

// toDoc converts a struct, map or Doc to a document tree; _id, when present, comes first.
func toDoc(v any) (Doc, error) {
	tv, err := toValue(reflect.ValueOf(v))
	if err != nil {
		return nil, err
	}
	d, ok := tv.(Doc)
	if !ok {
		return nil, fmt.Errorf("docdb: %T is not a document", v)
	}
	for i, f := range d {
		if f.Key == "_id" && i > 0 {
			copy(d[1:i+1], d[:i])
			d[0] = f
			break
		}
	}
	return d, nil
}

// toValue converts any Go value to a tree value.
func toValue(v reflect.Value) (any, error) {
	if !v.IsValid() {
		return nil, nil
	}
	switch x := v.Interface().(type) {
	case Doc:
		return x, nil
	case time.Time:
		return x.UTC().Truncate(time.Millisecond), nil
	case []byte:
		return Binary{Data: x}, nil
	case Binary, ObjectID, Regex, Timestamp:
		return x, nil
	case json.RawMessage:
		if len(x) == 0 {
			return nil, nil
		}
		return jsonToTree(x)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil, nil
		}
		return toValue(v.Elem())
	case reflect.String:
		return v.String(), nil
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intValue(v.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u := v.Uint()
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("docdb: %d overflows int64", u)
		}
		return intValue(int64(u)), nil
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		if f == math.Trunc(f) && f >= math.MinInt32 && f <= math.MaxInt32 && !(f == 0 && math.Signbit(f)) {
			return int32(f), nil
		}
		return f, nil
	case reflect.Slice, reflect.Array:
		a := make([]any, v.Len())
		for i := range a {
			x, err := toValue(v.Index(i))
			if err != nil {
				return nil, err
			}
			a[i] = x
		}
		return a, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("docdb: map key type %s is not string", v.Type().Key())
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		d := make(Doc, 0, len(keys))
		for _, k := range keys {
			x, err := toValue(v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key())))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			d = append(d, Field{k, x})
		}
		return d, nil
	case reflect.Struct:
		info := structInfoOf(v.Type())
		d := make(Doc, 0, len(info.fields))
		for _, f := range info.fields {
			fv := v.FieldByIndex(f.index)
			if f.omitEmpty && isEmpty(fv) {
				continue
			}
			x, err := toValue(fv)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.name, err)
			}
			d = append(d, Field{f.name, x})
		}
		return d, nil
	}
	return nil, fmt.Errorf("docdb: unsupported type %s", v.Type())
}

func intValue(i int64) any {
	if i >= math.MinInt32 && i <= math.MaxInt32 {
		return int32(i)
	}
	return i
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Struct:
		if t, ok := v.Interface().(time.Time); ok {
			return t.IsZero()
		}
		return false
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array:
		return v.Len() == 0
	}
	return v.IsZero()
}

type structInfo struct {
	fields []fieldInfo
	byName map[string]*fieldInfo
}

type fieldInfo struct {
	name      string
	index     []int
	omitEmpty bool
}

var structCache sync.Map // reflect.Type -> *structInfo

func structInfoOf(t reflect.Type) *structInfo {
	if si, ok := structCache.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string]*fieldInfo{}}
	collectFields(t, nil, si)
	for i := range si.fields {
		si.byName[si.fields[i].name] = &si.fields[i]
	}
	structCache.Store(t, si)
	return si
}

func collectFields(t reflect.Type, parent []int, si *structInfo) {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		index := append(append([]int(nil), parent...), i)
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			collectFields(sf.Type, index, si)
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		si.fields = append(si.fields, fieldInfo{name: name, index: index, omitEmpty: strings.Contains(opts, "omitempty")})
	}
}

// fromDoc fills out (a pointer to a struct, map or Doc) from a document tree. Keys the
// struct does not name are ignored.
func fromDoc(d Doc, out any) error {
	rv := reflect.ValueOf(out)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("docdb: decode target must be a non-nil pointer")
	}
	return assign(rv.Elem(), d)
}

// assign stores tree value v into dst.
func assign(dst reflect.Value, v any) error {
	if v == nil {
		dst.SetZero()
		return nil
	}
	switch dst.Type() {
	case rawMessageType:
		raw, err := treeJSON(v)
		if err != nil {
			return err
		}
		dst.SetBytes(raw)
		return nil
	case objectIDType, binaryType, regexType, timestampType:
		rv := reflect.ValueOf(v)
		if rv.Type() != dst.Type() {
			return fmt.Errorf("cannot store %T in %s", v, dst.Type())
		}
		dst.Set(rv)
		return nil
	case timeType:
		t, ok := v.(time.Time)
		if !ok {
			return fmt.Errorf("cannot store %T in time.Time", v)
		}
		dst.Set(reflect.ValueOf(t))
		return nil
	case docType:
		d, ok := v.(Doc)
		if !ok {
			return fmt.Errorf("cannot store %T in Doc", v)
		}
		dst.Set(reflect.ValueOf(d))
		return nil
	}
	switch dst.Kind() {
	case reflect.Pointer:
		p := reflect.New(dst.Type().Elem())
		if err := assign(p.Elem(), v); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	case reflect.Interface:
		if dst.NumMethod() > 0 {
			return fmt.Errorf("cannot store into %s", dst.Type())
		}
		dst.Set(reflect.ValueOf(plain(v)))
		return nil
	case reflect.String:
		if s, ok := v.(string); ok {
			dst.SetString(s)
			return nil
		}
	case reflect.Bool:
		if b, ok := v.(bool); ok {
			dst.SetBool(b)
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		switch n := v.(type) {
		case int32:
			dst.SetInt(int64(n))
			return nil
		case int64:
			dst.SetInt(n)
			return nil
		case float64:
			dst.SetInt(int64(n))
			return nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		switch n := v.(type) {
		case int32:
			dst.SetUint(uint64(n))
			return nil
		case int64:
			dst.SetUint(uint64(n))
			return nil
		case float64:
			dst.SetUint(uint64(n))
			return nil
		}
	case reflect.Float32, reflect.Float64:
		switch n := v.(type) {
		case int32:
			dst.SetFloat(float64(n))
			return nil
		case int64:
			dst.SetFloat(float64(n))
			return nil
		case float64:
			dst.SetFloat(n)
			return nil
		}
	case reflect.Slice:
		if b, ok := v.(Binary); ok && dst.Type().Elem().Kind() == reflect.Uint8 {
			dst.SetBytes(b.Data)
			return nil
		}
		a, ok := v.([]any)
		if !ok {
			break
		}
		s := reflect.MakeSlice(dst.Type(), len(a), len(a))
		for i := range a {
			if err := assign(s.Index(i), a[i]); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		dst.Set(s)
		return nil
	case reflect.Map:
		d, ok := v.(Doc)
		if !ok || dst.Type().Key().Kind() != reflect.String {
			break
		}
		m := reflect.MakeMapWithSize(dst.Type(), len(d))
		for _, f := range d {
			ev := reflect.New(dst.Type().Elem()).Elem()
			if err := assign(ev, f.Value); err != nil {
				return fmt.Errorf("%s: %w", f.Key, err)
			}
			m.SetMapIndex(reflect.ValueOf(f.Key).Convert(dst.Type().Key()), ev)
		}
		dst.Set(m)
		return nil
	case reflect.Struct:
		d, ok := v.(Doc)
		if !ok {
			break
		}
		info := structInfoOf(dst.Type())
		for _, f := range d {
			fi := info.byName[f.Key]
			if fi == nil {
				continue
			}
			if err := assign(dst.FieldByIndex(fi.index), f.Value); err != nil {
				return fmt.Errorf("%s: %w", f.Key, err)
			}
		}
		return nil
	}
	return fmt.Errorf("cannot store %T in %s", v, dst.Type())
}

// plain converts a tree value to the form an `any` destination gets: documents become
// map[string]any, arrays []any, integers int64; other values stay as they are.
func plain(v any) any {
	switch x := v.(type) {
	case Doc:
		m := make(map[string]any, len(x))
		for _, f := range x {
			m[f.Key] = plain(f.Value)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i := range x {
			a[i] = plain(x[i])
		}
		return a
	case int32:
		return int64(x)
	case Binary:
		return x.Data
	}
	return v
}
