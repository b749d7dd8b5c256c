package jupico

import (
	"reflect"

	"github.com/jupico/jupico-go/internal/wire"
)

// ValidateCharge exposes the checks a sale runs before sending, for the
// benchmarks of the external test package.
func ValidateCharge(r *ChargeRequest) error { return r.validate() }

// AnswerTypes is the type each operation's answer decodes into (a list's
// record type), as the drift check models it.
func AnswerTypes() map[*wire.Operation]reflect.Type { return answerTypes() }

// DriftModel returns the members the drift check holds op's answer to:
// those of its data and of a list's records; ok is false when op's answer
// is not checked.
func DriftModel(op *wire.Operation) (data, records []string, ok bool) {
	m := driftModels[op]
	if m == nil {
		return nil, nil, false
	}
	return m.top.names, m.rec.names, true
}

// Drifted reports whether data, an answer's data for op, differs from the
// SDK's model: the check an answer without drift passes.
func Drifted(op *wire.Operation, data []byte) bool { return driftModels[op].walk(data, nil) }
