// Package postgres is the ledger on PostgreSQL, through
// github.com/jackc/pgx/v5/stdlib: the shared engine for many instances. A
// host that imports it links pgx and not SQLite.
package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger/sqlledger"
)

// postgresPool is how many connections Open keeps open at most.
const postgresPool = 16

// Open connects to the PostgreSQL database dsn names (a URL or
// keyword/value string, as pgx reads it) and returns a Ledger on it; Close
// closes the connection pool, of at most 16 connections.
//
// Its connections plan every query for its arguments (plan_cache_mode =
// force_custom_plan, unless dsn sets it): pgx prepares statements, and
// after a few runs PostgreSQL may switch to one generic plan, which for the
// sweep's "expired files in Seq order" walks the whole table in Seq order
// instead of looking the few expired files up by state. A caller who opens
// the *sql.DB for Open should set it too.
func Open(ctx context.Context, dsn string) (*sqlledger.Ledger, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, &errs.Error{Code: errs.InvalidArgument, Op: "sqlledger open postgres", Message: "invalid PostgreSQL DSN", Err: err}
	}
	if _, ok := cfg.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	db := stdlib.OpenDB(*cfg)
	// A fixed pool, every connection kept: database/sql keeps only two
	// idle connections by default, and under load every other query would
	// start a new server process.
	db.SetMaxOpenConns(postgresPool)
	db.SetMaxIdleConns(postgresPool)
	return sqlledger.Open(ctx, db, &sqlledger.Options{Dialect: sqlledger.Postgres, CloseDB: true})
}
