package sqlledger

import (
	"context"
	"database/sql"
	"errors"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
)

// Each owner's usage is a row of media_usage, which triggers on media keep
// in the transaction that changes a record (see the migration that made
// them): Usage reads one row, and a quota is checked against it.

// usageMigration makes media_usage, fills it from the records there are,
// and the triggers that keep it.
func usageMigration(d *dialect) []string {
	// What a record (NEW or OLD) counts for, as ledger.Counted says.
	files := func(r string) string { return "CASE WHEN " + r + ".state <> 'deleted' THEN 1 ELSE 0 END" }
	bytes := func(r string) string { return "CASE WHEN " + r + ".state <> 'deleted' THEN " + r + ".size ELSE 0 END" }
	pending := func(r string) string {
		return "CASE WHEN " + r + ".state IN ('uploading', 'staged', 'drafted') THEN 1 ELSE 0 END"
	}
	stmts := []string{
		`CREATE TABLE media_usage (
			owner TEXT PRIMARY KEY,
			files BIGINT NOT NULL,
			bytes BIGINT NOT NULL,
			pending BIGINT NOT NULL
		)`,
		`INSERT INTO media_usage (owner, files, bytes, pending)
			SELECT owner, SUM(` + files("media") + `), SUM(` + bytes("media") + `), SUM(` + pending("media") + `)
			FROM media GROUP BY owner`,
	}
	if d.name == Postgres {
		return append(stmts,
			`CREATE FUNCTION media_usage_count() RETURNS trigger LANGUAGE plpgsql AS $fn$
			DECLARE
				o TEXT;
				f BIGINT := 0;
				b BIGINT := 0;
				p BIGINT := 0;
			BEGIN
				IF TG_OP <> 'DELETE' THEN
					o := NEW.owner;
					f := `+files("NEW")+`;
					b := `+bytes("NEW")+`;
					p := `+pending("NEW")+`;
				END IF;
				IF TG_OP <> 'INSERT' THEN
					o := OLD.owner;
					f := f - `+files("OLD")+`;
					b := b - `+bytes("OLD")+`;
					p := p - `+pending("OLD")+`;
				END IF;
				IF TG_OP = 'INSERT' OR f <> 0 OR b <> 0 OR p <> 0 THEN
					INSERT INTO media_usage AS u (owner, files, bytes, pending) VALUES (o, f, b, p)
					ON CONFLICT (owner) DO UPDATE SET files = u.files + excluded.files,
						bytes = u.bytes + excluded.bytes, pending = u.pending + excluded.pending;
				END IF;
				RETURN NULL;
			END
			$fn$`,
			`CREATE TRIGGER media_usage AFTER INSERT OR UPDATE OR DELETE ON media
				FOR EACH ROW EXECUTE FUNCTION media_usage_count()`)
	}
	delta := func(sign string, r string) string {
		return "files = files " + sign + " " + files(r) + ", bytes = bytes " + sign + " " + bytes(r) +
			", pending = pending " + sign + " " + pending(r)
	}
	change := "files = files + " + files("NEW") + " - " + files("OLD") + ", bytes = bytes + " + bytes("NEW") + " - " +
		bytes("OLD") + ", pending = pending + " + pending("NEW") + " - " + pending("OLD")
	return append(stmts,
		`CREATE TRIGGER media_usage_insert AFTER INSERT ON media BEGIN
			INSERT INTO media_usage (owner, files, bytes, pending)
			VALUES (NEW.owner, `+files("NEW")+`, `+bytes("NEW")+`, `+pending("NEW")+`)
			ON CONFLICT (owner) DO UPDATE SET files = files + excluded.files,
				bytes = bytes + excluded.bytes, pending = pending + excluded.pending;
		END`,
		`CREATE TRIGGER media_usage_update AFTER UPDATE OF state, size ON media
			WHEN `+files("NEW")+` <> `+files("OLD")+` OR `+bytes("NEW")+` <> `+bytes("OLD")+
			` OR `+pending("NEW")+` <> `+pending("OLD")+` BEGIN
			UPDATE media_usage SET `+change+` WHERE owner = NEW.owner;
		END`,
		`CREATE TRIGGER media_usage_delete AFTER DELETE ON media BEGIN
			UPDATE media_usage SET `+delta("-", "OLD")+` WHERE owner = OLD.owner;
		END`)
}

// Usage implements ledger.Ledger: one row.
func (l *Ledger) Usage(ctx context.Context, owner string) (ledger.Usage, error) {
	u, err := readUsage(ctx, l.db, l, owner)
	if err != nil {
		return ledger.Usage{}, l.fail(ctx, "ledger usage "+owner, err)
	}
	return u, nil
}

func readUsage(ctx context.Context, q querier, l *Ledger, owner string) (ledger.Usage, error) {
	var u ledger.Usage
	err := q.QueryRowContext(ctx, l.q("SELECT files, bytes, pending FROM media_usage WHERE owner = $1"), owner).
		Scan(&u.Files, &u.Bytes, &u.Pending)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Usage{}, nil
	}
	return u, err
}

// lockUsage reads owner's usage in tx, holding its row until tx ends, so
// that a quota checked against it holds when tx commits: a second writer
// for the same owner waits for the first.
func lockUsage(ctx context.Context, tx querier, l *Ledger, owner string) (ledger.Usage, error) {
	var u ledger.Usage
	err := tx.QueryRowContext(ctx, l.q(`INSERT INTO media_usage AS u (owner, files, bytes, pending) VALUES ($1, 0, 0, 0)
		ON CONFLICT (owner) DO UPDATE SET files = u.files RETURNING files, bytes, pending`), owner).
		Scan(&u.Files, &u.Bytes, &u.Pending)
	return u, err
}

// withinQuota runs write in tx between reading owner's usage under its lock
// and reading it again, and fails with errs.QuotaExceeded when q does not
// allow the difference.
func (l *Ledger) withinQuota(ctx context.Context, tx querier, owner string, q ledger.Quota, write func() error) error {
	before, err := lockUsage(ctx, tx, l, owner)
	if err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	after, err := readUsage(ctx, tx, l, owner)
	if err != nil {
		return err
	}
	return q.Check(before, after)
}

// ownerOf returns the owner of the record with the given SID, or
// errs.NotFound.
func (l *Ledger) ownerOf(ctx context.Context, q querier, sid string) (string, error) {
	var owner string
	err := q.QueryRowContext(ctx, l.q("SELECT owner FROM media WHERE sid = $1"), sid).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", &errs.Error{Code: errs.NotFound, Op: "ledger apply " + sid}
	}
	return owner, err
}
