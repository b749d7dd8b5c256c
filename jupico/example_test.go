package jupico_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// A client for the in-process fake Jupico. Against the real API, drop the
// base URL and root CAs, choose jupico.WithEnvironment(jupico.EnvironmentProduction) or
// keep the Sandbox default, and let the credentials come from the
// environment (the default).
func Example() {
	srv := jupicotest.Start()
	defer srv.Close()

	client, err := jupico.NewClient(
		jupico.WithBaseURL(srv.URL()),
		jupico.WithRootCAs(srv.CertPool()),
		jupico.WithCredentials(srv.Credentials()),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	st, err := client.Status(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("online:", st.Online)
	// Output: online: true
}

// Configuration errors surface in NewClient, never on the first payment.
func ExampleNewClient_insecureBaseURL() {
	_, err := jupico.NewClient(jupico.WithBaseURL("http://platform.jupico.com"))
	fmt.Println(errors.Is(err, jupico.ErrInsecureBaseURL))
	// Output: true
}

// Branching on an API error with errors.Is and reading it with errors.As.
func ExampleAPIError() {
	srv := jupicotest.Start()
	defer srv.Close()
	client := srv.Client(jupico.WithCredentials(credentials.Static("jupicotest", "not-the-password")))
	defer client.Close()

	_, err := client.Status(context.Background())
	if errors.Is(err, jupico.ErrUnauthorized) {
		var apiErr *jupico.APIError
		errors.As(err, &apiErr)
		fmt.Println(apiErr.HTTPStatus, apiErr.Code)
	}
	// Output: 401 auth_invalid_api_token
}

// A failure with no HTTP answer is a *RequestError; MaybeProcessed says
// whether Jupico may have acted on it.
func ExampleRequestError() {
	srv := jupicotest.Start()
	defer srv.Close()
	srv.InjectFault("/status", jupicotest.Fault{Status: http.StatusFound, Header: http.Header{"Location": {"http://elsewhere.example/"}}})
	client := srv.Client()
	defer client.Close()

	_, err := client.Status(context.Background())
	var reqErr *jupico.RequestError
	fmt.Println(errors.As(err, &reqErr), errors.Is(err, jupico.ErrRedirect), reqErr.MaybeProcessed)
	// Output: true true false
}
