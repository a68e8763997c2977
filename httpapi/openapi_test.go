package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/attachkit/attachments/httpapi"
)

// TestOpenAPIServed checks that the Handler serves its OpenAPI document,
// without a member, with the path it is mounted at as the server.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t, &envOptions{handler: &httpapi.Options{Path: "/chat/files/"}})
	res, err := http.Get(e.url + "/chat/files/openapi.json")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Paths map[string]any `json:"paths"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&doc))
	assert.Equal(t, "3.0.3", doc.OpenAPI)
	require.Len(t, doc.Servers, 1)
	assert.Equal(t, "/chat/files", doc.Servers[0].URL, "the document should name the path the Handler is mounted at")
	assert.Contains(t, doc.Paths, "/uploads/{id}", "tus is part of the contract")
}
