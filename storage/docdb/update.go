package docdb

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"
)

// Update is a set of Mongo-style field operators applied to matching documents inside
// SQLite (by the outpost_apply SQL function), so an update is one statement however many
// documents it touches, and fields Outpost does not model are kept as they are.
// Paths are dotted ("u.name"); missing parent documents are created, as in Mongo.
type Update struct {
	ops []op
	err error
}

type opKind int

const (
	opSet opKind = iota
	opUnset
	opInc
	opPush
	opAddToSet
	opPull
)

type op struct {
	kind  opKind
	path  []string
	value any
}

// U starts an empty update.
func U() *Update { return &Update{} }

func (u *Update) add(k opKind, path string, v any) *Update {
	tv, err := toValue(reflect.ValueOf(v))
	if err != nil && u.err == nil {
		u.err = fmt.Errorf("%s: %w", path, err)
	}
	u.ops = append(u.ops, op{kind: k, path: strings.Split(path, "."), value: tv})
	return u
}

// Set sets the field at path to v ($set).
func (u *Update) Set(path string, v any) *Update { return u.add(opSet, path, v) }

// Unset removes the field at path ($unset).
func (u *Update) Unset(path string) *Update { return u.add(opUnset, path, nil) }

// Inc adds n, an int or a float64, to the number at path, a missing field counting as 0 ($inc).
func (u *Update) Inc(path string, n any) *Update { return u.add(opInc, path, n) }

// Push appends v to the array at path ($push).
func (u *Update) Push(path string, v any) *Update { return u.add(opPush, path, v) }

// AddToSet appends v to the array at path unless an equal element is there ($addToSet).
func (u *Update) AddToSet(path string, v any) *Update { return u.add(opAddToSet, path, v) }

// Pull removes every element equal to v from the array at path ($pull); when v is a
// document (a struct or map), every element document having all of v's fields matches.
func (u *Update) Pull(path string, v any) *Update { return u.add(opPull, path, v) }

// apply changes d in place.
func (u *Update) apply(d *Doc) error {
	if u.err != nil {
		return u.err
	}
	for _, o := range u.ops {
		create := o.kind != opUnset && o.kind != opPull
		if err := applyAt(d, o.path, create, o.run); err != nil {
			return fmt.Errorf("%s: %w", strings.Join(o.path, "."), err)
		}
	}
	return nil
}

// applyAt calls fn with the document holding the last step of path and that key,
// writing changed sub-documents back into their parents. Missing parents are created
// when create is set; otherwise fn is not called.
func applyAt(d *Doc, path []string, create bool, fn func(parent *Doc, key string) error) error {
	if len(path) == 1 {
		return fn(d, path[0])
	}
	v, ok := d.Get(path[0])
	if !ok || v == nil {
		if !create {
			return nil
		}
		v = Doc{}
	}
	sub, isDoc := v.(Doc)
	if !isDoc {
		return fmt.Errorf("%s is not a document", path[0])
	}
	if err := applyAt(&sub, path[1:], create, fn); err != nil {
		return err
	}
	d.Set(path[0], sub)
	return nil
}

// run applies one operator to parent[key].
func (o op) run(parent *Doc, key string) error {
	cur, has := parent.Get(key)
	switch o.kind {
	case opSet:
		parent.Set(key, o.value)
		return nil
	case opUnset:
		parent.Delete(key)
		return nil
	case opInc:
		if !has || cur == nil {
			cur = int32(0)
		}
		n, err := addNumbers(cur, o.value)
		if err != nil {
			return err
		}
		parent.Set(key, n)
		return nil
	}
	var arr []any
	if has && cur != nil {
		a, ok := cur.([]any)
		if !ok {
			return errors.New("not an array")
		}
		arr = a
	}
	switch o.kind {
	case opPush:
		arr = append(arr, o.value)
	case opAddToSet:
		if !containsValue(arr, o.value) {
			arr = append(arr, o.value)
		}
	case opPull:
		if !has {
			return nil
		}
		out := make([]any, 0, len(arr))
		for _, x := range arr {
			if !pullMatches(x, o.value) {
				out = append(out, x)
			}
		}
		arr = out
	}
	if arr == nil {
		arr = []any{}
	}
	parent.Set(key, arr)
	return nil
}

// pullMatches is $pull's test: equal values match, and a document condition matches
// every element document that has all of its fields with equal values.
func pullMatches(elem, cond any) bool {
	c, ok := cond.(Doc)
	e, isDoc := elem.(Doc)
	if !ok || !isDoc {
		return reflect.DeepEqual(elem, cond)
	}
	for _, f := range c {
		v, has := e.Get(f.Key)
		if !has || !reflect.DeepEqual(v, f.Value) {
			return false
		}
	}
	return true
}

func containsValue(arr []any, v any) bool {
	for _, x := range arr {
		if reflect.DeepEqual(x, v) {
			return true
		}
	}
	return false
}

// addNumbers adds two tree numbers with Mongo's type widening: int32 overflows to
// int64, anything with a double gives a double.
func addNumbers(a, b any) (any, error) {
	toF := func(x any) (float64, bool) {
		switch n := x.(type) {
		case int32:
			return float64(n), true
		case int64:
			return float64(n), true
		case float64:
			return n, true
		}
		return 0, false
	}
	_, aDouble := a.(float64)
	_, bDouble := b.(float64)
	if aDouble || bDouble {
		x, ok1 := toF(a)
		y, ok2 := toF(b)
		if !ok1 || !ok2 {
			return nil, errors.New("not a number")
		}
		return x + y, nil
	}
	toI := func(x any) (int64, bool) {
		switch n := x.(type) {
		case int32:
			return int64(n), true
		case int64:
			return n, true
		}
		return 0, false
	}
	x, ok1 := toI(a)
	y, ok2 := toI(b)
	if !ok1 || !ok2 {
		return nil, errors.New("not a number")
	}
	_, aLong := a.(int64)
	_, bLong := b.(int64)
	s := x + y
	if !aLong && !bLong && s >= math.MinInt32 && s <= math.MaxInt32 {
		return int32(s), nil
	}
	return s, nil
}

// Updates reach the SQL function through a handle bound as a parameter, so they are
// never encoded for SQLite.
var (
	updates    sync.Map // int64 -> *Update
	nextHandle atomic.Int64
	registerFn sync.Once
)

func registerUpdate(u *Update) int64 {
	h := nextHandle.Add(1)
	updates.Store(h, u)
	return h
}

func releaseUpdate(h int64) { updates.Delete(h) }

// registerFunctions makes outpost_apply(doc, handle) known to every SQLite connection
// opened afterwards.
func registerFunctions() {
	registerFn.Do(func() {
		sqlite.MustRegisterDeterministicScalarFunction("outpost_apply", 2, applySQL)
	})
}

func applySQL(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	var data []byte
	switch v := args[0].(type) {
	case string:
		data = []byte(v)
	case []byte:
		data = v
	default:
		return nil, fmt.Errorf("outpost_apply: document is %T", args[0])
	}
	h, ok := args[1].(int64)
	if !ok {
		return nil, fmt.Errorf("outpost_apply: handle is %T", args[1])
	}
	u, ok := updates.Load(h)
	if !ok {
		return nil, errors.New("outpost_apply: unknown update")
	}
	d, err := unmarshalDoc(data)
	if err != nil {
		return nil, err
	}
	if err := u.(*Update).apply(&d); err != nil {
		return nil, err
	}
	out, err := marshalDoc(d)
	if err != nil {
		return nil, err
	}
	return string(out), nil
}
