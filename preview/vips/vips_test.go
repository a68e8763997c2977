package vips_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/attachkit/attachments/errs"
	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
	"github.com/attachkit/attachments/preview/vips"
)

// lib is the test binary's libvips, started once in TestMain: libvips
// cannot be restarted in a process.
var lib *vips.Library

func TestMain(m *testing.M) {
	var err error
	if lib, err = vips.Start(nil); err != nil {
		panic(err)
	}
	code := m.Run()
	if err := checkClose(); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, "FAIL: Close:", err)
		code = 1
	}
	os.Exit(code)
}

// checkClose closes the test binary's libvips, which only the last test
// can do, and checks what a host sees after: a render fails with Closed,
// and a second Close is harmless.
func checkClose() error {
	if err := lib.Close(); err != nil {
		return err
	}
	_, err := lib.Renderer(nil).Render(context.Background(), bytes.NewReader(previewtest.OrientedJPEG(1)),
		[]preview.Target{{Max: preview.Thumbnail, W: io.Discard}})
	if errs.CodeOf(err) != errs.Closed {
		return fmt.Errorf("a render after Close returned %v, want code closed", err)
	}
	// A second Start is not tried: govips' finalizers read its logging
	// settings without a lock, so the race detector would catch Start
	// setting them.
	return lib.Close()
}

func TestRenderer(t *testing.T) {
	previewtest.RunConformanceTests(t, previewtest.Harness{
		New: func(_ testing.TB, opts *preview.Options) preview.Renderer { return lib.Renderer(opts) },
	})
}
