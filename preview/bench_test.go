package preview_test

import (
	"sync"
	"testing"

	"github.com/attachkit/attachments/preview"
	"github.com/attachkit/attachments/preview/previewtest"
)

// photo12MP is a 4000×3000 JPEG of previewtest.Photo, made once.
var photo12MP = sync.OnceValue(func() []byte { return previewtest.PhotoJPEG(4000, 3000) })

func BenchmarkThumbnail12MP(b *testing.B) {
	previewtest.BenchThumbnail(b, preview.NewGoRenderer(nil), photo12MP())
}

func BenchmarkThumbnail12MPBaseline(b *testing.B) {
	previewtest.BenchBaseline(b, photo12MP())
}
