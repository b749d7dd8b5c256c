package jupicotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/webhook"
)

// Invites move Created -> Sent -> Re-sent -> Initiated -> Onboarding, or to
// Cancelled or Expired before the merchant finishes; the fake delivers the
// onboarding webhooks as a merchant's progress would make Jupico send
// them (AdvanceInvite). Provisioning creates applicants, applications and
// sub-merchants directly, in review until ApproveMerchant.

const (
	invCreated    = string(jupico.InviteStatusCreated)
	invSent       = string(jupico.InviteStatusSent)
	invResent     = string(jupico.InviteStatusResent)
	invInitiated  = string(jupico.InviteStatusInitiated)
	invOnboarding = string(jupico.InviteStatusOnboarding)
	invCancelled  = string(jupico.InviteStatusCancelled)
	invExpired    = string(jupico.InviteStatusExpired)
)

// open is where an invite can still be sent, updated or cancelled.
var open = []string{invCreated, invSent, invResent}

func (s *Server) onboardingRoutes() {
	route := s.route
	route(&wire.InviteCreate, s.newInvite(invCreated, "name", "email"))
	route(&wire.InviteCreateAndSend, s.newInvite(invSent, "name", "email"))
	route(&wire.InviteCreateBatch, s.inviteBatch)
	route(&wire.InviteUpdate, s.update(kInvite, open...))
	route(&wire.InviteSend, s.sendInvite)
	route(&wire.InviteCancel, s.move(kInvite, invCancelled, append(open, invInitiated)...))
	route(&wire.InviteAddSubMerchant, s.newInvite(invSent, "applicantReference"))

	route(&wire.ProvisionApplicant, s.create(kApplicant, "active", "name", "email"))
	route(&wire.ProvisionApplication, s.application)
	route(&wire.ProvisionSubMerchant, s.subMerchant)
}

func (s *Server) newInvite(status string, required ...string) handler {
	create := s.create(kInvite, status, required...)
	return func(b body) (any, *failure) {
		v, f := create(b)
		if f == nil {
			m := v.(map[string]any)
			m["url"] = "https://onboarding.jupico.test/" + m[kInvite.id].(string)
			s.plat.byID[m[kInvite.id].(string)].m["url"] = m["url"]
		}
		return v, f
	}
}

func (s *Server) inviteBatch(b body) (any, *failure) {
	list, _ := b["invites"].([]any)
	if len(list) == 0 {
		return nil, bad("invites is required")
	}
	create := s.newInvite(invCreated, "name", "email")
	var out []any
	for _, one := range list {
		m, ok := one.(map[string]any)
		if !ok {
			return nil, bad("invites holds a non-object")
		}
		if f := body(m).require("name", "email"); f != nil {
			return nil, f
		}
	}
	for _, one := range list {
		v, _ := create(body(one.(map[string]any)))
		out = append(out, v)
	}
	return map[string]any{"invites": out}, nil
}

// sendInvite sends a created invite, or re-sends one sent before.
func (s *Server) sendInvite(b body) (any, *failure) {
	r, f := s.find(kInvite, b)
	if f != nil {
		return nil, f
	}
	switch r.status() {
	case invCreated:
		r.m["status"] = invSent
	case invSent, invResent:
		r.m["status"] = invResent
	default:
		return nil, bad("invite is " + r.status() + ": cannot be sent")
	}
	return r.view(), nil
}

func (s *Server) application(b body) (any, *failure) {
	if f := b.require("applicantId", "type", "ownershipType", "accountLevel"); f != nil {
		return nil, f
	}
	if a := s.plat.byID[b.str("applicantId")]; a == nil || a.kind != kApplicant {
		return nil, bad("applicant not found")
	}
	return s.create(kApplication, "review")(b)
}

func (s *Server) subMerchant(b body) (any, *failure) {
	if f := b.require("smApplicationId", "name"); f != nil {
		return nil, f
	}
	if a := s.plat.byID[b.str("smApplicationId")]; a == nil || a.kind != kApplication {
		return nil, bad("application not found")
	}
	m := s.newMerchant(b.str("name"), b.str("smApplicationId"), "review", b["payoutBankAccounts"])
	return m.view(), nil
}

// newMerchant records a sub-merchant and its payout bank accounts, whose
// numbers the fake keeps masked as Jupico would show them.
func (s *Server) newMerchant(name, application, status string, accounts any) *record {
	m := s.plat.add(kMerchant, map[string]any{"name": name, "smApplicationId": application, "status": status})
	list, _ := accounts.([]any)
	for _, a := range list {
		acct, ok := a.(map[string]any)
		if !ok {
			continue
		}
		acct = cloneMap(acct)
		if n, _ := acct["accountNumber"].(string); len(n) > 4 {
			acct["accountNumber"] = "****" + n[len(n)-4:]
		}
		acct["subMerchantId"] = m.id()
		acct["status"] = "active"
		s.plat.add(kBankAccount, acct)
	}
	return m
}

