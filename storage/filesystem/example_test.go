package filesystem_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/attachkit/attachments/storage"
	"github.com/attachkit/attachments/storage/filesystem"
)

func ExampleOpen() {
	dir, err := os.MkdirTemp("", "attachments-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	b, err := filesystem.Open(dir, nil) // nil: defaults, fsync on
	if err != nil {
		panic(err)
	}
	defer b.Close()

	ctx := context.Background()
	for _, key := range []string{"media/CH1/b2", "media/CH1/a1", "media/CH2/c3"} {
		_, err := b.Put(ctx, key, strings.NewReader("bytes of "+key), storage.Metadata{
			ContentType: "image/png",
			FileName:    "photo.png",
			Owner:       "agent:bob",
		})
		if err != nil {
			panic(err)
		}
	}
	for info, err := range b.List(ctx, "media/CH1/") {
		if err != nil {
			panic(err)
		}
		fmt.Println(info.Key, info.Size)
	}
	// Output:
	// media/CH1/a1 21
	// media/CH1/b2 21
}
