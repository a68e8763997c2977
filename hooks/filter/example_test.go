package filter_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/attachkit/attachments"
	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/hooks/filter"
	"github.com/attachkit/attachments/internal/hookstest"
)

// Refuse huge images, and keep PDFs to agents, in one call.
func ExampleInstall() {
	f, _ := hookstest.Open()
	defer f.Close()

	remove, err := filter.Install(f.Client, filter.Rules{
		MaxPixels: 1_000_000,
		OnlyFor:   map[string][]attachments.Side{"application/pdf": {attachments.SideAgent}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer remove()

	ctx := context.Background()
	show := func(who string, err error) {
		var e *errs.Error
		if errors.As(err, &e) {
			fmt.Printf("%s: %s - %s\n", who, e.Code, e.Text())
			return
		}
		fmt.Printf("%s: sent\n", who)
	}
	_, err = f.Send(ctx, f.Customer, "photo.png", hookstest.PNG(800, 600))
	show("customer photo", err)
	_, err = f.Send(ctx, f.Customer, "poster.png", hookstest.PNG(2000, 1000))
	show("customer poster", err)
	_, err = f.Send(ctx, f.Customer, "form.pdf", []byte("%PDF-1.4\n%%EOF\n"))
	show("customer pdf", err)
	_, err = f.Send(ctx, f.Agent, "terms.pdf", []byte("%PDF-1.4\n%%EOF\n"))
	show("agent pdf", err)
	// Output:
	// customer photo: sent
	// customer poster: file_too_large - the image is too large (2000×1000 pixels); send one at most 1000000 pixels in all
	// customer pdf: type_not_allowed - you cannot send this type of file here
	// agent pdf: sent
}
