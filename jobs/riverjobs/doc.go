// Package riverjobs is a durable jobs.Queue on River
// (github.com/riverqueue/river), in the database of a SQL ledger
// (ledger/sqlledger), SQLite or PostgreSQL.
//
// The jobs a ledger change causes (jobs.Trigger) are inserted in the
// change's own transaction, through the ledger's BeforeCommit hook: a change
// that rolls back enqueues nothing, and one that commits cannot lose its
// job. Jobs run at least once on any instance that started the Queue: a
// failed job is retried with River's backoff (attempt⁴ seconds, plus
// jitter) up to Options.MaxAttempts and then discarded, where
// Queue.Discarded counts it; a job whose instance died is taken over by
// another once River's rescuer finds it stuck (Options.RescueAfter).
// Periodic jobs (Queue.Janitor) are enqueued by the one instance River
// elects leader, so N instances sweep once.
//
// On PostgreSQL the driver is riverdriver/riverdatabasesql, not
// riverpgxv5: the ledger runs on database/sql (pgx's stdlib driver), and
// only a database/sql driver takes its *sql.Tx. Neither database/sql
// driver listens for River's notifications, so workers poll for new jobs
// every Options.PollInterval.
//
// River's tables (river_job, river_leader, …) are created beside the
// ledger's by New, with River's own migrations.
package riverjobs
