package vips_test

import (
	"sync"
	"testing"

	"github.com/attachkit/attachments/preview/internal/previewbench"
	"github.com/attachkit/attachments/preview/previewtest"
)

// photo12MP is a 4000×3000 JPEG of previewtest.Photo, made once.
var photo12MP = sync.OnceValue(func() []byte { return previewtest.PhotoJPEG(4000, 3000) })

func BenchmarkThumbnail12MPVips(b *testing.B) {
	previewbench.BenchThumbnail(b, lib.Renderer(nil), photo12MP())
}

// BenchmarkThumbnail12MPVipsBaseline is Mattermost's approach, as in the
// preview module, measured in this run so the ratio is from one run.
func BenchmarkThumbnail12MPVipsBaseline(b *testing.B) {
	previewbench.BenchBaseline(b, photo12MP())
}
