// Package leakcanary holds tests, and nothing else, that run the SDK's
// flows and every example program with canary secrets (a distinctive
// password, API key, webhook signing secret and card number) and Debug
// logging on, capture everything that comes out (stdout, stderr, every log
// record, every error in every fmt verb, rollback events) and fail if any
// canary appears there, encoded or not.
//
// New example programs under examples/ are found and run without changing
// these tests.
package leakcanary
