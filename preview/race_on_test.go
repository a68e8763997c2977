//go:build race

package preview_test

// raceEnabled: the race detector slows decoding about tenfold, so the
// costliest tests work on smaller images under it.
const raceEnabled = true
