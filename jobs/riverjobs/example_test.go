package riverjobs_test

import (
	"context"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/jobs/riverjobs"
	"github.com/attachkit/attachments/ledger/sqlledger/sqlite"
	"github.com/attachkit/attachments/preview"
)

// Example wires durable jobs on SQLite: renditions are inserted with the
// send that causes them, and the janitor runs on one elected instance.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "riverjobs-example")
	defer os.RemoveAll(dir)
	l, err := sqlite.Open(ctx, filepath.Join(dir, "ledger.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	q, err := riverjobs.New(ctx, l, nil)
	if err != nil {
		log.Fatal(err)
	}
	// SweepInterval -1: the Queue's periodic job sweeps instead.
	c, err := attachments.New(attachments.DefaultConfig(), &attachmentstest.Transport{}, &attachmentstest.Members{},
		&attachments.Options{Ledger: l, SweepInterval: -1})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := preview.Attach(c, preview.NewGoRenderer(nil), &preview.AttachOptions{Jobs: q}); err != nil {
		log.Fatal(err)
	}
	if err := q.Janitor(c, time.Minute); err != nil {
		log.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		log.Fatal(err)
	}
	// … serve; then stop the work within a bound.
	stop, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := q.Stop(stop); err != nil {
		log.Fatal(err)
	}
}
