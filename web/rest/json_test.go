package rest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// echoInput is the body of the test-only route below.
type echoInput struct {
	RoomID string `json:"roomId"`
	Count  int    `json:"count"`
	Msg    struct {
		Text string `json:"text"`
	} `json:"msg"`
}

// echoAPI is the REST handler with two test-only routes that decode a JSON body: one
// with the default limit, one with a 64-byte limit.
func echoAPI() http.Handler {
	a := New(Deps{}).(*api)
	echo := func(w http.ResponseWriter, r *http.Request) error {
		var in echoInput
		if err := DecodeJSON(r, &in); err != nil {
			return err
		}
		return WriteSuccess(w, map[string]any{"roomId": in.RoomID, "count": in.Count, "text": in.Msg.Text})
	}
	a.handle("POST /api/v1/test.echo", echo)
	a.handleLimit("POST /api/v1/test.small", 64, echo)
	return a
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	h := echoAPI()
	bigButValid := `{"roomId":"` + strings.Repeat("a", int(DefaultBodyLimit)-100) + `"}`
	tooBig := `{"roomId":"` + strings.Repeat("a", int(DefaultBodyLimit)) + `"}`
	tests := []struct {
		name, path, body string
		status           int
		want             string // exact body, or "" to only check the status
	}{
		{"valid", "test.echo", `{"roomId":"GENERAL","count":2,"msg":{"text":"<hi> & bye"},"extra":1}`, 200,
			`{"count":2,"roomId":"GENERAL","text":"<hi> & bye","success":true}`},
		{"empty body is {}", "test.echo", "", 200, `{"count":0,"roomId":"","text":"","success":true}`},
		{"whitespace body is {}", "test.echo", " \n", 200, `{"count":0,"roomId":"","text":"","success":true}`},
		{"large but within 1 MiB", "test.echo", bigButValid, 200, ""},
		{"malformed", "test.echo", `{"roomId":`, 400,
			`{"success":false,"error":"Malformed JSON in request body: unexpected end of input [invalid-params]","errorType":"invalid-params"}`},
		{"not JSON", "test.echo", `roomId=GENERAL`, 400,
			`{"success":false,"error":"Malformed JSON in request body at byte 1: invalid character 'r' looking for beginning of value [invalid-params]","errorType":"invalid-params"}`},
		{"wrong type", "test.echo", `{"roomId":42}`, 400,
			`{"success":false,"error":"Invalid type for 'roomId': expected string, got number [invalid-params]","errorType":"invalid-params"}`},
		{"wrong nested type", "test.echo", `{"msg":{"text":true}}`, 400,
			`{"success":false,"error":"Invalid type for 'msg.text': expected string, got bool [invalid-params]","errorType":"invalid-params"}`},
		{"not an object", "test.echo", `["GENERAL"]`, 400,
			`{"success":false,"error":"Request body must be a JSON object, not array [invalid-params]","errorType":"invalid-params"}`},
		{"trailing data", "test.echo", `{"roomId":"a"}{"roomId":"b"}`, 400,
			`{"success":false,"error":"Request body must hold a single JSON value [invalid-params]","errorType":"invalid-params"}`},
		{"over 1 MiB", "test.echo", tooBig, 400,
			`{"success":false,"error":"Request body too large: the limit is 1048576 bytes [invalid-params]","errorType":"invalid-params"}`},
		{"over a route's own limit", "test.small", `{"roomId":"` + strings.Repeat("x", 100) + `"}`, 400,
			`{"success":false,"error":"Request body too large: the limit is 64 bytes [invalid-params]","errorType":"invalid-params"}`},
		{"over the limit only after the value", "test.small", `{"roomId":"a"}` + strings.Repeat(" ", 100) + `x`, 400,
			`{"success":false,"error":"Request body too large: the limit is 64 bytes [invalid-params]","errorType":"invalid-params"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodPost, "/api/v1/"+tt.path, strings.NewReader(tt.body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d: %.300s", rec.Code, tt.status, rec.Body)
			}
			if tt.want != "" && rec.Body.String() != tt.want {
				t.Errorf("body =\n  %s\nwant\n  %s", rec.Body, tt.want)
			}
		})
	}
}

func TestWriteSuccess(t *testing.T) {
	t.Parallel()
	type empty struct {
		A string `json:"a,omitempty"`
	}
	tests := []struct {
		name    string
		payload any
		status  int
		body    string
	}{
		{"nil", nil, 200, `{"success":true}`},
		{"empty object", empty{}, 200, `{"success":true}`},
		{"struct", struct {
			ID string `json:"_id"`
		}{"x"}, 200, `{"_id":"x","success":true}`},
		{"not an object", []string{"a"}, 500, `{"success":false,"error":"Internal server error"}`},
		{"cannot encode", map[string]any{"f": func() {}}, 500, `{"success":false,"error":"Internal server error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/api/v1/x", nil)
			if err := WriteSuccess(rec, tt.payload); err != nil {
				WriteError(rec, req, nil, err)
			}
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
		})
	}
}
