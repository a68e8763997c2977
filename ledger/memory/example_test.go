package memory_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/ledger"
	"github.com/attachkit/attachments/ledger/memory"
)

func ExampleNew() {
	ctx := context.Background()
	l := memory.New()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	if err := l.Create(ctx, ledger.Record{SID: "ME1", Owner: "alice", Channel: "CH1", State: ledger.Staged,
		FileName: "invoice.pdf", Created: now, Updated: now}); err != nil {
		fmt.Println(err)
		return
	}
	// Two sends race for the file: one takes it, the other gets Conflict.
	take := ledger.Change{SID: "ME1", From: []ledger.State{ledger.Staged}, To: ledger.Sending, Owner: "alice", Now: now.Add(time.Second)}
	for range 2 {
		if _, err := l.Apply(ctx, take); errors.Is(err, errs.Conflict) {
			fmt.Println("the second send: conflict")
		} else if err == nil {
			fmt.Println("the first send took ME1")
		}
	}
	// Output:
	// the first send took ME1
	// the second send: conflict
}
