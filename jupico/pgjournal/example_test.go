package pgjournal_test

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/jupico/pgjournal"
)

// Two replicas share a journal. One dies before it learns how a sale
// went; its lease ends, and the other rolls the sale back.
func Example() {
	ctx := context.Background()
	srv := jupicotest.Start()
	defer srv.Close()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pool.Close()
	defer func() { _, _ = pool.Exec(ctx, "DROP TABLE example_journal, example_journal_leases") }()

	// Replica A records the intent and dies before the answer (simulated
	// here: the entry is recorded by hand and the lease ended).
	a, err := pgjournal.Open(ctx, pool, pgjournal.WithTable("example_journal"), pgjournal.WithOwner("replica-a"))
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = a.Record(ctx, &jupico.JournalEntry{ID: "0195f0c2a1b2c3d4e5f60718293a4b5c", Operation: "creditcard.sale",
		Body: []byte(`{"subMerchantId":"m1","amount":25.00,"paymentToken":{"type":"card","token":"tok_visa_4242"},"reference":"order-7"}`), Reference: "order-7", State: jupico.JournalStateIntent})
	_ = a.Close()

	// Replica B recovers what A left.
	b, err := pgjournal.Open(ctx, pool, pgjournal.WithTable("example_journal"), pgjournal.WithOwner("replica-b"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	client := srv.Client(jupico.WithJournal(b), jupico.WithoutBackgroundRecovery()) // Recover below, on demand
	defer client.Close()
	rep, err := client.Recover(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	e := rep.Entries[0]
	fmt.Println(e.Reference, e.Owner, e.Outcome)
	// Output:
	// order-7 replica-b rolled back
}
