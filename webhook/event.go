package webhook

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sync"
	"time"
	"unicode/utf8"
)

// EventType names a Jupico event, the envelope's "event" member. Jupico may
// send types this package has no constant for (dispute and payout events are
// not publicly documented); they arrive as Events with raw Data. The zero
// EventType, "", is never the type of a parsed Event.
type EventType string

// Documented onboarding event types.
const (
	// EventApplicationInitiated: a merchant application was started.
	EventApplicationInitiated EventType = "onApplicationInitiated"
	// EventMerchantSubmit: a merchant submitted its application.
	EventMerchantSubmit EventType = "onMerchantSubmit"
	// EventMerchantActivation: a merchant was activated.
	EventMerchantActivation EventType = "onMerchantActivation"
)

// Event is one Jupico notification. The zero Event has no type and no data;
// Events come from Verifier.Parse or are handed to the function given to
// NewHandler. An Event is a plain value: safe to read from several
// goroutines, not to modify concurrently.
type Event struct {
	// ID identifies the delivery for de-duplication: the verified
	// webhook-id (or svix-id) header. For deliveries authenticated without
	// a signature (BasicAuth, AllowSources) that carry no webhook-id, it is
	// "sha256:" followed by the hex SHA-256 of the body, so redeliveries of
	// the same bytes share an ID.
	ID string

	// Type is the envelope's "event" member, never empty.
	Type EventType

	// Time is the envelope's "datetime" member, in UTC: when the event
	// happened, not when it was delivered.
	Time time.Time

	// Data is the envelope's "data" member exactly as received (a copy, not
	// an alias of the body). It is nil when the envelope has no data.
	// Already checked to be strict JSON (see ErrInvalidPayload).
	Data json.RawMessage
}

// scanners recycles jsonScanner buffers between decodes.
var scanners = sync.Pool{New: func() any {
	return &jsonScanner{arena: make([]byte, 0, 512), keys: make([]keyRef, 0, 64)}
}}

// maxPooledBuffer is the largest scanner buffer kept for reuse, so that one
// huge object does not pin memory.
const maxPooledBuffer = 64 << 10

// decodeEvent decodes the envelope strictly; ID is left empty.
func decodeEvent(body []byte) (*Event, error) {
	s := scanners.Get().(*jsonScanner)
	defer func() {
		if cap(s.arena) > maxPooledBuffer || cap(s.keyBuf) > maxPooledBuffer || cap(s.keys) > maxPooledBuffer/16 {
			return
		}
		*s = jsonScanner{arena: s.arena[:0], keys: s.keys[:0], keyBuf: s.keyBuf[:0]}
		scanners.Put(s)
	}()
	if err := s.scanEnvelope(body); err != nil {
		return nil, err
	}
	if !s.event.ok {
		return nil, detail(ErrInvalidPayload, `no "event" member`)
	}
	if body[s.event.start] != '"' {
		return nil, detail(ErrInvalidPayload, `"event" is not a string`)
	}
	typ := eventType(body, s.event, &s.keyBuf)
	if typ == "" {
		return nil, detail(ErrInvalidPayload, `"event" is empty`)
	}
	if !s.datetime.ok {
		return nil, detail(ErrInvalidPayload, `no "datetime" member`)
	}
	if body[s.datetime.start] != '"' {
		return nil, detail(ErrInvalidPayload, `"datetime" is not a string`)
	}
	t, err := parseEventTime(stringValue(body, s.datetime, &s.keyBuf))
	if err != nil {
		return nil, err
	}
	e := &Event{Type: typ, Time: t}
	if s.data.ok {
		e.Data = append(json.RawMessage(nil), body[s.data.start:s.data.end]...)
	}
	return e, nil
}

// eventType returns the decoded "event" string, without allocating for the
// documented types.
func eventType(body []byte, sp span, buf *[]byte) EventType {
	if !sp.esc {
		switch raw := body[sp.start+1 : sp.end-1]; string(raw) {
		case string(EventApplicationInitiated):
			return EventApplicationInitiated
		case string(EventMerchantSubmit):
			return EventMerchantSubmit
		case string(EventMerchantActivation):
			return EventMerchantActivation
		}
	}
	return EventType(stringValue(body, sp, buf))
}

// stringValue returns the decoded content of a validated JSON string span.
func stringValue(body []byte, sp span, buf *[]byte) string {
	raw := body[sp.start+1 : sp.end-1]
	if !sp.esc {
		return string(raw)
	}
	*buf = unescape((*buf)[:0], raw)
	return string(*buf)
}

// parseEventTime accepts RFC 3339 ("2024-05-01T12:30:00.123Z"), and the same
// without a zone, which Jupico documents as UTC.
func parseEventTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err == nil {
		return t, nil
	}
	return time.Time{}, detail(ErrInvalidPayload, `"datetime" is not an RFC 3339 time`)
}

// Onboarding is the data of the three onboarding events. Every field is
// optional: the zero value of a string means Jupico did not send it, and a
// nil pointer means the whole section was absent (Identity appears in the
// submit and activation events, Invite only for merchants who came from an
// invite). Strings are decoded tolerantly: a JSON number is kept as its
// literal text and null as "".
type Onboarding struct {
	// OnboardingID, ApplicationID and SubMerchantID are opaque Jupico ids.
	OnboardingID  string
	ApplicationID string
	SubMerchantID string

	Applicant *Applicant
	Identity  *Identity
	Invite    *Invite
	Templates *Templates
}

// Applicant is the person who started the application. An empty field was
// not sent. Like every data type here, it is a plain value.
type Applicant struct {
	Name   string
	Email  string
	Mobile string
}

// Identity is the identity section of an application; Business is nil when
// Jupico sent none.
type Identity struct {
	Business *Business
}

