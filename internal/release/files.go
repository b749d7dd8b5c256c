package main

import "os"

// The tool writes the repository's own files (go.mod, go.sum,
// CHANGELOG.md, jupico/version.go, api/*.txt), which git checks out as
// 0644, and scratch trees under a temporary directory (module copies, a
// file proxy, consumer modules) that the go command of the same user reads.
// Every path is the repository's or the tool's temporary directory, never
// input from outside the maintainer's command line; these three helpers
// are the only places that touch the file system by path.
const (
	fileMode = 0o644
	dirMode  = 0o755
)

// writeFile writes a file of the repository or of a scratch tree.
func writeFile(path string, data []byte) error {
	return os.WriteFile(path, data, fileMode) // #nosec G306 G703 -- repository files are world-readable in every checkout; paths are the tool's own (see above)
}

// readFile reads a file of the repository or of a scratch tree.
func readRepoFile(path string) ([]byte, error) {
	return os.ReadFile(path) // #nosec G304 -- paths are the repository's or the tool's scratch tree (see above)
}

// mkdirAll makes a directory of the repository or of a scratch tree.
func mkdirAll(path string) error {
	return os.MkdirAll(path, dirMode) // #nosec G301 -- the api/ folder of the repository or a scratch tree, read by the go command
}

// createFile creates a file of a scratch tree.
func createFile(path string) (*os.File, error) {
	return os.Create(path) // #nosec G304 -- a path in the tool's scratch tree (see above)
}
