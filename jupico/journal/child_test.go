//go:build linux

package journal_test

import (
	"context"
	"os"
	"time"

	"github.com/jupico/jupico-go/internal/testkit/crashtest"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
)

const childEnv = crashtest.Env

// runChild is the child's part: crashtest's, with the bbolt journal at
// JOURNAL_PATH.
func runChild(mode string) int {
	return crashtest.Main(mode, func(ctx context.Context) (jupico.Journal, func() error, error) {
		j, err := journal.Open(os.Getenv("JOURNAL_PATH"), journal.WithOpenTimeout(10*time.Second))
		if err != nil {
			return nil, nil, err
		}
		return j, j.Close, nil
	})
}
