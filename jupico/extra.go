package jupico

import (
	"encoding/json"
	"reflect"
	"slices"

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
	for _, k := range slices.Sorted(mapKeys(extra)) {
		val, err := json.Marshal(extra[k])
		if err != nil {
			return nil, &ValidationError{Field: "extra[" + k + "]", Reason: "cannot be written as JSON"}
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = wire.AppendString(out, k)
		out = append(out, ':')
		out = append(out, val...)
	}
	return append(out, '}'), nil
}
