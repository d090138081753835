package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// restClient calls the REST API as one signed-in user (PROTOCOL.md §4.0.1).
type restClient struct {
	addr       string
	uid, token string
	hc         *http.Client
}

// restError is a REST error answer: HTTP status, errorType (or error) and the message.
type restError struct {
	status int
	code   string
	msg    string
}

func (e *restError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.status, e.code, e.msg)
}

func newRESTClient(addr, uid, token string) *restClient {
	return &restClient{addr: addr, uid: uid, token: token, hc: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true},
	}}
}

// do sends body (nil for none) as JSON and decodes a success answer into out (unless
// nil); an error answer is a *restError.
func (c *restClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+c.addr+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("X-User-Id", c.uid)
		req.Header.Set("X-Auth-Token", c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	var env struct {
		Success   *bool  `json:"success"`
		Error     string `json:"error"`
		ErrorType string `json:"errorType"`
		Message   string `json:"message"`
	}
	_ = json.Unmarshal(b, &env)
	if resp.StatusCode != http.StatusOK || (env.Success != nil && !*env.Success) {
		e := &restError{status: resp.StatusCode, code: env.ErrorType, msg: env.Error}
		if e.code == "" {
			e.code = env.Error
		}
		if e.msg == "" {
			e.msg = fmt.Sprintf("%.200s", b)
		}
		return fmt.Errorf("%s %s: %w", method, path, e)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: %w in %.200s", method, path, err, b)
		}
	}
	return nil
}

// notFound reports whether err is a REST "no such thing" answer (HTTP 400 or 404: RC
// answers a missing user or room with 400 error-invalid-user / error-room-not-found).
func notFound(err error) bool {
	var re *restError
	return errors.As(err, &re) && (re.status == http.StatusBadRequest || re.status == http.StatusNotFound)
}

// forEach runs fn(i) for i < n on conc goroutines, stopping at the first error (or
// when ctx ends), and returns it.
func forEach(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(conc, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// loadUser is one of the tool's users.
type loadUser struct {
	name, id, token string
}

// ensureUsers makes sure users name[i] exist, creating the missing ones with password
// (users.create, as the admin c), and returns their ids and how many it created.
func (c *restClient) ensureUsers(ctx context.Context, names []string, password string, conc int) (ids []string, created int, err error) {
	ids = make([]string, len(names))
	var made atomic.Int64
	err = forEach(ctx, len(names), conc, func(ctx context.Context, i int) error {
		var info struct {
			User struct {
				ID string `json:"_id"`
			} `json:"user"`
		}
		err := c.do(ctx, http.MethodGet, "/api/v1/users.info?username="+url.QueryEscape(names[i]), nil, &info)
		if err == nil && info.User.ID != "" {
			ids[i] = info.User.ID
			return nil
		}
		if err != nil && !notFound(err) {
			return err
		}
		body := map[string]any{
			"username": names[i], "name": "Load " + names[i], "email": names[i] + "@example.com",
			"password": password, "verified": true, "joinDefaultChannels": false,
		}
		if err := c.do(ctx, http.MethodPost, "/api/v1/users.create", body, &info); err != nil {
			return err
		}
		if info.User.ID == "" {
			return fmt.Errorf("users.create %s: no user._id in the answer", names[i])
		}
		ids[i] = info.User.ID
		made.Add(1)
		return nil
	})
	return ids, int(made.Load()), err
}

// maxLoginFailures stops the logins well before the server's failed-login limits
// (10 per user, 50 per address by default) would block this address.
const maxLoginFailures = 5

// loginUsers logs every user in once over DDP (conc at a time) and fills in their id
// and resume token.
func loginUsers(ctx context.Context, addr string, users []loadUser, password string, conc int) error {
	var failures atomic.Int64
	return forEach(ctx, len(users), conc, func(ctx context.Context, i int) error {
		uid, token, err := ddpLogin(ctx, addr, users[i].name, password)
		if err != nil {
			if failures.Add(1) >= maxLoginFailures {
				return fmt.Errorf("%d logins failed, the last: %s: %w (does %s exist with another password? remove it, or use a fresh data directory)",
					maxLoginFailures, users[i].name, err, users[i].name)
			}
			return nil // counted; the missing token is reported below
		}
		users[i].id, users[i].token = uid, token
		return nil
	})
}

// ensureRooms makes sure each room of the plan exists as a channel with its members
// (channels.info by name, channels.create with members, channels.invite for members
// missing from an existing one) and returns the room ids and how many it created.
func (c *restClient) ensureRooms(ctx context.Context, p *chatPlan, users []loadUser, prefix string, conc int) (rids []string, created int, err error) {
	rids = make([]string, p.spec.rooms)
	var made atomic.Int64
	err = forEach(ctx, p.spec.rooms, conc, func(ctx context.Context, r int) error {
		name := roomName(prefix, p.spec.size, r)
		var members []string
		for _, u := range p.members[r] {
			members = append(members, users[u].name)
		}
		var info struct {
			Channel struct {
				ID string `json:"_id"`
			} `json:"channel"`
		}
		err := c.do(ctx, http.MethodGet, "/api/v1/channels.info?roomName="+url.QueryEscape(name), nil, &info)
		switch {
		case err == nil && info.Channel.ID != "":
			rids[r] = info.Channel.ID
			return c.completeMembers(ctx, info.Channel.ID, p.members[r], users)
		case err != nil && !notFound(err):
			return err
		}
		body := map[string]any{"name": name, "members": members, "readOnly": false}
		if err := c.do(ctx, http.MethodPost, "/api/v1/channels.create", body, &info); err != nil {
			return err
		}
		if info.Channel.ID == "" {
			return fmt.Errorf("channels.create %s: no channel._id in the answer", name)
		}
		rids[r] = info.Channel.ID
		made.Add(1)
		return nil
	})
	return rids, int(made.Load()), err
}

// completeMembers invites the room members not yet in an existing room.
func (c *restClient) completeMembers(ctx context.Context, rid string, members []int, users []loadUser) error {
	have := map[string]bool{}
	for offset := 0; ; {
		var page struct {
			Members []struct {
				ID string `json:"_id"`
			} `json:"members"`
			Total int `json:"total"`
		}
		q := "/api/v1/channels.members?roomId=" + url.QueryEscape(rid) + "&count=100&offset=" + strconv.Itoa(offset)
		if err := c.do(ctx, http.MethodGet, q, nil, &page); err != nil {
			return err
		}
		for _, m := range page.Members {
			have[m.ID] = true
		}
		offset += len(page.Members)
		if len(page.Members) == 0 || offset >= page.Total || offset > 100_000 {
			break
		}
	}
	for _, u := range members {
		if have[users[u].id] {
			continue
		}
		if err := c.do(ctx, http.MethodPost, "/api/v1/channels.invite", map[string]string{"roomId": rid, "userId": users[u].id}, nil); err != nil {
			return err
		}
	}
	return nil
}
