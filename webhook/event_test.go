package webhook_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jupico/jupico-go/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parse signs body with secretA and parses it.
func parse(t *testing.T, body string) (*webhook.Event, error) {
	t.Helper()
	v := newVerifier(t, secretA)
	return v.Parse(signedHeader(t, secretA, "msg_1", testNow, []byte(body)), []byte(body))
}

func TestParseOnboardingEvents(t *testing.T) {
	t.Parallel()
	full := &webhook.Onboarding{
		OnboardingID:  "onb_1",
		ApplicationID: "app_1",
		SubMerchantID: "sm_1",
		Applicant:     &webhook.Applicant{Name: "Ada Lovelace", Email: "ada@example.com", Mobile: "+15555550100"},
		Identity: &webhook.Identity{Business: &webhook.Business{
			LegalName: "Analytical Engines LLC", DBAName: "Engines", WebsiteURL: "https://engines.example",
			Address: &webhook.Address{StreetNum: "12", StreetName: "Main St", City: "Springfield", State: "IL", PostalCode: "62701"},
		}},
		Invite:    &webhook.Invite{InviteID: "inv_1", Reference: "ref-42"},
		Templates: &webhook.Templates{FeesTemplateID: "fee_1", OnboardingFlowTemplateID: "flow_1"},
	}
	data := sampleEvent[strings.Index(sampleEvent, `"data":`)+len(`"data":`) : len(sampleEvent)-1]
	envelope := func(typ string) string {
		return `{"event":"` + typ + `","datetime":"2024-05-01T12:30:00.123Z","data":` + data + `}`
	}
	accessors := map[webhook.EventType]func(*webhook.Event) (*webhook.Onboarding, error){
		webhook.EventApplicationInitiated: (*webhook.Event).ApplicationInitiated,
		webhook.EventMerchantSubmit:       (*webhook.Event).MerchantSubmit,
		webhook.EventMerchantActivation:   (*webhook.Event).MerchantActivation,
	}
	for typ, get := range accessors {
		t.Run(string(typ), func(t *testing.T) {
			t.Parallel()
			e, err := parse(t, envelope(string(typ)))
			require.NoError(t, err)
			assert.Equal(t, "msg_1", e.ID)
			assert.Equal(t, typ, e.Type)
			assert.Equal(t, time.Date(2024, 5, 1, 12, 30, 0, 123_000_000, time.UTC), e.Time)
			assert.JSONEq(t, data, string(e.Data))

			got, err := get(e)
			require.NoError(t, err)
			assert.Equal(t, full, got)

			for other, wrong := range accessors {
				if other != typ {
					_, err := wrong(e)
					assert.ErrorIs(t, err, webhook.ErrWrongEventType)
				}
			}
		})
	}

	t.Run("minimal initiated event", func(t *testing.T) {
		t.Parallel()
		e, err := parse(t, `{"event":"onApplicationInitiated","datetime":"2024-05-01T12:30:00Z","data":{"onboardingId":"onb_9"}}`)
		require.NoError(t, err)
		got, err := e.ApplicationInitiated()
		require.NoError(t, err)
		assert.Equal(t, &webhook.Onboarding{OnboardingID: "onb_9"}, got)
	})
	t.Run("numbers and nulls where strings are expected", func(t *testing.T) {
		t.Parallel()
		e, err := parse(t, `{"event":"onMerchantActivation","datetime":"2024-05-01T12:30:00Z","data":`+
			`{"onboardingId":null,"identity":{"business":{"legalName":"A\u0026B \"Ltd\"","address":{"streetNum":12,"postalCode":62701}}}}}`)
		require.NoError(t, err)
		got, err := e.MerchantActivation()
		require.NoError(t, err)
		assert.Equal(t, "12", got.Identity.Business.Address.StreetNum)
		assert.Equal(t, "62701", got.Identity.Business.Address.PostalCode)
		assert.Empty(t, got.OnboardingID)
		assert.Equal(t, `A&B "Ltd"`, got.Identity.Business.LegalName)
	})
	t.Run("data of the wrong shape", func(t *testing.T) {
		t.Parallel()
		for _, d := range []string{`null`, `[]`, `"x"`, `{"applicant":"ada"}`, `{"onboardingId":true}`, `{"onboardingId":{"a":1}}`} {
			e, err := parse(t, `{"event":"onMerchantSubmit","datetime":"2024-05-01T12:30:00Z","data":`+d+`}`)
			require.NoError(t, err, d)
			_, err = e.MerchantSubmit()
			assert.ErrorIs(t, err, webhook.ErrInvalidPayload, d)
		}
		e, err := parse(t, `{"event":"onMerchantSubmit","datetime":"2024-05-01T12:30:00Z"}`)
		require.NoError(t, err)
		assert.Nil(t, e.Data)
		_, err = e.MerchantSubmit()
		assert.ErrorIs(t, err, webhook.ErrInvalidPayload)
	})
}

