package preview_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
)

// A phone photo stored sideways, with EXIF orientation 6 and the sender's
// GPS position, becomes an upright thumbnail and preview with neither.
func ExampleGoRenderer() {
	photo := previewtest.OrientedJPEG(6) // stored 480×640, shown 640×480

	r := preview.NewGoRenderer(nil)
	var thumb, prev bytes.Buffer
	rends, err := r.Render(context.Background(), bytes.NewReader(photo), []preview.Target{
		{Max: preview.Thumbnail, W: &thumb},
		{Max: preview.Preview, W: &prev},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, rend := range rends {
		fmt.Println(rend.Width, rend.Height, rend.ContentType, len(rend.BlurHash))
	}
	fmt.Println("GPS left:", bytes.Contains(thumb.Bytes(), []byte("GPS-SECRET")))
	// Output:
	// 320 240 image/jpeg 28
	// 640 480 image/jpeg 28
	// GPS left: false
}

// A decompression bomb is refused from its header, before decoding.
func ExampleGoRenderer_bomb() {
	bomb := previewtest.PNGHeader(100000, 100000) // 10 gigapixels in 66 bytes
	_, err := preview.NewGoRenderer(nil).Render(context.Background(), bytes.NewReader(bomb),
		[]preview.Target{{Max: preview.Thumbnail, W: &bytes.Buffer{}}})
	e := errs.As(err)
	fmt.Println(e.Code, e.Details.Reason, e.Details.Size)
	// Output:
	// file_too_large pixels 10000000000
}

// A server renders through one Pool, so a burst of uploads queues within
// the memory budget.
func ExamplePool() {
	pool := preview.NewPool(preview.NewGoRenderer(nil), &preview.PoolOptions{MemoryBudget: 256 << 20})
	var thumb bytes.Buffer
	rends, err := pool.Render(context.Background(), bytes.NewReader(previewtest.OrientedJPEG(1)),
		[]preview.Target{{Max: preview.Thumbnail, W: &thumb}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(rends[0].Width, rends[0].Height, rends[0].Size == int64(thumb.Len()))
	// Output:
	// 320 240 true
}

func ExampleProbe() {
	h, err := preview.Probe(bytes.NewReader(previewtest.OrientedJPEG(6)))
	if err != nil {
		log.Fatal(err)
	}
	w, ht := h.Upright()
	fmt.Println(h.Format, h.Width, h.Height, "orientation", h.Orientation, "shown", w, ht)
	// Output:
	// jpeg 480 640 orientation 6 shown 640 480
}

// Stripping keeps the picture bit for bit and its orientation, and drops
// the rest.
func ExampleStripJPEGMetadata() {
	photo := previewtest.OrientedJPEG(6)
	var private bytes.Buffer
	if err := preview.StripJPEGMetadata(&private, bytes.NewReader(photo)); err != nil {
		log.Fatal(err)
	}
	h, _ := preview.Probe(bytes.NewReader(private.Bytes()))
	fmt.Println("orientation", h.Orientation)
	for _, s := range []string{"GPS-SECRET", "COMMENT-SECRET", "xpacket"} {
		fmt.Println(s, bytes.Contains(private.Bytes(), []byte(s)))
	}
	// Output:
	// orientation 6
	// GPS-SECRET false
	// COMMENT-SECRET false
	// xpacket false
}
