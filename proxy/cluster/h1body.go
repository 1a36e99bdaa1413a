package cluster

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httputil"
)

// h1Body is a response body read from an upstream connection. It returns
// the connection to the pool once read to its end; an error, an early
// Close or a close-delimited body closes it.
type h1Body struct {
	c         *h1Conn
	p         *h1Pool
	resp      *http.Response // for trailers
	kind      bodyKind
	chunks    io.Reader // bodyChunked
	remaining int64     // bodyLength
	reuse     bool
	done      bool
	err       error
}

var _ io.ReadCloser = (*h1Body)(nil)

func newChunkedReader(br *bufio.Reader) io.Reader { return httputil.NewChunkedReader(br) }

func (b *h1Body) Read(p []byte) (n int, err error) {
	if b.done {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	br := b.c.br
	switch b.kind {
	case bodyLength:
		if int64(len(p)) > b.remaining {
			p = p[:b.remaining]
		}
		n, err = br.Read(p)
		b.remaining -= int64(n)
		if b.remaining == 0 {
			err = io.EOF
		} else if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
	case bodyChunked:
		n, err = b.chunks.Read(p)
		if err == io.EOF {
			if terr := readTrailer(br, b.resp); terr != nil {
				err = terr
			}
		}
	default: // bodyClose
		n, err = br.Read(p)
	}
	if err == io.EOF {
		b.finish(b.kind != bodyClose, nil)
	} else if err != nil {
		b.finish(false, err)
	}
	return n, err
}

// Close ends the body; before its end, that closes the connection.
func (b *h1Body) Close() error {
	if b.done {
		return nil
	}
	b.finish(false, http.ErrBodyReadAfterClose)
	return nil
}

func (b *h1Body) finish(reusable bool, err error) {
	b.done, b.err = true, err
	b.p.release(b.c, reusable && b.reuse)
}
