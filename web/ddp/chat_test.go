package ddp_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outpostchat/outpost/app/messaging"
	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/cmd/outpost/wire/wiretest"
	"github.com/outpostchat/outpost/storage/docdb"
	"github.com/outpostchat/outpost/web/ddp"
)

var _ ddp.Chat = (*messaging.Service)(nil)

// TestChatMethods calls the message methods through the REST bridge (Server.Call) as
// a logged-in user.
func TestChatMethods(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := wiretest.Open(t)
	if err := docdb.NewUsersStore(a.Store.Docs).Insert(ctx, model.User{ID: "u1", Username: "alice", Type: "user", Active: true, Roles: []string{"user"}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := a.Store.Docs.Collection(docdb.Rooms).Insert(ctx, model.Room{ID: "r1", T: "c", Name: "r1", Ts: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	srv := ddp.New(ddp.Config{})
	a.RegisterDDP(srv)
	alice := model.Actor{UserID: "u1", Username: "alice", Roles: []string{"user"}}
	call := func(method string, params ...string) (string, error) {
		ps := make([]json.RawMessage, len(params))
		for i, p := range params {
			ps[i] = json.RawMessage(p)
		}
		res, err := srv.Call(ctx, alice, method, ps)
		if err != nil {
			return "", err
		}
		b, _ := ddp.Marshal(res)
		return string(b), nil
	}
	for _, c := range []struct {
		method string
		params []string
		want   string // in the result, or the error
	}{
		{"sendMessage", []string{`{"_id":"m1","rid":"r1","msg":"hi","ts":{"$date":` + strconv.FormatInt(now.UnixMilli(), 10) + `}}`, `""`}, `"_id":"m1"`},
		{"sendMessage", []string{`{"rid":"r1","msg":"hi","alias":"boss"}`}, `Unknown key in field alias`},
		{"sendMessage", []string{`{"rid":"r1","msg":"hi","t":"uj"}`}, `Cannot send system messages`},
		{"sendMessage", []string{`"text"`}, `Match error`},
		{"sendMessage", []string{}, `Missing param 0`},
		{"loadHistory", []string{`"r1"`, `null`, `50`, `{"$date":0}`, `false`}, `"unreadNotLoaded":0`},
		{"loadHistory", []string{`5`}, `Match error`},
		{"getSingleMessage", []string{`"m1"`}, `"msg":"hi"`},
		{"loadNextMessages", []string{`"r1"`}, `"messages":[{`},
		{"loadSurroundingMessages", []string{`{"_id":"m1"}`, `10`}, `"moreBefore":false`},
		{"loadMissedMessages", []string{`"r1"`, `{"$date":0}`}, `"_id":"m1"`},
		{"updateMessage", []string{`{"_id":"m1","rid":"r1","msg":"edited"}`}, `null`},
		{"getThreadMessages", []string{`{"tmid":"m1"}`}, `"msg":"edited"`},
		{"deleteMessage", []string{`{"_id":"m1"}`}, `{"_id":"m1"}`},
		{"getSingleMessage", []string{`"m1"`}, `Invalid message`},
	} {
		got, err := call(c.method, c.params...)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%s %v = %s, want %s", c.method, c.params, got, c.want)
		}
	}
}
