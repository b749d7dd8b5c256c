// Package doccheck holds a test that keeps the project's documentation
// promise: every exported name in every package of the module has a doc
// comment, and every package has a package comment; and every Go block of
// README.md compiles (see TestReadmeGoBlocksCompile for how fragments are
// wrapped).
package doccheck
