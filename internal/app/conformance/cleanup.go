package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
)

// undo is one thing the run created and how to undo it.
type undo struct {
	resource, id string
	// action is the operation that undoes it; nil when none does.
	action *wire.Operation
	fn     func(context.Context) error
	// done is set once the scenario itself undid it.
	done bool
}

// created records something the run created: action and fn undo it
// (nil when nothing can).
func (r *run) created(resource, id string, action *wire.Operation, fn func(context.Context) error) *undo {
	u := &undo{resource: resource, id: id, action: action, fn: fn}
	r.undo = append(r.undo, u)
	return u
}

// cleanup undoes, newest first, what the run created and the scenarios
// did not undo themselves.
func (r *run) cleanup(ctx context.Context) Cleanup {
	out := Cleanup{Cleaned: []Leftover{}, Left: []Leftover{}}
	for _, u := range slices.Backward(r.undo) {
		l := Leftover{Resource: u.resource, ID: u.id}
		if u.action != nil {
			l.Action = u.action.Name
		}
		switch {
		case u.done:
			out.Cleaned = append(out.Cleaned, l)
			continue
		case u.fn == nil:
			l.Reason = "no operation removes it"
			out.Left = append(out.Left, l)
			continue
		}
		if err := ctx.Err(); err != nil {
			l.Reason = "the cleanup ran out of time"
			out.Left = append(out.Left, l)
			continue
		}
		if err := u.fn(ctx); err != nil {
			l.Reason = failure(err)
			out.Left = append(out.Left, l)
			continue
		}
		out.Cleaned = append(out.Cleaned, l)
	}
	return out
}

// failure describes why a call failed: its status and Jupico's code, or
// the category of the failure; never a message.
func failure(err error) string {
	var ae *jupico.APIError
	if errors.As(err, &ae) {
		return fmt.Sprintf("refused: %d %s", ae.HTTPStatus, ae.Code)
	}
	if errors.Is(err, jupico.ErrValidation) {
		return "refused by the SDK's validation"
	}
	return "no usable answer (" + category(err) + ")"
}
