package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/outpostchat/outpost/app/model"
)

// codeInvalidParams is Rocket.Chat's errorType for input that fails validation on its
// legacy routes (PROTOCOL.md §0.1 point 3).
const codeInvalidParams = "invalid-params"

// WriteSuccess writes 200 with payload's JSON object and "success":true appended to it, as
// Rocket.Chat's API.v1.success does. payload must encode to a JSON object (a struct or a
// map) without its own "success" key; nil writes {"success":true}. If payload cannot be
// encoded, WriteSuccess writes nothing and returns an internal error for the caller to
// hand to WriteError.
func WriteSuccess(w http.ResponseWriter, payload any) error {
	if payload == nil {
		writeBody(w, http.StatusOK, []byte(`{"success":true}`))
		return nil
	}
	buf := getBuffer()
	defer putBuffer(buf)
	if err := encodeTo(buf, payload); err != nil {
		return model.Internal(fmt.Errorf("rest: encoding %T: %w", payload, err))
	}
	b := buf.Bytes()
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return model.Internal(fmt.Errorf("rest: response payload %T is not a JSON object", payload))
	}
	buf.Truncate(len(b) - 1)
	if len(b) > 2 {
		buf.WriteByte(',')
	}
	buf.WriteString(`"success":true}`)
	writeBody(w, http.StatusOK, buf.Bytes())
	return nil
}

// DecodeJSON decodes the request body into dst, which must be a pointer. An empty body
// leaves dst unchanged (Rocket.Chat treats it as {}), so the route's own validation then
// reports the missing fields. Malformed JSON, a value of the wrong type, trailing data and
// a body over the route's size limit are KindInvalid errors with errorType invalid-params:
// 400s, never 500s.
func DecodeJSON(r *http.Request, dst any) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(dst); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return bodyError(err)
		}
		return invalidBody("Request body must hold a single JSON value", err)
	}
	return nil
}

// bodyError explains why a body could not be decoded.
func bodyError(err error) error {
	var (
		tooLarge  *http.MaxBytesError
		syntax    *json.SyntaxError
		wrongType *json.UnmarshalTypeError
		badTarget *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &tooLarge):
		return invalidBody(fmt.Sprintf("Request body too large: the limit is %d bytes", tooLarge.Limit), err)
	case errors.As(err, &syntax):
		return invalidBody(fmt.Sprintf("Malformed JSON in request body at byte %d: %v", syntax.Offset, err), err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidBody("Malformed JSON in request body: unexpected end of input", err)
	case errors.As(err, &wrongType):
		if wrongType.Field == "" {
			return invalidBody(fmt.Sprintf("Request body must be a JSON %s, not %s", JSONKind(wrongType.Type), wrongType.Value), err)
		}
		return invalidBody(fmt.Sprintf("Invalid type for '%s': expected %s, got %s",
			wrongType.Field, JSONKind(wrongType.Type), wrongType.Value), err)
	case errors.As(err, &badTarget):
		return model.Internal(err)
	}
	return invalidBody("Could not read request body", err)
}

// invalidBody is a KindInvalid error about the request body.
func invalidBody(msg string, cause error) error {
	return &model.Error{Kind: model.KindInvalid, Code: codeInvalidParams, Message: msg, Cause: cause}
}

// JSONKind names, for error messages, the JSON type a Go type decodes from; dates are
// "date" (an ISO string over REST, {"$date"} over DDP).
func JSONKind(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	if t == reflect.TypeFor[time.Time]() {
		return "date"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return t.String()
}

// writeJSON writes v as the JSON response body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := encode(v)
	if err != nil {
		// Only our own error bodies come here, and they always encode.
		status, b = http.StatusInternalServerError, []byte(`{"success":false,"error":"`+msgInternal+`"}`)
	}
	writeBody(w, status, b)
}

// writeBody writes an already encoded JSON body.
func writeBody(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b) // a client that went away is not our error
}

// encode marshals v without escaping <, > and & (as JSON.stringify does) and without the
// trailing newline json.Encoder adds.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeTo(&buf, v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeTo is encode into buf.
func encodeTo(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // the newline
	return nil
}

// Response bodies are encoded into pooled buffers: a page of history is tens of
// kilobytes, which a fresh buffer would reach by growing and copying several times.
// Buffers that grew past maxPooledBuffer are left to the collector.
const maxPooledBuffer = 1 << 20

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		b.Reset()
		buffers.Put(b)
	}
}
