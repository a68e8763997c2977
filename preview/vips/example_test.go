package vips_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
	"github.com/attachkit/attachments/preview/vips"
)

// Renderers from one Library, behind a Pool, which admits them by their
// own Estimate: libvips' small memory lets more renders run at once
// within the same budget.
func ExampleLibrary_Renderer() {
	r := preview.NewPool(lib.Renderer(nil), nil)
	var thumb bytes.Buffer
	rends, err := r.Render(context.Background(), bytes.NewReader(previewtest.OrientedJPEG(8)),
		[]preview.Target{{Max: preview.Thumbnail, W: &thumb}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rends[0].Width, rends[0].Height, rends[0].ContentType)
	// Output:
	// 320 240 image/jpeg
}

// The process's main starts libvips once, shares the renderers, and
// closes it on the way out. (Not run here: the test binary's libvips is
// started in TestMain, and libvips cannot start twice.)
func ExampleStart() {
	lib, err := vips.Start(&vips.Config{Concurrency: 1})
	if err != nil {
		log.Fatal(err) // libvips too old, or already shut down
	}
	defer lib.Close() // waits for renders under way

	thumbs := preview.NewPool(lib.Renderer(nil), nil)
	_ = thumbs // hand it to the code that renders
}
