package jupico

import (
	"context"
	"encoding/json"

	"github.com/jupico/jupico-go/internal/wire"
)

// SessionsAPI is the browser-session operations of a Client.
// SessionsService implements it; jupicomock has a mock of it.
type SessionsAPI interface {
	Authorize(ctx context.Context, req *BrowserSessionRequest) (json.RawMessage, error)
}

var _ SessionsAPI = (*SessionsService)(nil)

// SessionsService creates the browser authorization sessions that Jupico's
// web components (card form, bank-account form, Apple Pay, Google Pay) are
// initialised with. Use it through Client.Sessions; it is safe for
// concurrent use.
type SessionsService service

// BrowserSessionRequest configures a payment page's session. Create one
// session per page, and a new one only when the amount, merchant or
// configuration changes.
type BrowserSessionRequest struct {
	// SubMerchantID is required.
	SubMerchantID string
	// CardTokenization enables the card form.
	CardTokenization bool
	// BankAccountTokenization enables the bank-account (eCheck) form.
	BankAccountTokenization bool
	// ApplePay and GooglePay, when non-nil, enable the wallet with the
	// amount and description shown to the customer.
	ApplePay  *WalletOptions
	GooglePay *WalletOptions
}

// WalletOptions configures a wallet button.
type WalletOptions struct {
	Amount      Amount
	Description string
}

// Authorize creates a browser session and returns it exactly as Jupico sent
// it: pass it to the web components unchanged and do not build logic on its
// structure, which Jupico may change. It returns an *APIError for a
// non-success answer, a *RequestError when no answer came and a
// *ValidationError when the request was refused before sending. A session
// moves no money, so an unknown outcome needs no rollback: create another.
func (s *SessionsService) Authorize(ctx context.Context, req *BrowserSessionRequest) (json.RawMessage, error) {
	v := &validator{}
	if req == nil {
		v.fail("request", "is nil")
		return nil, v.error()
	}
	v.required("subMerchantId", req.SubMerchantID)
	if !req.CardTokenization && !req.BankAccountTokenization && req.ApplePay == nil && req.GooglePay == nil {
		v.fail("request", "enables no payment method")
	}
	w := &wire.BrowserSessionRequest{
		SubMerchantID:           req.SubMerchantID,
		Tokenization:            &wire.Toggle{Enabled: req.CardTokenization},
		BankAccountTokenization: &wire.Toggle{Enabled: req.BankAccountTokenization},
	}
	wallet := func(field string, o *WalletOptions) *wire.WalletPay {
		if o == nil {
			return &wire.WalletPay{Enabled: false}
		}
		v.positive(field+".amount", o.Amount)
		v.text(field+".description", o.Description, 255)
		return &wire.WalletPay{Enabled: true, Amount: o.Amount.number(), Description: o.Description}
	}
	w.ApplePay = wallet("applePay", req.ApplePay)
	w.GooglePay = wallet("googlePay", req.GooglePay)
	if err := v.error(); err != nil {
		return nil, err
	}
	resp, err := s.c.do(ctx, &wire.BrowserSession, w, nil, nil)
	if err != nil {
		return nil, err
	}
	// The session is the envelope's data when there is one, else the body.
	if resp.Envelope != nil && len(resp.Envelope.Data) > 0 {
		return append(json.RawMessage(nil), resp.Envelope.Data...), nil
	}
	if json.Valid(resp.Body) {
		return append(json.RawMessage(nil), resp.Body...), nil
	}
	return nil, malformed(wire.BrowserSession.Name, resp.Attempts, false, "session response is not json")
}
