package ddp_test

import (
	"testing"

	"github.com/outpostchat/outpost/web/ddp"
)

func TestUserPresence(t *testing.T) {
	t.Parallel()
	srv := newServer(t, ddp.Config{}, registerTestMethods)
	watcher, other, anon := srv.connected(t), srv.connected(t), srv.connected(t)
	watcher.call("l", "login", `"W"`)
	other.call("l", "login", `"O"`)

	// The first subscription stays; later ones update the set and are stopped.
	if got := watcher.sub("p1", "stream-user-presence", `""`, `{"added":["U1","U2"]}`); got != `{"msg":"ready","subs":["p1"]}` {
		t.Fatalf("first presence sub: %s", got)
	}
	if got := watcher.sub("p2", "stream-user-presence", `""`, `{"added":["U3"],"removed":["U2"]}`); got != `{"msg":"nosub","id":"p2"}` {
		t.Fatalf("second presence sub: %s", got)
	}
	other.sub("p1", "stream-user-presence", `""`, `{"added":["U2"]}`)
	if got := anon.sub("p1", "stream-user-presence", `""`, `{"added":["U1"]}`); got != `{"msg":"nosub","id":"p1","error":{"isClientSafe":true,"error":"not-allowed","message":"[not-allowed]","errorType":"Meteor.Error"}}` {
		t.Fatalf("anonymous presence sub: %s", got)
	}

	srv.EmitPresence("U1", []any{"alice", 1, "In a meeting"})
	watcher.expect(`{"msg":"changed","collection":"stream-user-presence","id":"U1","fields":{"uid":"U1","args":[["alice",1,"In a meeting"]],"eventName":"U1"}}`)
	srv.EmitPresence("U3", []any{"carol", 2, ""})
	watcher.expect(`{"msg":"changed","collection":"stream-user-presence","id":"U3","fields":{"uid":"U3","args":[["carol",2,""]],"eventName":"U3"}}`)
	srv.EmitPresence("U2", []any{"bob", 0, ""}) // removed from watcher's set
	other.expect(`{"msg":"changed","collection":"stream-user-presence","id":"U2","fields":{"uid":"U2","args":[["bob",0,""]],"eventName":"U2"}}`)
	watcher.expectNothing()
	anon.expectNothing()

	// Ending the first subscription ends the watch.
	watcher.send(`{"msg":"unsub","id":"p1"}`)
	watcher.expect(`{"msg":"nosub","id":"p1"}`)
	srv.EmitPresence("U1", []any{"alice", 0, ""})
	watcher.expectNothing()
	// And the next subscription is a first one again.
	if got := watcher.sub("p3", "stream-user-presence", `""`, `{"added":["U1"]}`); got != `{"msg":"ready","subs":["p3"]}` {
		t.Fatalf("new first presence sub: %s", got)
	}
	srv.EmitPresence("U1", []any{"alice", 1, ""})
	watcher.expect(`{"msg":"changed","collection":"stream-user-presence","id":"U1","fields":{"uid":"U1","args":[["alice",1,""]],"eventName":"U1"}}`)
}
