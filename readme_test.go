package attachments_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/internal/readmetest"
)

// TestReadmeSnippetsCompile builds every Go snippet of README.md that
// imports only this module; the nested modules build theirs in their own
// readme tests. A snippet that stops compiling fails here, at its README
// line.
func TestReadmeSnippetsCompile(t *testing.T) {
	data, err := os.ReadFile("README.md")
	require.NoError(t, err)
	snippets := readmetest.Parse(data)
	require.NotEmpty(t, snippets, "README.md has no Go snippets: the parser lost them")
	for _, s := range snippets {
		m := readmetest.ModuleOf(s)
		if m != "" {
			// The module's own readme test, or its test module's, when the
			// snippet needs what only tests require (otel's SDK).
			_, err := os.Stat(m + "/readme_test.go")
			if os.IsNotExist(err) {
				_, err = os.Stat(m + "/internal/e2e/readme_test.go")
			}
			assert.NoError(t, err, "README.md:%d imports module %s, whose readme_test.go would build it", s.Line, m)
		}
	}
	readmetest.Check(t, "README.md", ".", "")
}
