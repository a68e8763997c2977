package e2e_test

import (
	"testing"

	"github.com/attachkit/attachments/internal/readmetest"
)

// TestReadmeSnippetsCompile builds the Go snippets of the repository's
// README.md that import this module, here, where their imports resolve.
func TestReadmeSnippetsCompile(t *testing.T) {
	readmetest.Check(t, "../../../README.md", ".", "otel")
}
