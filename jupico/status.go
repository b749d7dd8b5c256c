package jupico

import (
	"context"
	"encoding/json"

	"github.com/jupico/jupico-go/internal/wire"
)

// StatusResult is Jupico's answer to the health check.
type StatusResult struct {
	// Online is true when the API answered the health check with a 2xx.
	Online bool
	// Body is the response body when it is JSON. Jupico does not document
	// its shape, so it is handed over unparsed.
	Body json.RawMessage
	// RequestID is the request identifier from the response, when sent.
	RequestID string
}

// Status calls GET /status, the health check. It is a read, so it is
// retried on transport failures, 429, 502, 503 and 504. A non-2xx answer
// returns an *APIError; a failure with no answer returns a *RequestError.
func (c *Client) Status(ctx context.Context) (_ *StatusResult, err error) {
	ctx, ob := c.startCall(ctx, &wire.Status)
	resp, err := c.p.Do(ctx, &wire.Status, nil)
	defer func() { ob.end(resp, err) }()
	if err != nil {
		return nil, newRequestError(err)
	}
	// The health check's body is undocumented: any 2xx means online,
	// whatever the body says.
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newAPIError(wire.Status.Name, resp)
	}
	r := &StatusResult{Online: true, RequestID: resp.RequestID}
	if json.Valid(resp.Body) {
		r.Body = json.RawMessage(resp.Body)
	}
	return r, nil
}
