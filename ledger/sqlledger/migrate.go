package sqlledger

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/attachkit/attachments/errs"
)

// migrations are the schema's versions: migrations[i] takes the schema from
// version i to i+1. A released migration never changes; a new version is a
// new entry.
var migrations = []func(d *dialect) []string{
	// 1: records, draft texts and the journal.
	func(d *dialect) []string {
		return []string{
			`CREATE TABLE media (
				seq ` + d.serial + `,
				sid TEXT NOT NULL UNIQUE,
				owner TEXT NOT NULL,
				side TEXT NOT NULL,
				channel TEXT NOT NULL,
				state TEXT NOT NULL,
				message_sid TEXT NOT NULL,
				store TEXT NOT NULL,
				location TEXT NOT NULL,
				file_name TEXT NOT NULL,
				content_type TEXT NOT NULL,
				size BIGINT NOT NULL,
				sha256 TEXT NOT NULL,
				renditions TEXT NOT NULL,
				created BIGINT NOT NULL,
				updated BIGINT NOT NULL
			)`,
			// The sweep: expired staged and drafted files.
			`CREATE INDEX media_state_updated ON media (state, updated)`,
			// EraseMember and Usage (owner), a draft's files and its limit
			// (owner, channel, state).
			`CREATE INDEX media_owner_channel_state ON media (owner, channel, state)`,
			// DeleteMessage: the files a message carries.
			`CREATE INDEX media_message ON media (message_sid)`,
			`CREATE TABLE drafts (
				owner TEXT NOT NULL,
				channel TEXT NOT NULL,
				text TEXT NOT NULL,
				PRIMARY KEY (owner, channel)
			)`,
			`CREATE TABLE journal (
				id ` + d.serial + `,
				time BIGINT NOT NULL,
				channel TEXT NOT NULL,
				entry TEXT NOT NULL
			)`,
			// Purge by time; a channel's entries newest first.
			`CREATE INDEX journal_time ON journal (time)`,
			`CREATE INDEX journal_channel ON journal (channel, id)`,
		}
	},
	// 2: the sweep reads only what it may sweep, and Check lists records
	// in SID order.
	func(d *dialect) []string {
		stmts := []string{
			// The sweep's two queries, expired files and deletes to finish,
			// read these and nothing else: they hold only the files not
			// yet sent (or being deleted), in Seq order, the order the
			// sweep pages in, with the time it filters by, so a pass reads
			// a few pages of them when nothing is due, however many files
			// are sent. They replace the index on (state, updated), which
			// held every record, and which PostgreSQL left for a walk of
			// the primary key in Seq order when nearly every record had
			// changed before the cutoff: a second a pass at 1M records.
			`CREATE INDEX media_expiring ON media (seq, updated) WHERE state IN ('uploading', 'staged', 'drafted')`,
			`CREATE INDEX media_deleted ON media (seq, updated) WHERE state = 'deleted'`,
			`DROP INDEX media_state_updated`,
		}
		if d.sidBytes != "sid" {
			stmts = append(stmts, `CREATE INDEX media_sid_bytes ON media (`+d.sidBytes+`)`)
		}
		return stmts
	},
	// 3: each owner's usage, kept by triggers (see usage.go).
	usageMigration,
}

// SchemaVersion is the schema version this code migrates a database to.
func SchemaVersion() int { return len(migrations) }

// migrate brings the schema to SchemaVersion in one transaction, under a
// lock that keeps other processes opening the same database waiting until
// it commits; they then find nothing left to do.
func (l *Ledger) migrate(ctx context.Context) error {
	const op = "sqlledger migrate"
	conn, err := l.db.Conn(ctx)
	if err != nil {
		return l.fail(ctx, op, err)
	}
	defer conn.Close()
	if err := l.d.beginMigration(ctx, conn); err != nil {
		return l.fail(ctx, op, err)
	}
	err = l.migrateIn(ctx, conn)
	if err == nil {
		_, err = conn.ExecContext(ctx, "COMMIT")
	}
	if err != nil {
		if _, rerr := conn.ExecContext(context.Background(), "ROLLBACK"); rerr != nil {
			// A connection still in the transaction must not go back to
			// the pool.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		return l.fail(ctx, op, err)
	}
	return nil
}

func (l *Ledger) migrateIn(ctx context.Context, conn *sql.Conn) error {
	if l.d.lockMigration != "" {
		if _, err := conn.ExecContext(ctx, l.d.lockMigration); err != nil {
			return err
		}
	}
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
		version INTEGER PRIMARY KEY, applied BIGINT NOT NULL)`); err != nil {
		return err
	}
	var v int
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&v); err != nil {
		return err
	}
	if v > len(migrations) {
		return &errs.Error{Code: errs.Unsupported, Op: "sqlledger migrate",
			Message: fmt.Sprintf("the ledger database has schema version %d, newer than this code knows (%d): upgrade the library", v, len(migrations))}
	}
	for ; v < len(migrations); v++ {
		for _, stmt := range migrations[v](l.d) {
			if _, err := conn.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("schema version %d: %w", v+1, err)
			}
		}
		if _, err := conn.ExecContext(ctx, l.q("INSERT INTO schema_version (version, applied) VALUES ($1, $2)"), v+1, time.Now().UnixNano()); err != nil {
			return err
		}
	}
	return nil
}
