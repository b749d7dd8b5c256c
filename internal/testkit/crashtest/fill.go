package crashtest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/jupico/jupico-go/jupico"
)

// FullEntry returns a journal entry with every exported field set to a
// value other than its zero, by reflection: a journal that stores it and
// reads back anything else drops a field, also one a later version adds
// to jupico.JournalEntry. seq makes the ID and values its own.
func FullEntry(seq int) jupico.JournalEntry {
	var e jupico.JournalEntry
	v := reflect.ValueOf(&e).Elem()
	at := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC).Add(time.Duration(seq) * time.Minute)
	for i := range v.NumField() {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		switch {
		case f.Type() == reflect.TypeFor[time.Time]():
			f.Set(reflect.ValueOf(at.Add(time.Duration(i) * time.Second)))
		case f.Type() == reflect.TypeFor[json.RawMessage]():
			f.Set(reflect.ValueOf(json.RawMessage(fmt.Sprintf(`{"reference":"full-%d"}`, seq))))
		case f.Kind() == reflect.String:
			f.SetString(fmt.Sprintf("%s-%d", name, seq))
		case f.Kind() == reflect.Int:
			f.SetInt(int64(i + seq + 1))
		case f.Kind() == reflect.Bool:
			f.SetBool(true)
		default:
			panic("crashtest: FullEntry does not know how to fill " + name + " (" + f.Type().String() + "): teach it")
		}
	}
	e.ID = fmt.Sprintf("%032x", seq+1)
	e.State = jupico.JournalStateRollbackOwed // a state the journals keep open
	return e
}