// Business is the merchant's business identity. An empty field was not
// sent; Address is nil when absent.
type Business struct {
	LegalName  string
	DBAName    string
	WebsiteURL string
	Address    *Address
}

// Address is a postal address as Jupico sends it. An empty field was not
// sent.
type Address struct {
	StreetNum  string
	StreetName string
	City       string
	State      string
	PostalCode string
}

// Invite is present when the merchant came from an invite; Reference is the
// service provider's own reference. An empty field was not sent.
type Invite struct {
	InviteID  string
	Reference string
}

// Templates names the templates the application was created from. An
// empty field was not sent.
type Templates struct {
	FeesTemplateID           string
	OnboardingFlowTemplateID string
}

// ApplicationInitiated decodes the data of an onApplicationInitiated event.
// It returns an error wrapping ErrWrongEventType for another type, or
// ErrInvalidPayload when the data is absent, not an object, or has a field
// of the wrong JSON type.
func (e *Event) ApplicationInitiated() (*Onboarding, error) {
	return e.onboarding(EventApplicationInitiated)
}

// MerchantSubmit decodes the data of an onMerchantSubmit event. Errors are
// those of ApplicationInitiated.
func (e *Event) MerchantSubmit() (*Onboarding, error) {
	return e.onboarding(EventMerchantSubmit)
}

// MerchantActivation decodes the data of an onMerchantActivation event.
// Errors are those of ApplicationInitiated.
func (e *Event) MerchantActivation() (*Onboarding, error) {
	return e.onboarding(EventMerchantActivation)
}

func (e *Event) onboarding(want EventType) (*Onboarding, error) {
	if e.Type != want {
		return nil, detail(ErrWrongEventType, "event is not "+string(want))
	}
	if len(e.Data) == 0 || e.Data[0] != '{' {
		return nil, detail(ErrInvalidPayload, "data is not a JSON object")
	}
	var w wireOnboarding
	if err := json.Unmarshal(e.Data, &w); err != nil {
		// The json error may quote body content; keep only its kind.
		return nil, detail(ErrInvalidPayload, "data does not match the "+string(want)+" shape")
	}
	return w.public(), nil
}

var errNotString = errors.New("not a string")

// looseString accepts a JSON string, a number (kept as its literal text) or
// null (""), because the published examples are not strict about types.
type looseString string

func (l *looseString) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) >= 2 && b[0] == '"' && bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b):
		*l = looseString(b[1 : len(b)-1]) // nothing to unescape
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = looseString(s)
	case string(b) == "null":
		*l = ""
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		*l = looseString(b)
	default:
		return errNotString
	}
	return nil
}

// Wire shapes of the onboarding data, with JSON names.
type (
	wireOnboarding struct {
		OnboardingID  looseString    `json:"onboardingId"`
		ApplicationID looseString    `json:"applicationId"`
		SubMerchantID looseString    `json:"subMerchantId"`
		Applicant     *wireApplicant `json:"applicant"`
		Identity      *wireIdentity  `json:"identity"`
		Invite        *wireInvite    `json:"invite"`
		Templates     *wireTemplates `json:"templates"`
	}
	wireApplicant struct {
		Name   looseString `json:"name"`
		Email  looseString `json:"email"`
		Mobile looseString `json:"mobile"`
	}
	wireIdentity struct {
		Business *wireBusiness `json:"business"`
	}
	wireBusiness struct {
		LegalName  looseString  `json:"legalName"`
		DBAName    looseString  `json:"dbaName"`
		WebsiteURL looseString  `json:"websiteUrl"`
		Address    *wireAddress `json:"address"`
	}
	wireAddress struct {
		StreetNum  looseString `json:"streetNum"`
		StreetName looseString `json:"streetName"`
		City       looseString `json:"city"`
		State      looseString `json:"state"`
		PostalCode looseString `json:"postalCode"`
	}
	wireInvite struct {
		InviteID  looseString `json:"inviteId"`
		Reference looseString `json:"reference"`
	}
	wireTemplates struct {
		FeesTemplateID           looseString `json:"feesTemplateId"`
		OnboardingFlowTemplateID looseString `json:"onboardingFlowTemplateId"`
	}
)

func (w *wireOnboarding) public() *Onboarding {
	o := &Onboarding{
		OnboardingID:  string(w.OnboardingID),
		ApplicationID: string(w.ApplicationID),
		SubMerchantID: string(w.SubMerchantID),
	}
	if a := w.Applicant; a != nil {
		o.Applicant = &Applicant{Name: string(a.Name), Email: string(a.Email), Mobile: string(a.Mobile)}
	}
	if id := w.Identity; id != nil {
		o.Identity = &Identity{}
		if b := id.Business; b != nil {
			o.Identity.Business = &Business{
				LegalName:  string(b.LegalName),
				DBAName:    string(b.DBAName),
				WebsiteURL: string(b.WebsiteURL),
			}
			if ad := b.Address; ad != nil {
				o.Identity.Business.Address = &Address{
					StreetNum:  string(ad.StreetNum),
					StreetName: string(ad.StreetName),
					City:       string(ad.City),
					State:      string(ad.State),
					PostalCode: string(ad.PostalCode),
				}
			}
		}
	}
	if iv := w.Invite; iv != nil {
		o.Invite = &Invite{InviteID: string(iv.InviteID), Reference: string(iv.Reference)}
	}
	if t := w.Templates; t != nil {
		o.Templates = &Templates{
			FeesTemplateID:           string(t.FeesTemplateID),
			OnboardingFlowTemplateID: string(t.OnboardingFlowTemplateID),
		}
	}
	return o
}

// bodyID is the de-duplication id of a delivery that carries no webhook-id.
func bodyID(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(sum[:])
}
