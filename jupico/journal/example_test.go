package journal_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// A client that journals its transactions: a rollback Jupico did not
// acknowledge stays owed, and the background recovery sends it again at
// its next try (one recovery interval, then longer); what a process dies
// with is settled by the next one.
func Example() {
	dir, _ := os.MkdirTemp("", "journal-example")
	defer os.RemoveAll(dir)
	srv := jupicotest.Start()
	defer srv.Close()

	j, err := journal.Open(filepath.Join(dir, "jupico.journal"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer j.Close()
	client := srv.Client(jupico.WithJournal(j))
	defer client.Close()
	ctx := context.Background()

	// Jupico answers 500: the outcome is unknown, and Jupico is
	// unavailable for the rollback for now.
	srv.InjectFault("/v1/transactions/creditcard/sale", jupicotest.Fault{Status: http.StatusInternalServerError, AfterProcessing: true, Times: 1})
	down := srv.InjectFault("/v1/transactions/creditcard/rollback", jupicotest.Fault{Status: http.StatusServiceUnavailable})
	_, err = client.CreditCard.Sale(ctx, &jupico.ChargeRequest{SubMerchantID: "m1", Amount: jupico.Cents(2500),
		PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"), Reference: "order-7"})
	fmt.Println("sale:", err != nil)
	entries, _ := j.Entries(ctx)
	fmt.Println(entries[0].Reference, entries[0].State, "tries:", entries[0].Tries, "owed:", client.Owed().Count)

	// The background recovery tries it again a minute later; Recover,
	// after an incident, does it now.
	down.Remove()
	rep, err := client.Recover(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	entries, _ = j.Entries(ctx)
	fmt.Println("rolled back:", rep.RolledBack, entries[0].State, entries[0].Outcome)
	// Output:
	// sale: true
	// order-7 rollback-owed tries: 1 owed: 1
	// rolled back: 1 done rolled back
}
