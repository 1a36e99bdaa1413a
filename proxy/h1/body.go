package h1

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"sync"

	"github.com/wasmesh/wasmesh/proxy/internal/h1wire"
)

// maxDrain is how much of an unread request body is discarded after the
// handler returns to keep the connection alive (net/http's limit).
const maxDrain = 256 << 10

// maxTrailerBytes bounds the trailer section of a chunked request body.
const maxTrailerBytes = 16 << 10

// body is a request body read from the connection. It may be read by
// another goroutine than the handler's (a transport writing it upstream),
// so it is guarded; after the request ends it refuses reads.
type body struct {
	mu        sync.Mutex
	c         *conn
	r         *http.Request
	br        *bufio.Reader
	chunks    io.Reader // non-nil for chunked bodies
	remaining int64     // Content-Length bodies
	sawEOF    bool
	closed    bool // by the handler, or because the request ended
	err       error
	continue_ bool // send 100 Continue before the first read
}

var _ io.ReadCloser = (*body)(nil)

func newBody(c *conn, r *http.Request, fr framing) *body {
	b := &body{c: c, r: r, br: c.br, remaining: fr.length, continue_: fr.continue100}
	if fr.chunked {
		b.chunks = httputil.NewChunkedReader(c.br)
	}
	return b
}

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, http.ErrBodyReadAfterClose
	}
	return b.readLocked(p)
}

func (b *body) readLocked(p []byte) (n int, err error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.sawEOF {
		return 0, io.EOF
	}
	if b.continue_ {
		b.continue_ = false
		b.c.sendContinue()
	}
	if b.chunks != nil {
		n, err = b.chunks.Read(p)
		if err == io.EOF {
			if terr := b.readTrailer(); terr != nil {
				err = terr
			}
		}
	} else {
		if b.remaining == 0 {
			err = io.EOF
		} else {
			if int64(len(p)) > b.remaining {
				p = p[:b.remaining]
			}
			n, err = b.br.Read(p)
			b.remaining -= int64(n)
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			} else if err == nil && b.remaining == 0 {
				err = io.EOF
			}
		}
	}
	if err == io.EOF {
		b.sawEOF = true
		b.c.bodyDone(b.br.Buffered() == 0)
	} else if err != nil {
		b.err = err
	}
	return n, err
}

func (b *body) readTrailer() error {
	buf, err := h1wire.ReadTrailer(b.br, maxTrailerBytes)
	if errors.Is(err, h1wire.ErrTrailerTooLarge) {
		return errTrailerTooLarge
	}
	if err != nil || buf == nil {
		return err
	}
	if b.r.Trailer == nil {
		b.r.Trailer = http.Header{}
	}
	return parseTrailer(buf, b.r.Trailer)
}

func (b *body) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

// willClose reports, when the response starts, that the rest of the body
// will not be drained (the connection closes after the response). A read
// in progress elsewhere means the body is still wanted: false.
func (b *body) willClose() bool {
	if !b.mu.TryLock() {
		return false
	}
	defer b.mu.Unlock()
	return !b.sawEOF && (b.continue_ || b.err != nil || (b.chunks == nil && b.remaining > maxDrain))
}

// finish ends the body when the request ends: it discards what is left (up
// to maxDrain) and reports whether the connection can serve another
// request. A 100-continue never sent means the client may not send the body.
func (b *body) finish() (reusable bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	if b.sawEOF {
		return true
	}
	if b.continue_ || b.err != nil {
		return false
	}
	if b.chunks == nil && b.remaining > maxDrain {
		return false
	}
	var scratch [4096]byte
	for total := 0; total <= maxDrain; {
		n, err := b.readLocked(scratch[:])
		total += n
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
	return false
}
