package preview

// Shrink exposes the renderer's resize, before encoding, to the quality
// test, and BoxYCbCr its first stage to the test of its arithmetic.
var (
	Shrink   = shrink
	BoxYCbCr = boxYCbCr
)
