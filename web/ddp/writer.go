package ddp

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/coder/websocket"
)

// A SockJS frame batches what is queued, up to these bounds.
const (
	maxBatch      = 64
	maxBatchBytes = 64 << 10
)

var pingMsg = []byte(`{"msg":"ping"}`)

// writeLoop is the connection's only writer: queued messages, heartbeats, and the close.
// It ends when the connection is closed or dropped, and then cancels the connection so
// the reader stops too.
func (c *Conn) writeLoop() {
	defer close(c.writerDone)
	defer c.cancel()
	cfg := &c.srv.cfg
	if c.sockjs {
		if err := c.write([]byte("o")); err != nil {
			c.writeFailed(err)
			return
		}
	}
	heartbeat := time.NewTimer(cfg.PingInterval)
	defer heartbeat.Stop()
	var sockjsBeat <-chan time.Time
	if c.sockjs {
		t := time.NewTicker(cfg.SockJSHeartbeat)
		defer t.Stop()
		sockjsBeat = t.C
	}
	var pingAt int64 // when our unanswered ping went out; 0 if none
	for {
		select {
		case <-c.ctx.Done():
			return
		case b := <-c.send:
			if err := c.writeBatch(b); err != nil {
				c.writeFailed(err)
				return
			}
		case <-c.closing:
			c.flushAndClose()
			return
		case <-heartbeat.C:
			next, alive := c.heartbeat(&pingAt)
			if !alive {
				c.setCloseInfo(CloseTimeout, "TIMEOUT")
				c.stopping.Store(true)
				c.closeSocket()
				return
			}
			heartbeat.Reset(next)
		case <-sockjsBeat:
			if err := c.write([]byte("h")); err != nil {
				c.writeFailed(err)
				return
			}
		}
	}
}

// heartbeat runs when the heartbeat timer fires: it pings after PingInterval of inbound
// silence and reports the connection dead when nothing came in PingTimeout after the
// ping. It returns when to check next.
func (c *Conn) heartbeat(pingAt *int64) (time.Duration, bool) {
	cfg := &c.srv.cfg
	now := time.Now().UnixNano()
	last := c.lastRead.Load()
	if *pingAt != 0 {
		if last <= *pingAt {
			return 0, false
		}
		*pingAt = 0
	}
	silence := time.Duration(now - last)
	if silence < cfg.PingInterval {
		return cfg.PingInterval - silence, true
	}
	if err := c.writeMessages([][]byte{pingMsg}); err != nil {
		return 0, false
	}
	*pingAt = now
	return cfg.PingTimeout, true
}

// writeBatch writes first and, for SockJS, whatever else is queued in the same frame.
func (c *Conn) writeBatch(first []byte) error {
	if !c.sockjs {
		return c.write(first)
	}
	batch := [][]byte{first}
	size := len(first)
	for len(batch) < maxBatch && size < maxBatchBytes {
		select {
		case b := <-c.send:
			batch = append(batch, b)
			size += len(b)
			continue
		default:
		}
		break
	}
	return c.writeMessages(batch)
}

// writeMessages writes DDP messages: one frame each on raw DDP, one a[...] frame on
// SockJS.
func (c *Conn) writeMessages(msgs [][]byte) error {
	if c.sockjs {
		return c.write(sockjsMessages(msgs))
	}
	for _, m := range msgs {
		if err := c.write(m); err != nil {
			return err
		}
	}
	return nil
}

// write writes one text frame within WriteTimeout; on timeout the library closes the
// connection, which is how a stalled client is dropped.
func (c *Conn) write(b []byte) error {
	ctx, cancel := context.WithTimeout(c.ctx, c.srv.cfg.WriteTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// flushAndClose writes what was queued before Close, then closes.
func (c *Conn) flushAndClose() {
	for {
		select {
		case b := <-c.send:
			if err := c.writeBatch(b); err != nil {
				c.writeFailed(err)
				return
			}
			continue
		default:
		}
		break
	}
	c.closeSocket()
}

// closeSocket sends the SockJS close frame if any, then does the WebSocket close
// handshake (bounded by the library: 5 s to write, 5 s to hear back).
func (c *Conn) closeSocket() {
	c.mu.Lock()
	code, reason := c.closeCode, c.closeReason
	c.mu.Unlock()
	if code == 0 {
		code = CloseNormal
	}
	if len(reason) > 123 { // the close frame's limit
		reason = reason[:123]
	}
	if c.sockjs {
		if err := c.write(sockjsClose(code, reason)); err != nil {
			c.writeFailed(err)
			return
		}
	}
	_ = c.ws.Close(websocket.StatusCode(code), reason)
}

// writeFailed logs a write error unless it is just the connection going away.
func (c *Conn) writeFailed(err error) {
	if c.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
		return
	}
	c.srv.log.Debug("ddp: write failed", slog.String("session", c.id), slog.Any("error", err))
}
