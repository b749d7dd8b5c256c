package awssm_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// The AWS identity the fake accepts. The secret key never leaves the
// process: requests carry only a signature made with it.
const (
	testRegion       = "eu-west-1"
	testAccessKeyID  = "AKIDJUPICOTEST000001"
	testSecretKey    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYJUPICOTEST" // #nosec G101 -- a fixture, not a credential
	testSessionToken = "IQoJb3JpZ2luX2VjEJUPICO-session-token-fixture"
)

// fakeSM is an in-process AWS Secrets Manager over real TLS speaking the
// JSON 1.1 protocol of GetSecretValue: POST / with X-Amz-Target
// secretsmanager.GetSecretValue and Content-Type application/x-amz-json-1.1,
// requests authenticated by SigV4 (checked in full: scope, signed headers,
// signature), errors as {"__type","message"} with X-Amzn-RequestId.
type fakeSM struct {
	srv *httptest.Server

	mu       sync.Mutex
	secrets  map[string][]*smVersion // name -> versions, oldest first
	faults   []smFault
	requests []smRequest
	handler  http.HandlerFunc // replaces the normal handling when set
	seq      int
}

type smVersion struct {
	id      string
	value   *string
	binary  []byte
	created time.Time
	stages  []string
}

// smFault is one canned error answer, served before normal handling.
type smFault struct {
	status  int
	code    string
	message string
}

// smRequest is what the fake recorded of one request.
type smRequest struct {
	Target, ContentType, Authorization, AmzDate, SecurityToken string
	SecretID, Stage                                            string
	SigErr                                                     error // nil when the SigV4 signature verified
	At                                                         time.Time
}

func newFakeSM() *fakeSM {
	f := &fakeSM{secrets: map[string][]*smVersion{}}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	f.srv.StartTLS()
	return f
}

func newTestSM(t testing.TB) *fakeSM {
	f := newFakeSM()
	t.Cleanup(f.Close)
	return f
}

func (f *fakeSM) Close() { f.srv.Close() }

// staticCreds is the AWS credentials provider of the test clients.
var staticCreds = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: testAccessKeyID, SecretAccessKey: testSecretKey, SessionToken: testSessionToken, Source: "test"}, nil
})

// credentialsFunc returns an AWS credentials provider of a fixed key pair,
// with the fake's session token.
func credentialsFunc(akid, secret string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: testSessionToken, Source: "test"}, nil
	})
}

// client returns a Secrets Manager client pointed at the fake through
// BaseEndpoint, trusting only its certificate, retrying fast.
func (f *fakeSM) client(optFns ...func(*secretsmanager.Options)) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       testRegion,
		BaseEndpoint: aws.String(f.srv.URL),
		HTTPClient:   f.srv.Client(),
		Credentials:  staticCreds,
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = fixedBackoff(time.Millisecond)
		}),
	}, optFns...)
}

type fixedBackoff time.Duration

func (d fixedBackoff) BackoffDelay(int, error) (time.Duration, error) { return time.Duration(d), nil }

// put stores a new version as AWSCURRENT, as a rotation does: the version
// that was current becomes AWSPREVIOUS, the label leaves the one before.
func (f *fakeSM) put(name, value string) string {
	return f.putVersion(name, &smVersion{value: &value, created: time.Now()})
}

func (f *fakeSM) putAt(name, value string, created time.Time) string {
	return f.putVersion(name, &smVersion{value: &value, created: created})
}

func (f *fakeSM) putVersion(name string, v *smVersion) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	v.id = fmt.Sprintf("%08d-0000-4000-8000-%012d", f.seq, f.seq)
	vs := f.secrets[name]
	for _, old := range vs {
		switch {
		case slices.Contains(old.stages, "AWSCURRENT"):
			old.stages = []string{"AWSPREVIOUS"}
		case slices.Contains(old.stages, "AWSPREVIOUS"):
			old.stages = nil
		}
	}
	v.stages = []string{"AWSCURRENT"}
	f.secrets[name] = append(vs, v)
	return v.id
}

func (f *fakeSM) fail(faults ...smFault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, faults...)
}

func (f *fakeSM) setHandler(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handler = h
}

func (f *fakeSM) requestLog() []smRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]smRequest(nil), f.requests...)
}

func writeSM(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", "11111111-2222-4333-8444-555555555555")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func smError(w http.ResponseWriter, status int, code, msg string) {
	writeSM(w, status, map[string]string{"__type": code, "message": msg})
}

