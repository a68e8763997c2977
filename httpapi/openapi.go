package httpapi

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/attachkit/attachments/errs"
)

// openAPI is the OpenAPI 3 document of the Handler's routes, mounted at
// DefaultPath.
//
//go:embed openapi.json
var openAPI []byte

// openAPIFor returns the document with path, where the Handler is mounted,
// as its server.
func openAPIFor(path string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		return nil, &errs.Error{Code: errs.Internal, Op: "httpapi openapi", Err: err}
	}
	doc["servers"] = []map[string]string{{"url": strings.TrimSuffix(path, "/")}}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, &errs.Error{Code: errs.Internal, Op: "httpapi openapi", Err: err}
	}
	return data, nil
}

// serveOpenAPI answers GET {path}openapi.json with the document: the
// contract of every route, body, status and error code, which clients
// generate code from. It needs no member: it describes, and reveals
// nothing about any channel.
func serveOpenAPI(doc []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-cache")
		_, _ = w.Write(doc)
	}
}
