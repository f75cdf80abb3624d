package server

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// DefaultMaxMessageBytes is the longest stdio message (one line) that
// StdioTransport accepts by default, as the SDK's own stdio transport does.
const DefaultMaxMessageBytes = mcp.DefaultMaxLineLength

// StdioTransport is an mcp.Transport for newline-delimited JSON-RPC 2.0 on
// a pair of streams, such as a process's stdin and stdout. Unlike
// mcp.IOTransport, bad input and the end of input do not lose work:
//
//   - A line that is not one valid JSON-RPC 2.0 message (not JSON, a batch,
//     a "jsonrpc" other than "2.0", an id that is not a string or an
//     integer, the id of a request still in progress, a line longer than
//     MaxMessageBytes) is answered with a JSON-RPC error, -32700 (parse
//     error) or -32600 (invalid request), and the next line is read. A line
//     that is too long is read to its end without being kept whole. Blank
//     lines are skipped.
//   - At the end of input, and once the context given to Connect is done
//     (after which no further line is read), the connection ends only when
//     every request it has passed on has been answered and the answer
//     written.
//
// Connect may be called once.
type StdioTransport struct {
	Reader io.ReadCloser
	Writer io.WriteCloser
	// MaxMessageBytes bounds one line; 0 means DefaultMaxMessageBytes.
	MaxMessageBytes int
	// Logger receives refused lines at debug level; nil means silent.
	Logger *slog.Logger
}

// Connect starts reading t.Reader and returns the connection. When ctx is
// done the connection stops reading, as described on StdioTransport.
func (t *StdioTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	max := t.MaxMessageBytes
	if max <= 0 {
		max = DefaultMaxMessageBytes
	}
	log := t.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &stdioConn{
		in:       t.Reader,
		max:      max,
		out:      t.Writer,
		log:      log,
		stop:     ctx.Done(),
		lines:    make(chan lineOrErr),
		closed:   make(chan struct{}),
		answered: make(chan struct{}, 1),
		pending:  map[jsonrpc.ID]bool{},
	}
	go c.readLines(&lineReader{r: bufio.NewReaderSize(t.Reader, 64<<10), max: max})
	return c, nil
}

// stdioConn is the connection StdioTransport returns.
type stdioConn struct {
	in  io.ReadCloser
	max int // the longest line accepted
	log *slog.Logger

	stop  <-chan struct{} // stop reading when closed
	lines chan lineOrErr  // from readLines

	closeOnce sync.Once
	closed    chan struct{}
	closeErr  error

	writeMu sync.Mutex // one message at a time on out
	out     io.WriteCloser

	mu       sync.Mutex
	pending  map[jsonrpc.ID]bool // requests passed on, not yet answered
	answered chan struct{}       // a token after each answer
}

type lineOrErr struct {
	line []byte
	err  error
}

// readLines sends each line of r to c.lines until the end of input (sent
// as the error io.EOF), a read error, or Close.
func (c *stdioConn) readLines(r *lineReader) {
	for {
		line, err := r.next()
		select {
		case c.lines <- lineOrErr{line, err}:
		case <-c.closed:
			return
		}
		if err != nil && !errors.Is(err, errLineTooLong) {
			return
		}
	}
}

// Read returns the next valid message, answering invalid ones itself. At
// the end of input or once stopped it waits until every request returned
// so far is answered, then returns io.EOF (or the read error).
func (c *stdioConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	for {
		select {
		case <-c.stop:
			return nil, c.drain(io.EOF)
		default:
		}
		select {
		case <-c.stop:
			return nil, c.drain(io.EOF)
		case <-c.closed:
			return nil, io.EOF
		case l := <-c.lines:
			if l.err != nil && !errors.Is(l.err, errLineTooLong) {
				return nil, c.drain(l.err)
			}
			if msg := c.accept(l); msg != nil {
				return msg, nil
			}
		}
	}
}

