package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/coder/websocket"
)

// maxFramesPerCall bounds how many frames one call reads while waiting for its result
// (server pings, "updated", stream events); a server that never answers ends the call.
const maxFramesPerCall = 1000

// serverMsg is the part of a DDP message from the server the tool looks at.
type serverMsg struct {
	Msg     string          `json:"msg"`
	ID      json.RawMessage `json:"id"`
	Session string          `json:"session"`
	Version string          `json:"version"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Error  any    `json:"error"`
		Reason string `json:"reason"`
	} `json:"error"`
}

// methodError is a DDP method's error answer: the connection is fine, the call failed.
type methodError struct{ method, code, reason string }

func (e *methodError) Error() string { return e.method + ": " + e.code + " " + e.reason }

// loginResult is DDP login's result (PROTOCOL.md §1.7).
type loginResult struct {
	ID           string `json:"id"`
	Token        string `json:"token"`
	TokenExpires struct {
		Date int64 `json:"$date"`
	} `json:"tokenExpires"`
}

// ddpConn is one DDP client connection. Calls are made one at a time; Hold is the only
// other reader and runs after the calls.
type ddpConn struct {
	ws     *websocket.Conn
	nextID int
	pongs  int // server pings answered
}

// dialDDP opens ws://addr/websocket and does the DDP handshake within ctx.
func dialDDP(ctx context.Context, addr string) (*ddpConn, error) {
	ws, _, err := websocket.Dial(ctx, "ws://"+addr+"/websocket", nil)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	ws.SetReadLimit(1 << 20)
	c := &ddpConn{ws: ws}
	if err := c.write(ctx, []byte(`{"msg":"connect","version":"1","support":["1","pre2","pre1"]}`)); err != nil {
		c.closeNow()
		return nil, fmt.Errorf("connect: %w", err)
	}
	for range maxFramesPerCall {
		m, err := c.read(ctx)
		if err != nil {
			c.closeNow()
			return nil, fmt.Errorf("connect: %w", err)
		}
		switch m.Msg {
		case "connected":
			return c, nil
		case "failed":
			c.closeNow()
			return nil, fmt.Errorf("connect: server wants DDP version %q", m.Version)
		}
	}
	c.closeNow()
	return nil, errors.New("connect: no connected message")
}

func (c *ddpConn) write(ctx context.Context, b []byte) error {
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// read returns the next DDP message, answering server pings on the way.
func (c *ddpConn) read(ctx context.Context) (serverMsg, error) {
	for range maxFramesPerCall {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			return serverMsg{}, err
		}
		var m serverMsg
		if err := json.Unmarshal(data, &m); err != nil {
			return serverMsg{}, fmt.Errorf("bad frame %.80q: %w", data, err)
		}
		if m.Msg == "ping" {
			if err := c.write(ctx, pongFor(m.ID)); err != nil {
				return serverMsg{}, err
			}
			c.pongs++
			continue
		}
		return m, nil
	}
	return serverMsg{}, errors.New("too many pings in a row")
}

// pongFor is the answer to a server ping, echoing its id when it has one.
func pongFor(id json.RawMessage) []byte {
	if len(id) == 0 || string(id) == "null" {
		return []byte(`{"msg":"pong"}`)
	}
	return append(append([]byte(`{"msg":"pong","id":`), id...), '}')
}

// call runs one method and returns its result; a DDP error is an error. Frames that
// are not this call's result (updated, other events) are skipped.
func (c *ddpConn) call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	c.nextID++
	id := strconv.Itoa(c.nextID)
	b, err := json.Marshal(map[string]any{"msg": "method", "id": id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	if err := c.write(ctx, b); err != nil {
		return nil, err
	}
	for range maxFramesPerCall {
		m, err := c.read(ctx)
		if err != nil {
			return nil, err
		}
		if m.Msg != "result" || string(m.ID) != strconv.Quote(id) {
			continue
		}
		if m.Error != nil {
			return nil, &methodError{method: method, code: fmt.Sprint(m.Error.Error), reason: m.Error.Reason}
		}
		return m.Result, nil
	}
	return nil, fmt.Errorf("%s: no result", method)
}

// login calls DDP login with params[0] = p and checks the answer carries a token.
func (c *ddpConn) login(ctx context.Context, p any) error {
	_, err := c.loginResult(ctx, p)
	return err
}

// loginResult is login returning the answer: the user's id and resume token.
func (c *ddpConn) loginResult(ctx context.Context, p any) (loginResult, error) {
	raw, err := c.call(ctx, "login", p)
	if err != nil {
		return loginResult{}, err
	}
	var r loginResult
	if err := json.Unmarshal(raw, &r); err != nil || r.Token == "" || r.ID == "" || r.TokenExpires.Date == 0 {
		return loginResult{}, fmt.Errorf("login: unexpected result %.120s", raw)
	}
	return r, nil
}

// ddpLogin logs user in with a password on a connection of its own, closed after, and
// returns the user's id and resume token. Unlike POST /api/v1/login it is not subject
// to the REST rate limiter, which allows 10 logins a minute per address.
func ddpLogin(ctx context.Context, addr, user, password string) (uid, token string, err error) {
	ctx, cancel := context.WithTimeout(ctx, perConnSetupLimit)
	defer cancel()
	c, err := dialDDP(ctx, addr)
	if err != nil {
		return "", "", err
	}
	defer c.close()
	r, err := c.loginResult(ctx, passwordParams(user, password))
	return r.ID, r.Token, err
}

// resumeParams and passwordParams are DDP login's two shapes the tool uses.
func resumeParams(token string) any { return map[string]string{"resume": token} }

func passwordParams(user, password string) any {
	sum := sha256.Sum256([]byte(password))
	return map[string]any{
		"user":     map[string]string{"username": user},
		"password": map[string]string{"digest": hex.EncodeToString(sum[:]), "algorithm": "sha-256"},
	}
}

// hold reads until ctx ends, answering server pings; it returns nil if ctx ended
// first, the read error if the connection ended first.
func (c *ddpConn) hold(ctx context.Context) error {
	for {
		if _, err := c.read(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

func (c *ddpConn) close() { _ = c.ws.Close(websocket.StatusNormalClosure, "") }

func (c *ddpConn) closeNow() { _ = c.ws.CloseNow() }

// restLogin does POST /api/v1/login and returns the resume token.
func restLogin(ctx context.Context, addr, user, password string) (uid, token string, err error) {
	body, _ := json.Marshal(map[string]string{"user": user, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/api/v1/login", bytes.NewReader(body))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var r struct {
		Status string `json:"status"`
		Data   struct {
			UserID    string `json:"userId"`
			AuthToken string `json:"authToken"`
		} `json:"data"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &r) != nil || r.Data.AuthToken == "" {
		return "", "", fmt.Errorf("POST /api/v1/login: %s %.200s", resp.Status, b)
	}
	return r.Data.UserID, r.Data.AuthToken, nil
}
