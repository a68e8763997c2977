package gocloud_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"gocloud.dev/blob/memblob"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/gocloud"
)

// Example stores a blob in a gocloud bucket and reads part of it back. It
// uses memblob so that it runs anywhere; a host opens its real bucket with
// gocloud.Open or blob.OpenBucket and an s3://, gs:// or azblob:// URL.
func Example() {
	ctx := context.Background()
	b := gocloud.New(memblob.OpenBucket(nil), nil)
	defer b.Close()

	info, err := b.Put(ctx, "media/ME123", strings.NewReader("hello, agent"), storage.Metadata{
		ContentType: "text/plain; charset=utf-8",
		FileName:    "grüße.txt",
		Owner:       "customer-7",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Size, info.Metadata.FileName)

	rc, _, err := b.Get(ctx, "media/ME123", &storage.Range{Offset: 7, Length: -1})
	if err != nil {
		log.Fatal(err)
	}
	defer rc.Close()
	rest, _ := io.ReadAll(rc)
	fmt.Println(string(rest))

	// memblob cannot sign URLs; S3, GCS and Azure buckets can.
	_, err = b.SignedURL(ctx, "media/ME123", storage.SignedURLOptions{Expiry: 5 * time.Minute})
	fmt.Println(errors.Is(err, errs.Unsupported))
	// Output:
	// 12 grüße.txt
	// agent
	// true
}
