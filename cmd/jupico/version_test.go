package main

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/jupico/jupico-go/jupico"
)

func TestVersionFromBuildInfo(t *testing.T) {
	t.Parallel()
	sdk := func(v string, replace *debug.Module) *debug.Module {
		return &debug.Module{Path: sdkModule, Version: v, Replace: replace}
	}
	tests := map[string]struct {
		bi                 *debug.BuildInfo
		command, sdkModule string
	}{
		"go install pkg@version": {
			bi:      &debug.BuildInfo{Main: debug.Module{Path: sdkModule + "/cmd/jupico", Version: "v0.1.0"}, Deps: []*debug.Module{{Path: "golang.org/x/term", Version: "v0.45.0"}, sdk("v0.1.0", nil)}},
			command: "v0.1.0", sdkModule: "v0.1.0",
		},
		"checkout, the SDK through go.work": {
			bi:      &debug.BuildInfo{Main: debug.Module{Path: sdkModule + "/cmd/jupico", Version: "(devel)"}, Deps: []*debug.Module{sdk("v0.1.0", &debug.Module{Path: "../.."})}},
			command: "(devel)", sdkModule: "(devel)",
		},
		"the SDK replaced by another version": {
			bi:      &debug.BuildInfo{Main: debug.Module{Path: sdkModule + "/cmd/jupico", Version: "v0.2.0"}, Deps: []*debug.Module{sdk("v0.2.0", &debug.Module{Path: "example.com/fork", Version: "v0.2.1"})}},
			command: "v0.2.0", sdkModule: "example.com/fork v0.2.1",
		},
		"no build information": {command: "(devel)", sdkModule: "(devel)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := versionFrom(tc.bi)
			assert.Equal(t, tc.command, v.Command)
			assert.Equal(t, tc.sdkModule, v.SDKModule)
			assert.Equal(t, jupico.Version, v.SDK)
			assert.Equal(t, runtime.Version(), v.Go)
		})
	}
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	r := cli(t, nil, "version", "--json")
	assert.Equal(t, exitOK, r.code)
	var v version
	r.decode(t, &v)
	// A test binary built from the checkout: the SDK is this working tree.
	// The command's own version is "(devel)", or, when the go command
	// stamps it from a clean git checkout, a pseudo-version such as
	// v0.0.0-20261208013733-dbf51f44afea (+dirty with local changes).
	assert.Regexp(t, `^(\(devel\)|v0\.0\.0-\d{14}-[0-9a-f]{12}(\+dirty)?)$`, v.Command)
	assert.Equal(t, version{Command: v.Command, SDKModule: "(devel)", SDK: jupico.Version, Go: runtime.Version()}, v)

	r = cli(t, nil, "version")
	assert.Equal(t, exitOK, r.code)
	assert.Equal(t, "jupico "+v.Command+" (SDK github.com/jupico/jupico-go (devel), jupico.Version "+jupico.Version+", "+runtime.Version()+")\n", r.stdout)
}
