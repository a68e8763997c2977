package preview

// Shrink exposes the renderer's resize, before encoding, to the quality
// test.
var Shrink = shrink
