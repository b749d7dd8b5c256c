package jupicotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"

	"github.com/jupico/jupico-go/internal/wire"
)

// Drift changes the answers of one operation so that they differ from the
// SDK's model, as Jupico changing its API would: a client then reports
// the members it does not model and the members it relies on that did not
// come (jupico.Observer's Drift, and a warning in its log). The zero
// Drift changes nothing.
type Drift struct {
	// Rename renames members, old name to new name; a member the answer
	// does not carry is left alone.
	Rename map[string]string
	// Add adds members with these values, written as encoding/json
	// writes them, replacing a member of that name.
	Add map[string]any
}

// driftSpec is a Drift ready to apply: its values already JSON.
type driftSpec struct {
	op     *wire.Operation
	rename map[string]string
	add    map[string]json.RawMessage
}

// routes maps "METHOD path" and the operation's name to each row of the
// wire table.
var (
	opsByRoute = map[string]*wire.Operation{}
	opsByName  = map[string]*wire.Operation{}
)

func init() {
	for _, op := range wire.Operations {
		opsByRoute[op.Method+" "+op.Path] = op
		opsByName[op.Name] = op
	}
}

// SetDrift applies d to every successful answer of operation, its wire
// name ("creditcard.sale", "query.payoutInstructions"): to the top-level
// members of the answer's data object and, for a list operation, to each
// record of its list as well. Declines and errors are left alone, and so
// is an answer whose data is not an object. A zero Drift clears the
// operation's; a later SetDrift replaces it. An unknown operation, or an
// Add value encoding/json cannot write, fails the test (panics for a
// Server made without a testing.T). The maps are copied: changing them
// afterwards changes nothing.
func (s *Server) SetDrift(operation string, d Drift) {
	op := opsByName[operation]
	if op == nil {
		s.fatalf("jupicotest: SetDrift: no operation %q in the wire table", operation)
		return
	}
	spec := &driftSpec{op: op, rename: maps.Clone(d.Rename), add: make(map[string]json.RawMessage, len(d.Add))}
	for k, v := range d.Add {
		b, err := json.Marshal(v)
		if err != nil {
			s.fatalf("jupicotest: SetDrift: %s: Add[%q] cannot be written as JSON: %v", operation, k, err)
			return
		}
		spec.add[k] = b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(d.Rename) == 0 && len(d.Add) == 0 {
		delete(s.drifts, operation)
		return
	}
	if s.drifts == nil {
		s.drifts = map[string]*driftSpec{}
	}
	s.drifts[operation] = spec
}

// fatalf fails the test of a Server made by NewServer; without a test it
// panics, a programming error.
func (s *Server) fatalf(format string, args ...any) {
	if s.t != nil {
		s.t.Helper()
		s.t.Fatalf(format, args...)
		return
	}
	panic(fmt.Sprintf(format, args...))
}

// drifted returns h, answering through the drift set for the operation
// of route ("METHOD path"), if any. s.mu must be held.
func (s *Server) drifted(route string, h http.HandlerFunc) http.HandlerFunc {
	op := opsByRoute[route]
	if h == nil || op == nil || s.drifts[op.Name] == nil {
		return h
	}
	d := s.drifts[op.Name]
	return func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h(rec, r)
		body := rec.Body.Bytes()
		if rec.Code >= 200 && rec.Code <= 299 {
			if b, ok := d.apply(body); ok {
				body = b
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}
}

// apply rewrites a success envelope's data; false when body is not one,
// or its data is not an object.
func (d *driftSpec) apply(body []byte) ([]byte, bool) {
	var env wire.Envelope
	if json.Unmarshal(body, &env) != nil || !env.Success {
		return nil, false
	}
	data, ok := d.object(env.Data)
	if !ok {
		return nil, false
	}
	if d.op.List != "" {
		var recs []json.RawMessage
		if json.Unmarshal(data[d.listMember(data)], &recs) == nil {
			for i, rec := range recs {
				if m, ok := d.object(rec); ok {
					recs[i], _ = json.Marshal(m)
				}
			}
			data[d.listMember(data)], _ = json.Marshal(recs)
		}
	}
	if env.Data, ok = marshalRaw(data); !ok {
		return nil, false
	}
	out, err := json.Marshal(env)
	return out, err == nil
}

// listMember is the name the list has in data once renamed.
func (d *driftSpec) listMember(data map[string]json.RawMessage) string {
	if n, ok := d.rename[d.op.List]; ok {
		if _, there := data[n]; there {
			return n
		}
	}
	return d.op.List
}

// object decodes raw, a JSON object, and applies the drift to its members.
func (d *driftSpec) object(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, false
	}
	renamed := make(map[string]json.RawMessage, len(d.rename))
	for from, to := range d.rename {
		if v, ok := m[from]; ok {
			delete(m, from)
			renamed[to] = v
		}
	}
	maps.Copy(m, renamed)
	maps.Copy(m, d.add)
	return m, true
}

func marshalRaw(m map[string]json.RawMessage) (json.RawMessage, bool) {
	b, err := json.Marshal(m)
	return b, err == nil
}
