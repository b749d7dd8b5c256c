module github.com/jupico/jupico-go/internal/release

go 1.26.0

toolchain go1.27.3

require golang.org/x/mod v0.42.0

require golang.org/x/tools v0.52.0 // indirect
