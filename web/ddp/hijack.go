package ddp

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
)

// Buffer sizes of a hijacked DDP socket. net/http hands a hijacker 4 KiB for reading and
// 4 KiB for writing, 8 KiB that an idle connection holds for its whole life; DDP frames
// are small, and a bigger one is read or written straight through.
const (
	socketReadBuffer  = 512
	socketWriteBuffer = 1024
)

// smallBuffers is a ResponseWriter whose Hijack swaps net/http's buffers for smaller
// ones, keeping whatever the client sent after its upgrade request.
type smallBuffers struct{ http.ResponseWriter }

func (w smallBuffers) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		nc.Close()
		return nil, nil, err
	}
	n := brw.Reader.Buffered()
	var r io.Reader = nc
	if n > 0 {
		b, _ := brw.Reader.Peek(n)
		r = io.MultiReader(bytes.NewReader(bytes.Clone(b)), nc)
	}
	br := bufio.NewReaderSize(r, max(socketReadBuffer, n))
	if n > 0 {
		// Pull the early bytes into br's buffer: coder/websocket re-points br at the
		// socket itself, keeping only what br holds.
		if _, err := br.Peek(n); err != nil {
			nc.Close()
			return nil, nil, err
		}
	}
	return nc, bufio.NewReadWriter(br, bufio.NewWriterSize(nc, socketWriteBuffer)), nil
}

func (w smallBuffers) Unwrap() http.ResponseWriter { return w.ResponseWriter }
