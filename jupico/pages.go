package jupico

import (
	"context"
	"encoding/json"
	"iter"
	"regexp"
	"strconv"
	"time"

	"github.com/jupico/jupico-go/internal/pipeline"
	"github.com/jupico/jupico-go/internal/wire"
)

// ListFilter selects what a list query returns, with the body Jupico
// documents for its Query API. The zero filter selects everything the
// account can see, the first DefaultPageSize entries.
type ListFilter struct {
	// SubMerchantID restricts the list to one merchant.
	SubMerchantID string `json:"subMerchantId,omitempty"`
	// Status restricts the list to entries in that status ("active",
	// "succeeded"...).
	Status string `json:"status,omitempty"`
	// From and To bound the creation time; zero means unbounded. They are
	// sent in UTC, RFC 3339.
	From time.Time `json:"-"`
	To   time.Time `json:"-"`
	// Sort is Jupico's documented syntax: a comma-separated list of
	// members, "-" first for descending ("-createdAt",
	// "status,-createdAt"). Anything else is refused before sending.
	Sort string `json:"sort,omitempty"`
	// Limit is the page size: zero means DefaultPageSize; at most
	// MaxPageSize.
	Limit int `json:"-"`
	// Offset is how many entries to skip.
	Offset int `json:"-"`
	// Extra adds filters, top-level as Jupico's Query API takes them, with
	// its operators: {"amount": map[string]any{"$gte": 100}}.
	Extra map[string]any `json:"-"`
}

func (f *ListFilter) validate(v *validator) {
	if f.Limit < 0 || f.Limit > MaxPageSize {
		v.fail("limit", "must be between 0 and "+strconv.Itoa(MaxPageSize))
	}
	if f.Offset < 0 {
		v.fail("offset", "must not be negative")
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		v.fail("to", "is before from")
	}
	if f.SubMerchantID != "" {
		v.id("subMerchantId", f.SubMerchantID)
	}
	v.text("sort", f.Sort, 100)
	if f.Sort != "" && !sortSyntax.MatchString(f.Sort) {
		v.fail("sort", `is a comma-separated list of members, "-" first for descending ("-createdAt")`)
	}
}

// sortSyntax is Jupico's sort: members, each optionally "-" first, joined
// by commas.
var sortSyntax = regexp.MustCompile(`^-?[A-Za-z][A-Za-z0-9_.]*(,-?[A-Za-z][A-Za-z0-9_.]*)*$`)

// filter gives All and the encoder the window of a filter.
func (f *ListFilter) filter() *ListFilter { return f }

// limit is the page size asked for.
func (f *ListFilter) limit() int {
	if f.Limit == 0 {
		return DefaultPageSize
	}
	return f.Limit
}

// Page is one page of a list query.
type Page[T any] struct {
	// Items are the page's entries, each with its own Raw.
	Items []*T
	// Limit and Offset are the window that was asked for.
	Limit  int
	Offset int
	// Total is the number of matching entries when Jupico reports it,
	// else -1.
	Total int
	ResponseMeta
}

// listRequest is a filter a list query is sent with.
type listRequest interface {
	request
	Filter
}

// list sends a list query and decodes the page: the array under the row's
// List member and the total beside it (assumed shape, as for transactions).
func list[T any, PT interface {
	*T
	responder
}](ctx context.Context, c *Client, op *wire.Operation, f listRequest) (_ *Page[T], err error) {
	resp, ob, err := c.read(ctx, op, f)
	defer func() { ob.end(resp, err) }()
	if err != nil {
		return nil, err
	}
	raws, total, err := pageOf(op, resp)
	if err != nil {
		return nil, err
	}
	w := f.filter()
	p := &Page[T]{Limit: w.limit(), Offset: w.Offset, Total: total, Items: make([]*T, 0, len(raws))}
	p.RequestID, p.Raw = resp.RequestID, resp.Envelope.Data
	for i, raw := range raws {
		item := PT(new(T))
		if !decodeData(resp, raw, item) || string(raw) == "null" {
			return nil, malformed(op.Name, resp.Attempts, false, op.List+"["+strconv.Itoa(i)+"] does not have the expected shape")
		}
		p.Items = append(p.Items, item)
	}
	c.checkDrift(ob.context(ctx), op, resp.Envelope.Data)
	return p, nil
}

// pageOf reads a list answer's data: the array under the row's List member
// and the total beside it, -1 when absent (assumed: not in public docs).
func pageOf(op *wire.Operation, resp *pipeline.Response) (raws []json.RawMessage, total int, err error) {
	var data map[string]json.RawMessage
	if resp.Envelope == nil || json.Unmarshal(resp.Envelope.Data, &data) != nil || json.Unmarshal(data[op.List], &raws) != nil {
		return nil, 0, malformed(op.Name, resp.Attempts, false, "page is not an object with a "+op.List+" array")
	}
	total = -1
	if t, ok := data["total"]; ok {
		if total, err = strconv.Atoi(string(t)); err != nil || total < 0 {
			return nil, 0, malformed(op.Name, resp.Attempts, false, "page total is not a count")
		}
	}
	return raws, total, nil
}

// Filter is a list filter All can page with: *ListFilter, and filters that
// embed a ListFilter.
type Filter interface {
	filter() *ListFilter
}

// All walks every entry of a list query, page by page, starting at the
// filter's Offset; the filter itself is not changed. It stops after the
// last page (one shorter than the limit, an empty one, or the reported
// total reached), at the first error (yielded once, with a nil entry),
// when ctx ends (yielding ctx's error), or when the loop body breaks.
// list is the query, a method value such as client.Query.Disputes (or a
// jupicomock's):
//
//	for d, err := range jupico.All(ctx, client.Query.Disputes, &jupico.ListFilter{Status: "open"}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(d.ID, d.Amount)
//	}
func All[T any, F any, PF interface {
	*F
	Filter
}](ctx context.Context, list func(context.Context, PF) (*Page[T], error), f PF) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		var own F
		if f != nil {
			own = *f
		}
		pf := PF(&own)
		w := pf.filter()
		if w.Limit == 0 {
			w.Limit = DefaultPageSize
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			p, err := list(ctx, pf)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
			w.Offset += len(p.Items)
			if len(p.Items) == 0 || len(p.Items) < w.Limit || (p.Total >= 0 && w.Offset >= p.Total) {
				return
			}
		}
	}
}
