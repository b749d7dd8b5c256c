package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// MasterName is the name under which the Sentinel of NewSentinel monitors
// its primary, and so the MasterName of a go-redis client that connects
// through it (with SentinelAddrs as its Addrs).
const MasterName = "jupicotest"

// Sentinel timing. Sentinel's defaults (30 s before a primary is down, 3
// minutes per failover) suit production; these let a test's failover finish
// in one to two seconds.
const (
	// downAfter is how long the primary may go without answering before
	// the Sentinel declares it down and, with a quorum of one, fails over.
	// It is far above the pauses a loaded machine puts between a ping and
	// its answer, so that the Sentinel does not fail over on its own.
	downAfter = time.Second
	// failoverTimeout bounds each step of a failover.
	failoverTimeout = 5 * time.Second
)

// Sentinel is a Sentinel-managed Redis, each part a process of its own on
// loopback started by NewSentinel: a primary, one replica of it, and one
// Sentinel monitoring both under MasterName. KillPrimary and SentinelAddrs
// may be called from any goroutine; the methods that take a
// testing.TB may fail the test, so call them from the test's goroutine.
type Sentinel struct {
	primary, replica, sentinel *Server
}

// NewSentinel starts a primary redis-server, a replica of it and a
// Sentinel monitoring them, all killed when the test ends, and returns
// once the replica has synchronised and the Sentinel sees both healthy, so
// that a failover can start at once. The servers keep everything in
// memory. It fails the test with ErrNoRedisServer when redis-server is not
// on PATH.
//
// The Sentinel declares the primary down after a second without an
// answer and, being the only Sentinel (quorum 1), promotes the replica
// alone; a real deployment runs three or more Sentinels, which changes who
// decides, not what a client sees.
func NewSentinel(t testing.TB) *Sentinel {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Both data servers sync a replica at once instead of waiting 5 s for
	// others to join: the replica becomes a primary when it is promoted.
	data := slices.Concat([]string{"--repl-diskless-sync-delay", "0"}, NoPersistence)
	primary := NewServer(t, data...)
	host, port, _ := net.SplitHostPort(primary.Addr())
	replica := NewServer(t, slices.Concat(data, []string{"--replicaof", host, port})...)
	rc := newConn(replica.Addr(), "")
	defer rc.close()
	synced := eventually(ctx, func(ctx context.Context) bool {
		info, err := as[string](rc.do(ctx, "INFO", "replication"))
		return err == nil && strings.Contains(info, "master_link_status:up\r\n")
	})
	if !synced {
		t.Fatalf("the replica never synchronised with the primary:\n%s", replica.logTail(5))
	}

	// The Sentinel is told of the replica in its configuration, so it need
	// not wait to discover it in the primary's INFO (every 10 s). It
	// rewrites the file as it runs, so the file lives in its own directory.
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	_, rport, _ := net.SplitHostPort(replica.Addr())
	config := fmt.Sprintf(`sentinel monitor %[1]s %[2]s %[3]s 1
sentinel down-after-milliseconds %[1]s %[5]d
sentinel failover-timeout %[1]s %[6]d
sentinel known-replica %[1]s %[2]s %[4]s
`, MasterName, host, port, rport, downAfter.Milliseconds(), failoverTimeout.Milliseconds())
	if err := os.WriteFile(conf, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	sentinel, err := startServer(dir, []string{conf, "--sentinel"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sentinel.Kill)
	g := &Sentinel{primary: primary, replica: replica, sentinel: sentinel}

	sc := newConn(sentinel.Addr(), "")
	defer sc.close()
	// A Sentinel promotes only a replica whose INFO it read in the last 5 s
	// (five ping periods), and it reads a replica's INFO every 10 s until
	// the primary is down: every 500 ms here, so the replica always
	// qualifies. A Sentinel whose own timer stalls for 2 s stops acting
	// for a while ("tilt", 30 s by default): 1 s here, so that a stalled
	// machine delays a test's failover instead of outlasting it.
	if _, err := sc.do(ctx, "SENTINEL", "DEBUG", "info-period", "500", "tilt-period", "1000"); err != nil {
		t.Fatalf("setting the Sentinel's timers: %v", err)
	}
	state := "no answer yet" // what the Sentinel said last, for the failure message
	ready := eventually(ctx, func(ctx context.Context) bool {
		m, err := fields(sc.do(ctx, "SENTINEL", "MASTER", MasterName))
		var rs []any
		if err == nil {
			rs, err = as[[]any](sc.do(ctx, "SENTINEL", "REPLICAS", MasterName))
		}
		switch {
		case err != nil && ctx.Err() != nil: // the wait is over; keep the last answer
			return false
		case err != nil:
			state = err.Error()
			return false
		}
		state = fmt.Sprintf("primary %v, replicas %v", m, rs)
		if m["flags"] != "master" || len(rs) != 1 {
			return false
		}
		r, err := fields(rs[0], nil)
		refresh, _ := strconv.Atoi(r["info-refresh"])
		return err == nil && r["flags"] == "slave" && r["master-link-status"] == "ok" && refresh < 1000
	})
	if !ready {
		t.Fatalf("the Sentinel never saw a healthy primary and replica: %s\n%s", state, sentinel.logTail(10))
	}
	return g
}

// SentinelAddrs are the addresses of the Sentinels: the Addrs of a
// go-redis client's UniversalOptions, with MasterName.
func (g *Sentinel) SentinelAddrs() []string { return []string{g.sentinel.Addr()} }

// WaitReplicated returns once the replica holds every write the primary
// has acknowledged so far, and fails the test if that takes over 5 s. It
// writes a key of its own (redistest:replicated) on the primary and WAITs
// for the replica to confirm it: replication is one ordered stream, so
// that confirmation covers every earlier write of every client.
func (g *Sentinel) WaitReplicated(t testing.TB) {
	t.Helper()
	c := newConn(g.primary.Addr(), "")
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.do(ctx, "INCR", "redistest:replicated"); err != nil {
		t.Fatalf("writing on the primary: %v", err)
	}
	n, err := as[int64](c.do(ctx, "WAIT", "1", "5000"))
	if err != nil || n < 1 {
		t.Fatalf("the replica did not confirm the primary's writes: %d replicas, %v", n, err)
	}
}

// KillPrimary kills the primary abruptly, as a crash would. Writes it
// acknowledged but had not yet sent to the replica are lost with it. The
// Sentinel notices within about a second and promotes the replica;
// WaitFailover waits for that.
func (g *Sentinel) KillPrimary() { g.primary.Kill() }

// WaitFailover waits, at most 30 s, until the Sentinel names the replica as
// the primary and the replica accepts writes, and returns its address. It
// fails the test, with the end of the Sentinel's log, when no failover
// comes.
func (g *Sentinel) WaitFailover(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	want := g.replica.Addr()
	sc := newConn(g.sentinel.Addr(), "")
	defer sc.close()
	rc := newConn(want, "")
	defer rc.close()
	state := "no answer yet" // what was seen last, for the failure message
	done := eventually(ctx, func(ctx context.Context) bool {
		addr, err := as[[]any](sc.do(ctx, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MasterName))
		switch {
		case err != nil && ctx.Err() != nil: // the wait is over; keep the last answer
			return false
		case err != nil || len(addr) != 2:
			state = fmt.Sprintf("the Sentinel names %v (%v)", addr, err)
			return false
		}
		if got := net.JoinHostPort(fmt.Sprint(addr[0]), fmt.Sprint(addr[1])); got != want {
			state = "the Sentinel still names " + got + " as the primary"
			return false
		}
		role, err := as[[]any](rc.do(ctx, "ROLE"))
		switch {
		case err != nil && ctx.Err() != nil:
			return false
		case err != nil || len(role) == 0 || role[0] != "master":
			state = fmt.Sprintf("the promoted replica reports the role %v (%v)", role, err)
			return false
		}
		return true
	})
	if !done {
		t.Fatalf("no failover to %s within 30 s: %s\n%s", want, state, g.sentinel.logTail(15))
	}
	return want
}
