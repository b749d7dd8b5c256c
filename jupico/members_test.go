package jupico_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
)

// TestEveryMemberIsDocumentedOrAssumed holds the contract's two lists of
// member names to the platform types: every name a request or answer type
// carries, every id and list member of a row, is in exactly one of them,
// and neither list names a member nothing uses.
func TestEveryMemberIsDocumentedOrAssumed(t *testing.T) {
	t.Parallel()
	used := map[string]bool{"limit": true, "offset": true, "from": true, "to": true, "total": true}
	marshaler := reflect.TypeFor[json.Marshaler]()
	skip := map[reflect.Type]bool{reflect.TypeFor[jupico.Transaction](): true, reflect.TypeFor[jupico.TransactionPage](): true,
		reflect.TypeFor[jupico.TransactionFilter](): true}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || skip[t] || t.Implements(marshaler) || t.PkgPath() == "time" {
			return
		}
		seen[t] = true
		page := strings.HasPrefix(t.Name(), "Page[")
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case !f.IsExported():
			case page || tag == "-" || (f.Anonymous && tag == "") || f.Name == "Fields" || (tag == "" && f.Name == "ID"):
				walk(f.Type) // not a member of its own: written or read elsewhere
			default:
				used[tag] = true
				walk(f.Type)
			}
		}
	}
	client := reflect.TypeFor[jupico.Client]()
	for _, op := range wire.Operations {
		if op.ID != "" {
			used[op.ID] = true
		}
		if op.List != "" {
			used[op.List] = true
		}
		svc, method, ok := strings.Cut(op.Call, ".")
		if !ok || strings.HasPrefix(op.Path, "/v1/transactions/") || op == &wire.BrowserSession {
			continue // the card and session bodies are the contract's structs
		}
		f, _ := client.FieldByName(svc)
		m, _ := f.Type.MethodByName(method)
		walk(m.Type.In(2))
		walk(m.Type.Out(0))
	}
	for name := range used {
		doc, assumed := slices.Contains(wire.DocumentedMembers, name), slices.Contains(wire.AssumedMembers, name)
		assert.True(t, doc != assumed, "member %q must be in exactly one of DocumentedMembers and AssumedMembers", name)
	}
	for _, name := range append(slices.Clone(wire.DocumentedMembers), wire.AssumedMembers...) {
		assert.True(t, used[name], "the contract lists %q, which no platform type uses", name)
	}
}
