// Package jupicotest is an in-process fake of Jupico's API for tests and
// examples: a real HTTPS server on loopback, with its own certificate, that
// enforces Basic auth and the application/json content type with Jupico's
// documented 401 codes and serves the same wire contract the SDK speaks.
//
// # Use in tests
//
//	srv := jupicotest.NewServer(t)     // closed when the test ends
//	client := srv.Client()             // trusts the fake's certificate
//	st, err := client.Status(ctx)
//
// The client trusts the fake through jupico.WithRootCAs; certificate
// verification is never turned off.
//
// # Use outside tests
//
// Start returns a Server without a testing.T; Close it when done.
//
// # Faults
//
// InjectFault makes requests to a path answer with an error status, a
// Retry-After, a redirect, a huge body, a delay or a dropped connection.
// Requests records what the fake received.
package jupicotest
