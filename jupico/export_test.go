package jupico

// ValidateCharge exposes the checks a sale runs before sending, for the
// benchmarks of the external test package.
func ValidateCharge(r *ChargeRequest) error { return r.validate() }
