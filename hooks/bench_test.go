package hooks_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/hooks"
	"github.com/attachkit/attachments/ledger"
	ledgermemory "github.com/attachkit/attachments/ledger/memory"
)

// nopJournal keeps no journal, so a benchmark does not measure a growing
// one.
type nopJournal struct{ *ledgermemory.Ledger }

func (nopJournal) Append(context.Context, ledger.Entry) error { return nil }

// BenchmarkListener measures what a listener added through hooks costs an
// action, against a listener added to the registry directly (the baseline)
// and against none. The action is SendMessage with its guard and a no-op
// implementation, so that only dispatch is measured.
func BenchmarkListener(b *testing.B) {
	ctx := context.Background()
	alice := attachments.Member{Identity: "alice"}
	run := func(b *testing.B, install func(c *attachments.Client)) {
		members := &attachmentstest.Members{}
		_ = members.SetRole(ctx, "CH1", alice.Identity, attachments.RoleCustomer)
		c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, members, &attachments.Options{Ledger: nopJournal{ledgermemory.New()}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close(context.Background())
		_ = attachments.Replace(c.Registry(), attachments.SendMessage,
			func(context.Context, attachments.SendMessagePayload, func(context.Context, attachments.SendMessagePayload) (attachments.SendMessageResult, error)) (attachments.SendMessageResult, error) {
				return attachments.SendMessageResult{}, nil
			})
		if install != nil {
			install(c)
		}
		p := attachments.SendMessagePayload{Channel: "CH1", Sender: alice, Body: "hello"}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := attachments.Invoke(ctx, c.Registry(), attachments.SendMessage, p); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("none", func(b *testing.B) { run(b, nil) })
	b.Run("baseline-OnBefore", func(b *testing.B) {
		run(b, func(c *attachments.Client) {
			_, _ = attachments.OnBefore(c.Registry(), attachments.SendMessage,
				func(_ context.Context, p attachments.SendMessagePayload) (attachments.SendMessagePayload, error) {
					return p, nil
				})
		})
	})
	b.Run("hooks.Before", func(b *testing.B) {
		run(b, func(c *attachments.Client) {
			_, _ = hooks.Before(c, func(context.Context, hooks.Event) error { return nil }, "SendMessage")
		})
	})
	b.Run("baseline-OnAfter", func(b *testing.B) {
		run(b, func(c *attachments.Client) {
			_, _ = attachments.OnAfter(c.Registry(), attachments.SendMessage,
				func(context.Context, attachments.SendMessagePayload, attachments.SendMessageResult, error) {})
		})
	})
	b.Run("hooks.After", func(b *testing.B) {
		run(b, func(c *attachments.Client) {
			_, _ = hooks.After(c, func(context.Context, hooks.Event) {}, "SendMessage")
		})
	})
}
