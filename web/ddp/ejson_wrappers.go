package ddp

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// EJSON wrappers on the decoding side: recognising {"$date"}, {"$binary"},
// {"$InfNaN"} and {"$escape"} in a decoded tree.

// jsonKindOf names the JSON type of a decoded tree node, in encoding/json's words.
func jsonKindOf(tree any) string {
	switch x := tree.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		if w := wrapperKind(x); w != "" {
			return w
		}
		return "object"
	}
	return "value"
}

// wrapperKind names the EJSON wrapper an object is, "" if it is a plain object.
func wrapperKind(m map[string]any) string {
	if len(m) != 1 {
		return ""
	}
	for k := range m {
		switch k {
		case "$date":
			return "date"
		case "$binary":
			return "binary"
		case "$InfNaN":
			return "number"
		}
	}
	return ""
}

// decodeTime accepts {"$date":ms} and RFC 3339 strings.
func decodeTime(tree any, v reflect.Value) error {
	switch x := tree.(type) {
	case map[string]any:
		if n, ok := x["$date"].(json.Number); ok && len(x) == 1 {
			if ms, ok := millis(n); ok {
				v.Set(reflect.ValueOf(time.UnixMilli(ms).UTC()))
				return nil
			}
		}
	case string:
		t, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return &decodeError{value: "string " + strconv.Quote(x), typ: timeType}
		}
		v.Set(reflect.ValueOf(t))
		return nil
	}
	return mismatch(tree, timeType)
}

// millis reads a $date value: an integer, or a float that is one.
func millis(n json.Number) (int64, bool) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > 8.64e15 { // JavaScript's Date range
		return 0, false
	}
	return int64(f), true
}

// binaryOf accepts {"$binary":"<base64>"} and, as encoding/json does, a base64 string.
func binaryOf(tree any) ([]byte, bool) {
	var s string
	switch x := tree.(type) {
	case map[string]any:
		b64, ok := x["$binary"].(string)
		if !ok || len(x) != 1 {
			return nil, false
		}
		s = b64
	case string:
		s = x
	default:
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	return b, err == nil
}

// floatOf accepts numbers and {"$InfNaN":n}.
func floatOf(tree any) (float64, bool) {
	switch x := tree.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case map[string]any:
		if n, ok := x["$InfNaN"].(json.Number); ok && len(x) == 1 {
			switch n {
			case "0":
				return math.NaN(), true
			case "1":
				return math.Inf(1), true
			case "-1":
				return math.Inf(-1), true
			}
		}
	}
	return 0, false
}

// objectOf returns an object node, unwrapping {"$escape":{...}}.
func objectOf(tree any) (map[string]any, bool) {
	m, ok := tree.(map[string]any)
	if !ok {
		return nil, false
	}
	if inner, ok := m["$escape"].(map[string]any); ok && len(m) == 1 {
		return inner, true
	}
	return m, true
}

// toGo converts a decoded tree for an empty-interface destination, resolving EJSON
// wrappers. It rewrites maps and slices in place.
func toGo(tree any) any {
	switch x := tree.(type) {
	case json.Number:
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case []any:
		for i := range x {
			x[i] = toGo(x[i])
		}
		return x
	case map[string]any:
		switch wrapperKind(x) {
		case "date":
			if n, ok := x["$date"].(json.Number); ok {
				if ms, ok := millis(n); ok {
					return time.UnixMilli(ms).UTC()
				}
			}
		case "binary":
			if b, ok := binaryOf(x); ok {
				return b
			}
		case "number":
			if f, ok := floatOf(x); ok {
				return f
			}
		}
		m, _ := objectOf(x)
		for k, val := range m {
			m[k] = toGo(val)
		}
		return m
	}
	return tree
}

// appendTree re-encodes a decoded tree as plain JSON (wrappers kept as they came).
func appendTree(dst []byte, tree any) []byte {
	switch x := tree.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, x)
	case string:
		return appendString(dst, x)
	case json.Number:
		return append(dst, x...)
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendTree(dst, e)
		}
		return append(dst, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendTree(dst, x[k])
		}
		return append(dst, '}')
	}
	return append(dst, "null"...)
}
