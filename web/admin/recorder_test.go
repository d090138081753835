package admin_test

import (
	"net/http/httptest"

	"github.com/outpostchat/outpost/app/audit"
)

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func auditRecord(action string) audit.Record {
	return audit.Record{Action: action, Addr: "192.0.2.1", Via: "test"}
}
