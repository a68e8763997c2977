package httpapi_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/httpapi"
)

// rateWindow is the BodyRateWindow of the slow-body tests: short, so that
// the tests do not wait long. Nothing asserts how long anything took.
const rateWindow = 500 * time.Millisecond

// slowEnv cuts bodies slower than 16 KiB/s over rateWindow, with a stall
// timeout long enough that only the rate can cut a client that sends a
// byte every few milliseconds.
func slowEnv(t *testing.T, limits *httpapi.Limits) *env {
	return newEnv(t, &envOptions{noSync: true, handler: &httpapi.Options{
		StallTimeout: 10 * time.Second, MinBodyRate: 16 << 10, BodyRateWindow: rateWindow, Limits: limits}})
}

// dribble writes body a byte at a time, every interval, until the
// connection fails or stop is closed.
func (c *raw) dribble(body []byte, every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for _, b := range body {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if _, err := c.conn.Write([]byte{b}); err != nil {
			return
		}
	}
}

// TestSlowBodiesAreCut opens 300 connections that send their upload a byte
// every 50 ms, far under the minimum rate: each is answered upload_incomplete
// in the JSON error body and its connection closed, while a normal upload
// still goes through.
func TestSlowBodiesAreCut(t *testing.T) {
	e := slowEnv(t, nil)
	f, ctype := fileForm("slow.txt", textFile(100000, 8)).encode()
	stop := make(chan struct{})
	var writers sync.WaitGroup
	defer func() { close(stop); writers.Wait() }()
	conns := make([]*raw, 300)
	for i := range conns {
		c := dial(t, e)
		c.head(t, msgs, ctype, int64(len(f)))
		writers.Go(func() { c.dribble(f, 50*time.Millisecond, stop) })
		conns[i] = c
	}
	res, body := e.upload(t, customer, msgs, fileForm("fast.txt", textFile(200000, 9)))
	require.Equal(t, http.StatusCreated, res.StatusCode, "a normal upload failed beside the slow ones: %s", body)

	// Every slow connection is answered and closed within closeBound of
	// the window; the bound only keeps a server that never cuts from
	// hanging the test.
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			res, body := c.response(t)
			assert.Equal(t, httpapi.Status(errs.UploadIncomplete), res.StatusCode)
			rep := errorCode(t, body)
			assert.Equal(t, errs.UploadIncomplete, rep.Code)
			assert.Contains(t, rep.Message, "too slowly")
			c.assertClosed(t)
		})
	}
	wg.Wait()
	assert.Len(t, e.chat.Messages(channel), 1, "only the normal upload should be sent")
	e.assertNoOrphans(t)
}

// TestUploadSlotTakenBeforeTheBody: a member allowed one upload in flight
// who opens an upload and dribbles its form holds the slot from the start,
// before its file part, so a second upload is refused at once; once the
// slow one is cut, the slot is free again.
func TestUploadSlotTakenBeforeTheBody(t *testing.T) {
	e := slowEnv(t, &httpapi.Limits{MemberUploads: 1})
	f, ctype := form{fields: [][2]string{{"text", strings.Repeat("x", 2000)}}, name: "a.txt", data: []byte("hello")}.encode()
	stop := make(chan struct{})
	var writers sync.WaitGroup
	defer func() { close(stop); writers.Wait() }()
	c := dial(t, e)
	c.head(t, msgs, ctype, int64(len(f)))
	writers.Go(func() { c.dribble(f, 50*time.Millisecond, stop) })
	waitFor(t, "the slow upload to reach its form", func() bool {
		return strings.Contains(strings.Join(ourGoroutines(), "\n"), "(*Handler).readUpload")
	})

	res, body := e.upload(t, customer, msgs, fileForm("second.txt", []byte("second")))
	assert.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s", body)
	assert.Equal(t, errs.TooManyUploads, errorCode(t, body).Code)

	res, body = c.response(t)
	assert.Equal(t, errs.UploadIncomplete, errorCode(t, body).Code, "%s", body)
	c.assertClosed(t)
	e.assertServing(t)
}

// waitFor waits, within closeBound, until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(closeBound)
	for !cond() {
		require.False(t, time.Now().After(deadline), "waited in vain for %s", what)
		time.Sleep(5 * time.Millisecond)
	}
}
