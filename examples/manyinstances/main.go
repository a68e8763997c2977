// Command manyinstances shows what several instances of a chat backend
// share to serve attachments behind a load balancer, with no sticky
// sessions: one bucket (S3 here), one ledger (PostgreSQL) and one link
// signing key. Everything else — each instance's Client, its database pool,
// its bucket handle, its link server, its clock — is its own.
//
//	go run . -dsn postgres://chat@db/chat -bucket 's3://media?region=eu-west-1' -key /etc/chat/link.key
//
// It starts one instance (one Client) and serves its download links; run it
// again on another machine with the same flags for a second. The test runs
// two instances against a real PostgreSQL and a real S3 server.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/attachmentstest"
	"github.com/attachkit/attachments/ledger/sqlledger"
	"github.com/attachkit/attachments/ledger/sqlledger/postgres"
	"github.com/attachkit/attachments/links"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/gocloud/s3"
)

// Shared is what every instance must share.
type Shared struct {
	DSN     string    // the ledger's PostgreSQL
	Bucket  string    // the gocloud URL of the media bucket
	LinkKey links.Key // the key download links are signed with
}

// Instance is one instance of the backend: a Client of its own over the
// shared bucket, ledger and link key.
type Instance struct {
	Client *attachments.Client
	ledger *sqlledger.Ledger
	store  *storage.Bucket
}

// Open starts an instance. chat and members are the host's own, shared by
// the instances as the host shares them (its database, its directory).
func Open(ctx context.Context, s Shared, chat attachments.Transport, members attachments.Members, opts *attachments.Options) (*Instance, error) {
	l, err := postgres.Open(ctx, s.DSN)
	if err != nil {
		return nil, err
	}
	store, err := s3.Open(ctx, s.Bucket, nil)
	if err != nil {
		l.Close()
		return nil, err
	}
	signer, err := links.NewSigner(s.LinkKey, nil)
	if err != nil {
		l.Close()
		store.Close()
		return nil, err
	}
	dl, err := links.New(store, signer, "/attachments/dl/", nil)
	if err != nil {
		l.Close()
		store.Close()
		return nil, err
	}
	o := attachments.Options{}
	if opts != nil {
		o = *opts
	}
	o.Storage, o.Ledger, o.Links = store, l, dl
	c, err := attachments.New(attachments.DefaultConfig(), chat, members, &o)
	if err != nil {
		l.Close()
		store.Close()
		return nil, err
	}
	return &Instance{Client: c, ledger: l, store: store}, nil
}

// Close stops the instance: its Client's background work, within ctx, then
// its ledger and storage.
func (i *Instance) Close(ctx context.Context) error {
	err := i.Client.Close(ctx)
	if lerr := i.ledger.Close(); err == nil {
		err = lerr
	}
	if serr := i.store.Close(); err == nil {
		err = serr
	}
	return err
}

func main() {
	dsn := flag.String("dsn", "", "the ledger's PostgreSQL `DSN`, shared by every instance")
	bucket := flag.String("bucket", "", "the media bucket's gocloud `URL`, shared by every instance")
	keyFile := flag.String("key", "", "a `file` holding the link signing key (at least 32 bytes), shared by every instance")
	addr := flag.String("addr", "127.0.0.1:8080", "where to serve download links")
	flag.Parse()
	if err := run(context.Background(), *dsn, *bucket, *keyFile, *addr, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "manyinstances:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, dsn, bucket, keyFile, addr string, w io.Writer) error {
	if dsn == "" || bucket == "" || keyFile == "" {
		return fmt.Errorf("-dsn, -bucket and -key are required")
	}
	secret, err := os.ReadFile(keyFile)
	if err != nil {
		return err
	}
	inst, err := Open(ctx, Shared{DSN: dsn, Bucket: bucket, LinkKey: links.Key{ID: "k1", Secret: []byte(strings.TrimSpace(string(secret)))}},
		&attachmentstest.Transport{}, &attachmentstest.Members{}, &attachments.Options{Logger: slog.Default()})
	if err != nil {
		return err
	}
	defer inst.Close(context.Background())
	fmt.Fprintf(w, "instance serving download links at http://%s%s\n", addr, "/attachments/dl/")
	mux := http.NewServeMux()
	mux.Handle("/attachments/dl/", inst.Client.Links())
	return http.ListenAndServe(addr, mux)
}
