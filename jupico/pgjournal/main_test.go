package pgjournal_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/jupico/jupico-go/internal/testkit/crashtest"
	"github.com/jupico/jupico-go/internal/testkit/pgtest"
	"github.com/jupico/jupico-go/internal/testkit/testproc"
)

// sharedURL is the database the tests share, set by TestMain; noPG is
// why there is none.
var sharedURL, noPG string

// needPG skips the test when no PostgreSQL could be started here: only
// then, and never when JUPICO_TEST_PG_URL names one (as CI does).
func needPG(t testing.TB) {
	t.Helper()
	if noPG != "" {
		t.Skip(noPG)
	}
}

// TestMain provides the shared PostgreSQL (JUPICO_TEST_PG_URL, or a server
// started here), publishes it as DATABASE_URL for the examples, and fails
// the run if a test leaves a goroutine behind. When no server can be
// started here (none installed, no URL given), every test skips saying so
// and the examples, which cannot skip, are left out; a server that fails
// to start or a URL that does not answer fails the run. In a child process
// the kill tests start, it runs the child's part instead (see
// child_test.go).
func TestMain(m *testing.M) {
	if mode := os.Getenv(crashtest.Env); mode != "" {
		os.Exit(runChild(mode))
	}
	url, stop, err := pgtest.SetupShared()
	switch {
	case errors.Is(err, pgtest.ErrNoPostgres):
		noPG = err.Error()
		fmt.Fprintln(os.Stderr, "pgjournal tests SKIP:", noPG)
		flag.Parse()
		if err := flag.Set("test.run", "^Test"); err != nil { // the examples cannot skip
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		url, stop = "", func() {}
	case err != nil:
		fmt.Fprintln(os.Stderr, "pgjournal tests:", err)
		os.Exit(1)
	}
	sharedURL = url
	os.Setenv("DATABASE_URL", url)
	os.Exit(testproc.Run(m, stop))
}

// newPool returns a pool on the shared database, closed when the test
// ends.
func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	needPG(t)
	pool, err := pgxpool.New(context.Background(), sharedURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// freshTable returns a table name of the test's own and drops its tables
// when the test ends.
func freshTable(t testing.TB) string {
	t.Helper()
	needPG(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "jt_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, sharedURL)
		if err != nil {
			t.Errorf("dropping %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+name+", "+name+"_leases"); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
	return name
}
