package sqlledger_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/sqlledger/postgres"
	"github.com/attachkit/attachments/ledger/sqlledger/sqlite"
)

// sendOne records a file, attaches it to its owner's draft, sends it, and
// shows that a second send of the same file loses: the walk every driver
// takes a file through.
func sendOne(ctx context.Context, l ledger.Ledger) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	r := ledger.Record{SID: "ME1", Owner: "alice", Side: "customer", Channel: "CH1", State: ledger.Staged,
		FileName: "invoice.pdf", ContentType: "application/pdf", Size: 4096, Created: now, Updated: now}
	if err := l.Create(ctx, r); err != nil {
		log.Fatal(err)
	}
	attach := ledger.Change{SID: "ME1", From: []ledger.State{ledger.Staged}, To: ledger.Drafted,
		Owner: "alice", Channel: "CH1", Limit: 3, Now: now.Add(time.Second)}
	take := ledger.Change{SID: "ME1", From: []ledger.State{ledger.Drafted}, To: ledger.Sending, Owner: "alice", Now: now.Add(2 * time.Second)}
	if _, err := l.Apply(ctx, attach, take); err != nil {
		log.Fatal(err)
	}
	if _, err := l.Apply(ctx, take); errors.Is(err, errs.Conflict) {
		fmt.Println("a second send of the file: conflict")
	}
	sent, err := l.Apply(ctx, ledger.Change{SID: "ME1", From: []ledger.State{ledger.Sending}, To: ledger.Sent,
		SetMessageSID: "IM1", Now: now.Add(3 * time.Second)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sent[0].FileName, sent[0].State, sent[0].MessageSID)
}

func Example_sqlite() {
	dir, err := os.MkdirTemp("", "ledger")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	ctx := context.Background()
	l, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	sendOne(ctx, l)
	// Output:
	// a second send of the file: conflict
	// invoice.pdf sent IM1
}

// exampleDSN is the DSN of a new database on the test binary's server.
func exampleDSN() string {
	return server.DSN(server.NewDatabase())
}

func Example_postgres() {
	ctx := context.Background()
	dsn := exampleDSN() // e.g. "postgres://chat:secret@db.internal:5432/chat"
	l, err := postgres.Open(ctx, dsn)
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	sendOne(ctx, l)
	// Output:
	// a second send of the file: conflict
	// invoice.pdf sent IM1
}
