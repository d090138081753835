package web

import (
	"net/http"
	"strconv"
	"time"
)

// health serves GET /health and /livez: 200 {"status":"ok"} while the process serves
// HTTP. CI and container probes wait on it.
func health(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

// timesync serves GET /_timesync: the server's clock in Unix milliseconds as plain text,
// as Meteor's timesync package does (PROTOCOL.md §4.3). Clients use it to correct their
// clock skew.
func timesync(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(strconv.AppendInt(nil, time.Now().UnixMilli(), 10))
}
