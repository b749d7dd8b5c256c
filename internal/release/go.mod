module github.com/jupico/jupico-go/internal/release

go 1.26.0

toolchain go1.27.3

require (
	golang.org/x/exp v0.0.0-20261009195045-ca0d7ba23607
	golang.org/x/mod v0.42.0
	golang.org/x/tools v0.52.0
)

require golang.org/x/sync v0.24.0 // indirect
