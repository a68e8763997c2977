package preview_test

import (
	"os"
	"path/filepath"
)

// readTestdata reads a fixture from previewtest's testdata directory.
func readTestdata(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("previewtest", "testdata", name))
}
