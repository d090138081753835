package rest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/rest"
)

// fakeSettings is the settings service as the REST edge sees it.
type fakeSettings []model.Setting

func (f fakeSettings) Public() []model.Setting { return f }

var _ rest.Settings = fakeSettings(nil)

// response is what a test checks of an answer.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends one request to h and returns the answer.
func do(t *testing.T, h http.Handler, method, target, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

// expect fails the test unless the answer has the status, a JSON content type and
// exactly the body.
func expect(t *testing.T, got response, status int, body string) {
	t.Helper()
	if got.status != status {
		t.Errorf("status = %d, want %d (body %s)", got.status, status, got.body)
	}
	if ct := got.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if got.body != body {
		t.Errorf("body =\n  %s\nwant\n  %s", got.body, body)
	}
}
