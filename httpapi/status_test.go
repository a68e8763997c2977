package httpapi

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/errs"
)

// errsCodes reads every Code constant declared in package errs from its
// source, so a code added there without a row in the table fails here.
func errsCodes(t *testing.T) []errs.Code {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join("..", "errs", "errs.go"), nil, 0)
	require.NoError(t, err)
	var codes []errs.Code
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				require.True(t, ok, "a Code constant that is not a string literal")
				s, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				codes = append(codes, errs.Code(s))
			}
		}
	}
	require.Greater(t, len(codes), 20, "the parser found too few codes to be reading errs.go")
	return codes
}

func TestStatusCoversEveryCode(t *testing.T) {
	for _, code := range errsCodes(t) {
		s, ok := statuses[code]
		assert.True(t, ok, "errs.%s has no HTTP status: every host would answer it 500", code)
		assert.True(t, s >= 400 && s < 600, "errs.%s maps to %d, not an error status", code, s)
		assert.Equal(t, s, Status(code))
	}
	assert.Len(t, statuses, len(errsCodes(t)), "the table has a row for a code errs no longer has")
}

func TestStatus(t *testing.T) {
	// The codes hosts disagreed on, and the ones a client acts on.
	tests := map[errs.Code]int{
		errs.FileTooLarge:     http.StatusRequestEntityTooLarge,
		errs.TypeMismatch:     http.StatusUnsupportedMediaType,
		errs.Canceled:         http.StatusUnprocessableEntity,
		errs.DuplicateFile:    http.StatusConflict,
		errs.PermissionDenied: http.StatusForbidden,
		errs.NotFound:         http.StatusNotFound,
		errs.RateLimited:      http.StatusTooManyRequests,
		errs.TooManyUploads:   http.StatusTooManyRequests,
		errs.QuotaExceeded:    http.StatusRequestEntityTooLarge,
		errs.UploadIncomplete: http.StatusBadRequest,
		errs.Unavailable:      http.StatusServiceUnavailable,
		errs.Internal:         http.StatusInternalServerError,
		"no_such_code":        http.StatusInternalServerError,
	}
	for code, want := range tests {
		assert.Equal(t, want, Status(code), "a client would misread %s", code)
	}
}

// TestOpenAPIListsEveryCode checks that the OpenAPI document's error codes
// are errs' codes, so a client generated from it knows every code it may
// be answered with, and every status Status gives is a response of the
// document.
func TestOpenAPIListsEveryCode(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas struct {
				ErrorCode struct {
					Enum []errs.Code `json:"enum"`
				} `json:"ErrorCode"`
			} `json:"schemas"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(openAPI, &doc))
	assert.ElementsMatch(t, errsCodes(t), doc.Components.Schemas.ErrorCode.Enum, "the document's codes should be errs' codes")
	for _, code := range errsCodes(t) {
		assert.Contains(t, doc.Components.Responses, fmt.Sprintf("E%d", Status(code)), "the document has no response for %s's status", code)
	}
}
