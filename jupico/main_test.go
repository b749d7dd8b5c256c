package jupico_test

import (
	"io"
	"log"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// quietLog discards a test server's own error log (handshake failures are
// the point of some tests).
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
