package docdb

import (
	"time"
)

// The document tree: the typed, ordered form of a stored document that the codec,
// the struct mapper and the update operators share. Values are one of:
//
//	string, bool, int32, int64, float64, time.Time, nil,
//	Binary, ObjectID, Regex, Timestamp, Doc, []any
//
// These are BSON's types, so what Outpost writes reads back through FerretDB exactly as a
// Rocket.Chat server would have stored it.

// Doc is an ordered document.
type Doc []Field

// Field is one key and value of a Doc.
type Field struct {
	Key   string
	Value any
}

// Binary is BSON binary data with its subtype.
type Binary struct {
	Subtype byte
	Data    []byte
}

// ObjectID is a BSON ObjectId.
type ObjectID [12]byte

// Regex is a BSON regular expression.
type Regex struct {
	Pattern, Options string
}

// Timestamp is a BSON (replication) timestamp.
type Timestamp uint64

// Get returns the value of key and whether it is present.
func (d Doc) Get(key string) (any, bool) {
	for _, f := range d {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}

// Set replaces the value of key, or appends it when absent.
func (d *Doc) Set(key string, v any) {
	for i := range *d {
		if (*d)[i].Key == key {
			(*d)[i].Value = v
			return
		}
	}
	*d = append(*d, Field{key, v})
}

// Delete removes key if present.
func (d *Doc) Delete(key string) {
	for i := range *d {
		if (*d)[i].Key == key {
			*d = append((*d)[:i], (*d)[i+1:]...)
			return
		}
	}
}

// dateOf converts a time to the millisecond precision BSON dates keep.
func dateOf(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
