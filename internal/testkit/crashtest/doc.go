// Package crashtest runs the processes the journal tests kill. A test
// binary re-runs itself as a child (its TestMain calls Main when Env is
// set); the child sells against the parent's fake Jupico over TLS with a
// journal, or recovers from one, and the parent kills it with SIGKILL at
// a chosen point. The tests of jupico/journal and jupico/pgjournal share
// it. It needs Linux (SIGKILL, RLIMIT_FSIZE): elsewhere it is empty.
package crashtest
