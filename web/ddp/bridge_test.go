package ddp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/ddp"
)

// headerAuth stands in for the REST layer's X-User-Id/X-Auth-Token check.
func headerAuth(r *http.Request) (model.Actor, error) {
	uid := r.Header.Get("X-User-Id")
	if uid == "" {
		return model.Actor{}, &model.Error{Kind: model.KindUnauthorized}
	}
	return model.Actor{UserID: uid}, nil
}

// envelope builds the method.call body for a DDP method message.
func envelope(ddpMsg string) string {
	b, _ := json.Marshal(map[string]string{"message": ddpMsg})
	return string(b)
}

// answer builds the 200 body whose message is the DDP result.
func answer(ddpResult string) string {
	b, _ := json.Marshal(ddpResult)
	return `{"message":` + string(b) + `,"success":true}`
}

func TestMethodCallBridge(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, registerTestMethods)
	authed := srv.MethodCallHandler(headerAuth)
	anon := srv.MethodCallHandler(nil)
	tests := []struct {
		name    string
		handler http.Handler
		user    string
		body    string
		status  int
		want    string
	}{
		{"result", authed, "U1",
			envelope(`{"msg":"method","id":"42","method":"whoami","params":[]}`),
			200, answer(`{"msg":"result","id":"42","result":"U1"}`)},
		{"EJSON params and result", authed, "U1",
			envelope(`{"msg":"method","id":"7","method":"typed","params":["GENERAL",{"limit":2,"since":{"$date":1700000000000}},""]}`),
			200, answer(`{"msg":"result","id":"7","result":{"limit":2,"rid":"GENERAL","since":{"$date":1700000000000}}}`)},
		{"nil result left out", authed, "U1",
			envelope(`{"msg":"method","id":"1","method":"nothing","params":[]}`),
			200, answer(`{"msg":"result","id":"1"}`)},
		{"error inside a 200", authed, "U1",
			envelope(`{"msg":"method","id":"2","method":"modelError","params":[]}`),
			200, answer(`{"msg":"result","id":"2","error":{"isClientSafe":true,"error":"error-invalid-room","reason":"Invalid room","details":{"method":"getUsersOfRoom"},"message":"Invalid room [error-invalid-room]","errorType":"Meteor.Error"}}`)},
		{"unknown method", authed, "U1",
			envelope(`{"msg":"method","id":"3","method":"nope","params":[]}`),
			200, answer(`{"msg":"result","id":"3","error":` + errUnknownMethod + `}`)},
		{"internal error", authed, "U1",
			envelope(`{"msg":"method","id":"4","method":"plain","params":[]}`),
			200, answer(`{"msg":"result","id":"4","error":` + errInternal + `}`)},
		{"method from the message, not the path", authed, "U1",
			envelope(`{"msg":"method","id":"5","method":"whoami"}`),
			200, answer(`{"msg":"result","id":"5","result":"U1"}`)},
		{"anonymous", anon, "",
			envelope(`{"msg":"method","id":"6","method":"whoami","params":[]}`),
			200, answer(`{"msg":"result","id":"6","result":""}`)},
		{"not logged in", authed, "",
			envelope(`{"msg":"method","id":"6","method":"whoami","params":[]}`),
			401, `{"success":false,"status":"error","message":"You must be logged in to do this.","error":"You must be logged in to do this."}`},
		{"no message", authed, "U1", `{}`,
			400, `{"success":false,"error":"must have required property 'message' [invalid-params]","errorType":"invalid-params"}`},
		{"message not a string", authed, "U1", `{"message":{"msg":"method"}}`,
			400, `{"success":false,"error":"Invalid type for 'message': expected string, got object [invalid-params]","errorType":"invalid-params"}`},
		{"message not JSON", authed, "U1", envelope(`hello`),
			400, `{"success":false,"error":"Invalid method call"}`},
		{"not a method message", authed, "U1", envelope(`{"msg":"sub","id":"1","name":"x"}`),
			400, `{"success":false,"error":"Invalid method call"}`},
		{"id not a string", authed, "U1", envelope(`{"msg":"method","id":1,"method":"whoami"}`),
			400, `{"success":false,"error":"Invalid method call"}`},
		{"params not an array", authed, "U1", envelope(`{"msg":"method","id":"1","method":"whoami","params":{}}`),
			400, `{"success":false,"error":"Invalid method call"}`},
		{"body not JSON", authed, "U1", `{"message":`,
			400, `{"success":false,"error":"Malformed JSON in request body: unexpected end of input [invalid-params]","errorType":"invalid-params"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodPost, "/api/v1/method.call/whatever", strings.NewReader(tt.body))
			if tt.user != "" {
				req.Header.Set("X-User-Id", tt.user)
			}
			rec := httptest.NewRecorder()
			tt.handler.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Errorf("status %d, want %d", rec.Code, tt.status)
			}
			if got := rec.Body.String(); got != tt.want {
				t.Errorf("body\n got  %s\n want %s", got, tt.want)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestParseMethodCall(t *testing.T) {
	t.Parallel()
	mc, err := ddp.ParseMethodCall([]byte(`{"msg":"method","id":"42","method":"sendMessage","params":[{"rid":"R"},""]}`))
	if err != nil {
		t.Fatal(err)
	}
	if mc.ID != "42" || mc.Method != "sendMessage" || len(mc.Params) != 2 || string(mc.Params[0]) != `{"rid":"R"}` {
		t.Fatalf("got %+v", mc)
	}
	if _, err := ddp.ParseMethodCall([]byte(`[]`)); model.AsError(err).Kind != model.KindInvalid {
		t.Fatalf("array: err = %v", err)
	}
}
