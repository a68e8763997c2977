package chat

import (
	"net/http"
	"strings"
)

// linkCache makes the download links' answers revalidate: the library
// lets a browser keep a file for as long as its link lives (Cache-Control:
// private, max-age), so a picture deleted since would still show from the
// cache. With no-cache the browser asks each time (a 304, thanks to the
// ETag, while the file lives) and a deleted file's link answers 404.
func linkCache(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&revalidateWriter{ResponseWriter: w}, r)
	})
}

// revalidateWriter turns a successful answer's Cache-Control into
// "private, no-cache" as the header goes out.
type revalidateWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *revalidateWriter) WriteHeader(status int) {
	if !w.wrote {
		w.wrote = true
		if h := w.Header(); strings.Contains(h.Get("Cache-Control"), "max-age") {
			h.Set("Cache-Control", "private, no-cache")
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *revalidateWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *revalidateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
