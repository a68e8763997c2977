package sqlledger

import (
	"context"
	"database/sql"
	"errors"
)

// DraftText implements ledger.Ledger.
func (l *Ledger) DraftText(ctx context.Context, channel, owner string) (string, error) {
	var text string
	err := l.db.QueryRowContext(ctx, l.q("SELECT text FROM drafts WHERE owner = $1 AND channel = $2"), owner, channel).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return text, l.fail(ctx, "ledger draft "+channel, err)
}

// SetDraftText implements ledger.Ledger.
func (l *Ledger) SetDraftText(ctx context.Context, channel, owner, text string) error {
	err := l.write(ctx, func(w querier) error {
		var err error
		if text == "" {
			_, err = w.ExecContext(ctx, l.q("DELETE FROM drafts WHERE owner = $1 AND channel = $2"), owner, channel)
		} else {
			_, err = w.ExecContext(ctx, l.q(`INSERT INTO drafts (owner, channel, text) VALUES ($1, $2, $3)
				ON CONFLICT (owner, channel) DO UPDATE SET text = excluded.text`), owner, channel, text)
		}
		return err
	})
	return l.fail(ctx, "ledger draft "+channel, err)
}

// ForgetOwner implements ledger.Ledger.
func (l *Ledger) ForgetOwner(ctx context.Context, owner string) error {
	err := l.write(ctx, func(w querier) error {
		_, err := w.ExecContext(ctx, l.q("DELETE FROM drafts WHERE owner = $1"), owner)
		return err
	})
	return l.fail(ctx, "ledger forget", err)
}
