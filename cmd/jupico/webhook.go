package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

const webhookSendHelp = `Deliver signed webhooks to a receiver, as Jupico would: an HTTPS POST of
the {"event","datetime","data"} envelope signed by the Standard Webhooks
scheme (webhook-id, webhook-timestamp, webhook-signature) with the secret
from --secret-file, JUPICO_WEBHOOK_SECRET or JUPICO_WEBHOOK_SECRET_FILE.
--duplicates, --shuffle and --concurrency play at-least-once delivery. Exits
0 when the receiver acknowledged (2xx) every delivery, 1 when it answered
another status, 3 when a delivery got no answer.`

const webhookVerifyHelp = `Check a saved webhook request against the signing secret (from
--secret-file, JUPICO_WEBHOOK_SECRET or JUPICO_WEBHOOK_SECRET_FILE) with the
verifier of package webhook. Exits 0 when it is authentic, 1 when it is not.

The file holds one raw HTTP/1.1 request as it came over the wire: request
line, headers, a blank line, the body (framed by Content-Length or chunked),
which is what httputil.DumpRequest writes and http.ReadRequest reads, and
nothing else: a byte after the body, a body with neither framing, or both
framings, exit 2 rather than verify part of the file. The
timestamp is checked against --at (default now) with --tolerance, so an old
capture needs --at set to around when it was sent.`

// events is the repeatable --event flag.
type events []webhook.EventType

func (ev *events) String() string {
	s := make([]string, len(*ev))
	for i, e := range *ev {
		s[i] = string(e)
	}
	return strings.Join(s, ",")
}

func (ev *events) Set(v string) error {
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p == "" {
			return errors.New("empty event name")
		}
		*ev = append(*ev, webhook.EventType(p))
	}
	return nil
}

// deliveryView is one delivery in jupico webhook send's output.
type deliveryView struct {
	ID         string `json:"id"`
	Event      string `json:"event"`
	Attempt    int    `json:"attempt"`
	StatusCode int    `json:"status,omitempty"`
	Error      string `json:"error,omitempty"`
}

// sendResult is what jupico webhook send --json prints.
type sendResult struct {
	URL          string         `json:"url"`
	Deliveries   []deliveryView `json:"deliveries"`
	Acknowledged int            `json:"acknowledged"`
	Unanswered   int            `json:"unanswered"`
}

