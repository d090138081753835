package ddp

import (
	"reflect"
	"slices"
	"strings"
	"sync"
)

// field is one JSON-visible struct field, resolved the way encoding/json resolves it:
// its name from the json tag or the Go name, promoted through embedded structs.
type field struct {
	name      string
	key       []byte // `"name":`, ready to append
	index     []int  // reflect index path, possibly through embedded pointers
	typ       reflect.Type
	omitEmpty bool
	omitZero  bool
	tagged    bool // the name came from a tag
}

// structInfo is the cached field list of a struct type.
type structInfo struct {
	fields []field
	byName map[string]int // exact name → position in fields
}

// fieldCache maps reflect.Type → *structInfo.
var fieldCache sync.Map

// cachedFields returns t's JSON fields, computing them once per type.
func cachedFields(t reflect.Type) *structInfo {
	if v, ok := fieldCache.Load(t); ok {
		return v.(*structInfo)
	}
	fs := typeFields(t)
	info := &structInfo{fields: fs, byName: make(map[string]int, len(fs))}
	for i, f := range fs {
		info.byName[f.name] = i
	}
	v, _ := fieldCache.LoadOrStore(t, info)
	return v.(*structInfo)
}

// lookup finds the field a JSON object key decodes into: an exact match first, then a
// case-insensitive one, as encoding/json does.
func (s *structInfo) lookup(key string) (*field, bool) {
	if i, ok := s.byName[key]; ok {
		return &s.fields[i], true
	}
	for i := range s.fields {
		if strings.EqualFold(s.fields[i].name, key) {
			return &s.fields[i], true
		}
	}
	return nil, false
}

// typeFields walks t breadth-first through its embedded structs and applies
// encoding/json's dominance rules: for each name the shallowest field wins, a tagged
// field beats untagged ones at the same depth, and a tie drops the name entirely.
func typeFields(t reflect.Type) []field {
	type candidate struct {
		f     field
		depth int
	}
	var all []candidate
	type level struct {
		typ   reflect.Type
		index []int
	}
	current := []level{{typ: t}}
	visited := map[reflect.Type]bool{}
	for depth := 0; len(current) > 0; depth++ {
		var next []level
		for _, lv := range current {
			if visited[lv.typ] {
				continue
			}
			visited[lv.typ] = true
			for i := 0; i < lv.typ.NumField(); i++ {
				sf := lv.typ.Field(i)
				tag := sf.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				ft := sf.Type
				if sf.Anonymous {
					if ft.Kind() == reflect.Pointer {
						ft = ft.Elem()
					}
					if !sf.IsExported() && ft.Kind() != reflect.Struct {
						continue
					}
					if name == "" && ft.Kind() == reflect.Struct {
						next = append(next, level{typ: ft, index: appendIndex(lv.index, i)})
						continue
					}
				} else if !sf.IsExported() {
					continue
				}
				tagged := name != ""
				if !tagged {
					name = sf.Name
				}
				f := field{
					name:      name,
					key:       appendString(nil, name),
					index:     appendIndex(lv.index, i),
					typ:       sf.Type,
					omitEmpty: hasOption(opts, "omitempty"),
					omitZero:  hasOption(opts, "omitzero"),
					tagged:    tagged,
				}
				f.key = append(f.key, ':')
				all = append(all, candidate{f: f, depth: depth})
			}
		}
		current = next
	}

	// Group by name; keep the dominant field of each group.
	byName := map[string][]candidate{}
	var order []string
	for _, c := range all {
		if _, seen := byName[c.f.name]; !seen {
			order = append(order, c.f.name)
		}
		byName[c.f.name] = append(byName[c.f.name], c)
	}
	var out []field
	for _, name := range order {
		group := byName[name]
		minDepth := group[0].depth
		for _, c := range group {
			minDepth = min(minDepth, c.depth)
		}
		var top []candidate
		for _, c := range group {
			if c.depth == minDepth {
				top = append(top, c)
			}
		}
		if len(top) == 1 {
			out = append(out, top[0].f)
			continue
		}
		var tagged []candidate
		for _, c := range top {
			if c.f.tagged {
				tagged = append(tagged, c)
			}
		}
		if len(tagged) == 1 {
			out = append(out, tagged[0].f)
		}
	}
	slices.SortFunc(out, func(a, b field) int { return slices.Compare(a.index, b.index) })
	return out
}

func appendIndex(prefix []int, i int) []int {
	out := make([]int, len(prefix)+1)
	copy(out, prefix)
	out[len(prefix)] = i
	return out
}

func hasOption(opts, want string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == want {
			return true
		}
	}
	return false
}

// fieldByIndex returns the field at index in v, or ok=false when an embedded pointer on
// the way is nil (the field is then absent when encoding).
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// fieldByIndexAlloc is fieldByIndex for decoding: it allocates nil embedded pointers.
// ok is false when such a pointer cannot be set (an unexported embedded pointer).
func fieldByIndexAlloc(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, false
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}
