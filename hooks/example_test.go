package hooks_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks"
	"github.com/attachkit/attachments/internal/hookstest"
)

// A business rule in a few lines: agents may not send files over 100 bytes.
func ExampleBefore() {
	f, _ := hookstest.Open()
	defer f.Close()
	c := f.Client

	remove, err := hooks.Before(c, func(_ context.Context, e hooks.Event) error {
		for _, m := range e.Media {
			if e.Side == attachments.SideAgent && m.Size > 100 {
				return attachments.Cancel("agents send files of at most 100 bytes")
			}
		}
		return nil
	}, hooks.UploadActions()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer remove()

	ctx := context.Background()
	_, err = f.Send(ctx, f.Customer, "small.png", hookstest.PNG(2, 2))
	fmt.Println("customer:", err)
	_, err = f.Send(ctx, f.Agent, "big.png", hookstest.PNG(200, 200))
	var e *errs.Error
	if errors.As(err, &e) {
		fmt.Println("agent:", e.Code, "-", e.Text())
	}
	// Output:
	// customer: <nil>
	// agent: canceled - agents send files of at most 100 bytes
}

// An after-listener sees every outcome.
func ExampleAfter() {
	f, _ := hookstest.Open()
	defer f.Close()

	remove, _ := hooks.After(f.Client, func(_ context.Context, e hooks.Event) {
		fmt.Println(e.Action, e.Code, e.Media[0].ContentType, e.Media[0].Size)
	}, hooks.UploadActions()...)
	defer remove()

	_, _ = f.Send(context.Background(), f.Customer, "a.png", hookstest.PNG(2, 2))
	// Output: SendMediaMessage ok image/png 75
}
