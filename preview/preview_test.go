package preview_test

import (
	"testing"

	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
)

func TestGoRenderer(t *testing.T) {
	previewtest.RunConformanceTests(t, previewtest.Harness{
		New: func(_ testing.TB, opts *preview.Options) preview.Renderer { return preview.NewGoRenderer(opts) },
	})
}