// ApproveMerchant approves a sub-merchant in review, as Jupico's
// underwriting does: it becomes active. It reports whether there was such
// a merchant.
func (s *Server) ApproveMerchant(subMerchantID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.plat.byID[subMerchantID]
	if r == nil || r.kind != kMerchant || r.status() != "review" {
		return false
	}
	r.m["status"] = "active"
	return true
}

// SetWebhookURL sets where the fake delivers the webhooks that a
// merchant's onboarding produces (AdvanceInvite); empty stops delivering.
// The url must be https.
func (s *Server) SetWebhookURL(url string) error {
	if url != "" {
		if err := checkReceiverURL(url); err != nil {
			return err
		}
	}
	h := s.hooks()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.url = url
	return nil
}

// ErrInviteState is returned by AdvanceInvite and ExpireInvite for an
// invite that cannot take the step asked: unknown, never sent, cancelled,
// expired, or already active.
var ErrInviteState = errors.New("jupicotest: the invite cannot take that step")

// AdvanceInvite plays the next step of the invited merchant, as if the
// merchant followed the invite: a sent invite is opened (Initiated, event
// onApplicationInitiated); an initiated one is submitted (Onboarding,
// onMerchantSubmit); a submitted one is approved by underwriting (the
// sub-merchant becomes active, onMerchantActivation). When a webhook URL is
// set (SetWebhookURL) the event is delivered there, signed, and the
// Delivery returned; otherwise the Delivery is nil. The event's data
// carries the onboarding, application and sub-merchant ids, the applicant,
// the invite's id and reference, the templates and, from submission on,
// the business identity the invite was created with.
func (s *Server) AdvanceInvite(ctx context.Context, inviteID string) (webhook.EventType, *Delivery, error) {
	s.mu.Lock()
	r := s.plat.byID[inviteID]
	if r == nil || r.kind != kInvite {
		s.mu.Unlock()
		return "", nil, fmt.Errorf("%w: invite %q not found", ErrInviteState, inviteID)
	}
	var ev webhook.EventType
	switch st := r.status(); {
	case st == invSent || st == invResent:
		ev = webhook.EventApplicationInitiated
		r.m["status"] = invInitiated
		app := s.plat.add(kApplication, map[string]any{"status": "review", "inviteId": inviteID})
		m := s.newMerchant(r.str("name"), app.id(), "review", r.m["payoutBankAccounts"])
		r.m["smApplicationId"], r.m["subMerchantId"] = app.id(), m.id()
	case st == invInitiated:
		ev = webhook.EventMerchantSubmit
		r.m["status"] = invOnboarding
	case st == invOnboarding && r.str("activated") == "":
		ev = webhook.EventMerchantActivation
		r.m["activated"] = "true"
		s.plat.byID[r.sub()].m["status"] = "active"
	default:
		s.mu.Unlock()
		return "", nil, fmt.Errorf("%w: invite %s is %s", ErrInviteState, inviteID, st)
	}
	data := onboardingData(r, ev != webhook.EventApplicationInitiated)
	s.mu.Unlock()

	h := s.hooks()
	h.mu.Lock()
	url := h.url
	h.mu.Unlock()
	if url == "" {
		return ev, nil, nil
	}
	d, err := s.SendWebhook(ctx, url, WebhookEvent{Type: ev, Data: data})
	return ev, d, err
}

// ExpireInvite expires an invite the merchant has not completed, as Jupico
// does after a while.
func (s *Server) ExpireInvite(inviteID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.plat.byID[inviteID]
	if r == nil || r.kind != kInvite || !slices.Contains([]string{invCreated, invSent, invResent, invInitiated}, r.status()) {
		return fmt.Errorf("%w: invite %q cannot expire", ErrInviteState, inviteID)
	}
	r.m["status"] = invExpired
	return nil
}

// onboardingData is an onboarding webhook's data for invite r, in the
// members of Jupico's examples. Called with s.mu held.
func onboardingData(r *record, withIdentity bool) json.RawMessage {
	d := map[string]any{
		"onboardingId":  "onb_" + r.id(),
		"applicationId": r.str("smApplicationId"),
		"subMerchantId": r.sub(),
		"applicant":     map[string]any{"name": r.str("name"), "email": r.str("email"), "mobile": r.str("phone")},
		"invite":        map[string]any{"inviteId": r.id(), "reference": r.str("reference")},
		"templates":     map[string]any{"feesTemplateId": r.str("feesTemplateId"), "onboardingFlowTemplateId": r.str("onboardingFlowTemplateId")},
	}
	if id, ok := r.m["identity"].(map[string]any); ok && withIdentity {
		d["identity"] = map[string]any{"business": id["business"]}
	}
	b, _ := json.Marshal(d)
	return b
}
