package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/jupico/jupico-go/jupico/jupicotest"
)

const fakeHelp = `Run the fake Jupico (package jupico/jupicotest) as a standalone HTTPS
server, for docker-compose set-ups and tests in any language. It serves every
endpoint of the API from a stateful ledger, with the sandbox triggers: with
the sandbox test token, amounts 90.20, 90.23 and 90.24 are declined, 101.10
answers 503 and 101.11 answers 500.

At start it makes a fresh test CA, writes it to --ca-out for clients to
trust, and prints the URL, the credentials and webhook secret it accepts
(test values of the fake, never to be used elsewhere), and the URL and a
random token of its admin API; the last line printed is "listening on URL"
(with --json, one JSON object on one line). It runs until SIGINT or SIGTERM,
then exits 0.

The admin API (https, same CA) wants "Authorization: Bearer TOKEN":
  POST   /v1/faults       inject a fault: {"path": "/status", "bodyContains": "",
                          "status": 500, "code": "", "message": "", "retryAfter": "",
                          "delay": "2s", "drip": "", "dropConnection": false,
                          "resetAfter": 0, "bodySize": 0, "afterProcessing": false,
                          "times": 1}; answers 201 {"id": N}
  GET    /v1/faults       the faults in force, with their hits
  DELETE /v1/faults/{id}  withdraw a fault
  GET    /v1/requests     the requests the fake received
  POST   /v1/reset        forget requests and faults`

