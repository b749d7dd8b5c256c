package jupico

import "time"

// RetryPolicy says how many times and how patiently a request is retried.
// What may be retried is fixed by the SDK, not by the policy, so that no
// setting can double-charge a card:
//
//   - Reads (Status, queries) are retried on any transport failure other than
//     a certificate or TLS-policy refusal, and on 429, 502, 503 and 504.
//   - Transactions and other writes are retried only on 503 (which Jupico
//     documents as safe) and when the request never left the client (a
//     refused connection, a failed dial). Never on a timeout, a 500, or a
//     connection broken after the request was written: those outcomes are
//     unknown.
//
// Waits are capped exponential backoff with full jitter; a Retry-After
// header (seconds or HTTP date) is honoured but never beyond MaxDelay. Every
// wait ends as soon as the caller's context does.
//
// The zero RetryPolicy means the defaults: 3 attempts, 200 ms, 5 s.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt: 1 disables retries. Zero means 3.
	MaxAttempts int
	// MinDelay is the first backoff ceiling. Zero means 200 ms.
	MinDelay time.Duration
	// MaxDelay caps every wait, Retry-After included. Zero means 5 s.
	MaxDelay time.Duration
}

// NoRetry returns a policy of a single attempt. It is a function, not a
// variable, so that no caller can change it for every other.
func NoRetry() RetryPolicy { return RetryPolicy{MaxAttempts: 1} }

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = 3
	}
	if p.MinDelay == 0 {
		p.MinDelay = 200 * time.Millisecond
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = 5 * time.Second
	}
	if p.MaxDelay < p.MinDelay {
		p.MaxDelay = p.MinDelay
	}
	return p
}

func (p RetryPolicy) validate() error {
	switch {
	case p.MaxAttempts < 0 || p.MaxAttempts > 10:
		return invalid("retry max attempts must be 0 (default) to 10")
	case p.MinDelay < 0 || p.MaxDelay < 0:
		return invalid("retry delays must not be negative")
	case p.MaxDelay > 5*time.Minute:
		return invalid("retry max delay must be at most 5m")
	}
	return nil
}
