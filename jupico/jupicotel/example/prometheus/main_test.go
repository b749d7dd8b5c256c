package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	want := `jupico_client_call_duration_seconds_count{jupico_operation="creditcard.sale",jupico_operation_kind="transaction",jupico_outcome="declined"} 1
jupico_client_call_duration_seconds_count{jupico_operation="creditcard.sale",jupico_operation_kind="transaction",jupico_outcome="succeeded"} 4
jupico_client_retries_total{jupico_operation="creditcard.sale",jupico_operation_kind="transaction",jupico_retry_reason="status"} 1
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