func TestParseForwardCompatible(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		wantType webhook.EventType
		wantTime time.Time
		wantData string
	}{
		{"dispute event", `{"event":"onDisputeCreated","datetime":"2024-05-01T12:30:00.5Z","data":{"disputeId":"d_1","amount":90.2}}`,
			"onDisputeCreated", time.Date(2024, 5, 1, 12, 30, 0, 500_000_000, time.UTC), `{"disputeId":"d_1","amount":90.2}`},
		{"payout event, unknown top-level member", `{"event":"onPayoutSent","datetime":"2024-05-01T12:30:00Z","version":2,"data":[1,2]}`,
			"onPayoutSent", time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC), `[1,2]`},
		{"offset time converted to UTC", `{"event":"x","datetime":"2024-05-01T14:30:00+02:00","data":{}}`,
			"x", time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC), `{}`},
		{"time without zone is UTC", `{"event":"x","datetime":"2024-05-01T12:30:00.123","data":{}}`,
			"x", time.Date(2024, 5, 1, 12, 30, 0, 123_000_000, time.UTC), `{}`},
		{"escaped type", `{"event":"on\u004derchantSubmit","datetime":"2024-05-01T12:30:00Z","data":{}}`,
			webhook.EventMerchantSubmit, time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC), `{}`},
		{"white space around", " \n\t{ \"event\" : \"x\" , \"datetime\" : \"2024-05-01T12:30:00Z\" , \"data\" : { \"a\" : [ ] } } \r\n",
			"x", time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC), `{ "a" : [ ] }`},
		{"data kept byte for byte", `{"event":"x","datetime":"2024-05-01T12:30:00Z","data":{"s":"\u00e9\ud83d\ude00","n":1e+3,"z":-0.0}}`,
			"x", time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC), `{"s":"\u00e9\ud83d\ude00","n":1e+3,"z":-0.0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := parse(t, tt.body)
			require.NoError(t, err)
			assert.Equal(t, tt.wantType, e.Type)
			assert.Equal(t, tt.wantTime, e.Time)
			assert.Equal(t, tt.wantData, string(e.Data))
		})
	}
}

func TestParseRejectsAmbiguousOrMalformedJSON(t *testing.T) {
	t.Parallel()
	const ok = `"event":"x","datetime":"2024-05-01T12:30:00Z"`
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name string
		body string
	}{
		{"empty body", ``},
		{"white space only", "  \n"},
		{"not an object", `[` + ok + `]`},
		{"string", `"x"`},
		{"truncated", `{` + ok + `,"data":{"a":1}`},
		{"trailing garbage", `{` + ok + `}x`},
		{"second value", `{` + ok + `}{}`},
		{"trailing comma", `{` + ok + `,}`},
		{"duplicate top-level key", `{` + ok + `,"event":"y"}`},
		{"duplicate key differing in case", `{` + ok + `,"Event":"y"}`},
		{"duplicate key via escape", `{` + ok + `,"\u0065vent":"y"}`},
		{"duplicate nested key", `{` + ok + `,"data":{"a":{"b":1,"b":2}}}`},
		{"duplicate key in array element", `{` + ok + `,"data":[{"id":"1","ID":"2"}]}`},
		{"duplicate key via Kelvin sign", `{` + ok + `,"data":{"k":1,"\u212a":2}}`},
		{"duplicate key via long s", `{` + ok + `,"data":{"s":1,"ſ":2}}`},
		{"duplicate key in a large object", `{` + ok + `,"data":{` + manyKeys(40) + `,"k7":0}}`},
		{"nesting 65 deep", `{` + ok + `,"data":` + deep(64) + `}`},
		{"nesting 10000 deep", `{` + ok + `,"data":` + deep(10000) + `}`},
		{"invalid UTF-8", "{" + ok + ",\"data\":\"\xff\"}"},
		{"UTF-8 encoded surrogate", "{" + ok + ",\"data\":\"\xed\xa0\x80\"}"},
		{"overlong UTF-8", "{" + ok + ",\"data\":\"\xc0\xaf\"}"},
		{"lone high surrogate escape", `{` + ok + `,"data":"\ud800"}`},
		{"lone low surrogate escape", `{` + ok + `,"data":"\udc00x"}`},
		{"high surrogate then non-surrogate", `{` + ok + `,"data":"\ud800\u0041"}`},
		{"invalid UTF-8 in key", "{" + ok + ",\"\xff\":1}"},
		{"BOM", "\ufeff{" + ok + "}"},
		{"control character in string", "{" + ok + ",\"data\":\"a\tb\"}"},
		{"bad escape", `{` + ok + `,"data":"\x41"}`},
		{"short unicode escape", `{` + ok + `,"data":"\u41"}`},
		{"leading zero", `{` + ok + `,"data":01}`},
		{"bare minus", `{` + ok + `,"data":-}`},
		{"dot without digits", `{` + ok + `,"data":1.}`},
		{"exponent without digits", `{` + ok + `,"data":1e}`},
		{"plus sign", `{` + ok + `,"data":+1}`},
		{"NaN", `{` + ok + `,"data":NaN}`},
		{"single quotes", `{` + ok + `,'data':1}`},
		{"unquoted key", `{` + ok + `,data:1}`},
		{"comment", `{` + ok + `/* c */}`},
		{"bad literal", `{` + ok + `,"data":tru}`},
		{"missing event", `{"datetime":"2024-05-01T12:30:00Z","data":{}}`},
		{"event not a string", `{"event":1,"datetime":"2024-05-01T12:30:00Z"}`},
		{"event null", `{"event":null,"datetime":"2024-05-01T12:30:00Z"}`},
		{"empty event", `{"event":"","datetime":"2024-05-01T12:30:00Z"}`},
		{"missing datetime", `{"event":"x","data":{}}`},
		{"datetime not a string", `{"event":"x","datetime":1714566600}`},
		{"datetime not a time", `{"event":"x","datetime":"yesterday"}`},
		{"datetime date only", `{"event":"x","datetime":"2024-05-01"}`},
		{"upper-case envelope names only", `{"EVENT":"x","DATETIME":"2024-05-01T12:30:00Z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := parse(t, tt.body)
			require.ErrorIs(t, err, webhook.ErrInvalidPayload)
			assert.Nil(t, e)
			assertErrorStyle(t, err)
			if len(tt.body) > 8 {
				assert.NotContains(t, err.Error(), tt.body)
			}
		})
	}

	t.Run("nesting 64 deep is accepted", func(t *testing.T) {
		t.Parallel()
		_, err := parse(t, `{`+ok+`,"data":`+deep(63)+`}`)
		assert.NoError(t, err)
	})
	t.Run("large object without duplicates is accepted", func(t *testing.T) {
		t.Parallel()
		_, err := parse(t, `{`+ok+`,"data":{`+manyKeys(200)+`}}`)
		assert.NoError(t, err)
	})
	t.Run("same key in sibling objects is accepted", func(t *testing.T) {
		t.Parallel()
		_, err := parse(t, `{`+ok+`,"data":{"a":{"id":1},"b":{"id":2},"c":[{"id":3},{"id":4}]}}`)
		assert.NoError(t, err)
	})
}

