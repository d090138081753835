package ddp

import (
	"bytes"
	"encoding/json"
	"errors"
)

// inbound is one DDP message from a client. Its fields stay raw until the handler of
// its kind reads them, so a field of the wrong type is the handler's call, not a parse
// failure; raw is the whole message, for "offendingMessage".
type inbound struct {
	raw        []byte
	Msg        json.RawMessage `json:"msg"`
	ID         json.RawMessage `json:"id"`
	Method     json.RawMessage `json:"method"`
	Name       json.RawMessage `json:"name"`
	Params     json.RawMessage `json:"params"`
	Version    json.RawMessage `json:"version"`
	Support    json.RawMessage `json:"support"`
	RandomSeed json.RawMessage `json:"randomSeed"`
}

// errFrame is any frame that is not DDP: not JSON, not an object, or (SockJS) not an
// array of strings. The connection closes with 1007.
var errFrame = errors.New("ddp: unparseable frame")

// parseFrame splits one WebSocket text frame into DDP messages. A raw frame holds one
// JSON object. A SockJS frame is a JSON array of strings, each a DDP message (a single
// JSON string is accepted too, as sockjs-node does); an empty SockJS frame holds none.
func parseFrame(data []byte, sockjs bool) ([]inbound, error) {
	if !sockjs {
		m, err := parseMessage(data)
		if err != nil {
			return nil, err
		}
		return []inbound{m}, nil
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, nil
	}
	var parts []string
	if data[0] == '[' {
		if err := json.Unmarshal(data, &parts); err != nil {
			return nil, errFrame
		}
	} else {
		var one string
		if err := json.Unmarshal(data, &one); err != nil {
			return nil, errFrame
		}
		parts = []string{one}
	}
	out := make([]inbound, 0, len(parts))
	for _, p := range parts {
		m, err := parseMessage([]byte(p))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// parseMessage parses one DDP message, which must be a JSON object.
func parseMessage(data []byte) (inbound, error) {
	var m inbound
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return m, errFrame
	}
	if err := json.Unmarshal(trimmed, &m); err != nil {
		return m, errFrame
	}
	m.raw = trimmed
	return m, nil
}

// rawString reads a raw field that must be a JSON string; ok is false when it is
// absent or of another type.
func rawString(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// rawParams reads a params field: absent or null is no params; anything but an array
// is malformed.
func rawParams(raw json.RawMessage) ([]json.RawMessage, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, true
	}
	if raw[0] != '[' {
		return nil, false
	}
	var ps []json.RawMessage
	if err := json.Unmarshal(raw, &ps); err != nil {
		return nil, false
	}
	return ps, true
}

// isNull reports whether a raw field is absent or JSON null.
func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }
