package e2e_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/otel"
)

// A refused action's span has the error's code as its outcome and status,
// never the error's text.
func TestRefusedActionSpan(t *testing.T) {
	tr, exp := newTracing(t, false, false)
	host := tracedHost(t, tr)
	_, err := host.Send(context.Background(), attachments.Member{Identity: "stranger"}, "a.png", pngBytes(t))
	require.ErrorIs(t, err, errs.PermissionDenied)
	spans := find(exp.GetSpans(), "SendMediaMessage", otel.OutcomeKey.String(string(errs.PermissionDenied)))
	require.Len(t, spans, 1, "the refused action's span has its code as outcome")
	assert.Equal(t, codes.Error, spans[0].Status.Code)
	assert.Equal(t, string(errs.PermissionDenied), spans[0].Status.Description, "the status is the code, not the message")
}
