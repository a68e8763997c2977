package attachments_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
)

type spanKey struct{}

// recorder is an Options.Trace that records each span it starts and what
// ended it, and marks the context it returns with the span's number.
type recorder struct {
	mu    sync.Mutex
	spans []*span
}

type span struct {
	action, channel string
	ends            int
	err             error
}

func (r *recorder) start(ctx context.Context, action, channel string) (context.Context, func(error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &span{action: action, channel: channel}
	r.spans = append(r.spans, s)
	return context.WithValue(ctx, spanKey{}, s), func(err error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		s.ends++
		s.err = err
	}
}

// spanLedger notes the span in the context of each ledger Create.
type spanLedger struct {
	ledger.Ledger
	mu      sync.Mutex
	creates []any
}

func (l *spanLedger) Create(ctx context.Context, r ledger.Record, q ...ledger.Quota) error {
	l.mu.Lock()
	l.creates = append(l.creates, ctx.Value(spanKey{}))
	l.mu.Unlock()
	return l.Ledger.Create(ctx, r, q...)
}

// Options.Trace wraps each Invoke: one span per action, with its name and
// channel, whose context every step (guard, ledger, listeners) runs in, and
// ended once with the error Invoke returns.
func TestTraceWrapsEachInvoke(t *testing.T) {
	rec := &recorder{}
	l := &spanLedger{Ledger: ledgermemory.New()}
	host := attachmentstest.NewClient(t, attachments.DefaultConfig(), &attachments.Options{Trace: rec.start, Ledger: l})
	reg := host.Client.Registry()
	var before, after []any
	_, err := attachments.OnBefore(reg, attachments.SendMediaMessage,
		func(ctx context.Context, p attachments.SendMediaMessagePayload) (attachments.SendMediaMessagePayload, error) {
			before = append(before, ctx.Value(spanKey{}))
			return p, nil
		})
	require.NoError(t, err)
	_, err = attachments.OnAfter(reg, attachments.SendMediaMessage,
		func(ctx context.Context, _ attachments.SendMediaMessagePayload, _ attachments.SendMediaMessageResult, _ error) {
			after = append(after, ctx.Value(spanKey{}))
		})
	require.NoError(t, err)

	_, err = host.Send(context.Background(), host.Customer, "a.png", pngBytes(t, 8, 8))
	require.NoError(t, err)
	_, err = host.Send(context.Background(), attachments.Member{Identity: "stranger"}, "a.png", pngBytes(t, 8, 8))
	require.ErrorIs(t, err, errs.PermissionDenied)

	require.Len(t, rec.spans, 2, "one span per Invoke")
	ok, refused := rec.spans[0], rec.spans[1]
	for _, s := range rec.spans {
		assert.Equal(t, "SendMediaMessage", s.action)
		assert.Equal(t, attachmentstest.Channel, s.channel, "the span names the guard's channel")
		assert.Equal(t, 1, s.ends, "a span is ended exactly once")
	}
	assert.NoError(t, ok.err)
	assert.ErrorIs(t, refused.err, errs.PermissionDenied, "end sees the error Invoke returns")
	assert.Equal(t, []any{ok}, before, "the before-listener runs in the span's context")
	assert.Equal(t, []any{ok, refused}, after, "after-listeners run in the span's context")
	require.NotEmpty(t, l.creates)
	assert.Equal(t, ok, l.creates[0], "the guard's ledger calls run in the span's context")
}

// A host's own action is traced too, by Invoke and InvokeName, with no
// channel; a registry the host made itself traces nothing.
func TestTraceHostActions(t *testing.T) {
	rec := &recorder{}
	host := attachmentstest.NewClient(t, attachments.DefaultConfig(), &attachments.Options{Trace: rec.start})
	reg := host.Client.Registry()
	require.NoError(t, attachments.Register(reg, echo, func(_ context.Context, p echoIn) (echoOut, error) {
		return echoOut(p), nil
	}))
	_, err := attachments.Invoke(context.Background(), reg, echo, echoIn{Text: "x"})
	require.NoError(t, err)
	_, err = reg.InvokeName(context.Background(), "Echo", echoIn{Text: "y"})
	require.NoError(t, err)
	require.Len(t, rec.spans, 2)
	for _, s := range rec.spans {
		assert.Equal(t, span{action: "Echo", ends: 1}, *s)
	}

	var own attachments.Registry
	require.NoError(t, attachments.Register(&own, echo, func(_ context.Context, p echoIn) (echoOut, error) { return echoOut(p), nil }))
	_, err = attachments.Invoke(context.Background(), &own, echo, echoIn{})
	require.NoError(t, err)
	assert.Len(t, rec.spans, 2, "a registry New did not make is not traced")
}
