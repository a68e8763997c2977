package memory_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/memory"
)

func ExampleNew() {
	ctx := context.Background()
	b := memory.New()
	defer b.Close()

	info, err := b.Put(ctx, "media/CH1/7c9e", strings.NewReader("hello, agent"), storage.Metadata{
		ContentType: "text/plain",
		FileName:    "greeting.txt",
		Owner:       "customer:alice",
		Channel:     "CH1",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Key, info.Size)

	rc, info, err := b.Get(ctx, "media/CH1/7c9e", &storage.Range{Offset: 7, Length: 5})
	if err != nil {
		panic(err)
	}
	defer rc.Close()
	part, _ := io.ReadAll(rc)
	fmt.Printf("%s from %s\n", part, info.Metadata.FileName)

	_, err = b.Stat(ctx, "media/CH1/missing")
	fmt.Println(errors.Is(err, errs.NotFound))
	// Output:
	// media/CH1/7c9e 12
	// agent from greeting.txt
	// true
}
