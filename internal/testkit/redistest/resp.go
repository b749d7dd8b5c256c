package redistest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// timeout bounds a dial, and a command whose context has no deadline.
const timeout = 5 * time.Second

// maxLen bounds the length of a bulk string or array in a reply (Redis's
// own limit for a bulk string), so that a corrupt length fails the read
// instead of exhausting memory.
const maxLen = 512 << 20

// conn is the helpers' own Redis client: it sends a command as RESP2 (an
// array of bulk strings) and reads the reply, over one TCP connection
// dialled on first use and dialled again after any network or protocol
// error, so that it can poll a server that is starting or has dropped the
// connection. It is not safe for concurrent use.
type conn struct {
	addr     string
	password string // sent with AUTH after each dial, if not empty
	nc       net.Conn
	r        *bufio.Reader
}

// redisError is an error reply, such as "ERR unknown command".
type redisError string

func (e redisError) Error() string { return string(e) }

func newConn(addr, password string) *conn { return &conn{addr: addr, password: password} }

// do sends the command args and returns its reply: a string for a simple
// or bulk string, an int64 for an integer, []any for an array, nil for a
// null bulk string or array. An error reply is returned as the error, of
// type redisError. The exchange ends at ctx's deadline.
func (c *conn) do(ctx context.Context, args ...string) (any, error) {
	if c.nc == nil {
		if err := c.dial(ctx); err != nil {
			return nil, err
		}
	}
	v, err := c.roundTrip(ctx, args)
	if _, isReply := err.(redisError); err != nil && !isReply {
		c.close() // the connection may be out of step with its replies
	}
	return v, err
}

func (c *conn) dial(ctx context.Context) error {
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return err
	}
	c.nc, c.r = nc, bufio.NewReader(nc)
	if c.password != "" {
		if _, err := c.roundTrip(ctx, []string{"AUTH", c.password}); err != nil {
			c.close()
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	return nil
}

func (c *conn) roundTrip(ctx context.Context, args []string) (any, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(timeout)
	}
	if err := c.nc.SetDeadline(deadline); err != nil {
		return nil, err
	}
	if _, err := c.nc.Write(appendCommand(nil, args)); err != nil {
		return nil, err
	}
	v, err := readReply(c.r)
	if e, ok := v.(redisError); ok {
		return nil, e
	}
	return v, err
}

func (c *conn) close() {
	if c.nc != nil {
		_ = c.nc.Close()
		c.nc, c.r = nil, nil
	}
}

// appendCommand appends args to b as a client sends a command: an array
// of bulk strings.
func appendCommand(b []byte, args []string) []byte {
	b = fmt.Appendf(b, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b
}

// readReply reads one RESP2 reply, with the types of do's replies; an
// error reply is a redisError value, so that one inside an array leaves
// the rest of the array readable. The error is for a failed read or a
// reply that is not RESP2.
func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("malformed reply line %q", line)
	}
	kind, text := line[0], line[1:len(line)-2]
	switch kind {
	case '+':
		return text, nil
	case '-':
		return redisError(text), nil
	case ':':
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("malformed integer reply %q", line)
		}
		return n, nil
	case '$', '*':
		n, err := strconv.Atoi(text)
		switch {
		case err != nil || n < -1 || n > maxLen:
			return nil, fmt.Errorf("malformed length in reply line %q", line)
		case n == -1:
			return nil, nil
		case kind == '$':
			b := make([]byte, n+2)
			if _, err := io.ReadFull(r, b); err != nil {
				return nil, err
			}
			if string(b[n:]) != "\r\n" {
				return nil, errors.New("bulk string reply not ended by CRLF")
			}
			return string(b[:n]), nil
		}
		a := make([]any, 0, min(n, 64))
		for range n {
			v, err := readReply(r)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		return a, nil
	}
	return nil, fmt.Errorf("unknown reply type in line %q", line)
}

// as returns a reply that must be of type T (string, int64 or []any; see
// do), as in as[string](c.do(ctx, "INFO")).
func as[T any](v any, err error) (T, error) {
	t, ok := v.(T)
	if err == nil && !ok {
		err = fmt.Errorf("unexpected reply %v (%T)", v, v)
	}
	return t, err
}

// fields returns the names and values of a reply that lists them in turn,
// as SENTINEL MASTER does and each entry of SENTINEL REPLICAS.
func fields(v any, err error) (map[string]string, error) {
	a, err := as[[]any](v, err)
	if err != nil {
		return nil, err
	}
	if len(a)%2 != 0 {
		return nil, fmt.Errorf("a name without a value in %v", a)
	}
	m := make(map[string]string, len(a)/2)
	for i := 0; i < len(a); i += 2 {
		name, ok1 := a[i].(string)
		value, ok2 := a[i+1].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("unexpected field %v: %v", a[i], a[i+1])
		}
		m[name] = value
	}
	return m, nil
}
