package e2e_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/memory"
)

// signer is a driver that signs URLs.
type signer struct{ storage.Driver }

func (signer) SignedURL(context.Context, string, storage.SignedURLOptions) (string, error) {
	return "https://signed.example/x", nil
}

// The traced driver keeps a driver's optional capabilities, and adds none.
func TestDriverKeepsCapabilities(t *testing.T) {
	tr, _ := newTracing(t, false, false)
	plain := tr.Bucket(memory.New())
	assert.False(t, plain.CanSignURLs(), "a driver that cannot sign must not seem to")
	signing := tr.Bucket(storage.NewBucket(signer{memory.New().Driver()}))
	require.True(t, signing.CanSignURLs(), "tracing hid the driver's SignedURLer")
}

// A ledger or storage call outside any trace (the janitor's sweep) makes
// no span, rather than a trace of its own per call.
func TestNoRootSpansForLedgerAndStorage(t *testing.T) {
	tr, exp := newTracing(t, false, false)
	host := tracedHost(t, tr)
	_, err := host.Send(context.Background(), host.Customer, "a.png", pngBytes(t))
	require.NoError(t, err)
	exp.Reset()
	_, err = host.Client.Sweep(context.Background())
	require.NoError(t, err)
	_, _, err = host.Client.Storage().Get(context.Background(), "media/MEnone", nil)
	require.Error(t, err)
	assert.Empty(t, exp.GetSpans(), "calls outside a trace made spans")
}
