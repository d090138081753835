package ddp

import (
	"net/http"

	"github.com/outpostchat/outpost/app/model"
)

// ID returns the DDP session id sent in "connected".
func (c *Conn) ID() string { return c.id }

// Actor returns who the connection is logged in as; model.Anonymous before login.
func (c *Conn) Actor() model.Actor { return c.user.Load().actor }

// LoginToken returns the token given to Call.SetUser (the lead's choice: plain or
// hashed), "" when not logged in. Logout uses it to revoke the connection's token.
func (c *Conn) LoginToken() string { return c.user.Load().token }

// RemoteAddr returns the client's address as net/http saw it (before any proxy
// header processing).
func (c *Conn) RemoteAddr() string { return c.remote }

// Header returns the upgrade request's headers (User-Agent, X-Forwarded-For…). It is a
// copy; do not modify it.
func (c *Conn) Header() http.Header { return c.header }

// setUser changes who the connection is logged in as and keeps ConnsOfUser current.
func (c *Conn) setUser(actor model.Actor, token string) {
	old := c.user.Swap(&session{actor: actor, token: token})
	c.srv.indexUser(c, old.actor.UserID, actor.UserID)
	c.srv.sessionChanged(c, old.actor.UserID, actor.UserID)
}

// Close closes the connection with a WebSocket close code and reason, after the
// messages already queued for it (so a force_logout event or a method result still
// arrives). It returns at once; the connection ends in the background. Later calls do
// nothing. For a SockJS connection the code and reason also go in a c[code,"reason"]
// frame.
func (c *Conn) Close(code int, reason string) {
	c.mu.Lock()
	if c.closeAsked || c.ended {
		c.mu.Unlock()
		return
	}
	c.closeAsked = true
	if c.closeCode == 0 {
		c.closeCode, c.closeReason = code, reason
	}
	c.mu.Unlock()
	c.stopping.Store(true)
	c.outMu.Lock()
	c.closeReq = true
	c.kickLocked()
	c.outMu.Unlock()
}

// OnClose registers fn to run once the connection has ended (after its subscriptions
// stopped and it left ConnsOfUser), on the connection's goroutine. If it has ended
// already, fn runs now. Hooks run in registration order; one that panics is logged.
func (c *Conn) OnClose(fn func()) {
	c.mu.Lock()
	if !c.ended {
		c.onClose = append(c.onClose, fn)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.runHook(fn)
}

// Send EJSON-encodes msg (a DDP message: a struct or map with "msg") and queues it. It
// never blocks: ErrConnClosed once the connection is closing, ErrSlowConsumer if the
// queue was full (the connection is then dropped).
func (c *Conn) Send(msg any) error {
	b, err := Marshal(msg)
	if err != nil {
		return err
	}
	return c.sendBytes(b)
}

func (c *Conn) sendBytes(b []byte) error {
	if c.stopping.Load() {
		return ErrConnClosed
	}
	if !c.enqueue(b) {
		return ErrSlowConsumer
	}
	return nil
}

// docMsg is DDP's added, changed and removed.
type docMsg struct {
	Msg        string   `json:"msg"`
	Collection string   `json:"collection"`
	ID         string   `json:"id"`
	Fields     any      `json:"fields,omitempty"`
	Cleared    []string `json:"cleared,omitempty"`
}

// Added sends {"msg":"added","collection":…,"id":…,"fields":…}, e.g. the logged-in
// user's own document on collection "users" (PROTOCOL.md §1.5).
func (c *Conn) Added(collection, id string, fields any) error {
	return c.Send(docMsg{Msg: "added", Collection: collection, ID: id, Fields: fields})
}

// Changed sends {"msg":"changed",…} with the changed fields and the cleared ones.
func (c *Conn) Changed(collection, id string, fields any, cleared ...string) error {
	return c.Send(docMsg{Msg: "changed", Collection: collection, ID: id, Fields: fields, Cleared: cleared})
}

// Removed sends {"msg":"removed","collection":…,"id":…}.
func (c *Conn) Removed(collection, id string) error {
	return c.Send(docMsg{Msg: "removed", Collection: collection, ID: id})
}