// fakeInfo is what jupico fake prints at start.
type fakeInfo struct {
	URL           string `json:"url"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	WebhookSecret string `json:"webhookSecret"`
	AdminURL      string `json:"adminUrl"`
	AdminToken    string `json:"adminToken"`
	CAFile        string `json:"caFile,omitempty"`
	SandboxToken  string `json:"sandboxToken"`
	Listening     bool   `json:"listening"`
}

// hostList is a repeatable flag of host names.
type hostList []string

func (h *hostList) String() string { return strings.Join(*h, ",") }

func (h *hostList) Set(v string) error {
	if v == "" {
		return errors.New("empty host name")
	}
	*h = append(*h, v)
	return nil
}

func runFake(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "fake")
	addr := fs.String("addr", "127.0.0.1:8443", "the address to serve the API on")
	adminAddr := fs.String("admin-addr", "127.0.0.1:0", "the address to serve the admin API on (port 0: any free port)")
	caOut := fs.String("ca-out", "", "write the test CA's certificate (PEM) to this file")
	var hosts hostList
	fs.Var(&hosts, "hostname", "a host name clients dial the fake by, added to its certificate (repeatable; localhost, 127.0.0.1 and ::1 always are)")
	webhookURL := fs.String("webhook-url", "", "where to deliver the webhooks a merchant's onboarding produces (https)")
	webhookCA := fs.String("webhook-ca-file", "", "a PEM file of the roots to trust for --webhook-url (default: the system's)")
	seed := fs.Uint64("seed", 0, "seed of the fake's generated ids and shuffles (0: random)")
	settleAfter := fs.Duration("settle-after", 0, "settle each captured transaction this long after it was recorded, as the sandbox does after about two minutes (0: never)")
	if err := parse(e, fs, args, "[--addr HOST:PORT] [--ca-out FILE] [--hostname NAME]... [--json]", fakeHelp); err != nil {
		return err
	}

	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return exit(exitUsage, "--addr: %w", err)
	}
	if host != "" && net.ParseIP(host) == nil {
		hosts = append(hosts, host)
	} else if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
		hosts = append(hosts, host)
	}
	caPEM, cert, err := newTestCA(hosts)
	if err != nil {
		return exit(exitFailed, "making the test CA: %w", err)
	}
	if *caOut != "" {
		if err := os.WriteFile(*caOut, caPEM, 0o644); err != nil { // #nosec G306 -- a public certificate
			return exit(exitUsage, "--ca-out: %w", err)
		}
	}

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return exit(exitFailed, "listen: %w", err)
	}
	opts := []jupicotest.Option{jupicotest.WithListener(l), jupicotest.WithCertificate(cert)}
	if *seed != 0 {
		opts = append(opts, jupicotest.WithSeed(*seed))
	}
	if *settleAfter != 0 {
		opts = append(opts, jupicotest.WithSettleAfter(*settleAfter))
	}
	srv, err := jupicotest.New(opts...)
	if err != nil {
		_ = l.Close()
		return exit(exitUsage, "%w", err)
	}
	defer srv.Close()
	if *webhookCA != "" {
		pool, err := readPool(*webhookCA, "--webhook-ca-file")
		if err != nil {
			return err
		}
		srv.SetWebhookRootCAs(pool)
	}
	if *webhookURL != "" {
		if err := srv.SetWebhookURL(*webhookURL); err != nil {
			return exit(exitUsage, "--webhook-url: %w", err)
		}
	}

	token, err := randomToken()
	if err != nil {
		return exit(exitFailed, "admin token: %w", err)
	}
	al, err := net.Listen("tcp", *adminAddr)
	if err != nil {
		return exit(exitFailed, "listen (admin): %w", err)
	}
	admin := &http.Server{
		Handler:           newAdmin(srv, token),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	served := make(chan error, 1)
	go func() { served <- admin.ServeTLS(al, "", "") }()

	info := fakeInfo{
		URL:           "https://" + dialAddr(host, l.Addr()),
		Username:      jupicotest.DefaultUsername,
		Password:      jupicotest.DefaultPassword,
		WebhookSecret: srv.WebhookSecret(),
		AdminURL:      "https://" + dialAddr(adminHost(*adminAddr), al.Addr()),
		AdminToken:    token,
		CAFile:        *caOut,
		SandboxToken:  jupicotest.TestToken,
		Listening:     true,
	}
	if e.json {
		b, _ := json.Marshal(info)
		fmt.Fprintf(e.stdout, "%s\n", b)
	} else {
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "jupico fake: these are test values of the fake; never use them elsewhere")
		fmt.Fprintf(tw, "url\t%s\n", info.URL)
		fmt.Fprintf(tw, "username\t%s\n", info.Username)
		fmt.Fprintf(tw, "password\t%s\n", info.Password)
		fmt.Fprintf(tw, "webhook secret\t%s\n", info.WebhookSecret)
		fmt.Fprintf(tw, "sandbox token\t%s\n", info.SandboxToken)
		fmt.Fprintf(tw, "admin url\t%s\n", info.AdminURL)
		fmt.Fprintf(tw, "admin token\t%s\n", info.AdminToken)
		if info.CAFile != "" {
			fmt.Fprintf(tw, "ca file\t%s\n", info.CAFile)
		}
		_ = tw.Flush()
		fmt.Fprintf(e.stdout, "listening on %s\n", info.URL)
	}

	select {
	case <-ctx.Done():
	case err := <-served:
		return exit(exitFailed, "admin server: %w", err)
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = admin.Shutdown(shut)
	if !e.json {
		fmt.Fprintln(e.stdout, "stopped")
	}
	return nil
}

// dialAddr is the host:port clients dial for a listener asked for on host:
// the host as given, or 127.0.0.1 for an unspecified one.
func dialAddr(host string, a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func adminHost(addr string) string {
	h, _, _ := net.SplitHostPort(addr)
	return h
}

func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// newTestCA makes a CA and a server certificate it issues for localhost,
// 127.0.0.1, ::1 and hosts, valid for a year. It returns the CA's
// certificate as PEM.
func newTestCA(hosts []string) ([]byte, tls.Certificate, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jupico fake test CA", Organization: []string{"jupico-go"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "jupico fake"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else if h != "localhost" {
			leaf.DNSNames = append(leaf.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	pemCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return pemCA, tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}, nil
}

// faultSpec is the JSON body of POST /v1/faults: a jupicotest.Fault and
// what it matches.
type faultSpec struct {
	Path            string          `json:"path"`
	BodyContains    string          `json:"bodyContains"`
	Status          int             `json:"status"`
	Code            string          `json:"code"`
	Message         string          `json:"message"`
	RetryAfter      string          `json:"retryAfter"`
	ContentType     string          `json:"contentType"`
	Body            json.RawMessage `json:"body"`
	BodySize        int64           `json:"bodySize"`
	Delay           string          `json:"delay"`
	Drip            string          `json:"drip"`
	DropConnection  bool            `json:"dropConnection"`
	ResetAfter      int             `json:"resetAfter"`
	AfterProcessing bool            `json:"afterProcessing"`
	Times           int             `json:"times"`
}

func (f *faultSpec) fault() (jupicotest.Fault, error) {
	out := jupicotest.Fault{
		Status: f.Status, Code: f.Code, Message: f.Message, RetryAfter: f.RetryAfter, ContentType: f.ContentType,
		BodySize: f.BodySize, DropConnection: f.DropConnection, ResetAfter: f.ResetAfter,
		AfterProcessing: f.AfterProcessing, Times: f.Times,
	}
	switch {
	case f.Path == "" && f.BodyContains == "":
		return out, errors.New("a fault needs a path or bodyContains")
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return out, errors.New("status must be an HTTP status")
	case f.Times < 0 || f.BodySize < 0 || f.ResetAfter < 0:
		return out, errors.New("times, bodySize and resetAfter must not be negative")
	}
	if f.Body != nil {
		out.Body = []byte(f.Body)
	}
	for _, d := range []struct {
		s   string
		dst *time.Duration
	}{{f.Delay, &out.Delay}, {f.Drip, &out.Drip}} {
		if d.s == "" {
			continue
		}
		v, err := time.ParseDuration(d.s)
		if err != nil || v < 0 {
			return out, fmt.Errorf("bad duration %q", d.s)
		}
		*d.dst = v
	}
	return out, nil
}

func (f *faultSpec) matcher() jupicotest.Matcher {
	var ms []jupicotest.Matcher
	if f.Path != "" {
		ms = append(ms, jupicotest.Path(f.Path))
	}
	if f.BodyContains != "" {
		ms = append(ms, jupicotest.BodyContains(f.BodyContains))
	}
	return jupicotest.And(ms...)
}

// admin serves the admin API of jupico fake.
type admin struct {
	srv   *jupicotest.Server
	token []byte

	mu     sync.Mutex
	next   int
	faults map[int]adminFault
}

type adminFault struct {
	spec faultSpec
	in   *jupicotest.Injection
}

func newAdmin(srv *jupicotest.Server, token string) http.Handler {
	a := &admin{srv: srv, token: []byte(token), faults: map[int]adminFault{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/faults", a.inject)
	mux.HandleFunc("GET /v1/faults", a.list)
	mux.HandleFunc("DELETE /v1/faults/{id}", a.remove)
	mux.HandleFunc("GET /v1/requests", a.requests)
	mux.HandleFunc("POST /v1/reset", a.reset)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), a.token) != 1 {
			adminJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong admin token"})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *admin) inject(w http.ResponseWriter, r *http.Request) {
	var spec faultSpec
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		adminJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid fault: " + err.Error()})
		return
	}
	f, err := spec.fault()
	if err != nil {
		adminJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid fault: " + err.Error()})
		return
	}
	a.mu.Lock()
	a.next++
	id := a.next
	a.faults[id] = adminFault{spec, a.srv.Inject(spec.matcher(), f)}
	a.mu.Unlock()
	adminJSON(w, http.StatusCreated, map[string]int{"id": id})
}

// adminFaultView is one fault in GET /v1/faults.
type adminFaultView struct {
	ID   int       `json:"id"`
	Hits int       `json:"hits"`
	Spec faultSpec `json:"fault"`
}

func (a *admin) list(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	out := []adminFaultView{}
	for id := 1; id <= a.next; id++ {
		if f, ok := a.faults[id]; ok {
			out = append(out, adminFaultView{id, f.in.Hits(), f.spec})
		}
	}
	a.mu.Unlock()
	adminJSON(w, http.StatusOK, out)
}

func (a *admin) remove(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.Atoi(r.PathValue("id"))
	a.mu.Lock()
	f, ok := a.faults[id]
	delete(a.faults, id)
	a.mu.Unlock()
	if err != nil || !ok {
		adminJSON(w, http.StatusNotFound, map[string]string{"error": "no such fault"})
		return
	}
	f.in.Remove()
	w.WriteHeader(http.StatusNoContent)
}

// adminRequest is one request in GET /v1/requests.
type adminRequest struct {
	Method   string `json:"method"`
	Path     string `json:"path"`
	Username string `json:"username"`
	Body     string `json:"body"`
	Protocol string `json:"protocol"`
}

func (a *admin) requests(w http.ResponseWriter, _ *http.Request) {
	out := []adminRequest{}
	for _, r := range a.srv.Requests() {
		out = append(out, adminRequest{r.Method, r.Path, r.Username, string(r.Body), r.Protocol})
	}
	adminJSON(w, http.StatusOK, out)
}

func (a *admin) reset(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	a.faults = map[int]adminFault{}
	a.mu.Unlock()
	a.srv.Reset()
	w.WriteHeader(http.StatusNoContent)
}