// accept returns the message on one line, or answers the line with an
// error (or skips it, when blank) and returns nil.
func (c *stdioConn) accept(l lineOrErr) jsonrpc.Message {
	if l.err != nil {
		c.refuse(&rpcError{Code: jsonrpc.CodeParseError, Message: fmt.Sprintf("Parse error: message longer than %d bytes", c.max)})
		return nil
	}
	msg, rerr := parseMessage(l.line)
	if rerr == nil && msg != nil && !c.track(msg) {
		rerr = &rpcError{Code: jsonrpc.CodeInvalidRequest, Message: "Invalid Request: id already in use by a request in progress"}
	}
	if rerr != nil {
		c.refuse(rerr)
		return nil
	}
	return msg
}

// track records a request as pending; it reports false when its id is
// pending already.
func (c *stdioConn) track(msg jsonrpc.Message) bool {
	req, ok := msg.(*jsonrpc.Request)
	if !ok || !req.ID.IsValid() {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending[req.ID] {
		return false
	}
	c.pending[req.ID] = true
	return true
}

// drain waits until no request is pending (or the connection is closed),
// then returns err.
func (c *stdioConn) drain(err error) error {
	logged := false
	for {
		c.mu.Lock()
		n := len(c.pending)
		c.mu.Unlock()
		if n == 0 {
			return err
		}
		if !logged {
			c.log.Debug("stdio: reading ended; answering the requests in progress", "pending", n)
			logged = true
		}
		select {
		case <-c.answered:
		case <-c.closed:
			return err
		}
	}
}

// refuse writes the error answer to a line; write failures surface on the
// next Write.
func (c *stdioConn) refuse(e *rpcError) {
	c.log.Debug("stdio: refused message", "code", e.Code, "reason", e.Message)
	c.writeLine(e.encode())
}

// Write sends msg as one line. Writing the answer to a pending request
// ends its pending state, whether or not the write succeeds.
func (c *stdioConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if resp, ok := msg.(*jsonrpc.Response); ok {
		defer c.answer(resp.ID)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return err
	}
	return c.writeLine(data)
}

// answer removes id from the pending requests.
func (c *stdioConn) answer(id jsonrpc.ID) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
	select {
	case c.answered <- struct{}{}:
	default:
	}
}

// writeLine writes data and a newline in one Write, after any other
// message has been written whole.
func (c *stdioConn) writeLine(data []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	select {
	case <-c.closed:
		return mcp.ErrConnectionClosed
	default:
	}
	_, err := c.out.Write(append(data[:len(data):len(data)], '\n'))
	return err
}

// Close closes both streams. A goroutine blocked reading a stream that
// Close cannot interrupt (a terminal, on some systems) stays blocked until
// the process exits.
func (c *stdioConn) Close() error {
	c.closeOnce.Do(func() {
		c.writeMu.Lock()
		close(c.closed)
		c.writeMu.Unlock()
		c.closeErr = errors.Join(c.in.Close(), c.out.Close())
	})
	return c.closeErr
}

// SessionID returns "": a stdio connection has no session id.
func (c *stdioConn) SessionID() string { return "" }

// errLineTooLong is the error for a line longer than the limit.
var errLineTooLong = errors.New("line too long")

// lineReader splits a stream into lines of at most max bytes.
type lineReader struct {
	r   *bufio.Reader
	max int
}

// next returns the next line, without its "\n" or "\r\n", in a slice of its
// own. A last line without a newline is returned like any other; then next
// returns io.EOF. A line longer than max bytes is read to its end and
// dropped as it is read, and next returns errLineTooLong.
func (l *lineReader) next() ([]byte, error) {
	var line []byte
	tooLong := false
	for {
		chunk, err := l.r.ReadSlice('\n')
		if !tooLong {
			line = append(line, chunk...)
			if tooLong = len(line) > l.max+len("\r\n"); tooLong {
				line = nil
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == nil, errors.Is(err, io.EOF) && (tooLong || len(line) > 0):
			line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			if tooLong || len(line) > l.max {
				return nil, errLineTooLong
			}
			return line, nil
		default:
			return nil, err
		}
	}
}