func runWebhookSend(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "webhook send")
	url := fs.String("url", "", "the receiver's https URL (required)")
	var evs events
	fs.Var(&evs, "event", "an event type, e.g. onMerchantActivation (repeatable, or comma-separated; required)")
	data := fs.String("data", "{}", "the events' data object, as JSON")
	dataFile := fs.String("data-file", "", "a file holding the data object, instead of --data")
	id := fs.String("id", "", "the webhook-id of a single event (default: generated)")
	secretFile := fs.String("secret-file", "", "a file holding the signing secret (default $JUPICO_WEBHOOK_SECRET)")
	caFile := fs.String("ca-file", "", "a PEM file of the roots to trust for the receiver (default: the system's)")
	dups := fs.Int("duplicates", 0, "extra copies of each event (same webhook-id and body)")
	shuffle := fs.Bool("shuffle", false, "send the deliveries, copies included, in a random order")
	conc := fs.Int("concurrency", 1, "how many deliveries may be in flight at once")
	seed := fs.Uint64("seed", 0, "seed of generated ids and of the shuffle, to repeat a run (0: random)")
	timeout := fs.Duration("timeout", 30*time.Second, "how long to wait for the receiver, all deliveries together")
	if err := parse(e, fs, args, "--url URL --event TYPE [--data JSON] [--duplicates N] [--shuffle] [--secret-file F] [--json]", webhookSendHelp); err != nil {
		return err
	}
	switch {
	case *url == "":
		return exit(exitUsage, "--url is required")
	case len(evs) == 0:
		return exit(exitUsage, "--event is required")
	case *dups < 0 || *conc < 0:
		return exit(exitUsage, "--duplicates and --concurrency must not be negative")
	case *id != "" && len(evs) > 1:
		return exit(exitUsage, "--id needs a single --event")
	case *timeout <= 0:
		return exit(exitUsage, "--timeout must be positive")
	}
	payload := []byte(*data)
	if *dataFile != "" {
		b, err := readFile(*dataFile, "--data-file")
		if err != nil {
			return err
		}
		payload = b
	}
	if !json.Valid(payload) {
		return exit(exitUsage, "the data is not valid JSON")
	}
	secret, err := webhookSecret(ctx, e, *secretFile)
	if err != nil {
		return err
	}

	var opts []jupicotest.Option
	if *seed != 0 {
		opts = append(opts, jupicotest.WithSeed(*seed))
	}
	sender := jupicotest.Start(opts...)
	defer sender.Close()
	if err := sender.SetWebhookSecret(secret); err != nil {
		return exit(exitUsage, "the webhook secret: %w", err)
	}
	if *caFile != "" {
		pool, err := readPool(*caFile, "--ca-file")
		if err != nil {
			return err
		}
		sender.SetWebhookRootCAs(pool)
	}
	batch := make([]jupicotest.WebhookEvent, len(evs))
	for i, t := range evs {
		batch[i] = jupicotest.WebhookEvent{ID: *id, Type: t, Data: payload}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	ds, err := sender.SendWebhooks(ctx, *url, batch, jupicotest.DeliveryOptions{Duplicates: *dups, Shuffle: *shuffle, Concurrency: *conc})
	if len(ds) == 0 && err != nil {
		return exit(exitUsage, "%w", err) // nothing was sent: a bad URL or event
	}
	res := sendResult{URL: *url, Deliveries: []deliveryView{}}
	for _, d := range ds {
		v := deliveryView{ID: d.ID, Event: string(d.Type), Attempt: d.Attempt, StatusCode: d.StatusCode}
		switch {
		case d.Err != nil:
			v.Error = d.Err.Error()
			res.Unanswered++
		case d.Acknowledged():
			res.Acknowledged++
		}
		res.Deliveries = append(res.Deliveries, v)
	}
	if e.json {
		e.printJSON(res)
	} else {
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEVENT\tATTEMPT\tSTATUS")
		for _, d := range res.Deliveries {
			st := strconv.Itoa(d.StatusCode)
			if d.Error != "" {
				st = "no answer: " + d.Error
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", printable(d.ID), printable(d.Event), d.Attempt, printable(st))
		}
		_ = tw.Flush()
		fmt.Fprintf(e.stdout, "\n%d of %d deliveries acknowledged\n", res.Acknowledged, len(ds))
	}
	switch {
	case res.Unanswered > 0:
		return exit(exitTransport, "%d of %d deliveries got no answer", res.Unanswered, len(ds))
	case res.Acknowledged < len(ds):
		return exit(exitFailed, "%d of %d deliveries not acknowledged", len(ds)-res.Acknowledged, len(ds))
	}
	return nil
}

// verifyResult is what jupico webhook verify --json prints.
type verifyResult struct {
	Authentic bool   `json:"authentic"`
	ID        string `json:"id,omitempty"`
	Timestamp string `json:"timestamp,omitempty"`
	Event     string `json:"event,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

func runWebhookVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "webhook verify")
	file := fs.String("file", "", `the saved request ("-": standard input; required)`)
	secretFile := fs.String("secret-file", "", "a file holding the signing secret (default $JUPICO_WEBHOOK_SECRET)")
	tolerance := fs.Duration("tolerance", webhook.DefaultTolerance, "how far the webhook-timestamp may lie from --at")
	at := fs.String("at", "", "check the timestamp against this time, RFC 3339 or Unix seconds (default: now)")
	if err := parse(e, fs, args, "--file FILE [--secret-file F] [--at TIME] [--json]", webhookVerifyHelp); err != nil {
		return err
	}
	if *file == "" {
		return exit(exitUsage, "--file is required")
	}
	opts := []webhook.Option{webhook.WithTolerance(*tolerance)}
	if *at != "" {
		t, err := parseTime(*at)
		if err != nil {
			return exit(exitUsage, "--at: want RFC 3339 or Unix seconds")
		}
		opts = append(opts, webhook.WithClock(stoppedClock(t)))
	}
	raw, err := readFile(*file, "--file")
	if err != nil {
		return err
	}
	secret, err := webhookSecret(ctx, e, *secretFile)
	if err != nil {
		return err
	}
	v, err := webhook.NewVerifier(secret, opts...)
	if err != nil {
		return exit(exitUsage, "%w", err)
	}
	req, body, err := readOneRequest(raw)
	if err != nil {
		return exit(exitUsage, "--file %s: %w", *file, err)
	}
	res := verifyResult{ID: req.Header.Get("Webhook-Id"), Timestamp: req.Header.Get("Webhook-Timestamp")}
	if verr := v.Verify(req.Header, body); verr != nil {
		res.Reason = verr.Error()
	} else {
		res.Authentic = true
		if ev, perr := v.Parse(req.Header, body); perr == nil {
			res.Event = string(ev.Type)
		}
	}
	if e.json {
		e.printJSON(res)
	} else if res.Authentic {
		fmt.Fprintf(e.stdout, "authentic: webhook-id %s, webhook-timestamp %s", printable(res.ID), printable(res.Timestamp))
		if res.Event != "" {
			fmt.Fprintf(e.stdout, ", event %s", printable(res.Event))
		}
		fmt.Fprintln(e.stdout)
	} else {
		fmt.Fprintf(e.stdout, "not authentic: %s\n", printable(res.Reason))
	}
	if !res.Authentic {
		return exit(exitFailed, "not authentic")
	}
	return nil
}

// readOneRequest parses raw as exactly one HTTP/1.1 request and returns it
// with its body. Bytes the verifier would not see are refused, since they
// could be taken for a part of the request: anything after the body as
// its framing delimits it (a second request, say), a body with neither
// Content-Length nor chunked framing (which HTTP reads as no body), and a
// request with both. Its errors never quote the content.
func readOneRequest(raw []byte) (*http.Request, []byte, error) {
	const one = "the file must hold exactly one request"
	br := bufio.NewReader(bytes.NewReader(raw))
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, nil, errors.New("not a raw HTTP/1.1 request")
	}
	body, err := io.ReadAll(req.Body) // at most the file, which readFile bounds
	if err != nil {
		return nil, nil, errors.New("the body is truncated or badly framed")
	}
	chunked := len(req.TransferEncoding) > 0
	if chunked && rawHasContentLength(raw) { // ReadRequest drops it
		return nil, nil, errors.New("both Content-Length and Transfer-Encoding: " + one + ", framed one way")
	}
	rest, _ := io.Copy(io.Discard, br)
	switch {
	case rest > 0 && !chunked && req.Header.Get("Content-Length") == "":
		return nil, nil, errors.New("a body with neither Content-Length nor chunked Transfer-Encoding: " + one + ", framed")
	case rest > 0:
		return nil, nil, fmt.Errorf("bytes after the request's body (%d): %s", rest, one)
	}
	return req, body, nil
}

// rawHasContentLength reports whether the header section of the request
// in raw has a Content-Length field.
func rawHasContentLength(raw []byte) bool {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw)))
	if _, err := tp.ReadLine(); err != nil { // the request line
		return false
	}
	h, err := tp.ReadMIMEHeader()
	return err != nil || len(h["Content-Length"]) > 0 // unreadable: as if it had one
}

func parseTime(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	return time.Parse(time.RFC3339, s)
}

// stoppedClock is a clock that stays at one instant, for --at.
type stoppedClock time.Time

func (c stoppedClock) Now() time.Time { return time.Time(c) }

func (stoppedClock) AfterFunc(d time.Duration, f func()) credentials.Timer {
	return time.AfterFunc(d, f)
}
