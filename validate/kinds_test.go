package validate

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestEveryKnownTypeHasWords checks that every type the package sniffs, and
// every extension it knows, can be named to a person without a MIME type:
// a refused executable must be called a program whatever its kind.
func TestEveryKnownTypeHasWords(t *testing.T) {
	for ct := range dangerousTypes {
		assert.NotEmpty(t, kindOf(ct), "a refused %s would not be named as a program or script", ct)
	}
	for ext, f := range formats {
		for _, ct := range f.accepts {
			assert.NotEmpty(t, kindOf(ct), "content of type %s (for .%s) would not be named", ct, ext)
		}
		k := kindOfExtension(ext)
		assert.False(t, strings.Contains(k, "/"), "the words for .%s hold a MIME type: %q", ext, k)
	}
	assert.Equal(t, "a .7z file", kindOf("application/x-7z-compressed"), "a type only filetype knows is named by its extension")
	assert.Empty(t, kindOf(typeOctetStream), "unknown content must not be named")
}
