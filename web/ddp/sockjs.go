package ddp

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
)

// SockJS support (PROTOCOL.md §1.1): the Meteor web client opens
// /sockjs/<server>/<session>/websocket after reading /sockjs/info. Only the websocket
// transport is served; the XHR fallbacks answer 404.
//
// Framing: the server sends "o" on open, DDP messages as a["<json>",...] (queued
// messages are batched into one frame), "h" every SockJSHeartbeat and c[code,"reason"]
// before closing. A client frame is a JSON array of strings, each a DDP message; all of
// them are processed (Rocket.Chat's streamer takes only the first).

// sockjsInfo serves GET and OPTIONS /sockjs/info.
func sockjsInfo(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "no-store, no-cache, no-transform, must-revalidate, max-age=0")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "OPTIONS, GET")
		h.Set("Access-Control-Max-Age", "31536000")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.Set("Content-Type", "application/json; charset=UTF-8")
	b := []byte(`{"websocket":true,"origins":["*:*"],"cookie_needed":false,"entropy":`)
	b = strconv.AppendUint(b, uint64(rand.Uint32()), 10)
	_, _ = w.Write(append(b, '}'))
}

// serveSockJS serves /sockjs/{server}/{session}/websocket. SockJS clients send three
// digits and eight random characters; any non-empty segments without dots are taken.
func (s *Server) serveSockJS(w http.ResponseWriter, r *http.Request) {
	for _, seg := range []string{r.PathValue("server"), r.PathValue("session")} {
		if seg == "" || strings.Contains(seg, ".") {
			http.NotFound(w, r)
			return
		}
	}
	s.serveWS(w, r, true)
}

// sockjsMessages frames DDP messages as one SockJS a[...] frame.
func sockjsMessages(msgs [][]byte) []byte {
	n := 3
	for _, m := range msgs {
		n += len(m) + len(m)/8 + 3
	}
	b := make([]byte, 0, n)
	b = append(b, 'a', '[')
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, string(m))
	}
	return append(b, ']')
}

// sockjsClose is SockJS's close frame c[code,"reason"].
func sockjsClose(code int, reason string) []byte {
	b := []byte("c[")
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ',')
	b = appendString(b, reason)
	return append(b, ']')
}
