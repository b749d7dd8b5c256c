package jupicotest

import "time"

// WithSettleAfter makes the fake settle each captured transaction d after
// it was recorded, as Jupico's sandbox does about two minutes after a
// transaction: from then on it counts in the merchant's available balance
// (so a payout can draw on it), can be refunded but no longer voided, and
// shows in a settlement. An authorization settles only once captured.
// Settlement is applied when a request arrives, not by a timer. Zero, the
// default, settles nothing until Settle is called; a negative d is an
// error.
func WithSettleAfter(d time.Duration) Option {
	return func(s *Server) error {
		if d < 0 {
			return invalid("WithSettleAfter needs a duration of zero or more")
		}
		s.settleAfter = d
		return nil
	}
}

// settleDue settles the captured transactions recorded settleAfter ago or
// earlier, when WithSettleAfter is set. Called with s.mu held.
func (s *Server) settleDue() {
	if s.settleAfter <= 0 {
		return
	}
	var due []*Transaction
	for _, id := range s.ledger.order {
		tx := s.ledger.byID[id]
		if !tx.Settled && !tx.Voided && tx.Captured > 0 && time.Since(tx.Created) >= s.settleAfter {
			tx.Settled = true
			due = append(due, tx)
		}
	}
	if len(due) > 0 {
		s.settled(due)
	}
}
