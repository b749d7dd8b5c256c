package jupico_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func ExampleCreditCardService_Sale() {
	srv := jupicotest.Start()
	defer srv.Close()
	client := srv.Client()
	defer client.Close()

	amount, _ := jupico.ParseAmount("25.00")
	tx, err := client.CreditCard.Sale(context.Background(), &jupico.ChargeRequest{
		SubMerchantID: "jpt-fs-demo-acc1-m1",
		Amount:        amount,
		PaymentToken:  jupico.PermanentToken("card", "tok_visa_4242"),
		Description:   "Order 1042",
		Reference:     "order-1042",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tx.Status, tx.Amount, tx.AuthCode)
	// Output: succeeded 25.00 A1B2C3
}

// A decline returns the transaction and an error matching ErrDeclined whose
// message is safe to show the customer.
func ExampleCreditCardService_Sale_declined() {
	srv := jupicotest.Start()
	defer srv.Close()
	client := srv.Client()
	defer client.Close()

	_, err := client.CreditCard.Sale(context.Background(), &jupico.ChargeRequest{
		SubMerchantID: "jpt-fs-demo-acc1-m1",
		Amount:        jupico.Cents(9023), // the sandbox's "insufficient funds" trigger
		PaymentToken:  jupico.PermanentToken("card", jupico.SandboxTestToken),
	})
	var apiErr *jupico.APIError
	if errors.Is(err, jupico.ErrDeclined) && errors.As(err, &apiErr) {
		fmt.Println("declined:", apiErr.Code, "-", apiErr.Message)
	}
	// Output: declined: tx_cc_declined_insufficient_funds - Insufficient funds
}

// When Jupico's answer leaves the outcome unknown, the client rolls the
// transaction back before returning, as Jupico requires.
func ExampleIndeterminateError() {
	srv := jupicotest.Start()
	defer srv.Close()
	srv.InjectFault("/v1/transactions/creditcard/sale", jupicotest.Fault{Status: http.StatusInternalServerError, Times: 1})
	client := srv.Client(jupico.WithRollbackHook(func(_ context.Context, e jupico.RollbackEvent) {
		fmt.Println("rollback of", e.Operation, "acknowledged:", e.Acknowledged)
	}))
	defer client.Close()

	_, err := client.CreditCard.Sale(context.Background(), &jupico.ChargeRequest{
		SubMerchantID: "jpt-fs-demo-acc1-m1",
		Amount:        jupico.Cents(1999),
		PaymentToken:  jupico.PermanentToken("card", "tok_visa_4242"),
	})
	var ind *jupico.IndeterminateError
	if errors.As(err, &ind) {
		fmt.Println("rolled back:", ind.RolledBack, errors.Is(err, jupico.ErrRolledBack))
	}
	// Output:
	// rollback of creditcard.sale acknowledged: true
	// rolled back: true true
}

func ExampleQueryService_Transactions() {
	srv := jupicotest.Start()
	defer srv.Close()
	client := srv.Client()
	defer client.Close()
	ctx := context.Background()
	for _, cents := range []int64{1000, 2000, 3000} {
		if _, err := client.CreditCard.Sale(ctx, &jupico.ChargeRequest{SubMerchantID: "m1", Amount: jupico.Cents(cents), PaymentToken: jupico.PermanentToken("card", "tok")}); err != nil {
			fmt.Println(err)
			return
		}
	}

	var total jupico.Amount
	for tx, err := range jupico.All(ctx, client.Query.Transactions, &jupico.TransactionFilter{ListFilter: jupico.ListFilter{SubMerchantID: "m1", Limit: 2}}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		total += tx.Amount
	}
	fmt.Println("total:", total)
	// Output: total: 60.00
}

func ExampleParseAmount() {
	a, _ := jupico.ParseAmount("0.10")
	b, _ := jupico.ParseAmount("0.20")
	fmt.Println(a+b, (a + b).Cents())
	_, err := jupico.ParseAmount("1.005")
	fmt.Println(errors.Is(err, jupico.ErrInvalidAmount))
	// Output:
	// 0.30 30
	// true
}

// Transactions get Jupico's 35-second limit by default; the caller's
// context bounds the whole call.
func ExampleWithTransactionTimeout() {
	client, err := jupico.NewClient(jupico.WithTransactionTimeout(20*time.Second),
		jupico.WithCredentials(credentials.Static("user", "password"))) // in production: FromEnv, a file, a secret manager
	fmt.Println(client != nil, err)
	// Output: true <nil>
}
