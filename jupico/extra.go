package jupico

import (
	"reflect"

	"github.com/jupico/jupico-go/internal/wire"
)

// withExtra appends a card or eCheck request's Extra members to body, the
// request as wire.Marshal wrote it from in (a wire type), after the same
// checks a platform request's Extra passes: no key that names a member
// the SDK writes, no empty, unprintable or card-number key, and the
// free-text rules on every string value. Nothing is sent on error. With
// no Extra it returns body as is, allocating nothing.
func withExtra(op *wire.Operation, body []byte, in any, extra map[string]any) ([]byte, error) {
	if len(extra) == 0 {
		return body, nil
	}
	v := &validator{op: op}
	checkExtra(v, op, reflect.TypeOf(in).Elem(), extra)
	if err := v.error(); err != nil {
		return nil, err
	}
	g := guard{v: v, op: op}
	if g.push("extra", -1) {
		g.value(reflect.ValueOf(extra), 0)
	}
	if err := v.error(); err != nil {
		return nil, err
	}
	out := append(make([]byte, 0, len(body)+64*len(extra)), body[:len(body)-1]...) // reopen the object
	out, err := appendExtra(out, extra)
	if err != nil {
		return nil, err
	}
	return append(out, '}'), nil
}
