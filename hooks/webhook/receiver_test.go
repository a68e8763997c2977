package webhook_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/attachkit/attachments/hooks/webhook"
)

// receiver is a webhook service for tests. It verifies each request's
// signature as a real receiver would, records the Envelope, and answers
// with answer, given the request's number from 1.
type receiver struct {
	*httptest.Server
	answer func(w http.ResponseWriter, r *http.Request, n int)

	mu       sync.Mutex
	envs     []webhook.Envelope
	bodies   [][]byte
	unsigned int // requests that failed verification
	arrived  chan struct{}
}

func newReceiver(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) *receiver {
	t.Helper()
	rc := &receiver{answer: answer, arrived: make(chan struct{}, 1000)}
	rc.Server = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := webhook.VerifyRequest(r, secret, nil)
	rc.mu.Lock()
	if err != nil {
		rc.unsigned++
		rc.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var env webhook.Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		rc.mu.Unlock()
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	rc.envs = append(rc.envs, env)
	rc.bodies = append(rc.bodies, body)
	n := len(rc.envs)
	rc.mu.Unlock()
	rc.arrived <- struct{}{}
	if rc.answer != nil {
		rc.answer(w, r, n)
	}
}

// got returns the envelopes and raw bodies received so far, and how many
// requests were not signed right.
func (rc *receiver) got() ([]webhook.Envelope, [][]byte, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]webhook.Envelope(nil), rc.envs...), append([][]byte(nil), rc.bodies...), rc.unsigned
}

// status answers every request with code and body.
func status(code int, body string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
	}
}
