//go:build !race

package preview_test

// raceEnabled: see race_on_test.go.
const raceEnabled = false
