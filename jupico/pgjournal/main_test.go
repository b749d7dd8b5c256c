package pgjournal_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"

	"github.com/jupico/jupico-go/internal/crashtest"
	"github.com/jupico/jupico-go/internal/pgtest"
)

// sharedURL is the database the tests share, set by TestMain.
var sharedURL string

// TestMain provides the shared PostgreSQL (JUPICO_TEST_PG_URL, or a server
// started here), publishes it as DATABASE_URL for the examples, and fails
// the run if a test leaves a goroutine behind. Without PostgreSQL the run
// fails: these tests never skip. In a child process the kill tests start,
// it runs the child's part instead (see child_test.go).
func TestMain(m *testing.M) {
	if mode := os.Getenv(crashtest.Env); mode != "" {
		os.Exit(runChild(mode))
	}
	url, stop, err := pgtest.SetupShared()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgjournal tests:", err)
		os.Exit(1)
	}
	sharedURL = url
	os.Setenv("DATABASE_URL", url)
	code := m.Run()
	stop()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// newPool returns a pool on the shared database, closed when the test
// ends.
func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
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