func (f *fakeSM) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var in struct {
		SecretID     string `json:"SecretId"`
		VersionStage string `json:"VersionStage"`
		VersionID    string `json:"VersionId"`
	}
	_ = json.Unmarshal(body, &in)
	rec := smRequest{
		Target: r.Header.Get("X-Amz-Target"), ContentType: r.Header.Get("Content-Type"),
		Authorization: r.Header.Get("Authorization"), AmzDate: r.Header.Get("X-Amz-Date"),
		SecurityToken: r.Header.Get("X-Amz-Security-Token"),
		SecretID:      in.SecretID, Stage: in.VersionStage,
		SigErr: verifySigV4(r, body, testAccessKeyID, testSecretKey, testRegion, "secretsmanager", time.Now()),
		At:     time.Now(),
	}
	f.mu.Lock()
	f.requests = append(f.requests, rec)
	if h := f.handler; h != nil {
		f.mu.Unlock()
		h(w, r)
		return
	}
	if len(f.faults) > 0 {
		ft := f.faults[0]
		f.faults = f.faults[1:]
		f.mu.Unlock()
		smError(w, ft.status, ft.code, ft.message)
		return
	}
	defer f.mu.Unlock()

	switch {
	case r.Method != http.MethodPost || r.URL.Path != "/":
		smError(w, http.StatusNotFound, "UnknownOperationException", "")
		return
	case rec.Target != "secretsmanager.GetSecretValue":
		smError(w, http.StatusBadRequest, "UnknownOperationException", "")
		return
	case rec.ContentType != "application/x-amz-json-1.1":
		smError(w, http.StatusBadRequest, "SerializationException", "")
		return
	case rec.SigErr != nil:
		smError(w, http.StatusForbidden, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided.")
		return
	case rec.SecurityToken != testSessionToken:
		smError(w, http.StatusBadRequest, "UnrecognizedClientException", "The security token included in the request is invalid.")
		return
	}
	vs := f.secrets[in.SecretID]
	if len(vs) == 0 {
		smError(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	stage := in.VersionStage
	if stage == "" && in.VersionID == "" {
		stage = "AWSCURRENT"
	}
	var v *smVersion
	for _, c := range vs {
		if (stage == "" || slices.Contains(c.stages, stage)) && (in.VersionID == "" || c.id == in.VersionID) {
			v = c
		}
	}
	if v == nil {
		smError(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: "+stage)
		return
	}
	out := map[string]any{
		"ARN":           "arn:aws:secretsmanager:" + testRegion + ":123456789012:secret:" + in.SecretID + "-AbCdEf",
		"Name":          in.SecretID,
		"VersionId":     v.id,
		"VersionStages": v.stages,
		"CreatedDate":   json.Number(strconv.FormatFloat(float64(v.created.UnixMilli())/1000, 'f', 3, 64)),
	}
	if v.value != nil {
		out["SecretString"] = *v.value
	} else {
		out["SecretBinary"] = v.binary
	}
	writeSM(w, http.StatusOK, out)
}

// authRE is the shape of a SigV4 Authorization header.
var authRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// verifySigV4 checks a request's Signature Version 4 signature from first
// principles: the Authorization header's shape, the credential scope, the
// X-Amz-Date (within 5 minutes of now), the signed headers, and the
// signature itself, recomputed from the canonical request.
func verifySigV4(r *http.Request, body []byte, akid, secret, region, service string, now time.Time) error {
	m := authRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return errors.New("authorization header is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=<64 hex>")
	}
	if m[1] != akid || m[3] != region || m[4] != service {
		return fmt.Errorf("credential scope %s/%s/%s, want %s/%s/%s", m[1], m[3], m[4], akid, region, service)
	}
	amzDate := r.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil {
		return errors.New("x-amz-date is not yyyymmddThhmmssZ")
	}
	if m[2] != amzDate[:8] {
		return errors.New("credential date differs from x-amz-date")
	}
	if d := now.Sub(t); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("x-amz-date is more than 5 minutes off")
	}
	signed := strings.Split(m[5], ";")
	if !slices.IsSorted(signed) || !slices.Contains(signed, "host") || !slices.Contains(signed, "x-amz-date") {
		return errors.New("signed headers unsorted or without host and x-amz-date")
	}
	var canon strings.Builder
	for _, h := range signed {
		var v string
		switch h {
		case "host":
			v = r.Host
		case "content-length":
			v = strconv.FormatInt(r.ContentLength, 10)
		default:
			vals := r.Header.Values(h)
			if len(vals) == 0 {
				return fmt.Errorf("signed header %s is absent", h)
			}
			for i, x := range vals {
				vals[i] = strings.Join(strings.Fields(x), " ")
			}
			v = strings.Join(vals, ",")
		}
		canon.WriteString(h + ":" + v + "\n")
	}
	payload := sha256.Sum256(body)
	payloadHex := hex.EncodeToString(payload[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != payloadHex {
		return errors.New("x-amz-content-sha256 does not match the body")
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	creq := strings.Join([]string{r.Method, path, r.URL.RawQuery, canon.String(), m[5], payloadHex}, "\n")
	creqHash := sha256.Sum256([]byte(creq))
	scope := m[2] + "/" + region + "/" + service + "/aws4_request"
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(creqHash[:])
	key := []byte("AWS4" + secret)
	for _, part := range []string{m[2], region, service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	want := hex.EncodeToString(hmacSHA256(key, sts))
	if !hmac.Equal([]byte(want), []byte(m[6])) {
		return errors.New("signature does not match")
	}
	return nil
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}
