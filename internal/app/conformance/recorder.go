package conformance

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/jupico/jupico-go/jupico"
)

// recorder is the run's Observer: what was sent comes from CallStart and
// CallEnd, the members that differ from the SDK's model from Drift. The
// calls of the cleanup are not counted against the operations.
type recorder struct {
	jupico.NopObserver

	mu        sync.Mutex
	cleaning  bool
	calls     map[uint64]string // operation by call ID, of the run's calls
	ops       map[string]*facts
	n         int
	afterCall func(int)
}

// facts are what the Observer saw of one operation.
type facts struct {
	calls            int
	duration         time.Duration
	last             jupico.CallResult
	unknown, missing []string
}

func newRecorder(afterCall func(int)) *recorder {
	return &recorder{calls: map[uint64]string{}, ops: map[string]*facts{}, afterCall: afterCall}
}

func (r *recorder) facts(op string) *facts {
	f := r.ops[op]
	if f == nil {
		f = &facts{}
		r.ops[op] = f
	}
	return f
}

// CallStart records that the run sends op; CallEnd takes it back when the
// call was cancelled without an answer.
func (r *recorder) CallStart(ctx context.Context, c jupico.CallInfo) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.cleaning {
		r.calls[c.ID] = c.Operation
		r.facts(c.Operation).calls++
	}
	return ctx
}

// CallEnd records how the call ended.
func (r *recorder) CallEnd(_ context.Context, c jupico.CallInfo, res jupico.CallResult) {
	r.mu.Lock()
	op, ok := r.calls[c.ID]
	if !ok {
		r.mu.Unlock()
		return
	}
	f := r.facts(op)
	if res.StatusCode == 0 && (res.Attempts == 0 || res.Error == jupico.ErrorCategoryCanceled) {
		// Given up without an answer because the run's context had
		// ended: not counted as sent.
		f.calls--
		r.mu.Unlock()
		return
	}
	f.duration += res.Duration
	f.last = res
	r.n++
	n, after := r.n, r.afterCall
	r.mu.Unlock()
	if after != nil {
		after(n)
	}
}

// Drift records a member that differs from the SDK's model.
func (r *recorder) Drift(_ context.Context, d jupico.DriftEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	op, ok := r.calls[d.Call]
	if !ok {
		if r.cleaning {
			return
		}
		op = d.Operation
	}
	f := r.facts(op)
	switch d.Kind {
	case jupico.DriftUnknownMember:
		f.unknown = addName(f.unknown, d.Member)
	case jupico.DriftMissingMember:
		f.missing = addName(f.missing, d.Member)
	}
}

func addName(list []string, name string) []string {
	if i, found := slices.BinarySearch(list, name); !found {
		list = slices.Insert(list, i, name)
	}
	return list
}

// startCleanup stops counting calls against the operations.
func (r *recorder) startCleanup() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleaning = true
}

// get returns a copy of what was seen of op.
func (r *recorder) get(op string) facts {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.ops[op]
	if f == nil {
		return facts{}
	}
	out := *f
	out.unknown, out.missing = slices.Clone(f.unknown), slices.Clone(f.missing)
	return out
}
