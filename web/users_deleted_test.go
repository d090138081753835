package web_test

import (
	"net/http"
	"testing"

	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
)

// TestUsersDeletedEvent: deleting a user under Message_ErasureType Unlink tells every
// signed-in client on notify-logged "Users:Deleted", with the user the messages now
// belong to, as Rocket.Chat's user.deleted listener does.
func TestUsersDeletedEvent(t *testing.T) {
	t.Parallel()
	e := newAvEnv(t)
	wiretest.Set(t, e.a, "Message_ErasureType", "Unlink")
	_, bobTok := wiretest.Login(t, e.a, "bob")
	watcher := dialDDP(t, e)
	watcher.send(`{"msg":"method","id":"1","method":"login","params":[{"resume":"` + bobTok + `"}]}`)
	watcher.await(`"msg":"result"`, `"id":"1"`)
	watcher.send(`{"msg":"sub","id":"s1","name":"stream-notify-logged","params":["Users:Deleted",false]}`)
	watcher.await(`"msg":"ready"`)

	status, _, body := e.do(t, "POST", "/api/v1/users.delete", e.boss, "application/json", []byte(`{"username":"alice"}`))
	if status != http.StatusOK {
		t.Fatalf("users.delete: %d %s", status, body)
	}
	watcher.await(`"eventName":"Users:Deleted"`, `"userId":"`+e.aliceID+`"`, `"messageErasureType":"Unlink"`,
		`"replaceByUser":{"_id":"rocket.cat","username":"rocket.cat","alias":"Removed User"}`)
}
