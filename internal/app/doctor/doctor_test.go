package doctor_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/jupico/jupico-go/internal/app/doctor"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCheckToolchain(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ version, result, detail string }{
		{doctor.MinGoVersion, doctor.Pass, "built with " + doctor.MinGoVersion},
		{"go1.28.0 X:nocoverageredesign", doctor.Pass, "built with go1.28.0"},
		{"go1.27.2", doctor.Fail, "older than " + doctor.MinGoVersion},
		{"go1.24.0", doctor.Fail, "rebuild with a patched toolchain"},
		{"devel go1.28-abcdef", doctor.Skip, "not a release"},
	} {
		r := doctor.CheckToolchain(tc.version)
		assert.Equal(t, tc.result, r.Result, tc.version)
		assert.Contains(t, r.Detail, tc.detail, tc.version)
	}
}

func TestRunAgainstTheFake(t *testing.T) {
	t.Parallel()
	fake := jupicotest.NewServer(t)
	cfg := doctor.Config{
		Target:      "the fake",
		Options:     fake.ClientOptions(),
		Credentials: fake.Credentials(),
		Toolchain:   true,
		GoVersion:   "go1.20.1",
	}
	rep := doctor.Run(context.Background(), cfg)
	require.Len(t, rep.Checks, 8)
	assert.Equal(t, 1, rep.Failed, "the old toolchain")
	require.ErrorIs(t, rep.Err(), doctor.ErrChecksFailed)
	assert.Equal(t, doctor.Skip, rep.Checks[6].Result, "no webhook secret")
	var out bytes.Buffer
	require.NoError(t, rep.WriteText(&out))
	assert.Regexp(t, `go toolchain +FAIL +built with go1\.20\.1`, out.String())
	assert.Contains(t, out.String(), "1 of 8 checks failed")

	// A patched toolchain named explicitly: the tests also run on an
	// older Go than the one releases are built with.
	cfg.GoVersion, cfg.WebhookSecret = doctor.MinGoVersion, fake.WebhookSecret()
	rep = doctor.Run(context.Background(), cfg)
	require.NoError(t, rep.Err())
	assert.NotContains(t, rep.Checks[6].Detail, fake.WebhookSecret())
}

// The egress row says how requests leave: direct, or through the proxy
// named without its credentials; a proxy variable that does not parse
// fails it (and the client with it). Not parallel: it sets the environment.
func TestCheckEgress(t *testing.T) {
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"} {
		t.Setenv(k, "")
	}
	prod := []jupico.Option{jupico.WithEnvironment(jupico.EnvironmentProduction)}
	r := doctor.CheckEgress(prod)
	assert.Equal(t, doctor.Row{Check: "egress", Result: doctor.Pass, Detail: "direct"}, r)

	t.Setenv("HTTPS_PROXY", "http://egress-user:s3cr3tpw@proxy.corp:3128")
	r = doctor.CheckEgress(prod)
	assert.Equal(t, doctor.Pass, r.Result)
	assert.Equal(t, "proxy http://proxy.corp:3128 (HTTPS_PROXY)", r.Detail)

	fake := jupicotest.NewServer(t)
	r = doctor.CheckEgress(fake.ClientOptions())
	assert.Equal(t, doctor.Pass, r.Result)
	assert.Contains(t, r.Detail, "direct", "loopback never goes through a proxy")

	t.Setenv("HTTPS_PROXY", "http://egress-user:s3cr%tpw@proxy.corp:3128")
	rep := doctor.Run(context.Background(), doctor.Config{Options: fake.ClientOptions(), Credentials: fake.Credentials()})
	var egress, api doctor.Row
	for _, row := range rep.Checks {
		switch row.Check {
		case "egress":
			egress = row
		case "api reachable":
			api = row
		}
	}
	assert.Equal(t, doctor.Fail, egress.Result)
	assert.Contains(t, egress.Detail, "HTTPS_PROXY")
	assert.Equal(t, doctor.Fail, api.Result, "the client refuses to start")
	var out bytes.Buffer
	require.NoError(t, rep.WriteText(&out))
	assert.NotContains(t, out.String(), "egress-user")
	assert.NotContains(t, out.String(), "s3cr")
}
