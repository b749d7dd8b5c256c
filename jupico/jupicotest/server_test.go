package jupicotest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// statusWith reports what the fake answers a status check made with the
// given key: nil, or the error.
func statusWith(t *testing.T, srv *jupicotest.Server, user, pass string) error {
	t.Helper()
	c := srv.Client(jupico.WithCredentials(credentials.Static(user, pass)), jupico.WithRetry(jupico.NoRetry()))
	_, err := c.Status(context.Background())
	return err
}

// A rotation played on the fake: while both keys are valid both work, and
// a key is never accepted with the other key's password.
func TestServerAcceptsAddedCredentialsUntilSet(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	const newUser, newPass = "rotated-user", "rotated-password"
	require.NoError(t, statusWith(t, srv, jupicotest.DefaultUsername, jupicotest.DefaultPassword))
	require.ErrorIs(t, statusWith(t, srv, newUser, newPass), jupico.ErrUnauthorized, "not yet created")

	srv.AddCredentials(newUser, newPass)
	srv.AddCredentials(newUser, newPass) // adding a key twice changes nothing
	assert.NoError(t, statusWith(t, srv, jupicotest.DefaultUsername, jupicotest.DefaultPassword), "the old key still works")
	assert.NoError(t, statusWith(t, srv, newUser, newPass), "and so does the new one")
	assert.ErrorIs(t, statusWith(t, srv, jupicotest.DefaultUsername, newPass), jupico.ErrUnauthorized)
	assert.ErrorIs(t, statusWith(t, srv, newUser, jupicotest.DefaultPassword), jupico.ErrUnauthorized)
	newest, err := srv.Credentials().Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, newUser, newest.Username(), "Credentials gives the newest key")

	srv.SetCredentials(newUser, newPass)
	assert.ErrorIs(t, statusWith(t, srv, jupicotest.DefaultUsername, jupicotest.DefaultPassword), jupico.ErrUnauthorized, "revoked")
	assert.NoError(t, statusWith(t, srv, newUser, newPass))
}

// A key rotation in the order Jupico's Backoffice allows: create the new
// key, move the client to it, then revoke the old one.
func ExampleServer_AddCredentials() {
	srv := jupicotest.Start()
	defer srv.Close()
	oldKey := credentials.Static(jupicotest.DefaultUsername, jupicotest.DefaultPassword)
	newKey := credentials.Static("merchant-api-v2", "a-new-password")

	status := func(p credentials.Provider) string {
		c, err := srv.NewClient(jupico.WithCredentials(p))
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Status(context.Background()); errors.Is(err, jupico.ErrUnauthorized) {
			return "401"
		} else if err != nil {
			log.Fatal(err)
		}
		return "ok"
	}

	srv.AddCredentials("merchant-api-v2", "a-new-password") // created in the Backoffice
	fmt.Println("both valid: old", status(oldKey), "new", status(newKey))
	srv.SetCredentials("merchant-api-v2", "a-new-password") // the old key revoked
	fmt.Println("after revoking: old", status(oldKey), "new", status(newKey))
	// Output:
	// both valid: old ok new ok
	// after revoking: old 401 new ok
}
