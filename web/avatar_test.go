package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/web"
)

func TestAvatarPlaceholder(t *testing.T) {
	t.Parallel()
	h := web.New(web.Config{}).Handler()
	for _, c := range []struct {
		path, initial string
		status        int
	}{
		{"/avatar/alice", ">A</text>", 200},
		{"/avatar/@bob", ">B</text>", 200},
		{"/avatar/%3Cscript%3E", ">&lt;</text>", 200},
		{"/avatar/%C3%A9mile", ">É</text>", 200},
		{"/avatar/%FF", "", 400},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.initial) {
			t.Errorf("%s: %d %s", c.path, rec.Code, rec.Body.String())
		}
		if c.status == 200 && (rec.Header().Get("Content-Type") != "image/svg+xml" || rec.Header().Get("X-Content-Type-Options") != "nosniff") {
			t.Errorf("%s: headers %v", c.path, rec.Header())
		}
	}
	// The same name always gets the same colour.
	a, b := httptest.NewRecorder(), httptest.NewRecorder()
	h.ServeHTTP(a, httptest.NewRequest("GET", "/avatar/alice", nil))
	h.ServeHTTP(b, httptest.NewRequest("GET", "/avatar/alice", nil))
	if a.Body.String() != b.Body.String() {
		t.Error("placeholder is not stable")
	}
}
