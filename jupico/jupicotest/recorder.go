package jupicotest

import (
	"context"
	"sync"

	"github.com/jupico/jupico-go/jupico"
)

// RollbackRecorder collects what a client reports through
// jupico.WithRollbackHook, for tests that check how a service handles an
// unknown outcome. The zero value is ready; its methods are safe for
// concurrent use.
type RollbackRecorder struct {
	mu     sync.Mutex
	events []jupico.RollbackEvent
}

// Hook records e; pass it to jupico.WithRollbackHook.
func (r *RollbackRecorder) Hook(_ context.Context, e jupico.RollbackEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// Events returns the events recorded so far, oldest first.
func (r *RollbackRecorder) Events() []jupico.RollbackEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]jupico.RollbackEvent(nil), r.events...)
}