// Whatever the strict parser accepts, encoding/json accepts too, and both see
// the same envelope.
func TestParseAgreesWithEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, body := range []string{sampleEvent, katBody, `{"event":"x","datetime":"2024-05-01T12:30:00Z","data":{"a":[1,2.5e-3,true,null,"\"\\\/\b\f\n\r\t"]}}`} {
		e, err := parse(t, body)
		if err != nil {
			require.ErrorIs(t, err, webhook.ErrInvalidPayload)
			continue
		}
		var std struct {
			Event    string          `json:"event"`
			Datetime time.Time       `json:"datetime"`
			Data     json.RawMessage `json:"data"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &std))
		assert.Equal(t, std.Event, string(e.Type))
		assert.True(t, std.Datetime.Equal(e.Time))
		assert.Equal(t, string(std.Data), string(e.Data))
	}
}

func TestParseDoesNotAliasBody(t *testing.T) {
	t.Parallel()
	body := []byte(sampleEvent)
	v := newVerifier(t, secretA)
	e, err := v.Parse(signedHeader(t, secretA, "msg_1", testNow, body), body)
	require.NoError(t, err)
	for i := range body {
		body[i] = 'x'
	}
	assert.True(t, json.Valid(e.Data))
}

func TestParseVerifiesFirst(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, secretA)
	h := signedHeader(t, secretB, "msg_1", testNow, []byte(sampleEvent))
	e, err := v.Parse(h, []byte(sampleEvent))
	assert.ErrorIs(t, err, webhook.ErrNoMatchingSignature)
	assert.Nil(t, e)
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k`)
		b.WriteString(strconv.Itoa(i))
		b.WriteString(`":0`)
	}
	return b.String()
}
