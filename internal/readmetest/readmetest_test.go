package readmetest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const readme = "# Title\n\n" +
	"<!-- go: var c *attachments.Client; var mux *http.ServeMux -->\n" +
	"```go\n" +
	"h, err := httpapi.New(c, nil, nil) // the handlers\n" +
	"if err != nil { return err }\n" +
	"mux.Handle(\"/\", h)\n" +
	"```\n\n" +
	"Text.\n\n" +
	"```go\n" +
	"func TestX(t *testing.T) {}\n" +
	"```\n\n" +
	"```sh\nmake test\n```\n"

func TestParseFindsGoBlocksAndTheirPreambles(t *testing.T) {
	snippets := Parse([]byte(readme))
	require.Len(t, snippets, 2, "a Go block is lost, or a shell block taken for Go")
	assert.Equal(t, 5, snippets[0].Line, "errors would point at the wrong README line")
	assert.Equal(t, "var c *attachments.Client; var mux *http.ServeMux", snippets[0].Preamble)
	assert.Empty(t, snippets[1].Preamble, "a preamble leaks to a block it does not precede")
	assert.Equal(t, "httpapi", ModuleOf(snippets[0]), "a snippet that imports httpapi would be built where httpapi is out of reach")
	assert.Equal(t, "", ModuleOf(snippets[1]))
}

func TestSourceWrapsStatementsAndKeepsDeclarations(t *testing.T) {
	snippets := Parse([]byte(readme))
	src := snippets[0].source("README.md", "snippet1")
	for _, want := range []string{
		`"github.com/attachkit/attachments"`, `"github.com/attachkit/attachments/httpapi"`, `"net/http"`,
		"var c *attachments.Client\n", "func snippet() error {\n//line README.md:5\n", "\t_ = h\n", "\t_ = err\n",
	} {
		assert.Contains(t, src, want)
	}
	decls := snippets[1].source("README.md", "snippet2")
	assert.Contains(t, decls, "//line README.md:13\nfunc TestX(t *testing.T) {}")
	assert.NotContains(t, decls, "func snippet()", "declarations are wrapped in a function, where they cannot compile")
}
