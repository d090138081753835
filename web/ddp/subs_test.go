package ddp_test

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/outpostchat/outpost/app/model"
	"github.com/outpostchat/outpost/web/ddp"
)

func TestPublications(t *testing.T) {
	t.Parallel()
	var stopped atomic.Int32
	srv := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		s.Publication("services", func(_ context.Context, sub *ddp.Sub, _ []json.RawMessage) error {
			sub.OnStop(func() { stopped.Add(1) })
			return sub.Added("meteor_accounts_loginServiceConfiguration", "google", map[string]any{"service": "google"})
		})
		s.Publication("refused", func(context.Context, *ddp.Sub, []json.RawMessage) error {
			return &model.Error{Kind: model.KindForbidden, Code: "not-allowed"}
		})
		s.Publication("broken", func(context.Context, *ddp.Sub, []json.RawMessage) error { panic("boom") })
	})
	c := srv.connected(t)

	tests := []struct {
		name, sub string
		want      []string
	}{
		{"documents then ready", `{"msg":"sub","id":"a","name":"services","params":[]}`, []string{
			`{"msg":"added","collection":"meteor_accounts_loginServiceConfiguration","id":"google","fields":{"service":"google"}}`,
			`{"msg":"ready","subs":["a"]}`,
		}},
		{"unknown publication", `{"msg":"sub","id":"b","name":"nope","params":[]}`, []string{
			`{"msg":"nosub","id":"b","error":{"isClientSafe":true,"error":404,"reason":"Subscription 'nope' not found","message":"Subscription 'nope' not found [404]","errorType":"Meteor.Error"}}`,
		}},
		{"refused", `{"msg":"sub","id":"c","name":"refused"}`, []string{
			`{"msg":"nosub","id":"c","error":{"isClientSafe":true,"error":"not-allowed","message":"[not-allowed]","errorType":"Meteor.Error"}}`,
		}},
		{"panic", `{"msg":"sub","id":"d","name":"broken","params":[]}`, []string{
			`{"msg":"nosub","id":"d","error":` + errInternal + `}`,
		}},
		{"built-in login services", `{"msg":"sub","id":"e","name":"meteor.loginServiceConfiguration","params":[]}`, []string{
			`{"msg":"ready","subs":["e"]}`,
		}},
		{"built-in autoupdate", `{"msg":"sub","id":"f","name":"meteor_autoupdate_clientVersions","params":[]}`, []string{
			`{"msg":"ready","subs":["f"]}`,
		}},
		{"duplicate id ignored", `{"msg":"sub","id":"a","name":"services","params":[]}`, nil},
		{"unsub", `{"msg":"unsub","id":"a"}`, []string{`{"msg":"nosub","id":"a"}`}},
		{"unsub unknown id", `{"msg":"unsub","id":"zz"}`, []string{`{"msg":"nosub","id":"zz"}`}},
	}
	for _, tt := range tests {
		c.send(tt.sub)
		got := c.sync()
		if len(got) != len(tt.want) {
			t.Fatalf("%s: got %q, want %q", tt.name, got, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: message %d\n got  %s\n want %s", tt.name, i, got[i], tt.want[i])
			}
		}
	}
	if n := stopped.Load(); n != 1 {
		t.Errorf("OnStop ran %d times after unsub, want 1", n)
	}
	// The id is free again after unsub.
	c.send(`{"msg":"sub","id":"a","name":"services","params":[]}`)
	if got := c.sync(); len(got) != 2 || got[1] != `{"msg":"ready","subs":["a"]}` {
		t.Fatalf("resubscribe: %q", got)
	}
}

func TestSubscriptionsEndWithTheConnection(t *testing.T) {
	t.Parallel()
	stopped := make(chan string, 2)
	srv := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		s.Publication("p", func(_ context.Context, sub *ddp.Sub, _ []json.RawMessage) error {
			sub.OnStop(func() { stopped <- sub.ID() })
			return nil
		})
	})
	c := srv.connected(t)
	c.sub("1", "p")
	c.sub("2", "p")
	_ = c.ws.CloseNow()
	got := map[string]bool{<-stopped: true, <-stopped: true}
	if !got["1"] || !got["2"] {
		t.Fatalf("stopped %v, want 1 and 2", got)
	}
	eventually(t, "no connections", func() bool { return srv.Connections() == 0 })
}

func TestServerSideStop(t *testing.T) {
	t.Parallel()
	subs := make(chan *ddp.Sub, 1)
	srv := newServer(t, ddp.Config{}, func(s *ddp.Server) {
		s.Publication("p", func(_ context.Context, sub *ddp.Sub, _ []json.RawMessage) error {
			subs <- sub
			return nil
		})
	})
	c := srv.connected(t)
	if got := c.sub("x", "p"); got != `{"msg":"ready","subs":["x"]}` {
		t.Fatal(got)
	}
	sub := <-subs
	if err := sub.Changed("c", "d", map[string]int{"n": 1}, "gone"); err != nil {
		t.Fatal(err)
	}
	c.expect(`{"msg":"changed","collection":"c","id":"d","fields":{"n":1},"cleared":["gone"]}`)
	sub.Stop()
	c.expect(`{"msg":"nosub","id":"x"}`)
	if err := sub.Removed("c", "d"); err == nil {
		t.Fatal("Removed on a stopped subscription succeeded")
	}
	c.expectNothing()
}
