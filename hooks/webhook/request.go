package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/attachkit/attachments/errs"
)

// maxReply is how much of an answer's body is read; the rest is discarded.
const maxReply = 64 << 10

// endpoint is where a Gate or a Notifier posts, and how.
type endpoint struct {
	url    string
	secret []byte
	client *http.Client
}

// newEndpoint checks rawURL and secret, and makes a client that never
// follows redirects: a signed request goes to rawURL or nowhere.
func newEndpoint(op, rawURL string, secret []byte, client *http.Client) (*endpoint, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: op, Message: "webhook URL must be an absolute http or https URL", Err: err}
	}
	if len(secret) < MinSecretLen {
		return nil, &errs.Error{Code: errs.InvalidConfig, Op: op,
			Message: fmt.Sprintf("webhook secret must be at least %d bytes", MinSecretLen)}
	}
	c := &http.Client{}
	if client != nil {
		cp := *client
		c = &cp
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &endpoint{url: rawURL, secret: bytes.Clone(secret), client: c}, nil
}

// response is what a service answered: its status, headers and the start
// of its body.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) ok() bool { return r.status >= 200 && r.status <= 299 }

// post sends body, signed now, and reads the answer. An error means no
// answer came: the service could not be reached, or ctx ended.
func (ep *endpoint) post(ctx context.Context, body []byte) (response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.url, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "attachkit-webhook/1")
	req.Header.Set(SignatureHeader, Sign(ep.secret, time.Now(), body))
	res, err := ep.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxReply))
	if err != nil {
		return response{}, err
	}
	// Drain a little more, so the connection can be reused.
	_, _ = io.CopyN(io.Discard, res.Body, maxReply)
	return response{status: res.StatusCode, header: res.Header, body: data}, nil
}
