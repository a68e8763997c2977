package chat

import (
	"net/http"

	"github.com/attachkit/attachments/httpapi"
)

// fail answers r with err as the library's API does (httpapi.WriteError:
// an httpapi.ErrorBody with the status httpapi.Status gives its code), so
// the page reads one shape of refusal from both APIs. The error's cause,
// which may name paths and addresses, is only logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := httpapi.WriteError(w, err)
	if status >= 500 {
		s.log.Error("webchat: request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	} else {
		s.log.Debug("webchat: request refused", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
}
