package rest

import (
	"bufio"
	"io"
	"net/http"
)

// uploadReadBuffer is the read buffer an upload's body gets under the multipart reader.
// mime/multipart reads through a 4 KiB buffer, and net/http's connection buffer is 4
// KiB too, so without it every 4 KiB of a file cost a read system call on the socket:
// with it one call moves up to this much (most of an upload's time was those calls).
const uploadReadBuffer = 256 << 10

// bufferBody puts a large read buffer under r's body, for the multipart reader that
// reads it next (r.MultipartReader). Closing the body still closes the original.
func bufferBody(r *http.Request) {
	r.Body = bufferedBody{bufio.NewReaderSize(r.Body, uploadReadBuffer), r.Body}
}

// bufferedBody reads through its buffer and closes the body under it.
type bufferedBody struct {
	*bufio.Reader
	io.Closer
}
