package redistest

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestReadReply reads replies as Redis sends them, each followed by
// another reply that must come next, so that a reply read short or long
// fails.
func TestReadReply(t *testing.T) {
	tests := []struct {
		name, in string
		want     any
	}{
		{"simple string", "+OK\r\n", "OK"},
		{"empty simple string", "+\r\n", ""},
		{"error", "-ERR unknown command 'FOO'\r\n", redisError("ERR unknown command 'FOO'")},
		{"integer", ":-42\r\n", int64(-42)},
		{"bulk string", "$5\r\nhello\r\n", "hello"},
		{"bulk string holding CRLF", "$7\r\na\r\nb\r\nc\r\n", "a\r\nb\r\nc"},
		{"empty bulk string", "$0\r\n\r\n", ""},
		{"null bulk string", "$-1\r\n", nil},
		{"null array", "*-1\r\n", nil},
		{"empty array", "*0\r\n", []any{}},
		{"address", "*2\r\n$9\r\n127.0.0.1\r\n$4\r\n6379\r\n", []any{"127.0.0.1", "6379"}},
		{"ROLE of a primary",
			"*3\r\n$6\r\nmaster\r\n:3129659\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n9001\r\n$7\r\n3129242\r\n",
			[]any{"master", int64(3129659), []any{[]any{"127.0.0.1", "9001", "3129242"}}}},
		{"error in an array", "*3\r\n-ERR one\r\n:1\r\n$-1\r\n", []any{redisError("ERR one"), int64(1), nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tc.in + "+NEXT\r\n"))
			got, err := readReply(r)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("readReply(%q) = %#v, %v; want %#v", tc.in, got, err, tc.want)
			}
			if next, err := readReply(r); next != "NEXT" || err != nil {
				t.Fatalf("after %q the next reply is %#v, %v; want \"NEXT\"", tc.in, next, err)
			}
		})
	}
}

func TestReadReplyRejectsMalformed(t *testing.T) {
	for _, in := range []string{
		"",                   // nothing
		"+OK\n",              // no CR
		"+OK",                // no line end
		"?\r\n",              // unknown type
		"%1\r\n+a\r\n+b\r\n", // a RESP3 map
		":4x\r\n",            // not an integer
		"$-2\r\n",            // negative length
		"*x\r\n",             // not a length
		"$99999999999\r\n",   // over the limit
		"$5\r\nhel",          // bulk string cut short
		"$3\r\nhello\r\n",    // bulk string longer than said
		"*2\r\n:1\r\n",       // array cut short
	} {
		if got, err := readReply(bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Errorf("readReply(%q) = %#v, want an error", in, got)
		}
	}
}

func TestAppendCommand(t *testing.T) {
	got := string(appendCommand(nil, []string{"SET", "k", "a\r\nb", ""}))
	want := "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n$0\r\n\r\n"
	if got != want {
		t.Errorf("appendCommand = %q, want %q", got, want)
	}
}

func TestFields(t *testing.T) {
	got, err := fields([]any{"name", "jupicotest", "flags", "master"}, nil)
	want := map[string]string{"name": "jupicotest", "flags": "master"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("fields = %v, %v; want %v", got, err, want)
	}
	for _, v := range []any{[]any{"name"}, []any{"n", int64(1)}, "name"} {
		if got, err := fields(v, nil); err == nil {
			t.Errorf("fields(%#v) = %v, want an error", v, got)
		}
	}
	if n, err := as[int64]("1", nil); err == nil {
		t.Errorf("as[int64](\"1\") = %d, want an error", n)
	}
}

// TestConnDo runs conn against a fake server on loopback that answers a
// script of commands: an error reply keeps the connection, a malformed
// reply drops it, the next command dials again (and authenticates again),
// and a command ends at its context's deadline.
func TestConnDo(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Each connection's commands, with the replies to send; no reply
	// leaves the command unanswered.
	script := [][][2]string{
		{
			{"AUTH secret", "+OK\r\n"},
			{"GET k", "-ERR wrong\r\n"},
			{"GET k", "$1\r\nv\r\n"},
			{"INFO", "?\r\n"},
		},
		{
			{"AUTH secret", "+OK\r\n"},
			{"PING", "+PONG\r\n"},
			{"DEBUG SLEEP 1", ""},
		},
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer l.Close()
	wg.Go(func() {
		for _, steps := range script {
			c, err := l.Accept()
			if err != nil {
				t.Error(err)
				return
			}
			r := bufio.NewReader(c)
			for _, step := range steps {
				v, err := readReply(r)
				cmd, _ := v.([]any)
				words := make([]string, len(cmd))
				for i, w := range cmd {
					words[i], _ = w.(string)
				}
				if got := strings.Join(words, " "); err != nil || got != step[0] {
					t.Errorf("server read %q, %v; want %q", got, err, step[0])
					break
				}
				if _, err := c.Write([]byte(step[1])); err != nil {
					t.Error(err)
				}
			}
			// Wait for the client to hang up.
			_, _ = r.ReadByte()
			_ = c.Close()
		}
	})

	c := newConn(l.Addr().String(), "secret")
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if v, err := c.do(ctx, "GET", "k"); v != nil || err != redisError("ERR wrong") {
		t.Errorf("GET = %#v, %v; want the error reply", v, err)
	}
	if v, err := c.do(ctx, "GET", "k"); v != "v" || err != nil {
		t.Errorf("GET = %#v, %v; want \"v\"", v, err)
	}
	if v, err := c.do(ctx, "INFO"); err == nil {
		t.Errorf("INFO = %#v, want an error for a malformed reply", v)
	}
	if v, err := c.do(ctx, "PING"); v != "PONG" || err != nil {
		t.Errorf("PING = %#v, %v; want \"PONG\" on a new connection", v, err)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if v, err := c.do(short, "DEBUG", "SLEEP", "1"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("unanswered DEBUG SLEEP = %#v, %v; want a timeout", v, err)
	}
}
