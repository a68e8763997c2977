package vips_test

import (
	"os"
	"testing"

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
	lib.Close()
	os.Exit(code)
}

func TestRenderer(t *testing.T) {
	previewtest.Run(t, previewtest.Harness{
		New: func(_ testing.TB, opts *preview.Options) preview.Renderer { return lib.Renderer(opts) },
	})
}
