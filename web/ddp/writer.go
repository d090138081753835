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

// outFrame is one queued outbound frame: a DDP message, or (raw) a SockJS frame
// written as is ("o", "h").
type outFrame struct {
	b   []byte
	raw bool
}

// startWriter queues the opening frames and arms the heartbeats. There is no writer
// goroutine per connection: push starts one when frames wait, and it ends when they are
// written, so an idle connection holds no goroutine but its reader.
func (c *Conn) startWriter() {
	cfg := &c.srv.cfg
	c.outMu.Lock()
	if c.sockjs {
		c.out = append(c.out, outFrame{b: []byte("o"), raw: true})
	}
	c.out = append(c.out, outFrame{b: serverIDMsg})
	c.kickLocked()
	c.outMu.Unlock()
	c.beat = time.AfterFunc(cfg.PingInterval, c.onBeat)
	if c.sockjs {
		c.sockBeat = time.AfterFunc(cfg.SockJSHeartbeat, c.onSockJSBeat)
	}
}

// push queues a frame without ever blocking. A connection whose queue is full is
// dropped.
func (c *Conn) push(f outFrame) bool {
	c.outMu.Lock()
	if len(c.out) >= c.srv.cfg.SendQueue {
		c.outMu.Unlock()
		c.srv.log.Warn("ddp: dropping a connection whose send queue is full",
			slog.String("session", c.id), slog.String("user", c.Actor().UserID), slog.Int("queue", c.srv.cfg.SendQueue))
		c.abort("SLOW_CONSUMER")
		return false
	}
	c.out = append(c.out, f)
	c.kickLocked()
	c.outMu.Unlock()
	return true
}

// kickLocked starts the flush goroutine unless it runs or the connection has ended.
// outMu is held.
func (c *Conn) kickLocked() {
	if !c.writing && !c.writersDone {
		c.writing = true
		c.flushDone = make(chan struct{})
		go c.flush(c.flushDone)
	}
}

// stopWriters lets no new flush goroutine start and waits for the running one.
func (c *Conn) stopWriters() {
	c.outMu.Lock()
	c.writersDone = true
	var done chan struct{}
	if c.writing {
		done = c.flushDone
	}
	c.outMu.Unlock()
	if done != nil {
		<-done
	}
}

// takeOut returns the queued frames and empties the queue.
func (c *Conn) takeOut() []outFrame {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	q := c.out
	c.out = nil
	return q
}

// flush writes queued frames until none wait, then, if Close asked for it, closes the
// socket. A write that fails drops the connection.
func (c *Conn) flush(done chan struct{}) {
	defer close(done)
	for {
		c.outMu.Lock()
		q := c.out
		c.out = nil
		closing := len(q) == 0 && c.closeReq
		if len(q) == 0 && !closing {
			c.writing = false
			c.outMu.Unlock()
			return
		}
		c.outMu.Unlock()
		if closing {
			c.closeSocket()
			c.cancel() // the reader stops too
			return     // writing stays true: nothing is written after the close
		}
		if err := c.writeQueued(q); err != nil {
			c.writeFailed(err)
			c.stopping.Store(true)
			c.cancel()
			return
		}
	}
}

// onBeat runs when the heartbeat timer fires: it pings after PingInterval of inbound
// silence and closes with 4000 "TIMEOUT" when nothing came in PingTimeout after the
// ping. Timer callbacks of one connection never overlap: only onBeat re-arms it.
func (c *Conn) onBeat() {
	if c.ctx.Err() != nil || c.stopping.Load() {
		return
	}
	cfg := &c.srv.cfg
	now := time.Now().UnixNano()
	last := c.lastRead.Load()
	if c.pingAt != 0 {
		if last <= c.pingAt {
			c.Close(CloseTimeout, "TIMEOUT")
			return
		}
		c.pingAt = 0
	}
	if silence := time.Duration(now - last); silence < cfg.PingInterval {
		c.beat.Reset(cfg.PingInterval - silence)
		return
	}
	if !c.push(outFrame{b: pingMsg}) {
		return
	}
	c.pingAt = now
	c.beat.Reset(cfg.PingTimeout)
}

// onSockJSBeat queues SockJS's "h" frame every SockJSHeartbeat.
func (c *Conn) onSockJSBeat() {
	if c.ctx.Err() != nil || c.stopping.Load() {
		return
	}
	if c.push(outFrame{b: []byte("h"), raw: true}) {
		c.sockBeat.Reset(c.srv.cfg.SockJSHeartbeat)
	}
}

// stopTimers disarms the heartbeats (a callback already running sees the connection
// ended and does nothing).
func (c *Conn) stopTimers() {
	if c.beat != nil {
		c.beat.Stop()
	}
	if c.sockBeat != nil {
		c.sockBeat.Stop()
	}
}

// writeQueued writes queued frames: one frame per DDP message on raw DDP; on SockJS,
// raw frames as they are and runs of DDP messages as a[...] frames of up to maxBatch
// messages and maxBatchBytes.
func (c *Conn) writeQueued(q []outFrame) error {
	for len(q) > 0 {
		if q[0].raw || !c.sockjs {
			if err := c.write(q[0].b); err != nil {
				return err
			}
			q = q[1:]
			continue
		}
		batch := make([][]byte, 0, min(len(q), maxBatch))
		size := 0
		for len(q) > 0 && !q[0].raw && len(batch) < maxBatch && size < maxBatchBytes {
			batch = append(batch, q[0].b)
			size += len(q[0].b)
			q = q[1:]
		}
		if err := c.write(sockjsMessages(batch)); err != nil {
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
