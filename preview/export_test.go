package preview

// Shrink exposes the renderer's resize, before encoding, to the quality
// test, BoxYCbCr its first stage to the test of its arithmetic, and
// ParallelRows its fan-out to the test of its panics.
var (
	Shrink       = shrink
	BoxYCbCr     = boxYCbCr
	ParallelRows = parallelRows
)
