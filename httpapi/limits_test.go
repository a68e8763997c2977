package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
	"github.com/attachkit/attachments/ledger"
)

// frozen is a clock that moves only when told.
type frozen struct {
	mu sync.Mutex
	t  time.Time
}

func (c *frozen) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *frozen) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestRateLimits(t *testing.T) {
	clock := &frozen{t: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	e := newEnv(t, &envOptions{handler: &httpapi.Options{Now: clock.now,
		Limits: &httpapi.Limits{MemberRate: 1, MemberBurst: 2, ChannelRate: 10, ChannelBurst: 3}}})
	pre := "channels/" + channel + "/preflight"
	ask := func(m string) *http.Response {
		res, _ := e.do(t, memberByID(m), "POST", pre, jsonBody(`{"name":"a.txt","contentType":"text/plain","size":10}`), "application/json")
		return res
	}
	// The customer's burst is 2; the third request waits a second.
	assert.Equal(t, http.StatusNoContent, ask(customer.Identity).StatusCode)
	assert.Equal(t, http.StatusNoContent, ask(customer.Identity).StatusCode)
	res, body := e.do(t, customer, "POST", pre, jsonBody(`{"name":"a.txt","contentType":"text/plain","size":10}`), "application/json")
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.Equal(t, errs.RateLimited, errorCode(t, body).Code)
	assert.Equal(t, "1", res.Header.Get("Retry-After"), "a client needs to know when to try again")
	// The channel's burst of 3 has one left, which the agent takes; then
	// the channel is full for everyone.
	assert.Equal(t, http.StatusNoContent, ask(agent.Identity).StatusCode)
	res, body = e.do(t, stranger, "POST", pre, jsonBody(`{"name":"a.txt","contentType":"text/plain","size":10}`), "application/json")
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "the channel's limit should hold across members")
	assert.Equal(t, errs.RateLimited, errorCode(t, body).Code)
	// A second later the customer may go on: refusals cost no tokens.
	clock.add(time.Second)
	assert.Equal(t, http.StatusNoContent, ask(customer.Identity).StatusCode, "the bucket should refill")
}

// memberByID returns the test member with identity id.
func memberByID(id string) attachments.Member {
	for _, m := range []attachments.Member{customer, agent, stranger} {
		if m.Identity == id {
			return m
		}
	}
	return attachments.Member{}
}

func jsonBody(s string) io.Reader { return strings.NewReader(s) }

// TestQuotas: the Client's quota holds for uploads through the handlers:
// pending files, bytes counted as they arrive, and what a member already
// stores; a refusal is 413 quota_exceeded and keeps nothing.
func TestQuotas(t *testing.T) {
	cfg := attachments.DefaultConfig()
	cfg.FilesPerMessage = 5
	e := newEnv(t, &envOptions{cfg: &cfg, quota: ledger.Quota{Pending: 2, Bytes: 500, Files: 3}})
	draft := "channels/" + channel + "/draft/files"
	for i := range 2 {
		res, body := e.upload(t, customer, draft, fileForm(fmt.Sprintf("d%d.txt", i), textFile(100, uint64(i))))
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	}
	res, body := e.upload(t, customer, draft, fileForm("third.txt", textFile(100, 9)))
	assert.Equal(t, errs.QuotaExceeded, errorCode(t, body).Code, "a third pending file is over the pending quota: %s", body)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	res, body = e.upload(t, agent, draft, fileForm("big.txt", textFile(501, 1)))
	assert.Equal(t, errs.QuotaExceeded, errorCode(t, body).Code, "501 bytes under a 500-byte quota: %s", body)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	res, body = e.upload(t, agent, draft, fileForm("ok.txt", textFile(400, 1)))
	assert.Equal(t, http.StatusCreated, res.StatusCode, "another member's files are not counted: %s", body)
	res, body = e.upload(t, agent, draft, fileForm("more.txt", textFile(101, 2)))
	assert.Equal(t, errs.QuotaExceeded, errorCode(t, body).Code, "400 + 101 bytes under a 500-byte quota: %s", body)
	e.assertNoOrphans(t)
}

// TestConcurrentUploadLimit holds one upload open and sees the next
// refused until it ends.
func TestConcurrentUploadLimit(t *testing.T) {
	e := newEnv(t, &envOptions{handler: &httpapi.Options{StallTimeout: time.Minute,
		Limits: &httpapi.Limits{MemberUploads: 1}}})
	f, ctype := fileForm("a.txt", textFile(100000, 7)).encode()
	c := dial(t, e)
	c.head(t, msgs, ctype, int64(len(f)))
	c.write(t, f[:50000])
	waitMetric(t, e, "attachments_active_uploads", nil, 1)
	res, body := e.upload(t, customer, msgs, fileForm("b.txt", textFile(100, 8)))
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode)
	assert.Equal(t, errs.TooManyUploads, errorCode(t, body).Code, "%s", body)
	ra, err := strconv.Atoi(res.Header.Get("Retry-After"))
	assert.NoError(t, err, "a refused upload should say when to retry")
	assert.Positive(t, ra)
	// Another member is not held back by the customer's upload.
	res, body = e.upload(t, agent, msgs, fileForm("c.txt", textFile(100, 9)))
	assert.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	c.write(t, f[50000:])
	res, body = c.response(t)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", body)
	res, body = e.upload(t, customer, msgs, fileForm("b.txt", textFile(100, 8)))
	assert.Equal(t, http.StatusCreated, res.StatusCode, "the slot should be free again: %s", body)
	e.assertNoOrphans(t)
}

// waitMetric waits, within closeBound, for a metric to reach want: one a
// handler updates after its client has its answer.
func waitMetric(t *testing.T, e *env, name string, labels map[string]string, want float64) {
	t.Helper()
	deadline := time.Now().Add(closeBound)
	for metric(t, e, name, labels) != want {
		require.False(t, time.Now().After(deadline), "%s never reached %v", name, want)
		time.Sleep(5 * time.Millisecond)
	}
}

// metric returns the value of the metric name with labels, summed over
// the series that match, 0 when there is none. A histogram gives its count.
func metric(t testing.TB, e *env, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := e.reg.Gather()
	require.NoError(t, err)
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if !matches(m, labels) {
				continue
			}
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Gauge != nil:
				sum += m.Gauge.GetValue()
			case m.Histogram != nil:
				sum += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return sum
}

func matches(m *dto.Metric, labels map[string]string) bool {
	for k, v := range labels {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == k && lp.GetValue() == v {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}
